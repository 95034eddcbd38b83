/**
 * Accessibility (#15 tests): axe (@axe-core/playwright) on every view of the console, in Chromium
 * against two real terminals: sign-in, a channel with a FLASH (messages, charter, composer), the
 * dialogue tab, propose a channel, the operations screen and the wallboard; in English and Arabic
 * (right to left). No serious or critical violation.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from '../e2e/harness.js';
import { CHROMIUM_ARGS, chromiumLaunch } from './chromium.js';
import { CHROMIUM, ensureConsoleBuilt, fillSignIn, secretsOf } from './console-kit.js';

/** The serious and critical violations axe finds on the page, as "rule: target" lines. */
async function violations(page: Page, view: string): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.slice(0, 3).map((n) => `${view}: ${v.id} (${v.impact}) at ${n.target.join(' ')}`));
}

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('console accessibility (axe in Chromium)', () => {
  it('has no serious or critical axe violation on any view', { timeout: 180_000 }, async () => {
    if (CHROMIUM.kind === 'none') throw new Error(`no browser for the console test: ${CHROMIUM.reason}`);
    const browser = chromiumLaunch(CHROMIUM);
    await ensureConsoleBuilt();
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const channel = await h.openChannel(us, cn, { title: { en: 'Air incidents', zh: '空中事件', ar: 'حوادث جوية' }, tier: 'military', parties: ['CN'], ackDeadlineSec: { FLASH: 600 }, linkTestIntervalSec: 86_400 });
    const wang = secretsOf((await cn.cli(['officer', 'add', 'Amb Wang', '--title', 'Ambassador', '--role', 'plenipotentiary']).then(check('officer add'))).stdout);
    const text = 'Unidentified aircraft closing on your patrol: respond.';
    await us.cli(['send', channel, text, '--precedence', 'FLASH']).then(check('send'));
    await waitFor('CN to hold the FLASH', async () => (await cn.messages(channel)).some((m) => m.text === text));

    const profile = mkdtempSync(join(tmpdir(), 'hotline-chromium-'));
    h.defer(() => rmSync(profile, { recursive: true, force: true }));
    let context: BrowserContext | undefined;
    const found: string[] = [];
    try {
      context = await chromium.launchPersistentContext(profile, { executablePath: browser.executablePath, env: { ...process.env, ...browser.env }, headless: true, args: [...CHROMIUM_ARGS], viewport: { width: 1280, height: 900 } });
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${cn.officerUrl}/console/`);
      await page.getByTestId('signin-party').waitFor({ timeout: 5000 });
      found.push(...(await violations(page, 'sign-in')));
      await fillSignIn(page, 'Amb Wang', wang);
      await page.getByRole('button', { name: /Sign in/ }).click();
      await page.getByTestId('flash-banner').waitFor({ timeout: 5000 });
      await page.getByRole('button', { name: /Air incidents/ }).first().click();
      await page.locator('[data-testid=message]', { hasText: text }).waitFor({ timeout: 10_000 });
      await page.getByTestId('charter').locator('summary').click();
      found.push(...(await violations(page, 'channel')));
      await page.getByTestId('tab-dialogue').click();
      await page.waitForTimeout(500);
      found.push(...(await violations(page, 'dialogue')));
      await page.getByTestId('propose-open').click();
      await page.getByTestId('propose-form').waitFor();
      found.push(...(await violations(page, 'propose')));
      await page.goto(`${cn.officerUrl}/console/#ops`);
      await page.waitForTimeout(1500);
      found.push(...(await violations(page, 'operations')));
      await page.goto(`${cn.officerUrl}/console/#wall`);
      await page.getByTestId('wallboard').waitFor({ timeout: 10_000 });
      await page.waitForTimeout(500);
      found.push(...(await violations(page, 'wallboard')));
      // Right to left, in Arabic.
      await page.goto(`${cn.officerUrl}/console/`);
      await page.getByRole('combobox').filter({ hasText: 'English' }).selectOption('ar');
      await page.getByRole('button', { name: /حوادث جوية/ }).first().click();
      await page.locator('[data-testid=message]', { hasText: text }).waitFor({ timeout: 10_000 });
      found.push(...(await violations(page, 'channel (ar)')));
      expect(found).toEqual([]);
    } finally {
      await context?.close();
    }
  });
});

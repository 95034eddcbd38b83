/**
 * Accessibility (#15 tests): axe (@axe-core/playwright) on every view of the console, in Chromium
 * against two real terminals: sign-in, a channel with a FLASH (messages, charter, composer), the
 * dialogue tab, propose a channel, the operations screen, the wallboard and verify a file; in English and Arabic
 * (right to left). No serious or critical violation.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { check, waitFor } from '../e2e/harness.js';
import { CHROMIUM, consoleSetup, fillSignIn } from './console-kit.js';

/** The serious and critical violations axe finds on the page, as "rule: target" lines. */
async function violations(page: Page, view: string): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.slice(0, 3).map((n) => `${view}: ${v.id} (${v.impact}) at ${n.target.join(' ')}`));
}

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('console accessibility (axe in Chromium)', () => {
  it('has no serious or critical axe violation on any view', { timeout: 180_000 }, async () => {
    const { a: us, b: cn, channel, secrets, page, close } = await consoleSetup({
      parties: [['US', 'United States'], ['CN', 'China']],
      channel: { title: { en: 'Air incidents', zh: '空中事件', ar: 'حوادث جوية' }, tier: 'military', parties: ['CN'], ackDeadlineSec: { FLASH: 600 }, linkTestIntervalSec: 86_400 },
      officers: [{ at: 'b', name: 'Amb Wang', title: 'Ambassador', role: 'plenipotentiary' }],
    });
    const wang = secrets['Amb Wang']!;
    const found: string[] = [];
    try {
      const text = 'Unidentified aircraft closing on your patrol: respond.';
      await us.cli(['send', channel, text, '--precedence', 'FLASH']).then(check('send'));
      await waitFor('CN to hold the FLASH', async () => (await cn.messages(channel)).some((m) => m.text === text));
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
      await page.goto(`${cn.officerUrl}/console/#verify`);
      await page.getByTestId('verify-drop').waitFor({ timeout: 10_000 });
      found.push(...(await violations(page, 'verify a file')));
      // Right to left, in Arabic.
      await page.goto(`${cn.officerUrl}/console/`);
      await page.getByRole('combobox').filter({ hasText: 'English' }).selectOption('ar');
      await page.getByRole('button', { name: /حوادث جوية/ }).first().click();
      await page.locator('[data-testid=message]', { hasText: text }).waitFor({ timeout: 10_000 });
      found.push(...(await violations(page, 'channel (ar)')));
      expect(found).toEqual([]);
    } finally {
      await close();
    }
  });
});

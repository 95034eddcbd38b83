/**
 * Keyboard only (#15, "acknowledge a FLASH in at most 3 keystrokes after sign-in"), in Chromium
 * against real terminals: a FLASH from US awaits acknowledgement at CN; the duty officer signs in
 * without the mouse (the name field has the cursor; Tab between fields; Enter signs in) and
 * acknowledges it with the keys counted from the sign-in on; US sees the acknowledgement. Before,
 * in another tab, the FLASH shows its escalation: the next step planned.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { chromium, type BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from '../e2e/harness.js';
import { CHROMIUM_ARGS, chromiumLaunch } from './chromium.js';
import { CHROMIUM, ensureConsoleBuilt, secretsOf } from './console-kit.js';

const OFFICER = 'Lieutenant Zhou';

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('keyboard only (Chromium)', () => {
  it('signs in and acknowledges a pending FLASH in at most 3 keystrokes after sign-in', { timeout: 180_000 }, async () => {
    if (CHROMIUM.kind === 'none') throw new Error(`no browser for the console test: ${CHROMIUM.reason}`);
    const browser = chromiumLaunch(CHROMIUM);
    await ensureConsoleBuilt();
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const channel = await h.openChannel(us, cn, { title: { en: 'Air incidents' }, tier: 'military', parties: ['CN'], linkTestIntervalSec: 86_400 });
    const { password, totpSecret } = secretsOf((await cn.cli(['officer', 'add', OFFICER, '--title', 'Duty Officer', '--role', 'duty-officer']).then(check('officer add'))).stdout);
    const text = 'Missile test in area K at 0600Z: not directed at you.';
    await us.cli(['send', channel, text, '--precedence', 'FLASH']).then(check('send'));
    await waitFor('CN to hold the FLASH', async () => (await cn.messages(channel)).some((m) => m.text === text));

    const profile = mkdtempSync(join(tmpdir(), 'hotline-chromium-'));
    h.defer(() => rmSync(profile, { recursive: true, force: true }));
    let context: BrowserContext | undefined;
    try {
      context = await chromium.launchPersistentContext(profile, { executablePath: browser.executablePath, env: { ...process.env, ...browser.env }, headless: true, args: [...CHROMIUM_ARGS], viewport: { width: 1280, height: 900 } });
      const page = context.pages()[0] ?? (await context.newPage());
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page.goto(`${cn.officerUrl}/console/`);
      await page.getByTestId('signin-party').waitFor({ timeout: 5000 });

      h.step('sign in with the keyboard alone');
      await page.keyboard.type(OFFICER); // the name field has the cursor
      await page.keyboard.press('Tab');
      await page.keyboard.type(password);
      await page.keyboard.press('Tab');
      await page.keyboard.type(await generate({ secret: totpSecret }));
      await page.keyboard.press('Enter');
      const banner = page.getByTestId('flash-banner');
      await banner.waitFor({ timeout: 10_000 });
      expect(await banner.textContent()).toContain(text);

      h.step('meanwhile, in another tab of the same session: the FLASH shows its escalation, the next step planned');
      const other = await context.newPage();
      await other.goto(`${cn.officerUrl}/console/`);
      const steps = other.locator('[data-testid=message]', { hasText: text }).getByTestId('escalation-steps');
      await steps.locator('summary').click({ timeout: 15_000 });
      await steps.getByTestId('escalation-next').waitFor({ timeout: 10_000 });
      expect(await steps.getByTestId('escalation-next').innerText()).toMatch(/planned: level 1 \(duty officer\)/);
      await other.close();
      await page.bringToFront();

      h.step('acknowledge: keys counted from the sign-in on');
      let keys = 0;
      const press = async (key: string) => {
        keys++;
        await page.keyboard.press(key);
      };
      await press('a');
      await banner.waitFor({ state: 'detached', timeout: 10_000 });
      expect(keys).toBeLessThanOrEqual(3);
      await waitFor('CN to record the acknowledgement', async () => (await cn.messages(channel)).find((m) => m.text === text)?.ackedAt != null);
      await waitFor('US to see it acknowledged', async () => (await us.messages(channel)).find((m) => m.text === text)?.ackedAt != null);

      expect(problems).toEqual([]);
    } finally {
      await context?.close();
    }
  });
});

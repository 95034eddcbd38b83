/**
 * Keyboard only (#15, "acknowledge a FLASH in at most 3 keystrokes after sign-in"), in Chromium
 * against real terminals: a FLASH from US awaits acknowledgement at CN; the duty officer signs in
 * without the mouse (the name field has the cursor; Tab between fields; Enter signs in) and
 * acknowledges it with the keys counted from the sign-in on; US sees the acknowledgement. Before,
 * in another tab, the FLASH shows its escalation: the next step planned.
 */
import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { check, waitFor } from '../e2e/harness.js';
import { CHROMIUM, consoleSetup } from './console-kit.js';

const OFFICER = 'Lieutenant Zhou';

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('keyboard only (Chromium)', () => {
  it(
    'signs in and acknowledges a pending FLASH in at most 3 keystrokes after sign-in',
    { timeout: 180_000 },
    async () => {
      const {
        h,
        a: us,
        b: cn,
        channel,
        secrets,
        context,
        page,
        problems,
        close,
      } = await consoleSetup({
        parties: [
          ['US', 'United States'],
          ['CN', 'China'],
        ],
        channel: {
          title: { en: 'Air incidents' },
          tier: 'military',
          parties: ['CN'],
          linkTestIntervalSec: 86_400,
        },
        officers: [{ at: 'b', name: OFFICER, title: 'Duty Officer', role: 'duty-officer' }],
      });
      const { password, totpSecret } = secrets[OFFICER]!;
      try {
        const text = 'Missile test in area K at 0600Z: not directed at you.';
        await us.cli(['send', channel, text, '--precedence', 'FLASH']).then(check('send'));
        await waitFor('CN to hold the FLASH', async () =>
          (await cn.messages(channel)).some((m) => m.text === text),
        );

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

        h.step(
          'meanwhile, in another tab of the same session: the FLASH shows its escalation, the next step planned',
        );
        const other = await context.newPage();
        await other.goto(`${cn.officerUrl}/console/`);
        const steps = other
          .locator('[data-testid=message]', { hasText: text })
          .getByTestId('escalation-steps');
        await steps.locator('summary').click({ timeout: 15_000 });
        await steps.getByTestId('escalation-next').waitFor({ timeout: 10_000 });
        expect(await steps.getByTestId('escalation-next').innerText()).toMatch(
          /planned: level 1 \(duty officer\)/,
        );
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
        await waitFor(
          'CN to record the acknowledgement',
          async () => (await cn.messages(channel)).find((m) => m.text === text)?.ackedAt != null,
        );
        await waitFor(
          'US to see it acknowledged',
          async () => (await us.messages(channel)).find((m) => m.text === text)?.ackedAt != null,
        );

        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    },
  );
});

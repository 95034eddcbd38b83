/**
 * A FLASH cannot be missed (#15 items 1 and 2), in Chromium against two real terminals: a FLASH
 * already awaiting acknowledgement when the officer signs in raises the banner and rings at once;
 * after a reload the banner is back at once and the browser's sound block is shown loudly until a
 * key unlocks it; a desktop notification is shown; the tab's title and icon carry the count.
 */
import { describe, expect, it } from 'vitest';
import { check, waitFor } from '../e2e/harness.js';
import { CHROMIUM, consoleSetup, fillSignIn } from './console-kit.js';

const OFFICER = 'Lt Zhou';

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('console alarms in a browser (Chromium)', () => {
  it('a FLASH pending at sign-in and after a reload raises the banner and rings within a second', { timeout: 180_000 }, async () => {
    const { a: us, b: cn, channel, secrets, context, page, problems, close } = await consoleSetup({
      parties: [['US', 'United States'], ['CN', 'China']],
      channel: { title: { en: 'Air incidents' }, tier: 'military', parties: ['CN'], ackDeadlineSec: { FLASH: 600 }, linkTestIntervalSec: 86_400 },
      officers: [
        { at: 'b', name: OFFICER, title: 'Duty Officer', role: 'duty-officer' },
        { at: 'b', name: 'Observer Han', title: 'Liaison', role: 'observer' },
      ],
    });
    const { password, totpSecret } = secrets[OFFICER]!;
    const observer = secrets['Observer Han']!;
    try {
      // The FLASH arrives while nobody is signed in.
      const text = 'Unidentified aircraft closing on your patrol: respond.';
      await us.cli(['send', channel, text, '--precedence', 'FLASH']).then(check('send'));
      await waitFor('CN to hold the FLASH', async () => (await cn.messages(channel)).some((m) => m.text === text));
      await context.grantPermissions(['notifications'], { origin: cn.officerUrl });
      // Records the desktop notifications the page makes.
      await context.addInitScript({
        content: `(() => {
          const Native = window.Notification;
          const shown = (window.shownNotifications = []);
          window.Notification = class extends Native {
            constructor(title, options) {
              super(title, options);
              shown.push(title + ': ' + ((options && options.body) || ''));
            }
          };
        })();`,
      });
      await page.goto(`${cn.officerUrl}/console/`);
      // The sign-in page says which terminal it is.
      await page.getByTestId('signin-party').waitFor({ timeout: 5000 });
      expect(await page.getByTestId('signin-party').textContent()).toContain('CN');
      await fillSignIn(page, OFFICER, { password, totpSecret });
      const clicked = Date.now();
      await page.getByRole('button', { name: /Sign in/ }).click();
      const banner = page.getByTestId('flash-banner');
      await banner.waitFor({ timeout: 1000 });
      expect(await banner.textContent()).toContain(text);
      // It rang (the sign-in click unlocked the sound).
      await waitFor('the ring', async () => Number(await page.evaluate<string>("document.documentElement.dataset.rings ?? '0'")) >= 1, 1000, 50);
      expect(Date.now() - clicked).toBeLessThan(3000);
      await waitFor('the desktop notification', async () => (await page.evaluate<string[]>('window.shownNotifications')).some((n) => n.startsWith('FLASH from US') && n.includes(text)), 5000);
      await waitFor('the tab title to carry the alarm', async () => /⚠ 1 ALARM/.test(await page.title()), 5000);
      expect(await page.evaluate<string | undefined>('document.querySelector(\'link[rel="icon"]\')?.dataset.count')).toBe('1');
      await page.screenshot({ path: '/tmp/hotline-console-alarm-signin.png' });

      // Reload: the banner is back at once; sound is blocked until a gesture, and says so loudly.
      await page.reload();
      await banner.waitFor({ timeout: 1000 });
      expect(await banner.textContent()).toContain(text);
      const soundOff = page.getByTestId('sound-off');
      if (await soundOff.isVisible()) {
        expect(await soundOff.textContent()).toMatch(/Sound is OFF/);
        await page.screenshot({ path: '/tmp/hotline-console-alarm-reload.png' });
        await page.keyboard.press('Shift');
        await soundOff.waitFor({ state: 'detached', timeout: 2000 });
      }
      await waitFor('the ring after the reload', async () => Number(await page.evaluate<string>("document.documentElement.dataset.rings ?? '0'")) >= 1, 2000, 50);

      // A duty officer is not offered FLASH (it would be refused: duty officers send up to IMMEDIATE).
      expect(await page.getByLabel(/Precedence/).locator('option').allTextContents()).toEqual(['IMMEDIATE', 'PRIORITY', 'ROUTINE']);

      // Acknowledged from the keyboard, one key: the banner goes, and so does the alarm from the title.
      await page.keyboard.press('a');
      await banner.waitFor({ state: 'detached', timeout: 10_000 });
      await waitFor('the title without the alarm', async () => !/ALARM/.test(await page.title()), 5000);

      // An observer is alerted but offered no action: no Acknowledge, no Reply, no send form.
      await page.getByRole('button', { name: /Sign out/ }).click();
      await us.cli(['send', channel, 'Second FLASH for the observer', '--precedence', 'FLASH']).then(check('send'));
      await fillSignIn(page, 'Observer Han', observer);
      await page.getByRole('button', { name: /Sign in/ }).click();
      await banner.waitFor({ timeout: 5000 });
      await page.locator('[data-testid=message]', { hasText: 'Second FLASH for the observer' }).waitFor({ timeout: 15_000 });
      expect(await page.getByRole('button', { name: /Acknowledge/ }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Reply/ }).count()).toBe(0);
      expect(await page.getByRole('form', { name: /Send a message/ }).count()).toBe(0);

      // The wallboard (#wall): large, read-only (not one button), the alarm up, and "not live" once the terminal is gone.
      const wall = await context.newPage();
      wall.on('pageerror', (e) => problems.push(`wallboard page error: ${e.message}`));
      await wall.goto(`${cn.officerUrl}/console/#wall`);
      await wall.getByTestId('wallboard').waitFor({ timeout: 10_000 });
      await wall.getByText('Second FLASH for the observer').first().waitFor({ timeout: 10_000 });
      expect(await wall.locator('button').count()).toBe(0);
      await waitFor('the wallboard to be live', async () => (await wall.getByTestId('wall-stale').count()) === 0, 10_000);
      await wall.screenshot({ path: '/tmp/hotline-console-wallboard.png' });
      await cn.kill9();
      await wall.getByTestId('wall-stale').waitFor({ timeout: 20_000 });
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});

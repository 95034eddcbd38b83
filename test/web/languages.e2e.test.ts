/**
 * Every party's language (#15 items 4 and 5), in Chromium against real terminals: the officer
 * switches the console to Chinese, Russian and Arabic; the labels change, the page's lang and dir
 * follow (Arabic right to left), the fonts shipped with the console cover the text (no empty boxes
 * on a machine without CJK or Arabic fonts: checked with the Font Loading API and by screenshot),
 * and the choice is remembered for the officer after a reload. The switch offers the channel's
 * charter languages, a charter language without a catalogue listed but disabled.
 */
import { describe, expect, it } from 'vitest';
import { check, waitFor } from '../e2e/harness.js';
import { CHROMIUM, consoleSetup, fillSignIn } from './console-kit.js';

const OFFICER = 'Kapitan Orlova';

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('console languages in a browser (Chromium)', () => {
  it('switches to Chinese, Russian and Arabic with their fonts, right to left for Arabic, remembered per officer', { timeout: 180_000 }, async () => {
    const { a: us, b: ru, channel, secrets, page, problems, close } = await consoleSetup({
      parties: [['US', 'United States'], ['RU', 'Russian Federation']],
      channel: { title: { en: 'Deconfliction line', ru: 'Линия предотвращения инцидентов', zh: '冲突规避热线', ar: 'خط منع التصادم', fr: 'Ligne de déconfliction' }, tier: 'military', parties: ['RU'], linkTestIntervalSec: 86_400 },
      officers: [{ at: 'b', name: OFFICER, title: 'Watch Chief', role: 'principal' }],
      locale: 'en-US',
    });
    const { password, totpSecret } = secrets[OFFICER]!;
    try {
      await us.cli(['send', channel, 'Routine position report. 例行位置报告。 Плановый доклад.', '--precedence', 'ROUTINE']).then(check('send'));
      await page.goto(`${ru.officerUrl}/console/`);
      await fillSignIn(page, OFFICER, { password, totpSecret });
      await page.getByRole('button', { name: /Sign in/ }).click();
      await page.getByRole('button', { name: /Sign out/ }).waitFor({ timeout: 15_000 });
      await page.locator('[data-testid=message]').first().waitFor({ timeout: 15_000 });
      expect(await page.evaluate<string>('document.documentElement.lang')).toBe('en');
      // The switch offers the charter's languages; French has no console catalogue: listed, disabled (#15 item 5).
      const options = page.getByTestId('language').locator('option');
      expect(await options.evaluateAll((os) => os.map((o) => `${(o as unknown as { value: string }).value}:${(o as unknown as { disabled: boolean }).disabled ? 'off' : 'on'}`))).toEqual(['ar:on', 'en:on', 'fr:off', 'ru:on', 'zh:on']);
      expect(await options.filter({ hasText: 'fr' }).innerText()).toMatch(/no console catalogue/);

      const fontsCover = (family: string, sample: string) => page.evaluate<boolean>(`document.fonts.load('16px "${family}"', ${JSON.stringify(sample)}).then(() => document.fonts.check('16px "${family}"', ${JSON.stringify(sample)}))`);
      const cases = [
        { lang: 'zh', signOut: '退出', family: 'Noto Sans SC', sample: '确认收到例行位置报告', dir: 'ltr' },
        { lang: 'ru', signOut: 'Выйти', family: 'Noto Sans', sample: 'Подтвердить Плановый доклад', dir: 'ltr' },
        { lang: 'ar', signOut: 'تسجيل الخروج', family: 'Noto Sans Arabic', sample: 'تسجيل الخروج', dir: 'rtl' },
      ];
      for (const c of cases) {
        await page.getByTestId('language').selectOption(c.lang);
        await page.getByRole('button', { name: c.signOut }).waitFor({ timeout: 5000 });
        expect(await page.evaluate<string>('document.documentElement.lang')).toBe(c.lang);
        expect(await page.evaluate<string>('document.documentElement.dir')).toBe(c.dir);
        expect(await fontsCover(c.family, c.sample), `${c.family} covers ${c.sample}`).toBe(true);
        await page.evaluate('document.fonts.ready');
        await page.screenshot({ path: `/tmp/hotline-console-${c.lang}.png` });
      }
      // Remembered for this officer: after a reload the console is still in Arabic, right to left.
      await page.reload();
      await page.getByRole('button', { name: 'تسجيل الخروج' }).waitFor({ timeout: 15_000 });
      expect(await page.evaluate<string>('document.documentElement.dir')).toBe('rtl');
      await page.getByTestId('language').selectOption('en');
      await waitFor('English again', async () => (await page.evaluate<string>('document.documentElement.lang')) === 'en');

      // Night watch: the theme switch goes auto → light → dark, and the page turns dark.
      await page.getByTestId('theme').click();
      await page.getByTestId('theme').click();
      expect(await page.evaluate<string | undefined>('document.documentElement.dataset.theme')).toBe('dark');
      const background = await page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor');
      const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
      expect(r! + g! + b!, background).toBeLessThan(150);
      await page.screenshot({ path: '/tmp/hotline-console-dark.png' });

      // A FLASH is sent only after a second, explicit click; the form returns to ROUTINE after it.
      await page.evaluate('document.activeElement && document.activeElement.blur()');
      await page.keyboard.press('n'); // the composer, from the keyboard
      await page.keyboard.type('Request your intentions: FLASH test.');
      await page.getByLabel(/Precedence/).selectOption('FLASH');
      await page.getByRole('button', { name: /^Send$/ }).click();
      await page.getByTestId('confirm-flash').waitFor({ timeout: 5000 });
      expect(await us.messages(channel).then((l) => l.some((m) => m.text.includes('FLASH test')))).toBe(false);
      await page.getByRole('button', { name: 'Send FLASH' }).click();
      const got = await waitFor('US to receive the FLASH', async () => (await us.messages(channel)).find((m) => m.text.includes('FLASH test')));
      expect(got.precedence).toBe('FLASH');
      await waitFor('the form back to ROUTINE', async () => (await page.getByLabel(/Precedence/).inputValue()) === 'ROUTINE');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});

/**
 * Formatted notifications in the console (#17), in Chromium against real terminals: US sends a
 * launch notification with a launch area and an impact area; CN's officer, in Chinese, sees it
 * rendered in Chinese with the original beside, both areas on the map (a click opens the message),
 * and answers with a standard phrase in one click, which US holds as a standard-phrase message.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, waitFor } from '../e2e/harness.js';
import { CHROMIUM, consoleSetup, fillSignIn } from './console-kit.js';

const OFFICER = 'Cdr Wang';

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('formatted messages in the console (Chromium)', () => {
  it('renders a launch notification in Chinese with its areas on the map, and answers with a standard phrase', { timeout: 180_000 }, async () => {
    const { h, a: us, b: cn, channel, secrets: all, page, problems, close } = await consoleSetup({
      parties: [['US', 'United States'], ['CN', 'China']],
      channel: { title: { en: 'Military contacts', zh: '军事联络' }, tier: 'military', parties: ['CN'], linkTestIntervalSec: 86_400, formats: ['launch-notification', 'standard-phrase'] },
      officers: [{ at: 'b', name: OFFICER, title: 'Duty Officer', role: 'duty-officer' }],
      viewport: { width: 1280, height: 1000 },
      locale: 'en-US',
    });
    const secrets = all[OFFICER]!;
    try {
      const fields = join(h.root, 'launch.json');
      writeFileSync(fields, JSON.stringify({
        launch_type: 'ballistic-missile',
        window_start: '2026-12-03T12:00:00Z',
        window_end: '2026-12-03T14:00:00Z',
        launch_area: { circle: { centre: { lat: 40.1, lon: 124.5 }, radius: 20, unit: 'km' } },
        impact_area: [{ polygon: [{ lat: 30, lon: 130 }, { lat: 30, lon: 131 }, { lat: 31, lon: 131 }, { lat: 31, lon: 130 }, { lat: 30, lon: 130 }] }],
      }));
      const launchId = (await us.cli(['send', channel, '--format', 'launch-notification', '--fields', fields]).then(check('send --format'))).stdout.trim();
      await page.goto(`${cn.officerUrl}/console/`);
      await fillSignIn(page, OFFICER, secrets);
      await page.getByRole('button', { name: /Sign in/ }).click();
      await page.getByRole('button', { name: /Sign out/ }).waitFor({ timeout: 15_000 });
      await page.getByTestId('language').selectOption('zh');

      const formatted = page.locator(`[data-id="${launchId}"] [data-testid=formatted]`);
      await formatted.waitFor({ timeout: 15_000 });
      await waitFor('the rendering in Chinese', async () => (await formatted.textContent())?.includes('发射通报'));
      const text = (await formatted.textContent()) ?? '';
      expect(text).toContain('弹道导弹发射');
      expect(text).toContain('031200ZDEC26');
      expect(text).toContain('MGRS');
      // Each date-time also in the officer's local time, beside its UTC and date-time group.
      expect(await formatted.getByTestId('local-time').count()).toBe(2);
      // The original beside it: the sender's rendering, in English.
      expect(await formatted.locator('.formatted-original').textContent()).toContain('Launch notification');

      // Both areas on the map; a click opens the message.
      const shapes = page.getByTestId('map-feature');
      await waitFor('two shapes on the map', async () => (await shapes.count()) === 2);
      expect(await shapes.evaluateAll((els) => els.map((e) => e.getAttribute('data-shape')).sort())).toEqual(['circle', 'polygon']);
      await page.locator('[data-testid=map-feature][data-shape=polygon]').click();
      await waitFor('the message opened', async () => (await page.locator(`[data-id="${launchId}"]`).getAttribute('class'))?.includes('opened'));
      await page.screenshot({ path: '/tmp/hotline-console-formats.png', fullPage: true });

      // One click on a standard phrase: sent, and US holds it as a standard-phrase message.
      await page.locator('[data-testid=phrases] [data-phrase=understood]').click();
      const atUs = await waitFor('US to hold the phrase', async () => ((await us.messages(channel)) as Array<{ id: string; format?: { id: string }; fields?: Record<string, unknown> }>).find((m) => m.format?.id === 'standard-phrase'));
      expect(atUs.fields).toEqual({ phrase: 'understood' });

      // Compose from a format: the form comes from the definition, in Chinese, and the terminal's
      // checks follow the typing (the first field missing, then the next).
      await page.getByTestId('compose-format-choice').selectOption({ label: '发射通报 (v1)' });
      const problem = page.getByTestId('compose-problem');
      await waitFor('launch_type reported missing', async () => (await problem.textContent().catch(() => ''))?.startsWith('launch_type:'));
      await page.locator('[data-testid=compose-format] select[name=launch_type]').selectOption({ label: '航天发射' });
      await waitFor('the next field reported', async () => (await problem.textContent().catch(() => ''))?.startsWith('window_start:'));
      // A position picked on the map: the launch area's centre from a click in the middle of it.
      await page.getByTestId('pick-launch_area').click();
      await page.getByTestId('map-svg').click({ position: { x: 200, y: 150 } });
      const lat = page.locator('[data-testid=compose-format] input[name="launch_area.lat"]');
      await waitFor('a latitude picked on the map', async () => /^-?\d+(\.\d+)?$/.test(await lat.inputValue()));
      const picked = { lat: Number(await lat.inputValue()), lon: Number(await page.locator('[data-testid=compose-format] input[name="launch_area.lon"]').inputValue()) };
      // The map shows the Korean peninsula to Kyushu (the two areas): the pick falls in that frame.
      expect(picked.lat).toBeGreaterThan(25);
      expect(picked.lat).toBeLessThan(45);
      expect(picked.lon).toBeGreaterThan(115);
      expect(picked.lon).toBeLessThan(140);

      // A list field takes several values: two impact areas, sent as one message.
      const form = page.getByTestId('compose-format');
      await form.locator('input[name="window_start.value"]').fill('2026-12-03T12:00');
      await form.locator('input[name="window_end.value"]').fill('2026-12-03T14:00');
      await form.locator('input[name="launch_area.radius"]').fill('20');
      const impact = form.locator('fieldset[data-field=impact_area]');
      await impact.locator('[data-value="0"] select').first().selectOption('polygon');
      await form.locator('textarea[name="impact_area.points"]').fill('30, 130\n30, 131\n31, 131\n31, 130');
      await page.getByTestId('add-impact_area').click();
      await impact.locator('[data-value="1"] select').first().selectOption('polygon');
      await form.locator('textarea[name="impact_area#1.points"]').fill('32, 132\n32, 133\n33, 133\n33, 132');
      await waitFor('the form without a problem', async () => (await problem.count()) === 0);
      await form.locator('button[type=submit]').click();
      const launch = await waitFor('US to hold a launch notification with two impact areas', async () =>
        ((await us.messages(channel)) as Array<{ id: string; format?: { id: string }; fields?: Record<string, unknown> }>).find((m) => m.format?.id === 'launch-notification' && m.id !== launchId),
      );
      expect(launch.fields?.impact_area).toEqual([
        { polygon: [{ lat: 30, lon: 130 }, { lat: 30, lon: 131 }, { lat: 31, lon: 131 }, { lat: 31, lon: 130 }, { lat: 30, lon: 130 }] },
        { polygon: [{ lat: 32, lon: 132 }, { lat: 32, lon: 133 }, { lat: 33, lon: 133 }, { lat: 33, lon: 132 }, { lat: 32, lon: 132 }] },
      ]);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});

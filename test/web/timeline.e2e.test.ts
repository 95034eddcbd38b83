/**
 * The record of a long channel (#15): a channel of 100,000 messages opens on its newest at once,
 * the page holds a bounded number of message rows however far the officer scrolls back, and
 * scrolling back loads older pages; search finds text in any script (case-insensitive in
 * Cyrillic) and by officer, and jumps to a result 1,000 messages back; the printable transcript
 * carries times, precedence, officers, acknowledgements, entry and charter hashes and the
 * commands that verify it, alone on paper (print media), and prints to PDF. Chromium against two real terminals;
 * the messages are written by US's officer API in batches of 1,000 while CN is stopped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from '../e2e/harness.js';
import { CHROMIUM_ARGS, chromiumLaunch } from './chromium.js';
import { CHROMIUM, ensureConsoleBuilt, fillSignIn, secretsOf } from './console-kit.js';

const TOTAL = 100_000;
const BATCH = 1000;
/** Message i's text: every 1,000th is Russian (upper case), the rest English. */
const textOf = (i: number) => (i % 1000 === 500 ? `СУДНО ${i} ИДЁТ НА СЕВЕР` : `Message ${String(i).padStart(6, '0')} of the long channel`);
/** Message rows the page may hold at once, whatever was loaded (the view and the overscan). */
const ROWS_MAX = 60;

/** The serious and critical violations axe finds on the page (less `exclude`, a CSS selector), as "rule: target" lines. */
async function seriousViolations(page: Page, exclude?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  if (exclude) builder.exclude(exclude);
  const r = await builder.analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('a 100,000-message channel in the console (Chromium)', () => {
  it('opens on the newest, keeps the page small while scrolling back, searches and prints', { timeout: 600_000 }, async () => {
    if (CHROMIUM.kind === 'none') throw new Error(`no browser for the console test: ${CHROMIUM.reason}`);
    const browser = chromiumLaunch(CHROMIUM);
    await ensureConsoleBuilt();
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const channel = await h.openChannel(us, cn, { title: { en: 'Long watch' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    const smith = secretsOf((await us.cli(['officer', 'add', 'Cdr Smith', '--title', 'Watch Officer', '--role', 'principal']).then(check('officer add'))).stdout);
    await us.cli(['officer', 'add', 'Lt Ivanova', '--title', 'Duty Officer', '--role', 'principal']).then(check('officer add'));
    // CN is stopped while US writes: more than the 100,000 unreceipted entries US holds by default.
    us.env = { HOTLINE_MAX_UNRECEIPTED: '200000' };
    await us.stop();
    await us.start();
    await us.linkUp(cn);
    await waitFor('US to sign on the channel again', async () => (await us.apiRaw('POST', `/api/v1/channels/${channel}/messages`, { text: 'Watch begins', lang: 'en' }, { 'x-hotline-officer': 'Cdr Smith' })).status === 201);
    await cn.stop();
    const started = Date.now();
    for (let at = 1; at <= TOTAL; at += BATCH) {
      // The last 10,000 are signed by another officer (search by officer).
      const officer = at > TOTAL - 10_000 ? 'Lt Ivanova' : 'Cdr Smith';
      const messages = Array.from({ length: BATCH }, (_, k) => ({ text: textOf(at + k), lang: (at + k) % 1000 === 500 ? 'ru' : 'en', precedence: (at + k) % 10_000 === 0 ? 'PRIORITY' : 'ROUTINE' }));
      const r = await us.apiRaw('POST', `/api/v1/channels/${channel}/messages/batch`, { messages }, { 'x-hotline-officer': officer }, 120_000);
      if (r.status !== 201) throw new Error(`batch at ${at}: ${r.status} ${r.text}`);
    }
    h.step(`${TOTAL} messages written in ${Date.now() - started} ms`);
    // A search for a word no message has walks the whole channel: measured, not asserted.
    const scan = Date.now();
    const none = await us.api<{ messages: unknown[]; next: string | null }>('GET', `/api/v1/channels/${channel}/search?q=${encodeURIComponent('нет такого слова')}`);
    h.step(`a search matching nothing read ${TOTAL} messages in ${Date.now() - scan} ms`);
    expect(none).toEqual({ messages: [], next: null });

    const profile = mkdtempSync(join(tmpdir(), 'hotline-chromium-'));
    h.defer(() => rmSync(profile, { recursive: true, force: true }));
    let context: BrowserContext | undefined;
    try {
      context = await chromium.launchPersistentContext(profile, { executablePath: browser.executablePath, env: { ...process.env, ...browser.env }, headless: true, args: [...CHROMIUM_ARGS], viewport: { width: 1440, height: 900 } });
      const page = context.pages()[0] ?? (await context.newPage());
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page.goto(`${us.officerUrl}/console/`);
      await fillSignIn(page, 'Cdr Smith', smith);
      await page.getByRole('button', { name: /Sign in/ }).click();

      // The first view: the newest message, quickly, and a bounded number of rows.
      const clicked = Date.now();
      await page.getByRole('button', { name: /Long watch/ }).first().click();
      const rows = page.getByTestId('message');
      await page.locator('[data-testid=message]', { hasText: textOf(TOTAL) }).waitFor({ timeout: 10_000 });
      const firstViewMs = Date.now() - clicked;
      h.step(`first view of the newest message in ${firstViewMs} ms`);
      expect(firstViewMs).toBeLessThan(10_000);
      expect(await rows.first().textContent()).toContain(textOf(TOTAL));
      expect(await rows.count()).toBeLessThanOrEqual(ROWS_MAX);

      // Scrolling back: older pages arrive (beyond the first 500), and the page stays small.
      const timeline = page.getByTestId('timeline');
      const oldestShown = async () => Math.min(...(await rows.allTextContents()).map((t) => Number(/Message (\d{6})/.exec(t)?.[1] ?? Infinity)));
      const scrolled = Date.now();
      for (let i = 0; i < 100 && (await oldestShown()) > TOTAL - 1200; i++) {
        // To the end of what is loaded, as a wheel held down would: the page before it follows.
        await timeline.evaluate((el) => el.scrollTo(0, el.scrollHeight));
        await page.waitForTimeout(100);
      }
      h.step(`scrolled back past 1,200 messages in ${Date.now() - scrolled} ms`);
      expect(await oldestShown()).toBeLessThanOrEqual(TOTAL - 1200);
      expect(await rows.count()).toBeLessThanOrEqual(ROWS_MAX);

      // Search: Cyrillic in lower case finds the upper-case text, newest first; a result 1,000
      // messages further back than the newest page is brought into view in the timeline.
      await page.getByTestId('open-search').click();
      await page.getByTestId('search-text').fill('судно');
      await page.getByTestId('search-go').click();
      const results = page.getByTestId('search-result');
      await results.first().waitFor({ timeout: 10_000 });
      h.step('search results shown');
      expect(await results.count()).toBe(50);
      expect(await results.first().textContent()).toContain(textOf(TOTAL - 500));
      await page.getByTestId('search-more').click();
      await waitFor('a second page of results', async () => (await results.count()) === 100, 10_000);
      const target = textOf(TOTAL - 1500);
      await page.locator('[data-testid=search-result]', { hasText: target }).getByTestId('search-show').click();
      const row = page.locator('[data-testid=message]', { hasText: target });
      await row.waitFor({ timeout: 20_000 });
      await waitFor('the result in view in the timeline', async () => {
        const b = await row.boundingBox();
        const t = await timeline.boundingBox();
        return b !== null && t !== null && b.y + b.height > t.y && b.y < t.y + t.height;
      }, 10_000);
      expect(await rows.count()).toBeLessThanOrEqual(ROWS_MAX);
      // By officer: the last 10,000 were signed by Lt Ivanova.
      await page.getByTestId('search-text').fill('');
      await page.getByTestId('search-officer').fill('ivanova');
      await page.getByTestId('search-precedence').selectOption('PRIORITY');
      await page.getByTestId('search-go').click();
      await waitFor('the PRIORITY messages Lt Ivanova signed', async () => (await results.count()) === 1, 10_000);
      expect(await results.first().textContent()).toContain('Lt Ivanova');
      expect(await results.first().textContent()).toContain(textOf(TOTAL));
      h.step('officer search done');
      expect(await seriousViolations(page)).toEqual([]);
      h.step('axe on the search');
      await page.screenshot({ path: '/tmp/hotline-console-search.png' });

      // The transcript: the newest 2,000 messages of the channel, oldest first, with hashes and the commands.
      await page.getByTestId('open-print').click();
      const transcript = page.getByTestId('transcript');
      await waitFor('the transcript loaded', async () => (await page.getByTestId('transcript-row').count()) === 2000, 60_000, 500);
      h.step('transcript loaded');
      const detail = await us.channel(channel);
      expect(await page.getByTestId('transcript-charter').textContent()).toBe((detail as unknown as { charterHash: string }).charterHash);
      const firstRow = (await page.getByTestId('transcript-row').first().textContent()) ?? '';
      expect(firstRow).toContain(textOf(TOTAL - 1999));
      expect(firstRow).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
      expect(firstRow).toMatch(/\d{6}Z[A-Z]{3}\d\d/);
      expect(firstRow).toContain('Lt Ivanova (Duty Officer)');
      expect(firstRow).toMatch(/[0-9a-f]{64}/);
      expect(await page.getByTestId('transcript-commands').textContent()).toBe(`hotline export ${channel} > transcript-${channel.slice(0, 12)}.jsonl\nhotline verify transcript-${channel.slice(0, 12)}.jsonl`);
      // The rows are one component 2,000 times: axe reads the page, the transcript's head and its
      // first 100 rows (over 40 s for all 2,000 on a 2-core machine, for no other finding).
      expect(await seriousViolations(page, '[data-testid=transcript-row]:nth-of-type(n+101)')).toEqual([]);
      h.step('axe on the transcript');
      await page.screenshot({ path: '/tmp/hotline-console-transcript.png' });
      await page.emulateMedia({ media: 'print' });
      expect(await transcript.isVisible()).toBe(true);
      expect(await page.getByTestId('print-now').isVisible()).toBe(false);
      expect(await page.getByTestId('timeline').isVisible()).toBe(false);
      // The browser's print makes the PDF (its first pages: the layout is the whole transcript's).
      const pdf = await page.pdf({ pageRanges: '1-2', printBackground: false });
      h.step('pdf printed');
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.length).toBeGreaterThan(10_000);
      await page.emulateMedia({ media: 'screen' });
      // Closed, the console is back as it was.
      await page.getByTestId('print-close').click();
      expect(await page.getByTestId('timeline').isVisible()).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await context?.close();
    }
  });
});

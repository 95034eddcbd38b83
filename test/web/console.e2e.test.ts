/**
 * The officer console in a real browser (Chromium driven by playwright-core), against two real
 * terminal processes: CN's duty officer signs in through the page (password + TOTP code), sees
 * the FLASH that US sends ring in as a banner, watches the acknowledgement countdown, clicks
 * Acknowledge, and US's API shows the acknowledgement with that officer's name. Then the officer
 * answers with a bilingual template, and US receives both languages.
 *
 * Chromium: the system's (/usr/bin/chromium), else the one inside the npm package @sparticuz/chromium
 * (test/web/chromium.ts; HOTLINE_TEST_CHROMIUM overrides). With neither, the test is skipped on a
 * developer machine and FAILS in CI (CI=true). Screenshots go to /tmp/hotline-console-*.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor, type ApiMessage } from '../e2e/harness.js';
import { CHROMIUM_ARGS, chromiumLaunch } from './chromium.js';
import { CHROMIUM, ensureConsoleBuilt, fillSignIn, secretsOf } from './console-kit.js';

const OFFICER = 'Cdr Li Wei';

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('console in a browser (Chromium)', () => {
  it('a CN duty officer signs in, sees the FLASH from US ring in with its countdown, acknowledges it, and US sees who acknowledged', { timeout: 240_000 }, async () => {
    if (CHROMIUM.kind === 'none') throw new Error(`no browser for the console test: ${CHROMIUM.reason}`);
    const browser = chromiumLaunch(CHROMIUM);
    console.log(`console test browser: ${browser.description}`);
    await ensureConsoleBuilt();
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    h.step('paired');

    // A channel whose FLASH messages must be acknowledged within 3 minutes; links tested every 2 s.
    const channel = await us.api<{ id: string }>('POST', '/api/v1/channels', { title: { en: 'Incidents at sea', zh: '海上事件' }, tier: 'military', parties: ['CN'], ackDeadlineSec: { FLASH: 180 }, linkTestIntervalSec: 2 });
    await waitFor('CN to receive the proposal', async () => (await cn.channel(channel.id)).state === 'proposed');
    await cn.cli(['channel', 'accept', channel.id]).then(check('accept'));
    await waitFor('US to see the channel active', async () => (await us.channel(channel.id)).state === 'active');

    const added = await cn.cli(['officer', 'add', OFFICER, '--title', 'Duty Officer', '--role', 'duty-officer']).then(check('officer add'));
    const { password, totpSecret } = secretsOf(added.stdout);

    // The static console: served, with its security headers; no way out of its directory.
    const index = await fetch(`${cn.officerUrl}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    for (const bad of ['/console/..%2fconfig.json', '/console/%2e%2e/config.json', '/console/assets/..%2f..%2fofficer.token', '/console/.env'])
      expect([400, 401, 404], bad).toContain((await fetch(`${cn.officerUrl}${bad}`)).status); // 401: normalised to a path outside /console/

    const profile = mkdtempSync(join(tmpdir(), 'hotline-chromium-'));
    let context: BrowserContext | undefined;
    h.defer(() => rmSync(profile, { recursive: true, force: true }));
    try {
      context = await chromium.launchPersistentContext(profile, { executablePath: browser.executablePath, env: { ...process.env, ...browser.env }, headless: true, args: [...CHROMIUM_ARGS], viewport: { width: 1280, height: 900 } });
      const page = context.pages()[0] ?? (await context.newPage());
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

      // Sign in through the page (a Secure cookie over http on loopback: Chromium accepts it).
      await page.goto(`${cn.officerUrl}/console/`);
      await fillSignIn(page, OFFICER, { password, totpSecret });
      await page.screenshot({ path: '/tmp/hotline-console-signin.png' });
      await page.getByRole('button', { name: /Sign in/ }).click();
      await page.getByRole('button', { name: /Sign out/ }).waitFor({ timeout: 15_000 });
      await page.getByText(/live/).first().waitFor({ timeout: 15_000 }); // the events WebSocket is open
      await page.getByRole('heading', { name: /Incidents at sea/ }).waitFor();
      h.step('signed in');

      // US sends a FLASH; the console rings it in.
      const text = 'Collision risk at 12N 114E: respond immediately.';
      const flash = (await us.cli(['send', channel.id, text, '--precedence', 'FLASH']).then(check('send'))).stdout.trim();
      expect(flash).toMatch(/^[0-9a-f]{64}$/);
      const banner = page.getByTestId('flash-banner');
      await banner.waitFor({ timeout: 15_000 });
      expect(await banner.textContent()).toContain(text);

      // Many more await acknowledgement than the console lists: it lists the earliest deadlines
      // (the FLASH first) and counts the rest, in its title and under the list.
      await us.api('POST', `/api/v1/channels/${channel.id}/messages/batch`, { messages: Array.from({ length: 201 }, (_, i) => ({ text: i === 0 ? 'Routine report 0 file \u202Etxt.exe' : `Routine report ${i}`, precedence: 'ROUTINE' })) });
      await waitFor('the console to count 202 awaiting', async () => (await page.title()).includes('(202) '), 15_000);
      expect(await page.getByTestId('pending-more').textContent()).toContain('+2');
      expect(await page.getByTestId('pending').locator('li').first().textContent()).toContain('FLASH');
      await page.screenshot({ path: '/tmp/hotline-console-pending.png' });
      // A right-to-left override a peer signed is shown as a marker, not obeyed (#14 D9).
      // The timeline holds only the rows in view (#15): the oldest two are at its end.
      const timeline = page.getByTestId('timeline');
      await timeline.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      const tricky = page.locator('[data-testid=message]', { hasText: 'Routine report 0 file' });
      await tricky.waitFor({ timeout: 15_000 });
      expect(await tricky.locator('.hidden-char').first().textContent()).toBe('⟨U+202E⟩');

      // The message, with its countdown running down.
      const message = page.locator(`[data-testid=message][data-id="${flash}"]`);
      await message.waitFor({ timeout: 15_000 });
      expect(await message.textContent()).toContain(text);
      const countdown = message.getByTestId('countdown');
      const left = async () => {
        const m = /(\d\d):(\d\d) left/.exec((await countdown.textContent()) ?? '');
        return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
      };
      const first = await left();
      expect(first).toBeGreaterThan(150);
      expect(first).toBeLessThanOrEqual(180);
      await waitFor('the countdown to tick', async () => (await left()) < first, 5_000);
      await page.screenshot({ path: '/tmp/hotline-console-flash.png', fullPage: true });

      // Acknowledge: the console shows who, and the banner goes.
      await message.getByRole('button', { name: /Acknowledge/ }).click();
      await message.getByTestId('acked').waitFor({ timeout: 15_000 });
      expect(await message.getByTestId('acked').textContent()).toContain(OFFICER);
      await banner.waitFor({ state: 'detached', timeout: 15_000 });

      // US sees the acknowledgement with the officer's name.
      const acked = await waitFor('US to see the acknowledgement', async () => (await us.messages(channel.id)).find((m) => m.id === flash && m.ackedAt !== null));
      expect((acked as ApiMessage & { ackedBy: { officer: { name: string } } }).ackedBy.officer.name).toBe(OFFICER);
      expect(acked.ackedBy?.code).toBe('CN');

      // The officer answers with a bilingual template; US receives both languages.
      await message.getByRole('button', { name: /Reply/ }).click();
      await page.getByRole('button', { name: /Message received; we are looking into it/ }).click();
      await page.getByLabel(/Precedence/).selectOption('IMMEDIATE');
      await page.getByRole('button', { name: /^Send/ }).click();
      const reply = await waitFor('US to receive the reply', async () => (await us.messages(channel.id)).find((m) => !m.own && m.text.includes('收到，我们正在核实')));
      expect(reply.text).toContain('Message received; we are looking into it.');
      expect(reply.precedence).toBe('IMMEDIATE');
      expect((reply as ApiMessage & { replyTo: string | null }).replyTo).toBe(flash);
      await timeline.evaluate((el) => el.scrollTo(0, 0));
      await page.locator('[data-testid=message]', { hasText: '收到，我们正在核实' }).waitFor({ timeout: 15_000 });
      // The link's round-trip times and clock offsets (uPlot), drawn once a few link tests have been answered.
      await page.getByRole('img', { name: /Round-trip time \(ms\): US: \d+ tests?, [\d.]+ ms/ }).waitFor({ timeout: 30_000 });
      await page.getByRole('img', { name: /Peer clock offset \(ms\): US: \d+ tests?, -?[\d.]+ ms/ }).waitFor({ timeout: 5000 });
      expect(await page.getByTestId('link-chart-rttMs').locator('canvas').count()).toBe(1);
      await page.screenshot({ path: '/tmp/hotline-console-acknowledged.png', fullPage: true });

      // Past 500 messages, the view shows the latest ones.
      await us.api('POST', `/api/v1/channels/${channel.id}/messages/batch`, { messages: Array.from({ length: 300 }, (_, i) => ({ text: `Later report ${i}`, precedence: 'ROUTINE' })) });
      await us.cli(['send', channel.id, 'The latest word.']).then(check('send'));
      await page.locator('[data-testid=message]', { hasText: 'The latest word.' }).waitFor({ timeout: 15_000 });

      expect(problems).toEqual([]);
    } finally {
      await context?.close();
    }
  });
});

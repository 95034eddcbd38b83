/**
 * The operations screen (#15 item 11), in Chromium against two real terminals: a drill sent at
 * US and acknowledged at CN shows in US's readiness with its time to acknowledge as a uPlot chart
 * and the officer who answered; the roster says who is on watch; the audit log is listed with its
 * hash chain checked; a part the officer may not read says so, and the rest of the screen works.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from '../e2e/harness.js';
import { CHROMIUM_ARGS, chromiumLaunch } from './chromium.js';
import { CHROMIUM, ensureConsoleBuilt, fillSignIn, secretsOf } from './console-kit.js';

describe.skipIf(CHROMIUM.kind === 'none' && !process.env.CI)('console operations screen in a browser (Chromium)', () => {
  it('shows readiness with a chart, the roster and the audit log, each part by permission', { timeout: 180_000 }, async () => {
    if (CHROMIUM.kind === 'none') throw new Error(`no browser for the console test: ${CHROMIUM.reason}`);
    const browser = chromiumLaunch(CHROMIUM);
    await ensureConsoleBuilt();
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const channel = await h.openChannel(us, cn, { title: { en: 'Air incidents', zh: '空中事件' }, tier: 'military', parties: ['CN'], linkTestIntervalSec: 86_400 });
    // Two drills: one acknowledged at CN, one awaiting.
    const first = (await us.cli(['drill', channel, '--name', 'Cdr Smith']).then(check('drill'))).stdout.trim();
    await waitFor('CN to hold the drill', async () => (await cn.messages(channel)).some((m) => m.id === first));
    await cn.cli(['ack', first.slice(0, 16), '--name', 'Lt Cdr Wang']).then(check('CN ack'));
    await waitFor('US to see the drill acknowledged', async () => (await us.messages(channel)).find((m) => m.id === first)?.ackedAt);
    // A roster at US with a daily watch around the clock, so that somebody is on watch now.
    const roster = join(h.root, 'roster.json');
    writeFileSync(roster, JSON.stringify({ officers: { smith: { name: 'Cdr Smith', console: true } }, shifts: [{ officer: 'smith', role: 'duty-officer', daily: { from: '00:00', to: '00:00' } }] }));
    await us.cli(['roster', 'set', roster]).then(check('roster set'));

    const watch = secretsOf((await us.cli(['officer', 'add', 'Cdr Smith', '--title', 'Watch Officer', '--role', 'duty-officer']).then(check('officer add'))).stdout);
    const both = secretsOf((await us.cli(['officer', 'add', 'Capt Reyes', '--title', 'Watch Commander', '--role', 'duty-officer', 'admin']).then(check('officer add'))).stdout);

    const profile = mkdtempSync(join(tmpdir(), 'hotline-chromium-'));
    h.defer(() => rmSync(profile, { recursive: true, force: true }));
    let context: BrowserContext | undefined;
    try {
      context = await chromium.launchPersistentContext(profile, { executablePath: browser.executablePath, env: { ...process.env, ...browser.env }, headless: true, args: [...CHROMIUM_ARGS], viewport: { width: 1280, height: 1000 } });
      const page = context.pages()[0] ?? (await context.newPage());
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page.goto(`${us.officerUrl}/console/`);
      await fillSignIn(page, 'Cdr Smith', watch);
      await page.getByRole('button', { name: /Sign in/ }).click();
      // From the watch screen's header to the operations screen.
      await page.getByRole('link', { name: 'Operations' }).click();
      await page.getByRole('heading', { name: 'Operations' }).waitFor({ timeout: 10_000 });

      // Readiness: one drill sent and acknowledged, the officer who answered, and the chart.
      const ready = page.getByRole('region', { name: /Readiness/ });
      await ready.locator('.ops-stats').waitFor({ timeout: 10_000 });
      const stats = await ready.locator('.ops-stats').innerText();
      expect(stats).toMatch(/Drills sent\s+1/);
      expect(stats).toMatch(/Acknowledged\s+1/);
      expect(stats).toMatch(/Missed\s+0/);
      expect(await ready.getByRole('img', { name: /Time to acknowledge 1 drills/ }).locator('canvas').count()).toBe(1);
      expect(await ready.locator('.ops-table').last().innerText()).toMatch(/CN · Lt Cdr Wang \(Duty Officer\)\s+1\s+0/);

      // Nothing overdue; the roster names who is on watch.
      expect(await page.getByRole('region', { name: /Overdue/ }).innerText()).toContain('Nothing overdue.');
      expect(await page.getByRole('region', { name: /Duty roster/ }).innerText()).toMatch(/On watch now: Cdr Smith \(duty-officer/);
      // A duty officer may not read the audit log: that part says so, with the API's code.
      expect(await page.getByRole('region', { name: /Audit log/ }).innerText()).toMatch(/FORBIDDEN|not allowed|permission/i);
      await page.screenshot({ path: '/tmp/hotline-console-ops.png', fullPage: true });

      // In Chinese, the same screen's labels follow.
      await page.getByRole('link', { name: 'Back to the watch' }).click();
      await page.getByRole('button', { name: /Sign out/ }).click();

      // An officer who is also an admin sees the audit log, its chain intact, with the sign-ins.
      await fillSignIn(page, 'Capt Reyes', both);
      await page.getByRole('button', { name: /Sign in/ }).click();
      await page.goto(`${us.officerUrl}/console/#ops`);
      const audit = page.getByRole('region', { name: /Audit log/ });
      await audit.getByRole('status').waitFor({ timeout: 10_000 });
      expect(await audit.getByRole('status').innerText()).toMatch(/Hash chain intact: \d+ records\./);
      expect(await audit.locator('tbody tr').count()).toBeGreaterThan(0);
      expect(await audit.innerText()).toContain('Capt Reyes');
      // The audit log downloads as JSON Lines.
      const [file] = await Promise.all([page.waitForEvent('download'), audit.getByRole('button', { name: 'Download the audit log' }).click()]);
      expect(file.suggestedFilename()).toBe('audit.jsonl');
      const saved = readFileSync((await file.path())!, 'utf8').trim().split('\n');
      expect(saved.length).toBeGreaterThan(0);
      expect(saved.every((l) => typeof JSON.parse(l) === 'object')).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await context?.close();
      await h.cleanup();
    }
  });
});

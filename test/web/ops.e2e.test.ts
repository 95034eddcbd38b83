/**
 * The operations screen (#15 item 11), in Chromium against two real terminals: a drill sent at
 * US and acknowledged at CN shows in US's readiness with its time to acknowledge as a uPlot chart
 * and the officer who answered; the roster says who is on watch; the audit log is listed with its
 * hash chain checked; a part the officer may not read says so, and the rest of the screen works.
 * An admin edits the channel's escalation policy and the roster (a reload shows them kept; an
 * invalid edit is refused — by the console, or by the terminal with its error translated — and
 * changes nothing; the roster's webhook secret, never shown, is kept); a duty officer is offered
 * neither editor; the audit log pages back to its first record, filters, and downloads whole.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from '../e2e/harness.js';
import { CHROMIUM_ARGS, chromiumLaunch } from './chromium.js';
import { CHROMIUM, ensureConsoleBuilt, fillSignIn, secretsOf } from './console-kit.js';

/** Serious and critical axe violations on the page, as "rule: target" lines. */
async function axeProblems(page: Page, view: string): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.slice(0, 3).map((n) => `${view}: ${v.id} (${v.impact}) at ${n.target.join(' ')}`));
}

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
    const hookSecret = 'webhook-secret-0123456789abcdef';
    writeFileSync(roster, JSON.stringify({ officers: { smith: { name: 'Cdr Smith', console: true, webhook: { url: 'http://127.0.0.1:9/hook', secret: hookSecret } } }, shifts: [{ officer: 'smith', role: 'duty-officer', daily: { from: '00:00', to: '00:00' } }] }));
    await us.cli(['roster', 'set', roster]).then(check('roster set'));

    const watch = secretsOf((await us.cli(['officer', 'add', 'Cdr Smith', '--title', 'Watch Officer', '--role', 'duty-officer']).then(check('officer add'))).stdout);
    const both = secretsOf((await us.cli(['officer', 'add', 'Capt Reyes', '--title', 'Watch Commander', '--role', 'duty-officer', 'admin']).then(check('officer add'))).stdout);
    // More than a page of audit records: each read of the audit log is itself recorded.
    for (let i = 0; i < 60; i++) await us.apiRaw('GET', '/api/v1/audit/verify');

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
      // A duty officer sees the escalation policy in effect, and is offered no editor.
      const policy = page.getByRole('region', { name: 'Escalation policy' });
      await policy.getByText('In effect for CN').waitFor({ timeout: 10_000 });
      expect(await page.getByRole('button', { name: /Edit the (escalation policy|roster)/ }).count()).toBe(0);
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
      // The chain's verdict and the records' page arrive in separate answers: wait for the rows.
      await audit.locator('tbody tr').first().waitFor({ timeout: 10_000 });
      expect(await audit.innerText()).toContain('Capt Reyes');
      // The audit log downloads whole, as the terminal exports it, read when the button is pressed.
      const [file] = await Promise.all([page.waitForEvent('download'), audit.getByRole('button', { name: 'Download the audit log' }).click()]);
      expect(file.suggestedFilename()).toBe('audit.jsonl');
      const saved = readFileSync((await file.path())!, 'utf8').trim().split('\n');
      expect(saved.length).toBeGreaterThan(50);
      expect(saved.every((l) => typeof JSON.parse(l) === 'object')).toBe(true);
      expect((JSON.parse(saved[0]!) as { seq: number }).seq).toBe(1);

      // Paging: the first page holds the newest 50; older pages go back to the first record.
      const seqs = async () => (await audit.locator('tbody tr td:first-child').allInnerTexts()).map(Number);
      expect(await seqs()).toHaveLength(50);
      expect(await seqs()).not.toContain(1);
      while (await audit.getByRole('button', { name: 'Older records' }).count()) {
        const before = (await seqs()).length;
        await audit.getByRole('button', { name: 'Older records' }).click();
        await waitFor('an older page', async () => (await seqs()).length > before);
      }
      const all = await seqs();
      expect(all.at(-1)).toBe(1);
      expect(all).toEqual([...all].sort((a, b) => b - a));
      // The filter: officer accounts' records only.
      await audit.getByLabel('Action').fill('officer');
      await audit.getByRole('button', { name: 'Show' }).click();
      await waitFor('the filtered page', async () => (await seqs()).length < all.length);
      const actions = await audit.locator('tbody tr td:nth-child(4)').allInnerTexts();
      expect(actions.length).toBeGreaterThanOrEqual(2);
      expect(actions.every((a) => a.startsWith('officer.'))).toBe(true);

      // The admin edits the channel's escalation policy: the first level waits 120 s, named anew.
      const escalation = page.getByRole('region', { name: 'Escalation policy' });
      await escalation.getByRole('button', { name: 'Edit the escalation policy' }).click();
      const escEditor = escalation.getByRole('form', { name: 'Escalation policy editor' });
      await escEditor.getByLabel('Name of level 1 of policy 1').waitFor();
      expect(await axeProblems(page, 'escalation editor')).toEqual([]);
      await escEditor.getByLabel('Name of level 1 of policy 1').fill('watch desk');
      await escEditor.getByLabel('Wait in seconds of level 1 of policy 1').fill('120');
      await escEditor.getByLabel('Repeats of level 1 of policy 1').fill('2');
      await escEditor.getByRole('button', { name: 'Save' }).click();
      await escalation.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: 10_000 });
      await escalation.getByText('This channel has 1 policy of its own.').waitFor({ timeout: 10_000 });
      expect(await escalation.innerText()).toContain('watch desk: console, wait 120 s, repeats 2');
      // An obvious mistake is caught in the console: nothing is sent.
      await escalation.getByRole('button', { name: 'Edit the escalation policy' }).click();
      await escEditor.getByLabel('Wait in seconds of level 1 of policy 1').fill('0');
      await escEditor.getByRole('button', { name: 'Save' }).click();
      expect(await escEditor.getByRole('alert').innerText()).toContain('Policy 1, level 1: the wait is a whole number of seconds from 1 to 604800.');
      await escEditor.getByRole('button', { name: 'Cancel' }).click();

      // The roster: a second shift, a watch supervisor by day; the webhook secret is never shown.
      const rosterPart = page.getByRole('region', { name: /Duty roster/ });
      await rosterPart.getByRole('button', { name: 'Edit the roster' }).click();
      const rosEditor = rosterPart.getByRole('form', { name: 'Duty roster editor' });
      expect(await rosEditor.getByLabel('New webhook secret of officer 1').inputValue()).toBe('');
      expect(await axeProblems(page, 'roster editor')).toEqual([]);
      await rosEditor.getByRole('button', { name: 'Add a shift' }).click();
      await rosEditor.getByLabel('Role of shift 2').fill('watch-supervisor');
      // An obvious mistake first: refused in the console.
      await rosEditor.getByLabel('Shift 2 from (HH:MM UTC)').fill('25:00');
      await rosEditor.getByRole('button', { name: 'Save' }).click();
      expect(await rosEditor.getByRole('alert').innerText()).toContain('Shift 2: the hours are HH:MM in UTC');
      await rosEditor.getByLabel('Shift 2 from (HH:MM UTC)').fill('06:00');
      await rosEditor.getByRole('button', { name: 'Save' }).click();
      await rosEditor.waitFor({ state: 'detached', timeout: 10_000 });
      await rosterPart.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: 10_000 });
      await rosterPart.getByRole('cell', { name: 'watch-supervisor' }).waitFor({ timeout: 10_000 });
      // Kept: the shift and the webhook secret the console never saw.
      const stored = JSON.parse(readFileSync(join(us.dir, 'roster.json'), 'utf8')) as { officers: { smith: { webhook: { secret: string } } }; shifts: unknown[] };
      expect(stored.officers.smith.webhook.secret).toBe(hookSecret);
      expect(stored.shifts).toHaveLength(2);

      // After a reload both edits are there.
      await page.reload();
      await escalation.getByText('watch desk: console, wait 120 s, repeats 2').waitFor({ timeout: 10_000 });
      expect(await rosterPart.innerText()).toMatch(/watch-supervisor\s+06:00–20:00/);

      // In Chinese, an edit the terminal refuses (a contact it does not know) shows its error
      // translated, with the terminal's own words naming the field; nothing changes.
      await page.evaluate("localStorage.setItem('hotline.lang', 'zh'); localStorage.setItem('hotline.lang.Capt Reyes', 'zh')");
      await page.reload();
      const zhEscalation = page.getByRole('region', { name: '升级策略' });
      await zhEscalation.getByRole('button', { name: '编辑升级策略' }).click();
      const zhEditor = zhEscalation.getByRole('form', { name: '升级策略编辑器' });
      await zhEditor.getByLabel('策略 1 第 1 级的联系人').fill('ghost-contact');
      await zhEditor.getByRole('button', { name: '保存' }).click();
      const refusal = await zhEditor.getByRole('alert').innerText();
      expect(refusal).toContain('终端拒绝了所发送的无效内容；没有任何更改。');
      expect(refusal).toContain('unknown contact "ghost-contact"');
      await page.evaluate("localStorage.setItem('hotline.lang', 'en'); localStorage.setItem('hotline.lang.Capt Reyes', 'en')");
      await page.reload();
      await escalation.getByText('watch desk: console, wait 120 s, repeats 2').waitFor({ timeout: 10_000 });
      expect(problems).toEqual([]);
    } finally {
      await context?.close();
      await h.cleanup();
    }
  });
});

/**
 * A terminal whose clock ran far ahead, brought back (docs/operations.md "Clocks"). A bad NTP
 * server steps US's clock 30 days ahead; US signs messages and a receipt dated then. CN refuses
 * them as from the future (ENTRY_MALFORMED, "author time ... lies in the future": more than
 * MAX_FUTURE_SKEW_MS, 5 minutes, in CN's future). NTP puts the clock right: US's next entries would
 * be dated before its own last one, so it signs nothing there (CLOCK_BEHIND_LOG) and the channel
 * is wedged for US's side for 30 days. No peer holds the future-dated entries, so the operator
 * removes them with `hotline repair --forked CHANNEL --from N`, and the channel resumes: messages
 * both ways, receipted, and both sides' exports verify.
 *
 * The clock is stepped in the real `hotline serve` process by the preload test/e2e/clock-shift.mjs.
 */
import { secretsOf, signedInConsole } from '../web/console-kit.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor, type Party } from './harness.js';

const AHEAD_MS = 30 * 86_400_000;

interface Alarm {
  type: string;
  code?: string;
  message?: string;
  channel?: string;
  peer?: string;
}

describe('e2e: a clock that ran far ahead', () => {
  it('wedges US\'s side of the channel until `hotline repair --forked` removes the future-dated own entries no peer took', async () => {
    const h = await Harness.create();
    const { party: us, shift } = await h.partyWithShiftedClock('US', 'United States');
    const [cn] = await Promise.all([h.party('CN', 'China'), us.start()]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Clock line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    const usAlarms: Alarm[] = [];
    const cnAlarms: Alarm[] = [];
    await us.events((e) => e.type === 'alarm' && usAlarms.push(e as Alarm));
    await cn.events((e) => e.type === 'alarm' && cnAlarms.push(e as Alarm));
    // Once US has an officer account (the console check below), what it signs names one.
    let actAs: Record<string, string> = {};
    const send = (p: Party, text: string) => p.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text, precedence: 'ROUTINE' }, p === us ? actAs : {});
    const usTime = async () => (await us.api<{ time: number }>('GET', '/api/v1/status')).time;

    expect((await send(us, 'US before the jump')).status).toBe(201);
    expect((await send(cn, 'CN before the jump')).status).toBe(201);
    await waitFor('both messages receipted', async () => {
      const [a, b] = await Promise.all([us.messages(id), cn.messages(id)]);
      return [...a, ...b].filter((m) => m.own).every((m) => m.receiptedAt !== null) && a.length === 2 && b.length === 2;
    });

    // The last own entry CN holds is at or after US's last message before the jump.
    const lastBefore = Math.max(...(await us.messages(id)).filter((m) => m.own).map((m) => m.seq));

    // The bad NTP server: US's clock jumps 30 days ahead.
    shift(AHEAD_MS);
    await waitFor('US\'s clock to jump', async () => (await usTime()) > Date.now() + AHEAD_MS / 2);
    h.step('US clock 30 days ahead');
    for (let i = 0; i < 3; i++) expect((await send(us, `US ahead ${i}`)).status).toBe(201);
    expect((await send(cn, 'CN while US is ahead')).status).toBe(201);
    const ahead = (await us.messages(id)).filter((m) => m.own && m.time > Date.now() + AHEAD_MS / 2);
    expect(ahead.map((m) => m.text)).toEqual(['US ahead 0', 'US ahead 1', 'US ahead 2']);
    const firstAhead = Math.min(...ahead.map((m) => m.seq));

    // CN refuses them as from the future (more than 5 minutes in its future), and alarms.
    const line = await waitFor('US to see CN refusing', async () => {
      const l = (await us.status()).links.find((x) => x.code === 'CN');
      return l?.state === 'refusing' ? l : undefined;
    });
    expect(line.reason).toMatch(new RegExp(`refuses this terminal's entries on channel ${id.slice(0, 12)}: ENTRY_MALFORMED \\(.*author time \\S+ lies in the future`));
    const cnSaw = await waitFor('CN to alarm', () => cnAlarms.find((a) => a.code === 'ENTRY_MALFORMED'));
    expect(cnSaw).toMatchObject({ channel: id });
    expect(cnSaw.message).toMatch(/author time \S+ lies in the future/);
    expect(cn.log).toMatch(/"code":"ENTRY_MALFORMED".*lies in the future/);
    // US's operators are told it is their clock, not the peer.
    const refusing = await waitFor('US to alarm LINK_REFUSING', () => usAlarms.find((a) => a.code === 'LINK_REFUSING'));
    expect(refusing.message).toContain("this terminal's clock is ahead of CN's by more than 5 minutes");
    // CN's message reaches US; US's receipt of it, dated ahead too, is refused with the rest.
    await waitFor('US to receive CN\'s message', async () => (await us.messages(id)).some((m) => m.text === 'CN while US is ahead'));
    expect((await cn.messages(id)).filter((m) => m.text.startsWith('US ahead'))).toEqual([]);

    // NTP puts the clock right: US's next entry would be dated before its last one.
    shift(0);
    await waitFor('US\'s clock to come back', async () => Math.abs((await usTime()) - Date.now()) < 60_000);
    h.step('US clock right again');
    // Before anyone tries to sign, status, readiness and the channel say so, with the command.
    type Blocked = { channel: string; have: number; peerHolds: number; why: string };
    const blocked = await waitFor('US\'s status to show the channel not signable', async () =>
      (await us.api<{ reconciling?: Blocked[] }>('GET', '/api/v1/status')).reconciling?.find((r) => r.channel === id && r.why === 'clock-behind-log'));
    expect(blocked.peerHolds).toBeGreaterThanOrEqual(lastBefore);
    expect(blocked.peerHolds).toBeLessThan(firstAhead);
    const ready = await fetch(`${us.officerUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reason: string }).reason).toMatch(/CLOCK_BEHIND_LOG/);
    const statusLines = (await us.cli(['status']).then(check('status'))).stdout;
    expect(statusLines).toContain(`channel ${id.slice(0, 12)}: CLOCK BEHIND LOG`);
    expect(statusLines).toContain(`\`hotline repair --data DIR --forked ${id.slice(0, 12)} --from ${blocked.peerHolds + 1}\``);
    expect((await us.cli(['channel', 'show', id]).then(check('channel show'))).stdout).toMatch(/ALARM: this terminal's own entries #\d+ to #\d+ are dated after now \(CLOCK_BEHIND_LOG/);
    const wedged = await send(us, 'US after the fix');
    expect(wedged.status).toBe(503);
    const why = wedged.body as { code: string; message: string };
    expect(why.code).toBe('CLOCK_BEHIND_LOG');
    // The refusal says which entries, and the exact command to run.
    // (The first entry dated ahead may be a receipt US signed after the jump, before its messages.)
    const command = /`(hotline repair --data DIR --forked ([0-9a-f]{12}) --from (\d+))`/.exec(why.message);
    expect(command?.[2]).toBe(id.slice(0, 12));
    const from = Number(command?.[3]);
    expect(from).toBeGreaterThan(lastBefore);
    expect(from).toBeLessThanOrEqual(firstAhead);
    expect(from).toBe(blocked.peerHolds + 1);
    expect(why.message).toMatch(new RegExp(`this terminal's entries dated after now \\(#${from} to #(\\d+)\\) were refused by the peers as from the future`));
    const head = Number(/dated after now \(#\d+ to #(\d+)\)/.exec(why.message)![1]);
    const alarm = await waitFor('US to alarm CLOCK_BEHIND_LOG', () => usAlarms.find((a) => a.code === 'CLOCK_BEHIND_LOG'));
    expect(alarm.channel).toBe(id);
    expect(alarm.message).toContain(`\`${command![1]}\``);
    // The wedge: nothing of US's is signed there, not even the receipt of CN's message.
    expect((await cn.messages(id)).find((m) => m.text === 'CN while US is ahead')?.receiptedAt).toBeNull();
    expect((await send(us, 'US still wedged')).status).toBe(503);
    // The console shows it on every page, with the command, to an officer signing in now.
    const watch = secretsOf((await us.cli(['officer', 'add', 'Cdr Vance', '--title', 'Watch Officer', '--role', 'duty-officer']).then(check('officer add'))).stdout);
    actAs = { 'x-hotline-officer': 'Cdr Vance' };
    const screen = await signedInConsole(h, us, 'Cdr Vance', watch);
    try {
      const banner = screen.page.getByTestId('clock-behind-banner');
      await banner.waitFor({ timeout: 15_000 });
      const said = (await banner.textContent()) ?? '';
      expect(said).toContain(`from #${from} are dated in the future`);
      expect(said).toContain(`hotline repair --forked ${id.slice(0, 12)} --from ${from}`);
      expect(screen.problems).toEqual([]);
    } finally {
      await screen.close();
    }

    // The operator stops the terminal. A --from that CN holds is refused, and nothing is removed.
    await us.stop();
    const tooFar = await us.cli(['repair', '--forked', id.slice(0, 12), '--from', String(lastBefore)]);
    expect(tooFar.code).toBe(2);
    expect(tooFar.stderr).toMatch(new RegExp(`Nothing was removed: peer CN holds this terminal's own entries of channel ${id.slice(0, 12)} up to #\\d+`));
    // The command the refusal named, as the operator copies it.
    const repaired = await us.cli(['repair', '--forked', command![2]!, '--from', command![3]!]);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toContain(`Removed ${head - from + 1} of this terminal's own entries of channel ${id.slice(0, 12)} from #${from} on`);
    await us.start();
    const next = await waitFor('US to sign again', async () => {
      const r = await send(us, 'US after the repair');
      return r.status === 201 ? (r.body as { seq: number }) : undefined;
    }, 30_000);
    expect(next.seq).toBeGreaterThanOrEqual(from);
    expect((await us.messages(id)).filter((m) => m.own && m.time > Date.now() + 60_000)).toEqual([]);
    // What was sent while the clock was ahead reached nobody: sent again.
    for (let i = 0; i < 3; i++) expect((await send(us, `US ahead ${i}, sent again`)).status).toBe(201);
    expect((await send(cn, 'CN after the repair')).status).toBe(201);
    await waitFor('messages to cross both ways, receipted', async () => {
      const [a, b] = await Promise.all([us.messages(id), cn.messages(id)]);
      const usTexts = ['US after the repair', 'US ahead 0, sent again', 'US ahead 1, sent again', 'US ahead 2, sent again'];
      return (
        usTexts.every((t) => b.some((m) => m.text === t) && a.find((m) => m.text === t)?.receiptedAt) &&
        a.some((m) => m.text === 'CN after the repair') &&
        ['CN while US is ahead', 'CN after the repair'].every((t) => b.find((m) => m.text === t)?.receiptedAt)
      );
    }, 30_000);
    await waitFor('US to show the line to CN up again', async () => (await us.status()).links.find((l) => l.code === 'CN')?.state === 'up', 30_000);
    expect((await us.api<{ reconciling?: Blocked[] }>('GET', '/api/v1/status')).reconciling ?? []).toEqual([]);
    expect((await fetch(`${us.officerUrl}/readyz`)).status).toBe(200);
    // No fork, no equivocation: CN holds one version of every US entry.
    expect(cnAlarms.filter((a) => /EQUIVOCATION|WRONG_PREVIOUS_HASH|TIME_REGRESSED/.test(a.code ?? ''))).toEqual([]);
    expect(us.log).not.toMatch(/"code":"(CHANNEL_OWN_LOG_FORKED|CHANNEL_RECONCILE_FAILED)"/);
    expect(((await cn.channel(id)) as unknown as { equivocations?: number }).equivocations ?? 0).toBe(0);
    for (const p of [us, cn]) {
      const bundle = join(h.root, `${p.code}.bundle`);
      await p.cli(['export', id], { stdoutFile: bundle }).then(check(`${p.code} export`));
      const report = await h.cli(['verify', bundle]);
      expect(report.code, report.stdout + report.stderr).toBe(0);
      expect(report.stdout).toMatch(/VALID/);
    }
  }, 240_000);
});

/**
 * A clock set back while the terminal was stopped (docs/operations.md "Clocks"). US is stopped,
 * its clock is set back an hour (as after a restart on a bad real-time clock), and it starts
 * again. It sees the step at start against the clock reading it kept (CLOCK_SET_BACK), moves the
 * deadline of the FLASH it has not acknowledged back by the step (it escalates on time, not an
 * hour late), and signs nothing dated before its own last entry (CLOCK_BEHIND_LOG) while the clock
 * is behind. Once the clock is set right it signs at once: CN takes everything, the times of US's
 * entries never go backwards, and no alarm of CN's says otherwise.
 *
 * The clock is stepped in the real `hotline serve` process by the preload test/e2e/clock-shift.mjs.
 */
import { describe, expect, it } from 'vitest';
import { Harness, waitFor } from './harness.js';

const BACK_MS = 3_600_000;

interface Alarm {
  type: string;
  code?: string;
  message?: string;
}

describe('e2e: a clock set back while the terminal was stopped', () => {
  it('is seen at start: CLOCK_SET_BACK, the deadlines move back with it, and no entry is dated before an earlier one', async () => {
    const h = await Harness.create();
    const { party: us, shift } = await h.partyWithShiftedClock('US', 'United States');
    const [cn] = await Promise.all([h.party('CN', 'China'), us.start()]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Clock line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400, ackDeadlineSec: { FLASH: 600 } });
    const cnAlarms: Alarm[] = [];
    await cn.events((e) => e.type === 'alarm' && cnAlarms.push(e as Alarm));
    const send = (p: typeof us, text: string, precedence = 'ROUTINE') => p.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text, precedence });

    expect((await send(us, 'US before the stop')).status).toBe(201);
    expect((await send(cn, 'Unidentified aircraft', 'FLASH')).status).toBe(201);
    const flash = await waitFor('US to hold CN\'s FLASH, and CN US\'s message', async () => {
      const [a, b] = await Promise.all([us.messages(id), cn.messages(id)]);
      return b.some((m) => m.text === 'US before the stop') ? a.find((m) => m.text === 'Unidentified aircraft') : undefined;
    });
    expect(flash.deadlineAt).not.toBeNull();

    // The operator stops US; the machine's clock is set back an hour; US starts again.
    await us.stop();
    shift(-BACK_MS);
    const stoppedFor = Date.now();
    await us.start();
    h.step('US started on a clock set back an hour');
    const said = await waitFor('US to alarm CLOCK_SET_BACK', () => /[^\n]*"code":"CLOCK_SET_BACK"[^\n]*/.exec(us.log)?.[0]);
    // Its own ROUTINE message (a day's deadline) and CN's FLASH.
    expect(said).toMatch(/"whileStopped":true.*The clock was stepped by -3\d\d\d\.\d s \(back, while the terminal was stopped\): the deadlines of 2 unacknowledged message\(s\) moved back/);
    // The FLASH's deadline moved back by the step (less the time US was stopped, which it cannot know).
    const moved = (await us.messages(id)).find((m) => m.id === flash.id)!;
    const downMs = Date.now() - stoppedFor + 5_000;
    expect(moved.deadlineAt!).toBeGreaterThanOrEqual(flash.deadlineAt! - BACK_MS);
    expect(moved.deadlineAt!).toBeLessThanOrEqual(flash.deadlineAt! - BACK_MS + downMs);

    // No entry dated before US's last one: signing waits, it is not stamped falsely. (CN's
    // certificate, issued an hour ago by the right clock, is not valid yet on US's clock either, so
    // US cannot reach CN and the start-up reconciliation waits too: CHANNEL_RECONCILING first.)
    const wedged = await send(us, 'US on the wrong clock');
    expect(wedged.status).toBe(503);
    expect((wedged.body as { code: string }).code).toMatch(/^(CHANNEL_RECONCILING|CLOCK_BEHIND_LOG)$/);
    // Its receipt of CN's FLASH would be dated before its own last entry: not signed (CLOCK_BEHIND_LOG).
    await waitFor('US to refuse to sign before its own last entry', () => /"code":"CLOCK_BEHIND_LOG"/.test(us.log));

    // The clock is set right: US signs at once, and CN takes it.
    shift(0);
    const sent = await waitFor('US to sign again', async () => {
      const r = await send(us, 'US after the clock was set right');
      return r.status === 201 ? r : undefined;
    }, 30_000);
    expect(sent.status).toBe(201);
    await waitFor('CN to receive it, and US to hold CN\'s receipt', async () => {
      const [a, b] = await Promise.all([us.messages(id), cn.messages(id)]);
      return b.some((m) => m.text === 'US after the clock was set right') && a.find((m) => m.text === 'US after the clock was set right')?.receiptedAt;
    }, 30_000);
    const own = (await us.messages(id)).filter((m) => m.own).sort((a, b) => a.seq - b.seq);
    for (let i = 1; i < own.length; i++) expect(own[i]!.time).toBeGreaterThanOrEqual(own[i - 1]!.time);
    expect(cnAlarms.filter((a) => /MALFORMED|TIME_REGRESSED|EQUIVOCATION/.test(a.code ?? ''))).toEqual([]);
  }, 180_000);
});

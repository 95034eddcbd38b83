/**
 * Clocks (#14 B5): a measured offset beyond the threshold raises CLOCK_SKEW; another party's
 * message gets its acknowledgement deadline on this terminal's clock from its arrival; a clock set
 * back behind the terminal's own last entry makes it refuse to sign (CLOCK_BEHIND_LOG, one alarm)
 * until the clock passes that time, so no entry ever carries a false time.
 */
import { afterEach, expect, it } from 'vitest';
import { LinkTester } from '../../src/terminal/schedulers/link-tester.js';
import { TerminalError } from '../../src/terminal/errors.js';
import { EscalationSettings } from '../../src/terminal/escalation/settings.js';
import { backToBack, portsOf, type BackToBack } from './back-to-back.js';
import { escalation } from './escalation-fixture.js';

let pair: BackToBack | undefined;
afterEach(async () => {
  await pair?.cleanup();
  pair = undefined;
});

it('raises CLOCK_SKEW once when a link test measures the peer four minutes ahead', async () => {
  let skew = 0;
  pair = await backToBack(undefined, { skewOfB: () => skew });
  const channel = await pair.activeChannel();
  const tester = new LinkTester(portsOf(pair.a));
  const echoer = new LinkTester(portsOf(pair.b));
  tester.start();
  echoer.start();
  const alarms: string[] = [];
  pair.a.events.on('alarm', (e) => alarms.push(`${e.code} ${e.message}`));
  await tester.tick();
  await pair.settle();
  expect(alarms.filter((a) => a.startsWith('CLOCK_SKEW'))).toEqual([]);

  skew = 4 * 60_000;
  pair.clock.advance(60_000);
  await tester.tick();
  await pair.settle();
  pair.clock.advance(60_000);
  await tester.tick();
  await pair.settle();
  const skews = alarms.filter((a) => a.startsWith('CLOCK_SKEW'));
  expect(skews).toHaveLength(1); // once, not at every test
  expect(skews[0]).toMatch(/Clock offset to CN measured at 240\.0 s on channel [0-9a-f]{12}/);
  expect(tester.health().find((h) => h.channel === channel)!.state).toBe('degraded');
  tester.stop();
  echoer.stop();
});

it("counts another party's deadline from the message's arrival on this terminal's clock", async () => {
  // CN's clock is four minutes behind: its FLASH is dated four minutes before it arrives at US.
  pair = await backToBack(undefined, { skewOfB: () => -4 * 60_000 });
  const channel = await pair.activeChannel();
  const flash = await pair.b.send(channel, { text: 'Unidentified aircraft', lang: 'en', precedence: 'FLASH' });
  const arrival = pair.clock.now();
  await pair.settle();
  const atUs = await pair.a.getMessage(flash.hash);
  const window = pair.a.view(channel).charter.ackDeadlineSec.FLASH * 1000;
  expect(atUs!.time).toBe(arrival - 4 * 60_000); // the author's time, as signed
  expect(atUs!.deadlineAt).toBe(arrival + window); // not already overdue
  const atCn = await pair.b.getMessage(flash.hash);
  expect(atCn!.deadlineAt).toBe(flash.entry.time + window);
});

it('refuses to sign while the clock is behind its own last entry, with one alarm, and never stamps a false time', async () => {
  pair = await backToBack();
  const channel = await pair.activeChannel();
  const alarms: string[] = [];
  pair.a.events.on('alarm', (e) => alarms.push(e.code));
  // The clock ran ten minutes ahead and US signed then; NTP sets it back.
  pair.clock.advance(10 * 60_000);
  const ahead = await pair.a.send(channel, { text: 'sent with the clock ahead', lang: 'en', precedence: 'ROUTINE' });
  await pair.settle();
  pair.clock.advance(-10 * 60_000);

  const refused = await pair.a.send(channel, { text: 'after the correction', lang: 'en', precedence: 'ROUTINE' }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(TerminalError);
  expect((refused as TerminalError).code).toBe('CLOCK_BEHIND_LOG');
  expect((refused as TerminalError).message).toMatch(/600\.0 s behind its own last entry/);
  await expect(pair.a.send(channel, { text: 'again', lang: 'en', precedence: 'ROUTINE' })).rejects.toThrow(/behind/);
  expect(alarms.filter((a) => a === 'CLOCK_BEHIND_LOG')).toHaveLength(1);

  // Within the tolerance (NTP's small steps) an entry takes its predecessor's time.
  pair.clock.advance(10 * 60_000 - 500);
  const within = await pair.a.send(channel, { text: 'half a second behind', lang: 'en', precedence: 'ROUTINE' });
  expect(within.entry.time).toBe(ahead.entry.time);
  pair.clock.advance(1000);
  const after = await pair.a.send(channel, { text: 'clock right again', lang: 'en', precedence: 'ROUTINE' });
  expect(after.entry.time).toBe(pair.clock.now());
});

// Found by test/e2e/net-faults.e2e.test.ts: after a path stalled one way for 15 s, both terminals
// alarmed CLOCK_SKEW (offsets of ~7 s) although they share one clock. A link test held by the
// outage and echoed when the path came back measures half the time it was held as "offset": an
// exchange only bounds the offset within half its round trip, so no skew is proven by it.
it('raises no CLOCK_SKEW from a link test delayed by an outage and answered late (clocks agree)', async () => {
  pair = await backToBack();
  const channel = await pair.activeChannel();
  const tester = new LinkTester(portsOf(pair.a));
  const echoer = new LinkTester(portsOf(pair.b));
  tester.start();
  echoer.start();
  const alarms: string[] = [];
  pair.a.events.on('alarm', (e) => alarms.push(`${e.code} ${e.message}`));
  await tester.tick();
  await pair.settle();
  // The path holds A's test for 40 s (one way), then delivers it: B echoes at once.
  pair.cut();
  pair.clock.advance(60_000);
  await tester.tick();
  pair.clock.advance(40_000);
  pair.restore();
  await pair.settle();
  const h = tester.health().find((x) => x.channel === channel)!;
  expect(h.lastRttMs).toBeGreaterThanOrEqual(40_000);
  expect(alarms.filter((a) => a.startsWith('CLOCK_SKEW'))).toEqual([]);
  // Late, so degraded (round trip over the bound), but not for a clock it never measured.
  expect(h.state).toBe('degraded');
  tester.stop();
  echoer.stop();
});

/** US's escalation (one level, to the console) running on the pair, and the channel's FLASH window, ms. */
async function escalatingAtUs(channel: string) {
  const p = pair!;
  const settings = EscalationSettings.from({
    contacts: { 'ops-room': { console: true } },
    policies: [{ channel: '*', levels: [{ name: 'duty officer', contacts: ['ops-room'], waitSec: 120 }] }],
  }, undefined, { smtp: false });
  const us = { ...escalation(p.a, () => settings), settings };
  await us.scheduler.tick();
  return { us, window: p.a.view(channel).charter.ackDeadlineSec.FLASH * 1000 };
}

it('keeps no deadline off after this clock ran 10 minutes ahead and was set right', async () => {
  // US's clock (the shared one) steps 10 minutes ahead while CN's stays right; a FLASH arrives;
  // NTP sets US's clock back. Its deadline, counted from the arrival on the wrong clock, must not
  // stay 10 minutes late. (One counted before the fault moves back with it: early, the safe side,
  // since a forward step, which may be a pause, moves nothing.)
  const AHEAD = 10 * 60_000;
  let skew = 0;
  pair = await backToBack(undefined, { skewOfB: () => skew });
  const channel = await pair.activeChannel();
  const { us, window } = await escalatingAtUs(channel);

  const before = await pair.b.send(channel, { text: 'Before the fault', lang: 'en', precedence: 'FLASH' });
  await pair.settle();
  const beforeArrival = pair.clock.now();

  pair.clock.step(AHEAD);
  skew = -AHEAD;
  await us.scheduler.tick();
  const during = await pair.b.send(channel, { text: 'Unidentified aircraft', lang: 'en', precedence: 'FLASH' });
  const trueArrival = pair.clock.now() - AHEAD;
  await pair.settle();
  expect((await pair.a.getMessage(during.hash))!.deadlineAt).toBe(trueArrival + AHEAD + window); // counted on the wrong clock

  pair.clock.step(-AHEAD); // NTP sets it right
  skew = 0;
  await us.scheduler.tick();
  const row = (await pair.a.getMessage(during.hash))!;
  expect(row.deadlineAt).toBe(trueArrival + window);
  expect(row.escalationDueAt).toBe(trueArrival + window);
  expect((await pair.a.getMessage(before.hash))!.deadlineAt).toBe(beforeArrival + window - AHEAD);

  // Escalation starts when the window has passed on the right clock, not 10 minutes later.
  const escalated = () => us.events.filter((e) => e.type === 'escalation').length;
  pair.clock.set(trueArrival + window - 1000);
  await us.scheduler.tick();
  await us.scheduler.idle();
  const early = escalated();
  pair.clock.set(trueArrival + window);
  await us.scheduler.tick();
  await us.scheduler.idle();
  expect(escalated()).toBeGreaterThan(early);
});

it('moves no deadline when the clock steps forward (a host paused, or a clock behind set right): escalation is never made late', async () => {
  const PAUSE = 10 * 60_000;
  pair = await backToBack();
  const channel = await pair.activeChannel();
  const { us, window } = await escalatingAtUs(channel);
  const flash = await pair.b.send(channel, { text: 'Vessel adrift near the line', lang: 'en', precedence: 'FLASH' });
  await pair.settle();
  const arrival = pair.clock.now();
  expect((await pair.a.getMessage(flash.hash))!.deadlineAt).toBe(arrival + window);

  pair.clock.step(PAUSE); // the VM was paused 10 minutes; its clock is set right on resume
  await us.scheduler.tick();
  await us.scheduler.idle();
  expect((await pair.a.getMessage(flash.hash))!.deadlineAt).toBe(arrival + window);
  // The window has passed in real time: escalation has started, not been put off by the pause.
  expect(us.events.filter((e) => e.type === 'escalation').length).toBeGreaterThan(0);
});

it('sees at start a clock set back while the terminal was stopped: CLOCK_SET_BACK, and the deadlines move back as when running', async () => {
  const BACK = 60 * 60_000;
  pair = await backToBack();
  const channel = await pair.activeChannel();
  const { us, window } = await escalatingAtUs(channel);
  const flash = await pair.b.send(channel, { text: 'Unidentified aircraft', lang: 'en', precedence: 'FLASH' });
  await pair.settle();
  const arrival = pair.clock.now();
  pair.clock.advance(5_000);
  await us.scheduler.tick();
  // The operator stops the terminal (its last reading is kept) and the machine's clock is set back an hour.
  us.scheduler.stop();
  await us.scheduler.keepClock();
  pair.clock.step(-BACK);
  const restarted = escalation(pair.a, () => us.settings);
  await restarted.scheduler.tick();
  await restarted.scheduler.idle();
  const alarm = restarted.events.find((e) => e.type === 'alarm' && e.code === 'CLOCK_SET_BACK') as { message: string } | undefined;
  expect(alarm?.message).toMatch(/^This terminal's clock was set back by 3600\.0 s while this terminal was stopped: .* 1 unacknowledged message\(s\) moved back/);
  expect((await pair.a.getMessage(flash.hash))!.deadlineAt).toBe(arrival + window - BACK);
  // Told once: a tick later, or another start, moves nothing again.
  await restarted.scheduler.tick();
  restarted.scheduler.stop();
  await restarted.scheduler.keepClock();
  const again = escalation(pair.a, () => us.settings);
  await again.scheduler.tick();
  expect(again.events.filter((e) => e.type === 'alarm' && e.code === 'CLOCK_SET_BACK')).toEqual([]);
  expect(restarted.events.filter((e) => e.type === 'alarm' && e.code === 'CLOCK_SET_BACK')).toHaveLength(1);
  expect((await pair.a.getMessage(flash.hash))!.deadlineAt).toBe(arrival + window - BACK);
  again.scheduler.stop();
});

import { afterEach, describe, expect, it } from 'vitest';
import { T0 } from '../../src/testkit/scenario.js';
import { parseWindow, formatWindow } from '../../src/terminal/operations/drills.js';
import { DrillScheduler, seededRandom } from '../../src/terminal/schedulers/drill-scheduler.js';
import { backToBack, portsOf, type BackToBack } from './back-to-back.js';

const H = 3_600_000;
const DAY = 24 * H;

describe('drill scheduler (ManualClock, seeded random source)', () => {
  let t: BackToBack | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  const drills = async (s: BackToBack['a'], channel: string) => (await s.store.listMessages(channel)).filter((m) => m.drill);

  it('sends one drill a day at a random time inside the UTC window, and none twice after a restart', async () => {
    t = await backToBack(T0 + 1000); // 2026-01-01T00:00:01Z
    const channel = await t.activeChannel();
    const expected = seededRandom(7);
    const scheduler = new DrillScheduler(portsOf(t.a), { random: seededRandom(7) });
    const { next } = await scheduler.setSchedule(channel.slice(0, 12), { enabled: true, ...parseWindow('09:00-17:00') });
    const at1 = T0 + 9 * H + Math.floor(expected() * 8 * H);
    expect(next).toMatchObject({ windowStart: T0 + 9 * H, windowEnd: T0 + 17 * H, at: at1, status: 'planned' });

    await scheduler.tick();
    t.clock.set(at1 - 1);
    await scheduler.tick();
    expect(await drills(t.a, channel)).toHaveLength(0);

    t.clock.set(at1);
    await scheduler.tick();
    await t.settle();
    const sent = await drills(t.a, channel);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ precedence: 'FLASH', drill: true, time: at1, deadlineAt: at1 + 180_000, ackedAt: null });
    // The other side holds it as a drill awaiting its acknowledgement.
    expect((await drills(t.b, channel))[0]).toMatchObject({ hash: sent[0]!.hash, drill: true, precedence: 'FLASH' });
    expect((await scheduler.schedule(channel)).plan).toMatchObject({ status: 'sent', message: sent[0]!.hash });

    // Later the same day: nothing more.
    t.clock.set(T0 + 16 * H);
    await scheduler.tick();
    expect(await drills(t.a, channel)).toHaveLength(1);

    // Next day: a new random time in the next window.
    t.clock.set(T0 + DAY + 1000);
    await scheduler.tick();
    const at2 = T0 + DAY + 9 * H + Math.floor(expected() * 8 * H);
    const plan2 = (await scheduler.schedule(channel)).plan!;
    expect(plan2).toMatchObject({ windowStart: T0 + DAY + 9 * H, at: at2, status: 'planned' });
    expect(at2 - DAY).not.toBe(at1);

    // A restart (new scheduler, other seed) keeps the persisted plan: same time, sent once.
    const restarted = new DrillScheduler(portsOf(t.a), { random: seededRandom(99) });
    expect((await restarted.schedule(channel)).plan!.at).toBe(at2);
    t.clock.set(at2 + 500);
    await restarted.tick();
    const again = new DrillScheduler(portsOf(t.a), { random: seededRandom(5) });
    await again.tick();
    await restarted.tick();
    await t.settle();
    expect((await drills(t.a, channel)).map((m) => m.time)).toEqual([at1, at2 + 500]);
  });

  it('windows past midnight, a start inside a window, a window already over', async () => {
    t = await backToBack(T0 + 1000); // 00:00:01Z
    const channel = await t.activeChannel();
    const scheduler = new DrillScheduler(portsOf(t.a), { random: seededRandom(1) });

    // 22:00-06:00: the window that began yesterday is running; the time comes from what is left.
    const night = await scheduler.setSchedule(channel, { enabled: true, ...parseWindow('22:00-06:00') });
    expect(night.next).toMatchObject({ windowStart: T0 - 2 * H, windowEnd: T0 + 6 * H });
    expect(night.next!.at).toBeGreaterThanOrEqual(T0 + 1000);
    expect(night.next!.at).toBeLessThan(T0 + 6 * H);

    // 00:00-00:00:01 is over by now: no late drill, the next day's window is planned.
    t.clock.set(T0 + 3 * H);
    const over = await scheduler.setSchedule(channel, { enabled: true, ...parseWindow('01:00-02:00') });
    expect(over.next).toMatchObject({ windowStart: T0 + DAY + H, windowEnd: T0 + DAY + 2 * H });
    await scheduler.tick();
    expect(await drills(t.a, channel)).toHaveLength(0);

    expect(formatWindow(parseWindow('22:00-06:00'))).toBe('22:00-06:00');
    expect(() => parseWindow('9-17')).toThrow(/not HH:MM-HH:MM in UTC/);
    expect(() => parseWindow('09:00-09:00')).toThrow(/empty/);
  });

  it('skips the window of a suspended channel, and stops when disabled', async () => {
    t = await backToBack(T0 + 1000);
    const channel = await t.activeChannel();
    const scheduler = new DrillScheduler(portsOf(t.a), { random: seededRandom(3) });
    const { next } = await scheduler.setSchedule(channel, { enabled: true, ...parseWindow('09:00-10:00') });
    await t.b.write(channel, 'channel.suspend', { reason: 'consultations' });
    await t.settle();
    t.clock.set(next!.at);
    await scheduler.tick();
    expect((await scheduler.schedule(channel)).plan).toMatchObject({ status: 'skipped' });
    expect(await drills(t.a, channel)).toHaveLength(0);

    await t.b.write(channel, 'channel.resume', {});
    await t.settle();
    t.clock.set(T0 + DAY + 1000);
    await scheduler.tick();
    const plan = (await scheduler.schedule(channel)).plan!;
    expect(plan.windowStart).toBe(T0 + DAY + 9 * H);

    await scheduler.setSchedule(channel, { enabled: false, ...parseWindow('09:00-10:00') });
    t.clock.set(plan.at);
    await scheduler.tick();
    expect(await drills(t.a, channel)).toHaveLength(0);
  });
});

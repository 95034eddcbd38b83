/**
 * Scheduled drills: for every channel with an enabled drill schedule, one drill per daily UTC
 * window, at a random time inside it. The plan of each window (when, and whether it was sent) is
 * persisted, so a restart neither repeats a drill nor picks a new time for a planned one.
 *
 *  - A window already over when the scheduler first looks at it is skipped (no late drills).
 *  - Started inside a window: the time is drawn from what is left of it.
 *  - The channel is not active at the planned time (proposed, suspended, closed): the window is
 *    recorded as skipped.
 *
 * Driven by an injected clock and an injected random source: the runtime calls tick() every
 * second; tests call it by hand with a ManualClock and a seeded random source.
 */
import type { OfficerRef } from '../../protocol/index.js';
import type { Store } from '../../store/index.js';
import type { ChannelActions, ChannelDirectory } from '../channels/ports.js';
import type { Clock } from '../clock.js';
import { getDrillPlan, getDrillSchedule, sendDrill, setDrillPlan, setDrillSchedule, type DrillPlan, type DrillSchedule } from '../operations/drills.js';

/** A source of uniformly distributed numbers in [0, 1). */
export type RandomSource = () => number;

/** A small seeded generator (mulberry32) for deterministic tests and reproducible plans. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const MINUTE = 60_000;

/** The windows [start, end) of a schedule that overlap the day of `t` or the day before. */
function windowsAround(s: DrillSchedule, t: number): Array<{ start: number; end: number }> {
  const day = Math.floor(t / DAY) * DAY;
  const len = (s.toMinute > s.fromMinute ? s.toMinute - s.fromMinute : s.toMinute + 1440 - s.fromMinute) * MINUTE;
  return [day - DAY, day, day + DAY].map((d) => ({ start: d + s.fromMinute * MINUTE, end: d + s.fromMinute * MINUTE + len }));
}

export interface DrillSchedulerOptions {
  readonly random?: RandomSource;
  /** Who signs scheduled drills as sender. */
  readonly from?: OfficerRef;
  /** Called after each drill the scheduler sent (metrics, logs). */
  readonly onDrill?: (channel: string, message: string) => void;
  readonly log?: { warn(o: object, m?: string): void };
}

/** What the drill scheduler reads and writes. */
export interface DrillSchedulerPorts {
  readonly directory: Pick<ChannelDirectory, 'channel' | 'channelIds' | 'view' | 'member'>;
  readonly actions: Pick<ChannelActions, 'send'>;
  /** Schedules and plans are settings (Store meta). */
  readonly store: Pick<Store, 'getMeta' | 'setMeta'>;
  readonly clock: Clock;
}

/** The drill scheduler of one terminal. */
export class DrillScheduler {
  readonly #p: DrillSchedulerPorts;
  readonly #random: RandomSource;
  readonly #opts: DrillSchedulerOptions;
  /** Plans in memory, loaded from the store on first sight of a channel. */
  readonly #plans = new Map<string, DrillPlan | null>();
  /** Schedules in memory, loaded from the store on first sight of a channel. */
  readonly #schedules = new Map<string, DrillSchedule | null>();
  #ticking = false;

  constructor(ports: DrillSchedulerPorts, options: DrillSchedulerOptions = {}) {
    this.#p = ports;
    this.#random = options.random ?? Math.random;
    this.#opts = options;
  }

  /** Sets (or disables) a channel's schedule; the current plan is dropped and made again. */
  async setSchedule(channel: string, schedule: DrillSchedule): Promise<{ schedule: DrillSchedule; next: DrillPlan | null }> {
    const id = this.#p.directory.channel(channel).id;
    await setDrillSchedule(this.#p.store, id, schedule);
    this.#schedules.set(id, schedule);
    this.#plans.set(id, null);
    const next = schedule.enabled ? await this.#plan(id, schedule, this.#p.clock.now()) : null;
    return { schedule, next };
  }

  /** A channel's schedule and its next (or last) plan. */
  async schedule(channel: string): Promise<{ schedule: DrillSchedule | null; plan: DrillPlan | null }> {
    const id = this.#p.directory.channel(channel).id;
    return { schedule: await this.#currentSchedule(id), plan: await this.#currentPlan(id) };
  }

  async #currentSchedule(id: string): Promise<DrillSchedule | null> {
    if (!this.#schedules.has(id)) this.#schedules.set(id, (await getDrillSchedule(this.#p.store, id)) ?? null);
    return this.#schedules.get(id) ?? null;
  }

  async #currentPlan(id: string): Promise<DrillPlan | null> {
    if (!this.#plans.has(id)) this.#plans.set(id, (await getDrillPlan(this.#p.store, id)) ?? null);
    return this.#plans.get(id) ?? null;
  }

  /** Plans the first window after the current plan's whose end is still ahead. */
  async #plan(id: string, s: DrillSchedule, now: number): Promise<DrillPlan | null> {
    const last = await this.#currentPlan(id);
    const w = windowsAround(s, now).find((x) => x.end > now && (!last || x.start > last.windowStart));
    if (!w) return last;
    const from = Math.max(w.start, now);
    const plan: DrillPlan = { windowStart: w.start, windowEnd: w.end, at: from + Math.floor(this.#random() * (w.end - from)), status: 'planned' };
    await this.#save(id, plan);
    return plan;
  }

  async #save(id: string, plan: DrillPlan): Promise<void> {
    this.#plans.set(id, plan);
    await setDrillPlan(this.#p.store, id, plan);
  }

  /** Plans windows and sends due drills. Call about once a second. */
  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const now = this.#p.clock.now();
      for (const id of this.#p.directory.channelIds()) {
        const s = await this.#currentSchedule(id);
        if (!s?.enabled) continue;
        let plan = await this.#currentPlan(id);
        // Done with the current window (or none yet): plan the next one.
        if (!plan || plan.status !== 'planned' || plan.windowEnd <= now) {
          if (plan?.status === 'planned' && plan.windowEnd <= now) await this.#save(id, { ...plan, status: 'skipped' });
          plan = await this.#plan(id, s, now);
        }
        if (!plan || plan.status !== 'planned' || now < plan.at) continue;
        if (this.#p.directory.view(id).state !== 'active' || !this.#p.directory.member(id)) {
          await this.#save(id, { ...plan, status: 'skipped' });
          continue;
        }
        try {
          const sealed = await sendDrill(this.#p.actions, id, this.#opts.from ? { from: this.#opts.from } : {});
          await this.#save(id, { ...plan, status: 'sent', message: sealed.hash });
          this.#opts.onDrill?.(id, sealed.hash);
        } catch (e) {
          this.#opts.log?.warn({ channel: id, err: (e as Error).message }, 'scheduled drill could not be sent');
          await this.#save(id, { ...plan, status: 'skipped' });
        }
      }
    } finally {
      this.#ticking = false;
    }
  }
}

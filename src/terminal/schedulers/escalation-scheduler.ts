/**
 * Acknowledgement deadlines and escalation (README "Crisis operations"). On each tick:
 *
 *  - a message of the other side not acknowledged here walks its policy's levels: level 1 when its
 *    deadline passes (or at receipt, for the precedences in `startAtReceipt`), each level repeated
 *    `repeats` times `waitSec` apart, then the next level `waitSec` after the last notification;
 *    the walk stops the moment the message is acknowledged;
 *  - our own message not acknowledged by every party it is addressed to by its deadline raises
 *    the alarm ACK_OVERDUE (an event for the consoles, naming who has not) and notifies the
 *    policy's `overdue` contacts, once;
 *  - webhook and e-mail retries that are due are sent.
 *
 * Alarms (link down/up from the peer links and the link tester, equivocation) are delivered as
 * they happen to the policy's `alarms` contacts.
 *
 * Progress is kept in messages.escalation_level (steps taken), so a restart neither repeats nor
 * skips a step. Driven by the injected clock: the runtime calls tick() every second.
 *
 * A tick looks only at the messages that are due (messages.escalation_due_at, the time of each
 * message's next step): a new message is stored with the time of its first step under the current
 * policies (EscalationPlanner, src/terminal/escalation/escalation-planner.ts), and each look plans the next. A backlog of
 * unacknowledged messages costs nothing until one of them has a step to take. When the policies
 * change (through the API, or in the files between two runs) every unacknowledged message is
 * looked at again once.
 */
import type { MessageRow, Store } from '../../store/index.js';
import type { ChannelDirectory, MessageFinder, SelfInfo } from '../channels/ports.js';
import type { Clock } from '../clock.js';
import { owedBy } from '../channels/addressees.js';
import { escalationStart, escalationSteps } from '../escalation/escalation-planner.js';
import type { EventOf, EventSink, EventSource, Unsubscribe } from '../events/event-bus.js';
import type { EscalationSettings } from '../escalation/settings.js';
import type { Dispatcher } from '../notifiers/dispatcher.js';
import { describeNotice, type Notice } from '../notifiers/notification.js';
import { TERMINAL_ERRORS } from '../errors.js';
import { LOGGED_ALARMS } from '../events/repeated-alarms.js';

export { escalationSteps, escalationStart, type EscalationStep } from '../escalation/escalation-planner.js';

/** Messages looked at in one tick at most: a large backlog that falls due is worked through over several. */
export const DUE_PER_TICK = 1000;

/** What a tick does with one due message: the progress to record, and what to notify once it is recorded. */
interface Plan {
  readonly message: MessageRow;
  readonly progress: { readonly level?: number; readonly dueAt: number | null };
  readonly notify: () => Promise<void>;
}

const NOTHING = (): Promise<void> => Promise.resolve();

/**
 * A change of the clock's reading against elapsed time beyond this is a step (NTP setting a wrong
 * clock right, or a fault): pending deadlines move with it. Below, it is drift or a tick's jitter.
 */
export const CLOCK_STEP_MS = 2000;

/** Meta key: the clock's last reading (ms), kept every {@link LAST_SEEN_EVERY_MS} and at stop, to see at start a step taken while stopped. */
const LAST_SEEN = 'clock.lastSeen';

/** How often the clock's reading is kept (elapsed time): a step back while stopped is seen to within this. */
export const LAST_SEEN_EVERY_MS = 10_000;

/** Meta key: the policies the stored due times were planned with (JSON). */
const PLANNED_WITH = 'escalation.plannedWith';

/** Alarm codes delivered through the notifiers (others are for the consoles only). */
const NOTIFIED_ALARM = /^(LINK_UP|LINK_DOWN|LINK_NOT_STORING|LINK_TEST_UP|LINK_TEST_DEGRADED|LINK_TEST_DOWN|ENTRY_EQUIVOCATION|CLOCK_SET_BACK)$/;

export interface EscalationSchedulerOptions {
  readonly directory: Pick<ChannelDirectory, 'label' | 'peersOf' | 'member' | 'channel' | 'channelIds'>;
  readonly messages: Pick<MessageFinder, 'getMessage'>;
  /** Escalation progress is kept with the messages; the plan's policies are a setting. */
  readonly store: Pick<Store, 'listEscalationsDue' | 'transaction' | 'getMeta' | 'setMeta' | 'replanEscalations' | 'ackersOf' | 'shiftDeadlines'>;
  readonly self: Pick<SelfInfo, 'party' | 'code'>;
  readonly clock: Clock;
  /** Alarms are heard here; ACK_OVERDUE is announced here. */
  readonly events: EventSource & EventSink;
  /** The current settings (they change through the API). */
  readonly settings: () => EscalationSettings;
  readonly dispatcher: Dispatcher;
  readonly log?: { warn(o: object, m?: string): void };
}

export class EscalationScheduler {
  readonly #p: Omit<EscalationSchedulerOptions, 'settings' | 'dispatcher' | 'log'>;
  readonly #settings: () => EscalationSettings;
  readonly #dispatcher: Dispatcher;
  readonly #log: NonNullable<EscalationSchedulerOptions['log']>;
  readonly #inflight = new Set<Promise<void>>();
  /**
   * Alarm keys (code family + channel + peer) that went down or degraded, with the code last
   * delivered; only those announce "up". An outage is told once, not at every reconnection attempt
   * (a link that cannot connect goes down, connecting, down... every few seconds); a change of
   * level (degraded, then down) is told.
   */
  readonly #down = new Map<string, string>();
  #ticking: Promise<void> | undefined;
  /** The settings the stored due times are known to follow. */
  #plannedFor: EscalationSettings | undefined;
  #unsubscribe: Unsubscribe | undefined;
  /** `now() - elapsed()` at the last tick: its change is a step of the clock. */
  #offset: number | undefined;
  /** Elapsed time when the clock's reading was last kept (LAST_SEEN). */
  #keptAt: number | undefined;
  readonly #onAlarm = (e: EventOf<'alarm'>) => {
    if (!NOTIFIED_ALARM.test(e.code)) return;
    const p = this.#alarm(e).catch((err: Error) => this.#log.warn({ err: err.message, code: e.code }, 'alarm notification failed'));
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  };

  constructor(options: EscalationSchedulerOptions) {
    this.#p = options;
    this.#settings = options.settings;
    this.#dispatcher = options.dispatcher;
    this.#log = options.log ?? { warn() {} };
  }

  start(): void {
    this.#unsubscribe ??= this.#p.events.on('alarm', this.#onAlarm);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Resolves when the alarm notifications under way are done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#inflight.size) await Promise.all([...this.#inflight]);
    if (this.#ticking) await this.#ticking;
  }

  /** Takes the escalation steps that are due and sends due retries. Call about once a second. */
  tick(): Promise<void> {
    // One tick at a time: a slow webhook must not make the next tick notify the same step again.
    this.#ticking ??= this.#tick().finally(() => (this.#ticking = undefined));
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    const now = this.#p.clock.now();
    await this.#followClockStep(now);
    const settings = this.#settings();
    await this.#plan(settings);
    const due = await this.#p.store.listEscalationsDue(now, DUE_PER_TICK);
    if (due.length > 0) await this.#step(due, now, settings);
    await this.#dispatcher.tick();
  }

  /**
   * Deadlines are elapsed time on this terminal: one counted while the clock was 10 minutes ahead
   * (from a message's arrival, or from an own message's time) is 10 minutes late once the clock is
   * set right. When the clock's reading steps BACK against elapsed time, every pending deadline and
   * escalation look moves back by the step, so a clock fault leaves no deadline late behind it.
   * A step forward moves nothing: its cause may as well be a pause (a suspended host, a VM paused
   * and its clock set right after) as a clock that was behind, and moving deadlines forward would
   * make a FLASH escalate late; left alone, a deadline counted on a clock that was behind fires
   * early, the safe side for a message that must not be missed.
   */
  async #followClockStep(now: number): Promise<void> {
    const elapsed = this.#p.clock.elapsed?.();
    if (elapsed === undefined) return;
    const offset = now - elapsed;
    const first = this.#offset === undefined;
    const step = first ? await this.#stepWhileStopped(now) : offset - this.#offset!;
    this.#offset = offset;
    // Drift is followed without moving anything (NTP slews it).
    if (Math.abs(step) <= CLOCK_STEP_MS) {
      if (first || elapsed - (this.#keptAt ?? -Infinity) >= LAST_SEEN_EVERY_MS) await this.keepClock();
      return;
    }
    if (step > 0) {
      this.#log.warn(
        { stepMs: step, moved: 0 },
        `The clock was stepped by +${(step / 1000).toFixed(1)} s (forward: a clock that was behind set right, or the host paused): deadlines are kept, so one counted while the clock was behind may escalate early, never late`,
      );
      return;
    }
    const moved = await this.#p.store.shiftDeadlines(step);
    // Kept at once: a restart must not see this step again and move the deadlines twice.
    await this.keepClock();
    this.#log.warn(
      { code: 'CLOCK_SET_BACK', stepMs: step, moved, whileStopped: first },
      `The clock was stepped by ${(step / 1000).toFixed(1)} s (back${first ? ', while the terminal was stopped' : ''}): the deadlines of ${moved} unacknowledged message(s) moved back with it, so that none counted while the clock was ahead escalates late`,
    );
    const values = { seconds: (-step / 1000).toFixed(1), when: first ? 'while this terminal was stopped' : 'while this terminal ran', now: new Date(now).toISOString(), last: new Date(now - step).toISOString(), moved };
    const alarm = { type: 'alarm' as const, code: 'CLOCK_SET_BACK', message: TERMINAL_ERRORS.format('CLOCK_SET_BACK', values) };
    LOGGED_ALARMS.add(alarm);
    this.#p.events.emit(alarm);
  }

  /**
   * At the first tick: how far the clock reads behind its last reading kept before the stop
   * (LAST_SEEN), negative; 0 when it reads later. The time the terminal was stopped is unknown, so
   * this is the least the clock was set back by: a deadline that fell due while it was stopped
   * is not made due by it (docs/operations.md "Clocks").
   */
  async #stepWhileStopped(now: number): Promise<number> {
    const last = await this.#p.store.getMeta<number>(LAST_SEEN).catch(() => undefined);
    return typeof last === 'number' && now < last ? now - last : 0;
  }

  /** Keeps the clock's reading (LAST_SEEN): the next start compares its clock with it. */
  async keepClock(): Promise<void> {
    // Tried again in LAST_SEEN_EVERY_MS when it fails (a stalled database is alarmed elsewhere).
    this.#keptAt = this.#p.clock.elapsed?.();
    try {
      await this.#p.store.setMeta(LAST_SEEN, this.#p.clock.now());
    } catch (e) {
      this.#log.warn({ err: (e as Error).message }, 'the clock reading was not kept; trying again in 10 s');
    }
  }

  /** After the policies changed (or at the first tick, if they differ from the stored plan): look at every message again. */
  async #plan(settings: EscalationSettings): Promise<void> {
    if (settings === this.#plannedFor) return;
    const policies = JSON.stringify(settings.file.policies);
    const store = this.#p.store;
    if ((await store.getMeta<string>(PLANNED_WITH)) !== policies) {
      await store.replanEscalations(this.#p.self.party);
      await store.setMeta(PLANNED_WITH, policies);
    }
    this.#plannedFor = settings;
  }

  /**
   * Takes the due messages' steps: decides every message's progress first (no I/O), writes it all
   * in one transaction, then notifies. One commit per tick, not one per message: a thousand
   * messages falling due at once (after a policy change, every unacknowledged one) cost one
   * durable commit instead of a thousand, each of which stopped the terminal for an fsync.
   * A message acknowledged since it was listed is not written (setEscalation is conditional on
   * that), and so not notified; progress is written before the notification, as before, so a
   * crash in between never repeats a step.
   */
  async #step(due: readonly MessageRow[], now: number, settings: EscalationSettings): Promise<void> {
    const plans: Plan[] = [];
    for (const m of due) {
      // A channel an amendment removed this party from: nobody here can acknowledge there any more.
      if (!this.#p.directory.member(m.channel)) {
        plans.push({ message: m, progress: { dueAt: null }, notify: NOTHING });
        continue;
      }
      try {
        plans.push(m.author === this.#p.self.party ? this.#overdue(m, now, settings) : this.#escalate(m, now, settings));
      } catch (e) {
        this.#log.warn({ message: m.hash, err: (e as Error).message }, 'escalation step failed');
      }
    }
    let taken: boolean[];
    try {
      taken = await this.#p.store.transaction(async (tx) => {
        const applied: boolean[] = [];
        for (const p of plans) applied.push(await tx.setEscalation(p.message, p.progress));
        return applied;
      });
    } catch (e) {
      // Nothing was written: the same messages are due again at the next tick.
      this.#log.warn({ messages: plans.length, err: (e as Error).message }, 'escalation steps not recorded; trying again at the next tick');
      return;
    }
    for (let i = 0; i < plans.length; i++) {
      if (!taken[i]) continue;
      try {
        await plans[i]!.notify();
      } catch (e) {
        this.#log.warn({ message: plans[i]!.message.hash, err: (e as Error).message }, 'escalation step failed');
      }
    }
  }

  /** The other side's message: the policy's steps that are due now, and when to look next. */
  #escalate(m: MessageRow, now: number, settings: EscalationSettings): Plan {
    const policy = settings.policyFor(m.channel, this.#p.directory.label(m.author));
    const start = escalationStart(m, policy);
    const steps = escalationSteps(policy);
    const dueAfter = (taken: number) => (taken < steps.length ? start + steps[taken]!.offsetMs : null);
    let i = m.escalationLevel;
    while (i < steps.length && start + steps[i]!.offsetMs <= now) i++;
    // Nothing due yet (planned under other policies): only look again when the next step is.
    if (i === m.escalationLevel) return { message: m, progress: { dueAt: dueAfter(i) }, notify: NOTHING };
    const taken = steps.slice(m.escalationLevel, i);
    return {
      message: m,
      progress: { level: i, dueAt: dueAfter(i) },
      notify: async () => {
        for (const step of taken) {
          const notice = this.#notice('escalation', m, now, step.level, step.levelName, step.repeat);
          await this.#dispatcher.deliver(notice, settings.resolve(step.contacts, now, m.channel));
        }
      },
    };
  }

  /** Our own message: the alarm once its deadline passed unacknowledged by the other side. */
  #overdue(m: MessageRow, now: number, settings: EscalationSettings): Plan {
    // Already told, or nothing to tell: never again. Not yet due: at the deadline.
    if (m.escalationLevel > 0 || m.deadlineAt === null) return { message: m, progress: { dueAt: null }, notify: NOTHING };
    if (m.deadlineAt > now) return { message: m, progress: { dueAt: m.deadlineAt }, notify: NOTHING };
    return {
      message: m,
      progress: { level: 1, dueAt: null },
      notify: async () => {
        const peers = this.#p.directory.peersOf(m.channel).map((p) => this.#p.directory.label(p));
        const policy = settings.policyFor(m.channel, peers[0]);
        // Who has not acknowledged: named when the message went to more than one party.
        const owing = owedBy(this.#p.directory.channel(m.channel), m, now);
        const ackers = owing.length > 1 ? new Set(await this.#p.store.ackersOf(m)) : new Set<string>();
        const notYet = owing.length > 1 ? owing.filter((p) => !ackers.has(p)).map((p) => this.#p.directory.label(p)) : undefined;
        const notice = this.#notice('overdue', m, now, 0, 'not acknowledged by deadline', 0, notYet);
        this.#p.events.emit({ type: 'alarm', code: 'ACK_OVERDUE', message: notice.subject.replace(/^\[Hotline \S+\] /, ''), channel: m.channel });
        await this.#dispatcher.deliver(notice, settings.resolve(policy.overdue ?? policy.levels[0]!.contacts, now, m.channel));
      },
    };
  }

  async #alarm(e: EventOf<'alarm'>): Promise<void> {
    const family = e.code.replace(/_(UP|DOWN|DEGRADED)$/, '');
    const key = `${family} ${e.channel ?? ''} ${e.peer ?? ''}`;
    if (/_UP$/.test(e.code)) {
      if (!this.#down.delete(key)) return; // an "up" at start-up is news to nobody
    } else if (/_(DOWN|DEGRADED)$/.test(e.code)) {
      if (this.#down.get(key) === e.code) return; // still the same outage: told already
      this.#down.set(key, e.code);
    }
    const settings = this.#settings();
    const now = this.#p.clock.now();
    const code = e.peer ? this.#p.directory.label(e.peer) : undefined;
    const policy = settings.policyFor(e.channel, code);
    let contacts = policy.alarms ?? policy.levels[0]!.contacts;
    // A link alarm names a peer, not a channel: the policies of the channels shared with that peer
    // decide who hears it (a policy set for one channel, `hotline escalation set CHANNEL`, covers
    // its link too), with the policy for no channel when none is shared.
    const shared = e.channel === undefined && e.peer !== undefined ? this.#p.directory.channelIds().filter((c) => this.#p.directory.peersOf(c).includes(e.peer!)) : [];
    if (shared.length > 0) {
      const all = new Set<string>();
      for (const c of shared) {
        const p = settings.policyFor(c, code);
        for (const x of p.alarms ?? p.levels[0]!.contacts) all.add(x);
      }
      contacts = [...all];
    }
    const base = { kind: 'alarm' as const, party: this.#p.self.code, channel: e.channel ?? null, message: null, level: 0, levelName: 'alarm', repeat: 0, alarm: { code: e.code, message: e.message }, at: now };
    await this.#dispatcher.deliver({ ...base, ...describeNotice(base) }, settings.resolve(contacts, now, e.channel ?? shared[0]));
  }

  #notice(kind: 'escalation' | 'overdue', m: MessageRow, now: number, level: number, levelName: string, repeat: number, owedBy?: readonly string[]): Notice {
    const base = {
      kind,
      party: this.#p.self.code,
      channel: m.channel,
      message: { hash: m.hash, from: this.#p.directory.label(m.author), precedence: m.precedence, text: m.text, time: m.time, deadlineAt: m.deadlineAt, drill: m.drill },
      level,
      levelName,
      repeat,
      alarm: null,
      ...(owedBy?.length ? { owedBy } : {}),
      at: now,
    };
    return { ...base, ...describeNotice(base) };
  }

  /** Whether a retry of `notice` is still wanted: not for a message acknowledged meanwhile. */
  async stillWanted(notice: Notice): Promise<boolean> {
    if (!notice.message) return true;
    const m = await this.#p.messages.getMessage(notice.message.hash);
    return !!m && m.ackedAt === null;
  }
}


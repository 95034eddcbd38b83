/**
 * Dialogue reminders (#16): a new trigger of the existing escalation policies and notifiers, not
 * a new mechanism. On each tick, for every channel with a dialogue, judged by the injected clock:
 *
 *  - MEETING_SOON: a meeting every party accepted starts within the policy's `remindBeforeSec`;
 *  - COMMITMENT_DUE: a commitment neither done nor withdrawn falls due within `remindBeforeSec`;
 *  - COMMITMENT_OVERDUE: a commitment neither done nor withdrawn passed its due date.
 *
 * Each goes once (per schedule, per due date) to the policy's `dialogue` contacts (else its
 * `overdue` ones, else level 1) through the Dispatcher, which records and retries the delivery as
 * for escalation steps, and is announced to the consoles as an alarm. What was sent is kept in the
 * store's meta table, so a restart neither repeats nor skips a reminder.
 */
import { deriveDialogue, type Charter, type DialogueState } from '../../protocol/index.js';
import type { Store } from '../../store/index.js';
import type { ChannelDirectory, SelfInfo } from '../channels/ports.js';
import type { Clock } from '../clock.js';
import type { EscalationSettings } from '../escalation/settings.js';
import type { EventSink } from '../events/event-bus.js';
import type { Dispatcher } from '../notifiers/dispatcher.js';
import { describeNotice } from '../notifiers/notification.js';

/** Meta key: the reminders already sent (JSON array of keys). */
const SENT = 'dialogue.reminded';
/** Default lead time of a reminder: one day. */
export const DEFAULT_REMIND_BEFORE_SEC = 86_400;

export interface DialogueRemindersOptions {
  readonly directory: Pick<ChannelDirectory, 'channelIds' | 'channel' | 'label' | 'peersOf'>;
  readonly store: Pick<Store, 'getMeta' | 'setMeta'>;
  readonly self: Pick<SelfInfo, 'code'>;
  readonly clock: Clock;
  readonly events: EventSink;
  readonly settings: () => EscalationSettings;
  readonly dispatcher: Pick<Dispatcher, 'deliver'>;
}

interface Reminder {
  readonly key: string;
  readonly channel: string;
  readonly code: 'MEETING_SOON' | 'COMMITMENT_DUE' | 'COMMITMENT_OVERDUE';
  readonly message: string;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export class DialogueReminders {
  readonly #p: DialogueRemindersOptions;
  #sent: Set<string> | undefined;
  #ticking: Promise<void> | undefined;
  readonly #states = new Map<string, { size: number; charter: Charter; state: DialogueState }>();

  constructor(options: DialogueRemindersOptions) {
    this.#p = options;
  }

  /** Sends the reminders that are due. Call about once a second. */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => (this.#ticking = undefined));
    return this.#ticking;
  }

  /** What is due now and not yet sent, per channel. */
  due(now: number): Reminder[] {
    const out: Reminder[] = [];
    const { directory } = this.#p;
    for (const id of directory.channelIds()) {
      const log = directory.channel(id);
      if (log.dialogue.size === 0) continue;
      const charter = log.state(now).charter;
      const peer = directory.peersOf(id).map((p) => directory.label(p))[0];
      const lead = (this.#p.settings().policyFor(id, peer).remindBeforeSec ?? DEFAULT_REMIND_BEFORE_SEC) * 1000;
      // Derived again only when the channel's dialogue changed: what is due is judged below against `now`.
      let cached = this.#states.get(id);
      if (cached?.size !== log.dialogue.size || cached.charter !== charter) {
        cached = { size: log.dialogue.size, charter, state: deriveDialogue(log.dialogue.entries(), charter.parties.map((p) => p.party)) };
        this.#states.set(id, cached);
      }
      const d = cached.state;
      for (const m of d.meetings) {
        const s = m.schedule;
        if (m.status === 'accepted' && s.start - lead <= now && now < s.start)
          out.push({ key: `meeting:${s.hash}`, channel: id, code: 'MEETING_SOON', message: `Meeting "${Object.values(m.title)[0]}" (${m.level} ${m.kind}, ${s.place}) starts at ${iso(s.start)}; meeting ${m.hash.slice(0, 12)}.` });
      }
      for (const c of d.commitments) {
        if (c.status === 'done' || c.status === 'withdrawn') continue;
        const owner = directory.label(c.owner);
        const what = c.what.length > 200 ? `${c.what.slice(0, 197)}...` : c.what;
        if (c.due <= now) out.push({ key: `overdue:${c.hash}:${c.due}`, channel: id, code: 'COMMITMENT_OVERDUE', message: `Commitment ${c.hash.slice(0, 12)} owed by ${owner} was due at ${iso(c.due)} and is ${c.status}: "${what}"` });
        else if (c.due - lead <= now) out.push({ key: `due:${c.hash}:${c.due}`, channel: id, code: 'COMMITMENT_DUE', message: `Commitment ${c.hash.slice(0, 12)} owed by ${owner} falls due at ${iso(c.due)} (${c.status}): "${what}"` });
      }
    }
    return out;
  }

  async #tick(): Promise<void> {
    const now = this.#p.clock.now();
    this.#sent ??= new Set(((await this.#p.store.getMeta<string[]>(SENT)) ?? []));
    const fresh = this.due(now).filter((r) => !this.#sent!.has(r.key));
    if (fresh.length === 0) return;
    // Recorded before the notices go out (the dispatcher retries failed deliveries itself): a
    // crash in between never sends a reminder twice.
    for (const r of fresh) this.#sent.add(r.key);
    await this.#p.store.setMeta(SENT, [...this.#sent]);
    const settings = this.#p.settings();
    for (const r of fresh) {
      const peer = this.#p.directory.peersOf(r.channel).map((p) => this.#p.directory.label(p))[0];
      const policy = settings.policyFor(r.channel, peer);
      const base = { kind: 'dialogue' as const, party: this.#p.self.code, channel: r.channel, message: null, level: 0, levelName: 'dialogue', repeat: 0, alarm: { code: r.code, message: r.message }, at: now };
      this.#p.events.emit({ type: 'alarm', code: r.code, message: r.message, channel: r.channel });
      await this.#p.dispatcher.deliver({ ...base, ...describeNotice(base) }, settings.resolve(policy.dialogue ?? policy.overdue ?? policy.levels[0]!.contacts, now, r.channel));
    }
  }
}

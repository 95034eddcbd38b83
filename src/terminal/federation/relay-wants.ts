/**
 * Receipts of a party this terminal has no stream from, asked of the others (docs/protocol.md §12,
 * "Channels of more than two parties: relaying").
 *
 * In a channel of three or more parties, a party C whose stream to this terminal A is down (C's
 * own link to A cut, or never configured) still gets A's messages through B, and its receipts
 * reach B. But nothing is relayed unasked, and a receipt draws no receipt: C's receipt reached A
 * only with B's next entry that named it in its heads, which on a quiet line could be an hour
 * away (a version-2 channel's link summary). A's officers would see a FLASH unreceipted by C,
 * and escalation would act on it, while C held it all along.
 *
 * So: while A has own entries that draw a receipt (any kind but `receipt`) and some party C has
 * not receipted them, and no stream of C's is open to A, A sends `want {channel, author: C,
 * fromSeq: held + 1, toSeq: held + BATCH_MAX}` on the open stream of every other party of the
 * channel (§12: "a server may send want whenever it lacks entries"; a client answers with what it
 * holds from fromSeq, or nothing). At once, then again after 1, 2, 4 ... up to 30 s while nothing
 * changes; at once again when C's log grows here or A writes more. Nothing is asked once every
 * party has receipted A's entries, or while C's own stream is open (C pushes its entries itself).
 */
import type { ChannelDirectory, InboundStreamsView } from '../channels/ports.js';
import type { Clock } from '../clock.js';
import type { EventSource } from '../events/event-bus.js';
import { BATCH_MAX } from './wire.js';

/** The first repeat of an unanswered ask, ms; it doubles while nothing changes. */
export const RELAY_ASK_FIRST_MS = 1000;
/** The longest wait between two asks while nothing changes, ms. */
export const RELAY_ASK_MAX_MS = 30_000;

export interface RelayWantsOptions {
  readonly self: string;
  readonly directory: Pick<ChannelDirectory, 'channel' | 'peersOf'>;
  /** The highest seq of this terminal's own log in `channel` that `peer`'s receipts cover (channels/backlog.ts). */
  readonly receiptedBy: (channel: string, peer: string) => number;
  /** Own entries committed (the `entry` events with `own`). */
  readonly events: EventSource;
  readonly clock: Clock;
  /** The peers' streams open to this terminal (inbound-streams.ts): where `want` can be sent. */
  readonly streams: Pick<InboundStreamsView, 'isOpen' | 'ask'>;
}

interface Asked {
  readonly at: number;
  readonly every: number;
  /** C's log held here, and the own entry awaited, when asked: either changing asks again at once. */
  readonly held: number;
  readonly mine: number;
}

/** Asks the other parties for the receipts of a party whose stream is down. */
export class RelayWants {
  readonly #o: RelayWantsOptions;
  /** channel -> the highest own seq that draws a receipt, while some party has not receipted it. */
  readonly #awaiting = new Map<string, number>();
  /** `${channel} ${party}` -> the last ask for that party's entries. */
  readonly #asked = new Map<string, Asked>();

  constructor(options: RelayWantsOptions) {
    this.#o = options;
    options.events.on('entry', (e) => {
      if (!e.own || e.kind === 'receipt') return;
      if ((this.#awaiting.get(e.channel) ?? 0) < e.seq) this.#awaiting.set(e.channel, e.seq);
    });
  }

  /** Periodic (every second): asks where a party's receipts are due and its stream is down. */
  tick(): void {
    const now = this.#o.clock.now();
    for (const [channel, mine] of this.#awaiting) {
      let peers: string[];
      try {
        peers = this.#o.directory.peersOf(channel);
      } catch {
        this.#forget(channel);
        continue;
      }
      const due = peers.filter((p) => this.#o.receiptedBy(channel, p) < mine);
      if (due.length === 0) {
        this.#forget(channel);
        continue;
      }
      for (const party of due) {
        if (this.#o.streams.isOpen(party)) continue;
        const relays = peers.filter((q) => q !== party && this.#o.streams.isOpen(q));
        if (relays.length > 0) this.#askFor(channel, party, mine, relays, now);
      }
    }
  }

  #askFor(channel: string, party: string, mine: number, relays: readonly string[], now: number): void {
    const key = `${channel} ${party}`;
    const held = this.#o.directory.channel(channel).head(party)?.seq ?? 0;
    const last = this.#asked.get(key);
    const fresh = last === undefined || last.held !== held || last.mine !== mine;
    if (!fresh && now < last.at + last.every) return;
    const every = fresh ? RELAY_ASK_FIRST_MS : Math.min(last.every * 2, RELAY_ASK_MAX_MS);
    this.#asked.set(key, { at: now, every, held, mine });
    for (const q of relays) this.#o.streams.ask(q)?.({ channel, author: party, fromSeq: held + 1, toSeq: held + BATCH_MAX });
  }

  #forget(channel: string): void {
    this.#awaiting.delete(channel);
    for (const key of this.#asked.keys()) if (key.startsWith(`${channel} `)) this.#asked.delete(key);
  }
}

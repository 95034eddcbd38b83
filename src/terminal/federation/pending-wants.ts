/**
 * What held entries wait for, asked again of the other parties when the peer first asked does not
 * send it (docs/protocol.md §12, "Channels of more than two parties: relaying").
 *
 * A stream's `stored` is followed by a `want` for what the batch's held entries wait for, on that
 * stream (stream-session.ts). The entries asked for are usually another author's, named in the
 * heads of the sender's entries: the sender held them, and relays them. But it may not (it was
 * cut, it dropped them, it answers nothing), and their author may never push them here: a party
 * removed from the channel before this one was added pushes it nothing (§12, "Who is sent what"),
 * though its stream to this terminal may be open for other channels. Nothing else would ask, and
 * the entries held would wait for the next entry that names what they lack.
 *
 * So: each range asked for on a stream is remembered. While the log held here of its author has
 * not reached the range's end, it is asked again, `want {channel, author, fromSeq: held + 1,
 * toSeq}`, on the open stream of every party of the channel other than its author, 1 s after the
 * first ask, then after 2, 4 ... up to 30 s while nothing of that author arrives; the wait starts
 * at 1 s again when some arrives. At most {@link MAX_REMEMBERED} ranges are remembered (the oldest
 * dropped first) and one is forgotten once held, or once its channel is not held here after
 * {@link FORGET_UNHELD_MS} (a proposal asked for that never came).
 */
import type { ChannelDirectory, InboundStreamsView } from '../channels/ports.js';
import type { Clock } from '../clock.js';
import { RELAY_ASK_FIRST_MS, RELAY_ASK_MAX_MS } from './relay-wants.js';
import type { WantRange } from './wants.js';

/** The most ranges remembered at once; beyond, the oldest is forgotten. */
export const MAX_REMEMBERED = 1024;
/** How long a range of a channel not held here is remembered, ms. */
export const FORGET_UNHELD_MS = 5 * 60_000;

export interface PendingWantsOptions {
  /** This terminal's party: its own entries a peer holds are the reconciler's to ask for (channels/reconciler.ts). */
  readonly self: string;
  readonly directory: Pick<ChannelDirectory, 'channelIds' | 'peersOf'> & { channel(id: string): { head(author: string): { readonly seq: number } | undefined } };
  readonly clock: Clock;
  /** The peers' streams open to this terminal (inbound-streams.ts): where `want` can be sent. */
  readonly streams: Pick<InboundStreamsView, 'isOpen' | 'ask'>;
}

interface Remembered {
  readonly channel: string;
  readonly author: string;
  toSeq: number;
  since: number;
  /** When it was last asked, and the wait before the next ask. */
  at: number;
  every: number;
  /** The author's log held here when last looked at: when it grows, the wait starts over. */
  held: number;
}

/** Remembers what was asked for on a stream, and asks the channel's other parties while it does not come. */
export class PendingWants {
  readonly #o: PendingWantsOptions;
  /** `${channel} ${author}` -> what is awaited of that author, oldest first. */
  readonly #ranges = new Map<string, Remembered>();

  constructor(options: PendingWantsOptions) {
    this.#o = options;
  }

  /** How many ranges are remembered now. */
  get size(): number {
    return this.#ranges.size;
  }

  /** A `want` for `range` was sent on `peer`'s stream (the first ask: the next is due after 1 s). */
  asked(_peer: string, range: Readonly<WantRange>): void {
    // A proposal: the peer that named its channel holds it. Own entries: the reconciler's.
    if (range.author === '' || range.author === this.#o.self) return;
    const key = `${range.channel} ${range.author}`;
    const now = this.#o.clock.now();
    const known = this.#ranges.get(key);
    if (known) {
      known.toSeq = Math.max(known.toSeq, range.toSeq);
      return;
    }
    if (this.#ranges.size >= MAX_REMEMBERED) this.#ranges.delete(this.#ranges.keys().next().value!);
    this.#ranges.set(key, { channel: range.channel, author: range.author, toSeq: range.toSeq, since: now, at: now, every: RELAY_ASK_FIRST_MS, held: this.#held(range.channel, range.author) ?? 0 });
  }

  /** Periodic (every second): asks again, of the others, for what has not come. */
  tick(): void {
    const now = this.#o.clock.now();
    const channels = new Set(this.#o.directory.channelIds());
    for (const [key, r] of this.#ranges) {
      if (!channels.has(r.channel)) {
        if (now - r.since >= FORGET_UNHELD_MS) this.#ranges.delete(key);
        continue;
      }
      const held = this.#held(r.channel, r.author) ?? 0;
      if (held >= r.toSeq) {
        this.#ranges.delete(key);
        continue;
      }
      if (held !== r.held) [r.held, r.at, r.every] = [held, now, RELAY_ASK_FIRST_MS];
      if (now < r.at + r.every) continue;
      [r.at, r.every] = [now, Math.min(r.every * 2, RELAY_ASK_MAX_MS)];
      this.#ask(r, held);
    }
  }

  #ask(r: Remembered, held: number): void {
    let peers: string[];
    try {
      peers = this.#o.directory.peersOf(r.channel);
    } catch {
      return;
    }
    const want = { channel: r.channel, author: r.author, fromSeq: held + 1, toSeq: r.toSeq };
    for (const q of peers) if (q !== r.author && this.#o.streams.isOpen(q)) this.#o.streams.ask(q)?.(want);
  }

  #held(channel: string, author: string): number | undefined {
    try {
      return this.#o.directory.channel(channel).head(author)?.seq;
    } catch {
      return undefined;
    }
  }
}

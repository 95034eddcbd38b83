/**
 * Back-pressure for a peer that is down (#14 B6): a terminal accepts at most `cap` of its own
 * entries per channel that some peer of the channel has not receipted. Without it a sender took
 * 740,000 messages (5.9 GB) while its peer was unreachable, and would have filled its disk.
 * Only messages are refused (503 PEER_BACKLOG_FULL); receipts, acknowledgements, charter actions
 * and link tests still go, so the line recovers and officers can act. The count is what signed
 * receipts say (the store's receipts, then each receipt as it commits).
 */
import type { BodyOf, SealedEntry } from '../../protocol/index.js';
import type { Store } from '../../store/index.js';
import { TerminalError } from '../errors.js';

/** Own entries per channel not yet receipted by some peer, beyond which messages are refused. */
export const DEFAULT_MAX_UNRECEIPTED = 100_000;

export interface BacklogOptions {
  readonly self: string;
  readonly cap: number;
  readonly store: Pick<Store, 'listReceipts'>;
  /** Own entries durably committed in a channel (its own head). */
  readonly head: (channel: string) => number;
  readonly peersOf: (channel: string) => string[];
  readonly label: (party: string) => string;
}

/** What each peer has receipted of this terminal's own logs, and the cap on what it has not. */
export class Backlog {
  readonly #o: BacklogOptions;
  /** channel -> peer -> highest own seq receipted. */
  readonly #receipted = new Map<string, Map<string, number>>();

  constructor(options: BacklogOptions) {
    this.#o = options;
  }

  /** Reads the receipts held in the store for `channels` (at start). */
  async load(channels: readonly string[]): Promise<void> {
    for (const channel of channels)
      for (const r of await this.#o.store.listReceipts(channel)) if (r.author === this.#o.self) this.#note(channel, r.holder, r.seq);
  }

  /** Takes the receipts among committed entries of a channel. */
  noteEntries(channel: string, entries: readonly SealedEntry[]): void {
    for (const s of entries) {
      if (s.entry.kind !== 'receipt' || s.entry.author === this.#o.self) continue;
      const mine = (s.entry.body as BodyOf<'receipt'>).holds.find((h) => h.author === this.#o.self);
      if (mine) this.#note(channel, s.entry.author, mine.seq);
    }
  }

  #note(channel: string, peer: string, seq: number): void {
    let m = this.#receipted.get(channel);
    if (!m) this.#receipted.set(channel, (m = new Map()));
    if ((m.get(peer) ?? 0) < seq) m.set(peer, seq);
  }

  /** The highest seq of this terminal's own log in `channel` that `peer`'s receipts cover (0: none). */
  receiptedBy(channel: string, peer: string): number {
    return this.#receipted.get(channel)?.get(peer) ?? 0;
  }

  /** Throws PEER_BACKLOG_FULL when `adding` more messages would pass the cap for some peer. */
  check(channel: string, adding: number): void {
    const head = this.#o.head(channel);
    for (const peer of this.#o.peersOf(channel)) {
      const waiting = head - (this.#receipted.get(channel)?.get(peer) ?? 0);
      if (waiting + adding > this.#o.cap)
        throw new TerminalError('PEER_BACKLOG_FULL', { channel: channel.slice(0, 12), waiting: String(waiting), peer: this.#o.label(peer), cap: String(this.#o.cap) });
    }
  }
}

/**
 * Receipts: after received entries are durably committed, this terminal signs a cumulative receipt
 * ("I hold your entries 1..N, head H", docs/protocol.md §6) claiming only what is committed.
 * Coalesced: one receipt per channel per turn of the event loop, and at most one per spacing window
 * when receipts follow each other closely; after a quiet spell the first one still goes at once.
 */
import { wholeSetting } from '../env-settings.js';
import type { ChannelCommitter } from './channel-committer.js';
import { SILENT, type ChannelLogger, type ChannelRegistry } from './channel-registry.js';
import type { ChannelActions } from './ports.js';

export interface ReceiptSchedulerOptions {
  readonly registry: ChannelRegistry;
  readonly committer: Pick<ChannelCommitter, 'committedSeq' | 'idle'>;
  /** Where receipts are written (the own-entry writer). */
  readonly writer: Pick<ChannelActions, 'write'>;
  /**
   * Least time between two receipts of one channel, ms (default 0: a receipt at every turn of the
   * event loop that committed received entries). A receipt is cumulative, so under a stream of
   * messages one per window covers them all, at a fraction of the signatures, entries and commits
   * on both sides.
   */
  readonly spacingMs?: number;
  readonly log?: ChannelLogger;
}

/**
 * Least time between two receipts of a channel by default, ms. At 200 msg/s a receipt every 20 ms
 * (one per 4 messages) cost the two terminals 15-30% of their CPU per message; one per 100 ms
 * covers 20 and leaves a sender's receipted mark at most 0.1 s behind under a stream (#20).
 */
export const DEFAULT_RECEIPT_SPACING_MS = 100;

/** HOTLINE_RECEIPT_SPACING_MS: the least time between two receipts of a channel (0 to 1,000 ms). */
export function receiptSpacingFrom(value: string | undefined): number {
  return wholeSetting(value, { name: 'HOTLINE_RECEIPT_SPACING_MS', unit: 'milliseconds', min: 0, max: 1000, fallback: DEFAULT_RECEIPT_SPACING_MS });
}

/** Writes the receipts that received entries are due. */
export class ReceiptScheduler {
  readonly #o: ReceiptSchedulerOptions;
  readonly #spacingMs: number;
  readonly #log: ChannelLogger;
  readonly #due = new Set<string>();
  /** The holds of the last receipt written per channel: an unchanged one is not written again. */
  readonly #last = new Map<string, string>();
  #timer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  /** When the last receipts were written (performance.now()): paces them under load. */
  #lastAt = -Infinity;

  constructor(options: ReceiptSchedulerOptions) {
    this.#o = options;
    this.#spacingMs = Math.max(0, options.spacingMs ?? 0);
    this.#log = options.log ?? SILENT;
  }

  /** Received entries of `channel` were committed: a receipt is due. */
  schedule(channel: string): void {
    this.#due.add(channel);
    if (this.#timer) return;
    const wait = this.#lastAt + this.#spacingMs - performance.now();
    this.#timer = wait > 0 ? setTimeout(() => void this.#writeDue(), wait) : setImmediate(() => void this.#writeDue());
  }

  /**
   * Writes the receipts due now, without waiting for their window, and resolves once every write
   * started so far has committed (tests, shutdown).
   */
  async flush(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer as NodeJS.Timeout);
      clearImmediate(this.#timer as NodeJS.Immediate);
      await this.#writeDue();
    }
    await this.#o.committer.idle();
  }

  #writeDue(): Promise<unknown> {
    this.#timer = undefined;
    this.#lastAt = performance.now();
    const due = [...this.#due];
    this.#due.clear();
    return Promise.all(due.map((id) => this.#write(id)));
  }

  async #write(channel: string): Promise<void> {
    const { registry, committer } = this.#o;
    const log = registry.get(channel);
    // Not on a channel an amendment removed this party from: it writes nothing there any more.
    if (!log || !registry.member(channel)) return;
    // Claim only what is durably committed (a receipt is a promise that we hold the entries).
    const holds = Object.entries(log.heads(registry.self.party))
      .map(([author, h]) => {
        const seq = Math.min(h.seq, committer.committedSeq(channel, author));
        return { author, seq, hash: seq === h.seq ? h.hash : (log.hashAt(author, seq) ?? '') };
      })
      .filter((h) => h.seq > 0 && h.hash !== '');
    if (holds.length === 0) return;
    const key = holds.map((h) => `${h.author}:${h.seq}`).join(',');
    if (this.#last.get(channel) === key) return;
    this.#last.set(channel, key);
    try {
      await this.#o.writer.write(channel, 'receipt', { holds });
    } catch (e) {
      // Not written (e.g. CHANNEL_RECONCILING): the same holds are written when scheduled again.
      this.#last.delete(channel);
      this.#log.warn({ channel, err: (e as Error).message }, 'could not write receipt');
    }
  }
}

/**
 * What a peer asked this terminal for with `want` frames and was not yet served (docs/protocol.md
 * §12, "Serving wants"): ranges per channel and author, joined when asked again, bounded in number,
 * served oldest first one batch at a time by the outbound pump (peer-link.ts).
 */
import type { EntrySource } from '../channels/ports.js';
import { BATCH_MAX, fitBatch } from './wire.js';

/**
 * Distinct (channel, author) ranges a peer may have asked for and not yet been served; a want beyond
 * them is dropped (the peer asks again for what it still lacks).
 */
export const MAX_QUEUED_WANTS = 10_000;

/** One range a peer asked for: an author's entries fromSeq..toSeq (inclusive) of a channel; author '' is the founding entry. */
export interface WantRange {
  channel: string;
  author: string;
  fromSeq: number;
  toSeq: number;
}

/** The ranges one connection's peer asked for, in the order first asked. */
export class WantQueue {
  readonly #ranges = new Map<string, WantRange>();

  get size(): number {
    return this.#ranges.size;
  }

  /** Takes a range in, joined with one asked before for the same channel and author; false when full. */
  add(w: Readonly<WantRange>): boolean {
    if (w.toSeq < w.fromSeq) return true;
    const key = `${w.channel}/${w.author}`;
    const asked = this.#ranges.get(key);
    if (asked) {
      asked.fromSeq = Math.min(asked.fromSeq, w.fromSeq);
      asked.toSeq = Math.max(asked.toSeq, w.toSeq);
      return true;
    }
    if (this.#ranges.size >= MAX_QUEUED_WANTS) return false;
    this.#ranges.set(key, { channel: w.channel, author: w.author, fromSeq: w.fromSeq, toSeq: w.toSeq });
    return true;
  }

  /** The oldest range asked for, taken off the queue. */
  take(): WantRange | undefined {
    const [key, range] = this.#ranges.entries().next().value ?? [];
    if (key === undefined) return undefined;
    this.#ranges.delete(key);
    return range;
  }

  clear(): void {
    this.#ranges.clear();
  }
}

/** The entries of one range: one batch from its start (the peer asks again for the rest). */
export async function wantedEntries(entries: EntrySource, w: Readonly<WantRange>): Promise<string[]> {
  if (w.author === '') {
    // The founding entry; an own one only once durable (see EntrySource.entriesFor).
    const proposal = await entries.proposalEntry(w.channel);
    return proposal === undefined ? [] : [proposal];
  }
  return fitBatch(await entries.entriesFor(w.channel, w.author, w.fromSeq, Math.min(w.toSeq, w.fromSeq + BATCH_MAX - 1)));
}

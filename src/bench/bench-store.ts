/**
 * A write benchmark of a store: how many entries per second it makes durable when many writers
 * append concurrently through the group commit, as a busy terminal does. A measurement used by the
 * store tests (test/store/entry-writer.test.ts), not one of run.ts's modules.
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EntryWriter, type EntryRow, type Store } from '../store/index.js';

/** Tuning of {@link benchStore}. */
export interface BenchStoreOptions {
  /** Writers appending at the same time, each one entry per write (default 64). */
  readonly concurrency?: number;
}

/**
 * Appends `n` synthetic entries to a fresh random channel of `store` and reports the rate.
 * The entries stay in the store: point it at a scratch database.
 */
export async function benchStore(
  store: Store,
  n: number,
  options: BenchStoreOptions = {},
): Promise<{ entriesPerSec: number }> {
  const concurrency = Math.max(1, options.concurrency ?? 64);
  const channel = randomBytes(32).toString('hex');
  const authors = Array.from({ length: concurrency }, () => randomBytes(32).toString('base64url'));
  const writer = new EntryWriter(store);
  let next = 0;

  const writerLoop = async (author: string): Promise<void> => {
    for (let seq = 1; ; seq += 1) {
      if (next >= n) return;
      next += 1;
      await writer.write([syntheticEntry(channel, author, seq)]);
    }
  };

  const start = performance.now();
  await Promise.all(authors.map(writerLoop));
  await writer.flush();
  const seconds = (performance.now() - start) / 1000;
  return { entriesPerSec: n / Math.max(seconds, 1e-9) };
}

function syntheticEntry(channel: string, author: string, seq: number): EntryRow {
  const time = Date.now();
  const raw = JSON.stringify({ author, channel, kind: 'message', seq, text: `bench ${seq}`, time });
  return {
    channel,
    author,
    seq,
    hash: createHash('sha256').update(raw).digest('hex'),
    kind: 'message',
    time,
    raw,
    receivedAt: time,
  };
}

/**
 * Group commit: concurrent writes share transactions, and every write resolves only once durable.
 * Flushes are driven by a manual scheduler or setImmediate; no test sleeps.
 */
import { describe, expect, it } from 'vitest';
import { benchStore } from '../../src/bench/bench-store.js';
import { EntryWriter, StoreError, type EntryRow, type FlushScheduler } from '../../src/store/index.js';
import { BACKENDS, open, useStore } from './backends.js';
import { channelId, entry, partyId } from './factories.js';

/** A scheduler that runs flushes only when the test says so. */
function manualScheduler(): { schedule: FlushScheduler; readonly queued: number; run(): void } {
  const queue: Array<() => void> = [];
  return {
    schedule: (flush) => {
      queue.push(flush);
    },
    get queued() {
      return queue.length;
    },
    run() {
      while (queue.length > 0) queue.shift()!();
    },
  };
}

/** `n` single-entry logs' first entries in one channel. */
function firstEntries(channel: string, n: number): EntryRow[] {
  return Array.from({ length: n }, () => entry({ channel, author: partyId(), seq: 1 }));
}

describe.each(BACKENDS)('EntryWriter on $name', (backend) => {
  const ctx = useStore(backend);

  it('commits writes made in the same window in one transaction, resolving each after commit', async () => {
    const { store } = ctx;
    const channel = channelId();
    const clock = manualScheduler();
    const writer = new EntryWriter(store, { schedule: clock.schedule });
    const rows = firstEntries(channel, 50);

    const writes = rows.map((row) => writer.write([row]));
    expect(clock.queued).toBe(1);
    expect(await store.countEntries(channel)).toBe(0);
    expect(writer.stats.transactions).toBe(0);

    clock.run();
    const results = await Promise.all(writes);

    expect(results).toEqual(rows.map(() => [{ status: 'inserted' }]));
    expect(writer.stats).toEqual({ transactions: 1, writes: 50, rows: 50 });
    expect(await store.countEntries(channel)).toBe(50);
  });

  it('coalesces many concurrent writers into few transactions on the next event-loop turn', async () => {
    const { store } = ctx;
    const channel = channelId();
    const writer = new EntryWriter(store, { maxBatch: 64, maxDelayMs: 0 });
    const authors = Array.from({ length: 30 }, () => partyId());

    const writerLoop = async (author: string): Promise<string[]> => {
      const statuses: string[] = [];
      for (let seq = 1; seq <= 10; seq += 1) {
        const [result] = await writer.write([entry({ channel, author, seq })]);
        statuses.push(result!.status);
      }
      return statuses;
    };
    const all = await Promise.all(authors.map(writerLoop));

    expect(all.flat()).toEqual(Array(300).fill('inserted'));
    expect(writer.stats.writes).toBe(300);
    expect(writer.stats.transactions).toBeLessThan(300 / 4);
    expect(writer.stats.transactions).toBeGreaterThanOrEqual(Math.ceil(300 / 64));
    expect(await store.countEntries(channel)).toBe(300);
    for (const author of authors) expect((await store.heads(channel))[author]?.seq).toBe(10);
  });

  it('starts a transaction as soon as maxBatch rows wait, never splitting a write', async () => {
    const { store } = ctx;
    const channel = channelId();
    const clock = manualScheduler();
    const writer = new EntryWriter(store, { maxBatch: 10, schedule: clock.schedule });

    const singles = firstEntries(channel, 25).map((row) => writer.write([row]));
    const big = writer.write(firstEntries(channel, 15));
    await Promise.all([...singles, big]);

    expect(writer.stats.transactions).toBe(4); // 10 + 10 + 5 single rows, then the 15-row write whole
    expect(await store.countEntries(channel)).toBe(40);
  });

  it('gives each writer the results of its own rows, as if written one after another', async () => {
    const { store } = ctx;
    const channel = channelId();
    const author = partyId();
    const clock = manualScheduler();
    const writer = new EntryWriter(store, { schedule: clock.schedule });
    const e1 = entry({ channel, author, seq: 1 });
    const e2 = entry({ channel, author, seq: 2 });
    const e1forged = entry({ channel, author, seq: 1, body: 'forged' });

    const first = writer.write([e1, e2]);
    const second = writer.write([e1, e1forged]);
    clock.run();

    expect(await first).toEqual([{ status: 'inserted' }, { status: 'inserted' }]);
    // Another entry at a held position: the write is refused whole, its neighbour stored.
    await expect(second).rejects.toMatchObject({ code: 'STORE_LOG_DIVERGED' });
    expect(writer.stats.transactions).toBe(1);
    expect((await store.getEntry(channel, author, 1))?.hash).toBe(e1.hash);
  });

  it('fails the bad write of a batch and what follows it on its channel, never the writes of other channels', async () => {
    const { store } = ctx;
    const channel = channelId();
    const elsewhere = channelId();
    const clock = manualScheduler();
    const writer = new EntryWriter(store, { schedule: clock.schedule });
    const [good1, after, other] = firstEntries(channel, 3);
    const [good2] = firstEntries(elsewhere, 1);

    const a = writer.write([good1!]);
    const bad = writer.write([{ ...other!, seq: -1 }]);
    // Queued behind the failed write on its channel: it may name it (an echo, a receipt), so it is
    // never stored without it; its writer reloads the channel and writes again.
    const dependent = writer.write([after!]);
    const b = writer.write([good2!]);
    clock.run();

    await expect(bad).rejects.toBeInstanceOf(StoreError);
    await expect(dependent).rejects.toBeInstanceOf(StoreError);
    expect(await a).toEqual([{ status: 'inserted' }]);
    expect(await b).toEqual([{ status: 'inserted' }]);
    expect(await store.countEntries(channel)).toBe(1);
    expect(await store.countEntries(elsewhere)).toBe(1);
  });

  it('has committed a write when it resolves: another connection sees it', async () => {
    const channel = channelId();
    const writer = new EntryWriter(ctx.store, { maxDelayMs: 0 });
    const [row] = firstEntries(channel, 1);

    await writer.write([row!]);

    const other = await open(ctx.config);
    try {
      expect((await other.getEntry(row!.channel, row!.author, row!.seq))?.raw).toBe(row!.raw);
    } finally {
      await other.close();
    }
  });

  it('lets a write wait for company as long as it may, and takes it along when a write that may not wait comes', async () => {
    const { store } = ctx;
    const channel = channelId();
    // Flushes recorded with their delays, run by the test; time moved by hand.
    const flushes: Array<{ delayMs: number; run: () => void }> = [];
    let now = 0;
    const writer = new EntryWriter(store, { schedule: (run, delayMs) => flushes.push({ delayMs, run }), now: () => now });
    const [a, b, c, d] = firstEntries(channel, 4);

    // A received entry may wait 8 ms for the next ones to share its commit.
    const first = writer.write([a!], undefined, { waitMs: 8 });
    expect(flushes.map((f) => f.delayMs)).toEqual([8]);
    // 3 ms later, one more that may wait as long: no second flush, it joins the first.
    now = 3;
    const second = writer.write([b!], undefined, { waitMs: 8 });
    expect(flushes).toHaveLength(1);
    // An officer's own message may not wait: a flush on the next turn takes all three along.
    now = 4;
    const third = writer.write([c!]);
    expect(flushes.map((f) => f.delayMs)).toEqual([8, 2]);
    flushes[1]!.run();
    await Promise.all([first, second, third]);
    expect(writer.stats).toEqual({ transactions: 1, writes: 3, rows: 3 });

    // The 8 ms flush, overtaken, finds nothing to do; once the transaction's turn has ended, a
    // later write schedules its own wait again.
    flushes[0]!.run();
    await new Promise<void>((r) => setImmediate(r));
    now = 9;
    const fourth = writer.write([d!], undefined, { waitMs: 8 });
    expect(flushes.map((f) => f.delayMs)).toEqual([8, 2, 8]);
    flushes[2]!.run();
    await fourth;
    expect(writer.stats).toEqual({ transactions: 2, writes: 4, rows: 4 });
    expect(await store.countEntries(channel)).toBe(4);
  });

  it('flush() commits what is pending without waiting for the scheduler', async () => {
    const { store } = ctx;
    const channel = channelId();
    const clock = manualScheduler();
    const writer = new EntryWriter(store, { schedule: clock.schedule });
    const writes = firstEntries(channel, 5).map((row) => writer.write([row]));

    await writer.flush();

    expect(await store.countEntries(channel)).toBe(5);
    await Promise.all(writes);
    clock.run(); // the stale scheduled flush finds nothing to do
    expect(writer.stats.transactions).toBe(1);
    await writer.flush();
  });

  it('benchStore appends through the group commit and reports a rate', async () => {
    const { entriesPerSec } = await benchStore(ctx.store, 300, { concurrency: 16 });
    expect(Number.isFinite(entriesPerSec)).toBe(true);
    expect(entriesPerSec).toBeGreaterThan(0);
  });
});

/**
 * Durable commits off the event loop (src/store/sqlite-durable.ts): a write counts as committed
 * only after an fdatasync of the WAL that started after it; reads cost no sync; callers arriving
 * while a sync runs share the next one; a transaction's COMMIT frees the connection at once, and
 * the group commit writes its next batch while the last one syncs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { EntryWriter, type AppendResult, type Committed, type EntryAppender, type EntryRow, type PipelineOptions, type Store } from '../../src/store/index.js';
import { KyselyStore } from '../../src/store/kysely-store.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import type { Database as Schema } from '../../src/store/schema.js';
import { sqliteAdapter } from '../../src/store/sqlite.js';
import { DurableSqliteDialect, WalSync } from '../../src/store/sqlite-durable.js';
import { channelId, entry, partyId } from './factories.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-durable-'));
  dirs.push(dir);
  return join(dir, 'x.db');
}

function open(): { db: Kysely<{ t: { v: number } }>; wal: WalSync; raw: Database.Database; path: string } {
  const path = tempPath();
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  const wal = new WalSync(`${path}-wal`);
  const db = new Kysely<{ t: { v: number } }>({ dialect: new DurableSqliteDialect({ database: raw }, raw, wal) });
  return { db, wal, raw, path };
}

/** A durability whose syncs complete only when the test says so. */
function gatedDurability(): { sync(): Promise<void>; readonly waiting: number; release(error?: Error): void } {
  const gates: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  return {
    sync: () => new Promise<void>((resolve, reject) => gates.push({ resolve, reject })),
    get waiting() {
      return gates.length;
    },
    release(error) {
      for (const g of gates.splice(0)) if (error) g.reject(error);
      else g.resolve();
    },
  };
}

/** Lets every settled promise's callbacks run. */
const drain = () => new Promise((r) => setImmediate(r));

describe('durable SQLite commits', () => {
  it('syncs once per autocommit write, never for reads or writes that change nothing, and leaves a transaction to its caller', async () => {
    const { db, wal } = open();
    await sql`create table t (v integer)`.execute(db);
    const base = wal.syncs;
    await db.insertInto('t').values({ v: 1 }).execute();
    expect(wal.syncs).toBe(base + 1);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ v: 2 }).execute();
      await trx.insertInto('t').values({ v: 3 }).execute();
    });
    expect(wal.syncs).toBe(base + 1); // COMMIT returned unsynced: KyselyStore waits for wal.sync()
    expect((await db.selectFrom('t').select('v').execute()).map((r) => r.v)).toEqual([1, 2, 3]);
    await db.updateTable('t').set({ v: 9 }).where('v', '=', 100).execute(); // changes nothing
    expect(wal.syncs).toBe(base + 1);
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ v: 4 }).execute();
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect((await db.selectFrom('t').select('v').execute()).map((r) => r.v)).toEqual([1, 2, 3]);
    await db.destroy();
  });

  it('makes callers that arrive while a sync runs wait for the next one, and share it', async () => {
    const { db, wal } = open();
    await sql`create table t (v integer)`.execute(db);
    const base = wal.syncs;
    const order: string[] = [];
    const first = wal.sync().then(() => order.push('first'));
    const later = Array.from({ length: 5 }, (_, i) => wal.sync().then(() => order.push(`later${i}`)));
    await Promise.all([first, ...later]);
    expect(wal.syncs).toBe(base + 2); // one running, one more for everyone who came during it
    expect(order[0]).toBe('first');
    await db.destroy();
  });

  it('syncs a commit that is alone on this thread before returning, and one made while a sync runs on the pool after it', async () => {
    const { db, wal } = open();
    await sql`create table t (v integer)`.execute(db);
    const before = wal.syncs;
    await db.transaction().execute((trx) => trx.insertInto('t').values({ v: 1 }).execute());
    // Nothing runs on the pool: synced here, and done when it returns.
    expect(wal.syncNow()).toBeUndefined();
    expect(wal.syncs).toBe(before + 1);
    // A sync on the pool is under way (it may have started before this commit's frames were
    // written): the caller gets the next one, which starts once it ends.
    const running = wal.sync();
    await db.transaction().execute((trx) => trx.insertInto('t').values({ v: 2 }).execute());
    const next = wal.syncNow();
    expect(next).toBeInstanceOf(Promise);
    await Promise.all([running, next]);
    expect(wal.syncs).toBe(before + 3);
    await db.destroy();
  });

  it('finds the WAL again after SQLite replaced it (the last connection closed and another opened)', async () => {
    const a = open();
    await sql`create table t (v integer)`.execute(a.db);
    await a.db.insertInto('t').values({ v: 1 }).execute();
    a.raw.close(); // checkpoints and deletes the WAL
    const again = new Database(a.path);
    again.pragma('journal_mode = WAL');
    const db = new Kysely<{ t: { v: number } }>({ dialect: new DurableSqliteDialect({ database: again }, again, a.wal) });
    const before = a.wal.syncs;
    await db.insertInto('t').values({ v: 2 }).execute();
    expect(a.wal.syncs).toBe(before + 1);
    expect((await db.selectFrom('t').select('v').execute()).map((r) => r.v)).toEqual([1, 2]);
    await db.destroy();
  });

  it("settles a store transaction only after its sync, and a pipelined one's durable promise likewise, with the connection free meanwhile", async () => {
    const path = tempPath();
    const raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    const db = new Kysely<Schema>({ dialect: new DurableSqliteDialect({ database: raw }, raw, new WalSync(`${path}-wal`)) });
    await migrateToLatest(db, sqliteAdapter);
    const gate = gatedDurability();
    const store = new KyselyStore(db, sqliteAdapter, { durability: gate });
    const channel = channelId();
    const author = partyId();

    let settled = false;
    const plain = store.transaction((tx) => tx.appendEntries([entry({ channel, author, seq: 1 })])).then(() => (settled = true));
    while (gate.waiting === 0) await drain();
    expect(settled).toBe(false); // committed, not yet synced
    gate.release();
    await plain;

    const first = await store.pipelinedTransaction((tx) => tx.appendEntries([entry({ channel, author, seq: 2 })]));
    let durable = false;
    void first.durable!.then(() => (durable = true));
    // The connection is free while the first syncs: a second transaction commits now.
    const second = await store.pipelinedTransaction((tx) => tx.appendEntries([entry({ channel, author, seq: 3 })]));
    expect(first.value).toEqual([{ status: 'inserted' }]);
    expect(second.value).toEqual([{ status: 'inserted' }]);
    await drain();
    expect(durable).toBe(false);
    gate.release();
    await Promise.all([first.durable, second.durable]);
    expect(durable).toBe(true);
    // Alone (nothing else to commit meanwhile): durable before it returns, through syncNow.
    let inline = 0;
    const alone = new KyselyStore(db, sqliteAdapter, { durability: { sync: gate.sync, syncNow: () => void inline++ } });
    const third = await alone.pipelinedTransaction((tx) => tx.appendEntries([entry({ channel, author, seq: 4 })]), { alone: true });
    expect(third.durable).toBeUndefined();
    expect(inline).toBe(1);
    expect(gate.waiting).toBe(0);
    expect(await store.countEntries(channel)).toBe(4);
    await store.close();
  });
});

/** An appender whose commits become durable only when the test says so. */
function pipelinedAppender(): EntryAppender & { readonly commits: EntryRow[][]; readonly alone: boolean[]; readonly gate: ReturnType<typeof gatedDurability> } {
  const gate = gatedDurability();
  const commits: EntryRow[][] = [];
  const alone: boolean[] = [];
  const appender = {
    commits,
    alone,
    gate,
    appendEntries: (rows: readonly EntryRow[]) => Promise.resolve(rows.map((): AppendResult => ({ status: 'inserted' }))),
    async pipelinedTransaction<T>(fn: (store: Store) => Promise<T>, options?: PipelineOptions): Promise<Committed<T>> {
      alone.push(options?.alone ?? false);
      const rows: EntryRow[] = [];
      const value = await fn({ appendEntries: (r: readonly EntryRow[]) => (rows.push(...r), appender.appendEntries(r)) } as unknown as Store);
      commits.push(rows);
      return { value, durable: gate.sync() };
    },
  };
  return appender;
}

describe('EntryWriter over a store that syncs after commit', () => {
  it('writes the next batch while the last one syncs, and resolves each write only once its batch is durable', async () => {
    const store = pipelinedAppender();
    const writer = new EntryWriter(store, { maxDelayMs: 0 });
    const channel = channelId();
    const author = partyId();
    const resolved: number[] = [];
    const first = writer.write([entry({ channel, author, seq: 1 })]).then(() => resolved.push(1));
    while (store.commits.length < 1) await drain();
    const second = writer.write([entry({ channel, author, seq: 2 })]).then(() => resolved.push(2));
    while (store.commits.length < 2) await drain();
    // Both committed; neither is durable, so neither writer has heard.
    expect(resolved).toEqual([]);
    let flushed = false;
    const flushing = writer.flush().then(() => (flushed = true));
    await drain();
    expect(flushed).toBe(false);
    store.gate.release();
    await Promise.all([first, second, flushing]);
    expect(resolved).toEqual([1, 2]);
    expect(writer.stats).toEqual({ transactions: 2, writes: 2, rows: 2 });
    // The first batch was alone (the store may sync it before returning); the second was
    // committed while the first synced, so it overlaps its own sync with whatever comes next.
    expect(store.alone).toEqual([true, false]);
  });

  it('rejects the writes of a batch whose sync failed, and only those', async () => {
    const store = pipelinedAppender();
    const writer = new EntryWriter(store, { maxDelayMs: 0 });
    const channel = channelId();
    const author = partyId();
    const lost = writer.write([entry({ channel, author, seq: 1 })]);
    lost.catch(() => undefined);
    while (store.commits.length < 1) await drain();
    store.gate.release(new Error('EIO: the disk failed'));
    await expect(lost).rejects.toThrow('EIO');
    const kept = writer.write([entry({ channel, author, seq: 2 })]);
    while (store.commits.length < 2) await drain();
    store.gate.release();
    await expect(kept).resolves.toEqual([{ status: 'inserted' }]);
  });
});

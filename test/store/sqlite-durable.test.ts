/**
 * Durable commits off the event loop (src/store/sqlite-durable.ts): every commit, explicit or an
 * autocommit write, settles only after an fdatasync of the WAL that started after it; reads cost
 * no sync; callers arriving while a sync runs share the next one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableSqliteDialect, WalSync } from '../../src/store/sqlite-durable.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(): { db: Kysely<{ t: { v: number } }>; wal: WalSync; raw: Database.Database; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-durable-'));
  dirs.push(dir);
  const path = join(dir, 'x.db');
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  const wal = new WalSync(`${path}-wal`);
  const db = new Kysely<{ t: { v: number } }>({ dialect: new DurableSqliteDialect({ database: raw }, raw, wal) });
  return { db, wal, raw, path };
}

describe('durable SQLite commits', () => {
  it('syncs the WAL once per commit and per autocommit write, never for reads, before the caller hears of it', async () => {
    const { db, wal } = open();
    await sql`create table t (v integer)`.execute(db);
    const base = wal.syncs;
    await db.insertInto('t').values({ v: 1 }).execute();
    expect(wal.syncs).toBe(base + 1);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ v: 2 }).execute();
      await trx.insertInto('t').values({ v: 3 }).execute();
      expect(wal.syncs).toBe(base + 1); // nothing synced inside the transaction
    });
    expect(wal.syncs).toBe(base + 2);
    expect((await db.selectFrom('t').select('v').execute()).map((r) => r.v)).toEqual([1, 2, 3]);
    await db.updateTable('t').set({ v: 9 }).where('v', '=', 100).execute(); // changes nothing
    expect(wal.syncs).toBe(base + 2);
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
});

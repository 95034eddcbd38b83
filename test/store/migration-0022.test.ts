/**
 * Migration 0022 (per-party receipt state) on stores that already hold receipts (written at 0021),
 * on both backends: the receipt entries held are read in arrival order and each advance of a
 * holder's receipt becomes a mark, so the messages received before the upgrade say per party
 * when they were receipted; receipts taken in after it add their marks as they are stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore, type StoreConfig } from '../../src/store/index.js';
import { InCodeMigrationProvider } from '../../src/store/migrations.js';
import { postgresAdapter } from '../../src/store/postgres.js';
import { sqliteAdapter } from '../../src/store/sqlite.js';
import { BACKENDS } from './backends.js';
import { channelId, entry, hashOf, partyId } from './factories.js';

describe.each(BACKENDS)('migration 0022 (receipt marks) on $name with data', (backend) => {
  it('fills the marks from the receipt entries held, in arrival order', async () => {
    const database = await backend.create();
    const dir = mkdtempSync(join(tmpdir(), 'hotline-m0022-'));
    const config = database.config as StoreConfig & { connectionString?: string; schema?: string };
    const pool = config.kind === 'postgres' ? new pg.Pool({ connectionString: config.connectionString, max: 1, options: `-c search_path=${config.schema}` }) : undefined;
    try {
      if (pool) await pool.query(`create schema if not exists "${config.schema}"`);
      const path = join(dir, 'store.db');
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const old = new Kysely<any>({ dialect: pool ? new PostgresDialect({ pool }) : new SqliteDialect({ database: new Database(path) }) });
      const migrator = new Migrator({ db: old, provider: new InCodeMigrationProvider(pool ? postgresAdapter : sqliteAdapter), ...(pool ? { migrationTableSchema: config.schema } : {}) });
      expect((await migrator.migrateTo('0021_lasting_entries')).error).toBeUndefined();
      const channel = channelId();
      const [us, cn, xx] = [partyId(), partyId(), partyId()];
      const put = async (e: ReturnType<typeof entry>) =>
        sql`insert into entries (channel, author, seq, hash, kind, time, raw, received_at) values (${channel}, ${e.author}, ${e.seq}, ${e.hash}, ${e.kind}, ${e.time}, ${e.raw}, ${e.time})`.execute(old);
      const receipt = (holder: string, seq: number, time: number, holds: Array<[string, number]>) =>
        entry({ channel, author: holder, seq, kind: 'receipt', time, body: { holds: holds.map(([author, s]) => ({ author, seq: s, hash: hashOf(`${author}${s}`) })) } });
      // CN receipts US up to 2 (t 100), then up to 5 (t 200); XX up to 3 (t 150); CN's later receipt naming 5 again (t 400) changes nothing.
      for (const e of [receipt(cn, 1, 100, [[us, 2]]), receipt(xx, 1, 150, [[us, 3]]), receipt(cn, 2, 200, [[us, 5], [xx, 1]]), receipt(cn, 3, 400, [[us, 5], [xx, 1]])]) await put(e);
      // The receipts table as 0021 kept it: the highest per holder and author.
      for (const [holder, author, seq, at] of [[cn, us, 5, 200], [xx, us, 3, 150], [cn, xx, 1, 200]] as const)
        await sql`insert into receipts (channel, holder, author, seq, hash, at) values (${channel}, ${holder}, ${author}, ${seq}, ${hashOf('x')}, ${at})`.execute(old);
      if (!pool) await old.destroy(); // the pool is ended last

      const store = await openStore(pool ? config : { kind: 'sqlite', path });
      try {
        const at = (seqs: number[]) => seqs.map((seq) => ({ channel, author: us, seq }));
        const times = async (seqs: number[]) => {
          const t = await store.listReceiptTimes(channel, at(seqs));
          return { cn: Object.fromEntries(t.filter((x) => x.holder === cn).map((x) => [x.seq, x.at])), xx: Object.fromEntries(t.filter((x) => x.holder === xx).map((x) => [x.seq, x.at])) };
        };
        expect(await times([1, 2, 3, 4, 5, 6])).toEqual({ cn: { 1: 100, 2: 100, 3: 200, 4: 200, 5: 200 }, xx: { 1: 150, 2: 150, 3: 150 } });
        // After the upgrade, a receipt stored marks what it newly covers.
        expect(await store.putReceipt({ channel, holder: xx, author: us, seq: 6, hash: hashOf('6'), at: 500 })).toBe(true);
        expect((await times([4, 6])).xx).toEqual({ 4: 500, 6: 500 });
      } finally {
        await store.close();
      }
    } finally {
      await pool?.end();
      rmSync(dir, { recursive: true, force: true });
      await database.remove();
    }
  });
});

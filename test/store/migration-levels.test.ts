/**
 * Upgrading from any earlier release: a store left at each earlier migration level, holding
 * entries, is opened by today's code, which runs every later migration and keeps the entries.
 * The migration-00NN tests check what one migration does to the data it changes; this one checks
 * that the chain runs from every level a terminal in the field may be at (docs/operations.md,
 * "Upgrading"), on both backends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore, type StoreConfig } from '../../src/store/index.js';
import { InCodeMigrationProvider, migrations } from '../../src/store/migrations.js';
import { postgresAdapter } from '../../src/store/postgres.js';
import { sqliteAdapter } from '../../src/store/sqlite.js';
import { BACKENDS } from './backends.js';
import { channelId, entry, partyId } from './factories.js';

const NAMES = Object.keys(migrations(sqliteAdapter)).sort();
/** Every level but the latest (a store already there has nothing to migrate). */
const EARLIER = NAMES.slice(0, -1);

describe.each(BACKENDS)('upgrading a $name store from every earlier migration level', (backend) => {
  it.each(EARLIER)('from %s: later migrations run, entries kept', async (level) => {
    const database = await backend.create();
    const dir = mkdtempSync(join(tmpdir(), 'hotline-mlevels-'));
    const config = database.config as StoreConfig & { connectionString?: string; schema?: string };
    const pool = config.kind === 'postgres' ? new pg.Pool({ connectionString: config.connectionString, max: 1, options: `-c search_path=${config.schema}` }) : undefined;
    try {
      if (pool) await pool.query(`create schema if not exists "${config.schema}"`);
      const path = join(dir, 'store.db');
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const old = new Kysely<any>({ dialect: pool ? new PostgresDialect({ pool }) : new SqliteDialect({ database: new Database(path) }) });
      const migrator = new Migrator({ db: old, provider: new InCodeMigrationProvider(pool ? postgresAdapter : sqliteAdapter), ...(pool ? { migrationTableSchema: config.schema } : {}) });
      expect((await migrator.migrateTo(level)).error).toBeUndefined();
      // Two authors' logs as that release stored them (these columns are in every level's entries table).
      const channel = channelId();
      const [us, cn] = [partyId(), partyId()];
      const rows = [1, 2, 3].flatMap((seq) => [entry({ channel, author: us, seq }), entry({ channel, author: cn, seq, kind: 'receipt', body: { holds: [] } })]);
      for (const e of rows)
        await sql`insert into entries (channel, author, seq, hash, kind, time, raw, received_at) values (${e.channel}, ${e.author}, ${e.seq}, ${e.hash}, ${e.kind}, ${e.time}, ${e.raw}, ${e.receivedAt})`.execute(old);
      if (!pool) await old.destroy(); // the pool is ended last

      const store = await openStore(pool ? config : { kind: 'sqlite', path });
      try {
        // What the terminal logs at start ("database migrated to ..."): the levels after the old one.
        expect(store.migrationsRun).toEqual(NAMES.slice(NAMES.indexOf(level) + 1));
        const held = await store.listEntries(channel);
        expect(held.map((e) => `${e.author === us ? 'us' : 'cn'}#${e.seq}:${e.hash}`).sort()).toEqual(rows.map((e) => `${e.author === us ? 'us' : 'cn'}#${e.seq}:${e.hash}`).sort());
      } finally {
        await store.close();
      }
      const again = await openStore(pool ? config : { kind: 'sqlite', path });
      expect(again.migrationsRun).toEqual([]);
      await again.close();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const check = new Kysely<any>({ dialect: pool ? new PostgresDialect({ pool }) : new SqliteDialect({ database: new Database(path, { readonly: true }) }) });
      try {
        const applied = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(check)).rows.map((r) => r.name);
        expect(applied).toEqual(NAMES);
      } finally {
        if (!pool) await check.destroy();
      }
    } finally {
      await pool?.end();
      rmSync(dir, { recursive: true, force: true });
      await database.remove();
    }
  });
});

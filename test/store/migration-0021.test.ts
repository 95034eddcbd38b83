/**
 * Migration 0021 on stores that already hold a channel (written at 0020), on both backends: the
 * places of the lasting entries held are listed in lasting_entries, so a terminal restarted after
 * the upgrade restores its charter and dialogue; entries written after it are listed as they are inserted.
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
import { channelId, entry, partyId } from './factories.js';

const KINDS = ['charter.propose', 'message', 'link.test', 'receipt', 'channel.suspend', 'ack', 'link.summary', 'issue.raise'];

describe.each(BACKENDS)('migration 0021 (lasting entries) on $name with data', (backend) => {
  it('lists the lasting entries held before it and those written after it', async () => {
    const database = await backend.create();
    const dir = mkdtempSync(join(tmpdir(), 'hotline-m0021-'));
    const config = database.config as StoreConfig & { connectionString?: string; schema?: string };
    const pool = config.kind === 'postgres' ? new pg.Pool({ connectionString: config.connectionString, max: 1, options: `-c search_path=${config.schema}` }) : undefined;
    try {
      if (pool) await pool.query(`create schema if not exists "${config.schema}"`);
      const path = join(dir, 'store.db');
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const old = new Kysely<any>({ dialect: pool ? new PostgresDialect({ pool }) : new SqliteDialect({ database: new Database(path) }) });
      const migrator = new Migrator({ db: old, provider: new InCodeMigrationProvider(pool ? postgresAdapter : sqliteAdapter), ...(pool ? { migrationTableSchema: config.schema } : {}) });
      expect((await migrator.migrateTo('0020_message_pages')).error).toBeUndefined();
      const channel = channelId();
      const us = partyId();
      for (const [i, kind] of KINDS.entries()) {
        const e = entry({ channel, author: us, seq: i + 1, kind });
        await sql`insert into entries (channel, author, seq, hash, kind, time, raw, received_at) values (${channel}, ${us}, ${e.seq}, ${e.hash}, ${kind}, ${e.time}, ${e.raw}, ${e.time})`.execute(old);
      }
      if (!pool) await old.destroy(); // the pool is ended last

      const store = await openStore(pool ? config : { kind: 'sqlite', path });
      try {
        const kindsOf = async () => (await store.listLastingRawEntries(channel)).map((r) => (JSON.parse(r) as { kind: string }).kind);
        expect(await kindsOf()).toEqual(['charter.propose', 'channel.suspend', 'issue.raise']);
        await store.appendEntries([entry({ channel, author: us, seq: 9, kind: 'message' }), entry({ channel, author: us, seq: 10, kind: 'meeting.propose' })]);
        expect(await kindsOf()).toEqual(['charter.propose', 'channel.suspend', 'issue.raise', 'meeting.propose']);
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

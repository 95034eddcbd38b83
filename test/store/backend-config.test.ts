/**
 * What is particular to each backend's configuration: SQLite's file and journal, PostgreSQL's
 * schemas and connection errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, openStore, StoreError } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations.js';
import { SQLITE_PAGE_SIZE, sqliteAdapter } from '../../src/store/sqlite.js';
import { open, PG_URL } from './backends.js';
import { channelId, log, partyId } from './factories.js';

describe('SQLite backend', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file and its directory, journals in WAL mode and survives reopening', async () => {
    const path = join(dir, 'nested', 'deeper', 'hotline.db');
    const channel = channelId();
    const store = await openStore({ kind: 'sqlite', path });
    await store.appendEntries(log(channel, partyId(), 3));
    await store.close();

    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('page_size', { simple: true })).toBe(SQLITE_PAGE_SIZE);
      expect(raw.prepare('select count(*) as n from kysely_migration').get()).toEqual({ n: Object.keys(migrations(sqliteAdapter)).length });
    } finally {
      raw.close();
    }

    const again = await openStore({ kind: 'sqlite', path });
    expect(await again.countEntries(channel)).toBe(3);
    await again.close();
  });

  it('keeps the page size of a database made before (4 KiB pages): the store opens and works as before', async () => {
    const path = join(dir, 'older.db');
    const before = new Database(path);
    before.pragma('page_size = 4096');
    before.pragma('journal_mode = WAL');
    before.exec('create table older (x integer)');
    before.close();
    const channel = channelId();
    const store = await openStore({ kind: 'sqlite', path });
    await store.appendEntries(log(channel, partyId(), 3));
    expect(await store.countEntries(channel)).toBe(3);
    await store.close();
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('page_size', { simple: true })).toBe(4096);
    } finally {
      raw.close();
    }
  });

  it('refuses a database a newer version upgraded, saying so, and changes nothing', async () => {
    const path = join(dir, 'newer.db');
    const channel = channelId();
    const store = await openStore({ kind: 'sqlite', path });
    await store.appendEntries(log(channel, partyId(), 2));
    await store.close();
    const raw = new Database(path);
    raw.prepare("insert into kysely_migration (name, timestamp) values ('9999_from_the_future', '2030-01-01T00:00:00.000Z')").run();
    raw.close();

    const refused = await openStore({ kind: 'sqlite', path }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(StoreError);
    expect((refused as StoreError).code).toBe('STORE_NEWER_SCHEMA');
    expect((refused as StoreError).message).toContain('upgraded by a newer version of Hotline: it has migration 9999_from_the_future');

    const check = new Database(path, { readonly: true });
    try {
      expect(check.prepare('select count(*) as n from entries').get()).toEqual({ n: 2 });
    } finally {
      check.close();
    }
  });
});

describe('PostgreSQL backend', () => {
  const schemas = [`hotline_cfg_${process.pid}_a`, `hotline_cfg_${process.pid}_b`];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(PG_URL, schema);
  });

  it('keeps stores in different schemas of one database apart, each fully migrated', async () => {
    const channel = channelId();
    const a = await open({ kind: 'postgres', connectionString: PG_URL, schema: schemas[0] });
    const b = await open({ kind: 'postgres', connectionString: PG_URL, schema: schemas[1] });
    try {
      await a.appendEntries(log(channel, partyId(), 2));
      await b.appendEntries(log(channel, partyId(), 5));
      expect(await a.countEntries(channel)).toBe(2);
      expect(await b.countEntries(channel)).toBe(5);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('says which server it could not reach, without the password', async () => {
    const error = await openStore({
      kind: 'postgres',
      connectionString: 'postgres://hotline:s3cret@127.0.0.1:1/hotline',
      schema: 'unused',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('STORE_UNREACHABLE');
    expect((error as StoreError).message).toContain('127.0.0.1:1');
    expect((error as StoreError).message).not.toContain('s3cret');
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(
      openStore({ kind: 'postgres', connectionString: PG_URL, schema: 'x"; drop schema public; --' }),
    ).rejects.toMatchObject({ code: 'STORE_BAD_INPUT' });
  });

  it('survives its connections being terminated under traffic: the write in hand fails, the next ones succeed, nothing that succeeded is lost', async () => {
    const app = `hotline_term_${process.pid}`;
    const schema = `hotline_cfg_${process.pid}_term`;
    schemas.push(schema);
    const store = await open({ kind: 'postgres', connectionString: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}application_name=${app}`, schema });
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    const channel = channelId();
    const author = partyId();
    const rows = log(channel, author, 400);
    const stored: number[] = [];
    let failed = 0;
    try {
      let next = 0;
      // Four writers at a time, so that connections are checked out when they are cut.
      const writer = async () => {
        while (next < rows.length) {
          const row = rows[next++]!;
          try {
            await store.transaction(async (tx) => {
              await tx.appendEntries([row]);
              await tx.setMeta(`last-${row.seq % 4}`, row.seq);
            });
            stored.push(row.seq);
          } catch {
            failed++;
          }
        }
      };
      const cutter = async () => {
        for (let i = 0; i < 6 && next < rows.length; i++) {
          await new Promise((r) => setTimeout(r, 15));
          await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [app]);
        }
      };
      await Promise.all([writer(), writer(), writer(), writer(), cutter()]);
      // The store still works, and holds every entry whose write succeeded.
      await store.appendEntries(log(channel, partyId(), 1));
      const held = new Set((await store.listEntries(channel, { author })).map((e) => e.seq));
      expect(stored.every((seq) => held.has(seq))).toBe(true);
      expect(stored.length + failed).toBe(rows.length);
    } finally {
      await admin.end();
      await store.close();
    }
  });
});

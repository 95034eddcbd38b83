/**
 * Migration 0005 on a SQLite store that already holds entries and messages (written at 0004):
 * the tables are rebuilt without the keys on hashes, every row and its arrival position kept, the
 * log key still unique. Then 0006 and 0007 drop the prefix indexes it made: no index on a hash is
 * left, and rows are read by their log position. (PostgreSQL runs the same migrations, by dropping
 * the constraints and indexes, in every store test.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { InCodeMigrationProvider } from '../../src/store/migrations.js';
import { sqliteAdapter } from '../../src/store/sqlite.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const CHANNEL = 'c'.repeat(64);
const AUTHOR = 'A'.repeat(43);
const hashOf = (i: number) => i.toString(16).padStart(4, '0').repeat(16);
const at = (seq: number) => ({ channel: CHANNEL, author: AUTHOR, seq });

describe('migrations 0005 to 0007 (no keys or indexes on hashes) on a SQLite store with data', () => {
  it('keeps every entry and message with its position, keeps the log key unique, and finds them by position', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-m0005-'));
    dirs.push(dir);
    const path = join(dir, 'store.db');
    // A store as version 0004 left it, with data.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(path) }) });
    const migrated = await new Migrator({ db: old, provider: new InCodeMigrationProvider(sqliteAdapter) }).migrateTo('0004_unreceipted_messages');
    expect(migrated.error).toBeUndefined();
    for (let i = 1; i <= 20; i++) {
      await sql`insert into entries (channel, author, seq, hash, kind, time, raw, received_at) values (${CHANNEL}, ${AUTHOR}, ${i}, ${hashOf(i)}, 'message', ${i}, ${`raw ${i}`}, ${i})`.execute(old);
      await sql`insert into messages (hash, channel, author, seq, time, precedence, lang, text, drill, receipted_at) values (${hashOf(i)}, ${CHANNEL}, ${AUTHOR}, ${i}, ${i}, 'ROUTINE', 'en', ${`text ${i}`}, 0, ${i <= 5 ? i : null})`.execute(old);
    }
    // Arrival positions with a gap, as deletions never happen but a failed insert may skip one.
    await sql`update entries set pos = pos + 100 where seq > 10`.execute(old);
    await old.destroy();

    const store = await openStore({ kind: 'sqlite', path });
    stores.push(store);
    const all = await store.listEntries(CHANNEL, { author: AUTHOR });
    expect(all.map((e) => [e.seq, e.hash, e.raw])).toEqual(Array.from({ length: 20 }, (_, k) => [k + 1, hashOf(k + 1), `raw ${k + 1}`]));
    const positions: number[] = [];
    for await (const e of store.streamEntries(CHANNEL)) positions.push(e.pos);
    expect(positions).toEqual([...Array.from({ length: 10 }, (_, k) => k + 1), ...Array.from({ length: 10 }, (_, k) => k + 111)]);
    expect((await store.getEntry(CHANNEL, AUTHOR, 7))?.hash).toBe(hashOf(7));
    expect((await store.getMessage(at(9)))?.text).toBe('text 9');
    expect((await store.getMessage(at(3)))?.receiptedAt).toBe(3);
    expect(await store.markAcked(at(9), 99, '{}')).toBe(true);
    expect((await store.getMessage(at(9)))?.ackedAt).toBe(99);
    expect(await store.markReceipted(CHANNEL, AUTHOR, 20, 50)).toBe(15);

    // The log key is still the identity: the same (channel, author, seq) again changes nothing.
    const again = await store.appendEntries([{ channel: CHANNEL, author: AUTHOR, seq: 3, hash: hashOf(3), kind: 'message', time: 3, raw: 'raw 3', receivedAt: 3 }]);
    expect(again.map((r) => r.status)).toEqual(['duplicate']);
    await store.putMessages([{ hash: hashOf(3), channel: CHANNEL, author: AUTHOR, seq: 3, time: 3, precedence: 'ROUTINE', lang: 'en', text: 'changed', replyTo: null, drill: false, deadlineAt: null }]);
    expect((await store.getMessage(at(3)))?.text).toBe('text 3');
    // New rows continue after the highest position.
    await store.appendEntries([{ channel: CHANNEL, author: AUTHOR, seq: 21, hash: hashOf(21), kind: 'message', time: 21, raw: 'raw 21', receivedAt: 21 }]);
    const last: number[] = [];
    for await (const e of store.streamEntries(CHANNEL)) last.push(e.pos);
    expect(last[last.length - 1]).toBeGreaterThan(120);
    await store.close();
    stores.pop();

    // No index on hashes is left (0006 and 0007 dropped the prefix indexes): entries and messages
    // are read by their log position, the unique key of both.
    const db = new Database(path, { readonly: true });
    try {
      const plan = (q: string) => (db.prepare(`explain query plan ${q}`).all() as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      expect(plan(`select * from entries where channel = 'c' and author = 'a' and seq = 1`)).toContain('sqlite_autoindex_entries_1');
      expect(plan(`select * from messages where channel = 'c' and author = 'a' and seq = 1 and hash = 'abcd'`)).toContain('sqlite_autoindex_messages_1');
      const indexes = (db.prepare(`select name from sqlite_master where type = 'index' and tbl_name in ('entries', 'messages') order by name`).all() as Array<{ name: string }>).map((r) => r.name);
      expect(indexes).toEqual(expect.arrayContaining(['entries_channel_pos', 'messages_channel_time', 'messages_unacked', 'messages_unreceipted', 'messages_escalation_due']));
      expect(indexes).not.toContain('messages_deadline');
      // What awaits acknowledgement is read in index order (0010), not sorted after reading all of it.
      const pending = plan(`select * from messages where acked_at is null and deadline_at is not null and author != 'a' order by deadline_at, author, seq limit 10`);
      expect(pending).toContain('messages_unacked');
      expect(pending).not.toContain('TEMP B-TREE');
      expect(indexes).not.toContain('entries_channel_kind');
      expect(indexes).not.toContain('messages_channel_author_seq');
      expect(indexes).not.toContain('messages_hash_prefix');
      expect(indexes).not.toContain('entries_hash_prefix');
    } finally {
      db.close();
    }
  });
});

/**
 * Migration 0020 on a SQLite store that already holds messages and acknowledgements (written at
 * 0018): each message gets its folded text and signing officer, each acknowledgement entry its row
 * in message_acks, so search and a page's acknowledgements work on what was held before.
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
const US = 'U'.repeat(43);
const CN = 'C'.repeat(43);
const hashOf = (author: string, i: number) => `${author === US ? 'a' : 'b'}${i.toString(16).padStart(63, '0')}`;

describe('migration 0020 (message pages) on a SQLite store with data', () => {
  it('fills the folded text, the officer and message_acks from the entries held', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-m0020-'));
    dirs.push(dir);
    const path = join(dir, 'store.db');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(path) }) });
    const migrated = await new Migrator({ db: old, provider: new InCodeMigrationProvider(sqliteAdapter) }).migrateTo('0018_formats');
    expect(migrated.error).toBeUndefined();
    const texts = ['Turning NORTH', 'СУДНО идёт на север', '船只向北'];
    for (let i = 1; i <= 3; i++) {
      const raw = JSON.stringify({ author: US, kind: 'message', seq: i, body: { text: texts[i - 1], from: i === 2 ? { name: 'Анна Петрова', title: 'Duty', role: 'duty-officer' } : undefined } });
      await sql`insert into entries (channel, author, seq, hash, kind, time, raw, received_at) values (${CHANNEL}, ${US}, ${i}, ${hashOf(US, i)}, 'message', ${i}, ${raw}, ${i})`.execute(old);
      await sql`insert into messages (hash, channel, author, seq, time, precedence, lang, text, drill) values (${hashOf(US, i)}, ${CHANNEL}, ${US}, ${i}, ${i}, 'ROUTINE', 'en', ${texts[i - 1]}, 0)`.execute(old);
    }
    // CN acknowledges message 2 twice and message 3 once; one ack names a message not held.
    const acks = [2, 2, 3, 9];
    for (const [k, m] of acks.entries()) {
      const raw = JSON.stringify({ author: CN, kind: 'ack', seq: k + 1, body: { message: hashOf(US, m), officer: { name: 'Li', title: 'Duty', role: 'duty-officer' } } });
      await sql`insert into entries (channel, author, seq, hash, kind, time, raw, received_at) values (${CHANNEL}, ${CN}, ${k + 1}, ${hashOf(CN, k + 1)}, 'ack', ${10 + k}, ${raw}, ${10 + k})`.execute(old);
    }
    await old.destroy();

    const store = await openStore({ kind: 'sqlite', path });
    stores.push(store);
    expect((await store.searchMessages(CHANNEL, { text: 'судно', limit: 10 })).map((m) => m.seq)).toEqual([2]);
    expect((await store.searchMessages(CHANNEL, { text: 'north', limit: 10 })).map((m) => m.seq)).toEqual([1]);
    expect((await store.searchMessages(CHANNEL, { officer: 'анна', limit: 10 })).map((m) => m.seq)).toEqual([2]);
    const page = await store.listPageEntries(CHANNEL, [2, 3].map((seq) => ({ channel: CHANNEL, author: US, seq })));
    expect(page.map((e) => `${e.kind}:${e.author === US ? 'US' : 'CN'}:${e.seq}`)).toEqual(['message:US:2', 'message:US:3', 'ack:CN:1', 'ack:CN:2', 'ack:CN:3']);
  });
});

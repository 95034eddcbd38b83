/**
 * `hotline backup` and `hotline restore` (docs/operations.md "Backup and restore") on SQLite
 * databases of two terminals back to back: the backup is consistent, 0600, checked and summed up;
 * it never replaces a file unless forced; a restore refuses a running terminal, a file that is no
 * database, a damaged one, another program's database and another party's, changing nothing;
 * and a restore moves the current database aside (with its WAL), never deleting it.
 */
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireTerminalLock } from '../../../src/store/index.js';
import type { TerminalIdentity } from '../../../src/terminal/identity/index.js';
import { backupDatabase } from '../../../src/terminal/integrity/backup.js';
import { restoreDatabase } from '../../../src/terminal/integrity/restore.js';
import { backToBack, type BackToBack } from '../back-to-back.js';

let pair: BackToBack;
let channel: string;
beforeEach(async () => {
  pair = await backToBack();
  channel = await pair.activeChannel({ linkTestIntervalSec: 86_400 });
  for (let i = 0; i < 3; i++) await pair.a.send(channel, { text: `before ${i}`, lang: 'en', precedence: 'ROUTINE' });
  await pair.settle();
});
afterEach(async () => {
  await pair.cleanup();
});

/** A party's terminal identity as backup and restore read it: data directory, party, code, SQLite file. */
function identity(code: 'US' | 'CN', dir: string, db: string): TerminalIdentity {
  const wing = code === 'US' ? pair.a : pair.b;
  return { dir, party: wing.self.party, config: { party: { code } }, database: { kind: 'sqlite', path: db } } as unknown as TerminalIdentity;
}
const us = () => identity('US', pair.dir, join(pair.dir, 'US.db'));

const codeOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: { code?: string }) => e.code);

/** A data directory of US, stopped, whose database is a backup of US's taken now. */
async function stoppedUs(): Promise<{ dir: string; db: string; id: TerminalIdentity }> {
  const dir = await mkdtemp(join(tmpdir(), 'hotline-restore-'));
  const db = join(dir, 'hotline.db');
  await backupDatabase(us(), db);
  return { dir, db, id: identity('US', dir, db) };
}

describe('hotline backup', () => {
  it('writes a checked copy, readable by its owner only, with what it holds', async () => {
    const out = join(pair.dir, 'b.db');
    const report = await backupDatabase(us(), out);
    expect(report).toMatchObject({ backend: 'sqlite', path: out, channels: 1 });
    const copy = new Database(out, { readonly: true });
    const entries = (copy.prepare('select count(*) as n from entries').get() as { n: number }).n;
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    copy.close();
    expect(report.backend === 'sqlite' && report.entries).toBe(entries);
    expect(report.bytes).toBe(statSync(out).size);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    // Nothing left beside it: no partial file, journal or WAL.
    expect((await readdir(pair.dir)).filter((f) => f.includes('b.db'))).toEqual(['b.db']);
  });

  it('refuses to replace an existing file unless forced, and never writes into the database itself', async () => {
    const out = join(pair.dir, 'b.db');
    writeFileSync(out, 'an older file');
    expect(await codeOf(backupDatabase(us(), out))).toBe('BACKUP_FILE_EXISTS');
    expect(readFileSync(out, 'utf8')).toBe('an older file');
    await backupDatabase(us(), out, { force: true });
    expect(readFileSync(out).subarray(0, 15).toString()).toBe('SQLite format 3');
    expect(await codeOf(backupDatabase(us(), join(pair.dir, 'US.db'), { force: true }))).toBe('BACKUP_INTO_DATABASE');
    expect(await codeOf(backupDatabase(us(), join(pair.dir, 'US.db-wal'), { force: true }))).toBe('BACKUP_INTO_DATABASE');
    expect(await codeOf(backupDatabase(identity('US', pair.dir, join(pair.dir, 'none.db')), join(pair.dir, 'c.db')))).toBe('BACKUP_NO_DATABASE');
    expect(await codeOf(backupDatabase(us(), join(pair.dir, 'no-such-dir', 'b.db')))).toBe('BACKUP_OUT_UNWRITABLE');
  });

  it('on PostgreSQL without pg_dump on the PATH, says what to install and writes nothing', async () => {
    const id = { dir: pair.dir, party: pair.a.self.party, config: { party: { code: 'US' } }, database: { kind: 'postgres', connectionString: 'postgres://x:secret@127.0.0.1/none' } } as unknown as TerminalIdentity;
    const path = process.env.PATH;
    process.env.PATH = join(pair.dir, 'no-such-bin');
    try {
      const refused = await backupDatabase(id, join(pair.dir, 'pg.dump')).catch((e: Error & { code: string }) => e);
      expect((refused as { code: string }).code).toBe('BACKUP_PG_DUMP_MISSING');
      expect((refused as Error).message).toContain('apt-get install postgresql-client');
    } finally {
      process.env.PATH = path;
    }
    expect((await readdir(pair.dir)).filter((f) => f.includes('pg.dump'))).toEqual([]);
  });

  it('reports progress in pages', async () => {
    const ticks: Array<[number, number]> = [];
    await backupDatabase(us(), join(pair.dir, 'b.db'), { onProgress: (done, total) => ticks.push([done, total]) });
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.at(-1)![0]).toBe(ticks.at(-1)![1]);
  });
});

describe('hotline restore', () => {
  it('puts the backup in place, moving the current database and its WAL aside, never deleting them', async () => {
    const backup = join(pair.dir, 'b.db');
    await backupDatabase(us(), backup);
    const { dir, db, id } = await stoppedUs();
    writeFileSync(`${db}-wal`, 'a WAL a crash left');
    writeFileSync(`${db}-shm`, 'shared memory');
    const before = readFileSync(db);
    const report = await restoreDatabase(id, backup, new Date('2026-12-07T17:22:14.123Z'));
    const aside = `${db}.before-restore-20261207T172214Z`;
    expect(report).toMatchObject({ movedAside: aside, channels: 1, ownChecked: true, ownHeads: false });
    expect(readFileSync(aside)).toEqual(before);
    expect(readFileSync(`${aside}-wal`, 'utf8')).toBe('a WAL a crash left');
    expect(existsSync(`${db}-wal`)).toBe(false);
    expect(existsSync(`${db}-shm`)).toBe(false);
    expect(readFileSync(db)).toEqual(readFileSync(backup));
    expect(statSync(db).mode & 0o777).toBe(0o600);
    // The lock was released and nothing temporary is left.
    await (await acquireTerminalLock({ kind: 'sqlite', path: db })).release();
    expect((await readdir(dir)).filter((f) => f.includes('restoring'))).toEqual([]);
  });

  it('refuses while the terminal runs, naming it, and changes nothing', async () => {
    const backup = join(pair.dir, 'b.db');
    await backupDatabase(us(), backup);
    const { db, id } = await stoppedUs();
    const before = readFileSync(db);
    const lock = await acquireTerminalLock({ kind: 'sqlite', path: db });
    await lock.describe({ pid: 4242, host: 'here', serves: 'officer API http://127.0.0.1:7080', since: 0 });
    try {
      const refused = await restoreDatabase(id, backup, new Date()).catch((e: Error & { code: string }) => e);
      expect((refused as { code: string }).code).toBe('STORE_LOCKED');
      expect((refused as Error).message).toContain('process 4242');
    } finally {
      await lock.release();
    }
    expect(readFileSync(db)).toEqual(before);
  });

  it('refuses a file that is no database, an empty one, a damaged one and another program\'s, changing nothing', async () => {
    const { dir, db, id } = await stoppedUs();
    const before = readFileSync(db);
    const file = (name: string, content: string | Buffer) => {
      const path = join(pair.dir, name);
      writeFileSync(path, content);
      return path;
    };
    expect(await codeOf(restoreDatabase(id, file('text.db', 'not a database at all, just text'.repeat(200)), new Date()))).toBe('RESTORE_NOT_A_DATABASE');
    expect(await codeOf(restoreDatabase(id, file('empty.db', ''), new Date()))).toBe('RESTORE_NOT_A_DATABASE');
    const other = join(pair.dir, 'other.db');
    const o = new Database(other);
    o.exec('create table notes (text text); insert into notes values (\'hello\')');
    o.close();
    expect(await codeOf(restoreDatabase(id, other, new Date()))).toBe('RESTORE_NOT_HOTLINE');
    // A backup whose pages after the first were overwritten (a bad disk): SQLite's check finds it.
    const damaged = join(pair.dir, 'damaged.db');
    await backupDatabase(us(), damaged);
    const bytes = readFileSync(damaged);
    bytes.fill(0x5a, 8192);
    writeFileSync(damaged, bytes);
    expect(['RESTORE_BACKUP_DAMAGED', 'RESTORE_NOT_A_DATABASE']).toContain(await codeOf(restoreDatabase(id, damaged, new Date())));
    expect(readFileSync(db)).toEqual(before);
    expect((await readdir(dir)).sort()).toEqual(['hotline.db', 'hotline.db.lock']);
  });

  it('refuses another party\'s database', async () => {
    const cnBackup = join(pair.dir, 'cn.db');
    await backupDatabase(identity('CN', pair.dir, join(pair.dir, 'CN.db')), cnBackup);
    const { db, id } = await stoppedUs();
    const before = readFileSync(db);
    const refused = await restoreDatabase(id, cnBackup, new Date()).catch((e: Error & { code: string }) => e);
    expect((refused as { code: string }).code).toBe('RESTORE_OTHER_PARTY');
    expect((refused as Error).message).toContain('US');
    expect(readFileSync(db)).toEqual(before);
  });

  it('refuses a backup written by a newer version', async () => {
    const newer = join(pair.dir, 'newer.db');
    await backupDatabase(us(), newer);
    const n = new Database(newer);
    n.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('9999_from_the_future', new Date().toISOString());
    n.close();
    const { id } = await stoppedUs();
    expect(await codeOf(restoreDatabase(id, newer, new Date()))).toBe('RESTORE_NEWER_SCHEMA');
  });

  it('on PostgreSQL, says to use pg_restore', async () => {
    const id = { dir: pair.dir, party: pair.a.self.party, config: { party: { code: 'US' } }, database: { kind: 'postgres', connectionString: 'postgres://x@127.0.0.1/none' } } as unknown as TerminalIdentity;
    const file = join(pair.dir, 'x.dump');
    copyFileSync(join(pair.dir, 'US.db'), file);
    expect(await codeOf(restoreDatabase(id, file, new Date()))).toBe('RESTORE_POSTGRES');
  });
});

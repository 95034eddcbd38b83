/**
 * `hotline restore` (docs/operations.md "Backup and restore"): a SQLite backup put back in place
 * of a stopped terminal's database. Under the terminal lock (a running terminal is named, not
 * raced): the backup is copied into the data directory (mode 0600) and checked there (the engine's
 * full check, a Hotline database, this party's), the current database moved aside, never deleted
 * (`hotline.db.before-restore-TIMESTAMP`, with its WAL), its shared-memory file removed, and the
 * checked copy renamed into place. `own-heads.json` stays: it is what lets the next start
 * recognise the restore and wait for the peers to give back what the backup lacks.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { dirname, join, resolve } from 'node:path';
import { acquireTerminalLock } from '../../store/index.js';
import { inspectSqliteFile, type SqliteCopySummary } from '../../store/backup.js';
import { OWN_HEADS_FILE } from '../channels/own-heads.js';
import { DataDirError } from '../errors.js';
import { exists, syncDir } from '../identity/files.js';
import type { TerminalIdentity } from '../identity/index.js';
import { createPrivate } from './backup.js';

/** What a restore did. */
export interface RestoreReport {
  /** Where the database it replaced now is (undefined when there was none). */
  readonly movedAside: string | undefined;
  readonly channels: number;
  readonly entries: number;
  readonly schema: string | undefined;
  /** Whether the backup could be told to be this party's (it has a channel of this party's); undefined for a backup with no channel. */
  readonly ownChecked: boolean;
  /** Whether `own-heads.json` is there to recognise the restore at the next start. */
  readonly ownHeads: boolean;
}

/** Puts the SQLite backup `from` in place of the stopped terminal's database; `now` names the file moved aside. */
export async function restoreDatabase(identity: TerminalIdentity, from: string, now: Date): Promise<RestoreReport> {
  const config = identity.database;
  if (config.kind !== 'sqlite' || config.path === ':memory:') throw new DataDirError('RESTORE_POSTGRES', { path: from });
  const db = resolve(config.path);
  const lock = await acquireTerminalLock({ kind: 'sqlite', path: db });
  const tmp = `${db}.restoring-${process.pid}`;
  try {
    await createPrivate(tmp);
    await pipeline(createReadStream(from), createWriteStream(tmp, { flags: 'r+' }));
    if ((await stat(tmp)).size === 0) throw new DataDirError('RESTORE_NOT_A_DATABASE', { path: from, detail: 'the file is empty' });
    const summary = checkBackup(tmp, from, identity);
    const movedAside = await moveAside(db, stamp(now));
    await rename(tmp, db);
    await syncDir(dirname(db));
    return {
      movedAside,
      channels: summary.channels,
      entries: summary.entries,
      schema: summary.schema,
      ownChecked: summary.channels > 0,
      ownHeads: await exists(join(identity.dir, OWN_HEADS_FILE)),
    };
  } finally {
    for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) await rm(f, { force: true });
    await lock.release();
  }
}

/** Checks the copy `tmp` of the backup `from`: readable, sound, a Hotline database, of this party. */
function checkBackup(tmp: string, from: string, identity: TerminalIdentity): SqliteCopySummary {
  let summary: SqliteCopySummary;
  try {
    summary = inspectSqliteFile(tmp, identity.party);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^SQLITE_(NOTADB|CORRUPT|CANTOPEN)/.test(code)) throw new DataDirError('RESTORE_NOT_A_DATABASE', { path: from, detail: (e as Error).message });
    throw e;
  }
  if (summary.problems.length) throw new DataDirError('RESTORE_BACKUP_DAMAGED', { path: from, count: summary.problems.length, first: summary.problems[0]! });
  if (!summary.hotline) throw new DataDirError('RESTORE_NOT_HOTLINE', { path: from, missing: 'meta, peers, channels, entries, kysely_migration' });
  if (summary.partyIsPeer) throw new DataDirError('RESTORE_OTHER_PARTY', { path: from, dir: identity.dir, why: `it has this party, ${identity.config.party.code}, among its peers` });
  if (summary.channels > 0 && summary.ownEntries === 0 && summary.channelsNamingParty === 0)
    throw new DataDirError('RESTORE_OTHER_PARTY', { path: from, dir: identity.dir, why: `none of its ${summary.channels} channel(s) has ${identity.config.party.code} among its parties` });
  if (summary.unknownMigrations.length) throw new DataDirError('RESTORE_NEWER_SCHEMA', { path: from, migration: summary.unknownMigrations[0]! });
  return summary;
}

/** Moves the database `db` aside with its WAL and rollback journal (never deleted); removes its shared-memory file. */
async function moveAside(db: string, when: string): Promise<string | undefined> {
  const aside = `${db}.before-restore-${when}`;
  const present = await exists(db);
  if (present) {
    // A WAL left by a crash holds commits of that database: it goes with it, under the name SQLite looks for.
    for (const suffix of ['-wal', '-journal']) if (await exists(`${db}${suffix}`)) await rename(`${db}${suffix}`, `${aside}${suffix}`);
    await rename(db, aside);
  }
  await rm(`${db}-shm`, { force: true });
  for (const suffix of ['-wal', '-journal']) if (await exists(`${db}${suffix}`)) await rename(`${db}${suffix}`, `${db}${suffix}.before-restore-${when}`);
  return present ? aside : undefined;
}

/** A time for a file name: 20261207T172214Z. */
function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * `hotline backup` (docs/operations.md "Backup and restore"): a consistent copy of a terminal's
 * database while it keeps serving. SQLite: SQLite's online backup, page by page, into a file
 * readable by its owner only (it holds the officers' login secrets), then checked: the engine's
 * full check, and what it holds. PostgreSQL: `pg_dump` of the terminal's schema, custom format.
 *
 * The copy is made in a temporary file beside FILE and takes FILE's name only once complete and
 * checked: an interrupted or failed backup never leaves a file that looks like a backup.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { chmod, link, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { copySqliteOnline, inspectSqliteFile } from '../../store/backup.js';
import { DataDirError } from '../errors.js';
import { exists, PRIVATE_FILE_MODE } from '../identity/files.js';
import type { TerminalIdentity } from '../identity/index.js';

/** Options of {@link backupDatabase}. */
export interface BackupOptions {
  /** Replace FILE if it exists. */
  readonly force?: boolean;
  /** SQLite: pages copied so far, of how many. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What a backup wrote. */
export type BackupReport =
  | { readonly backend: 'sqlite'; readonly path: string; readonly bytes: number; readonly channels: number; readonly entries: number; readonly schema: string | undefined }
  | { readonly backend: 'postgres'; readonly path: string; readonly bytes: number; readonly schema: string | undefined };

/** Backs up the database of the terminal `identity` into `out` (mode 0600), while it may run. */
export async function backupDatabase(identity: TerminalIdentity, out: string, options: BackupOptions = {}): Promise<BackupReport> {
  const path = resolve(out);
  const db = identity.database;
  if (db.kind === 'sqlite' && (path === resolve(db.path) || path.startsWith(`${resolve(db.path)}-`) || path.startsWith(`${resolve(db.path)}.lock`)))
    throw new DataDirError('BACKUP_INTO_DATABASE', { path });
  if (!options.force && (await exists(path))) throw new DataDirError('BACKUP_FILE_EXISTS', { path });
  const tmp = join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
  await createPrivate(tmp).catch((e: NodeJS.ErrnoException) => {
    throw new DataDirError('BACKUP_OUT_UNWRITABLE', { path, reason: e.code === 'ENOENT' ? 'no such directory' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'EROFS' ? 'a read-only file system' : e.message });
  });
  try {
    const report = db.kind === 'sqlite' ? await sqliteBackup(identity, db.path, tmp, path, options) : await pgBackup(db.connectionString, db.schema, tmp, path);
    await chmod(tmp, PRIVATE_FILE_MODE);
    await settle(tmp, path, options.force === true);
    return { ...report, bytes: (await stat(path)).size };
  } finally {
    for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) await rm(f, { force: true });
  }
}

async function sqliteBackup(identity: TerminalIdentity, db: string, tmp: string, path: string, options: BackupOptions): Promise<BackupReport> {
  if (db === ':memory:' || !(await exists(db))) throw new DataDirError('BACKUP_NO_DATABASE', { path: db, dir: identity.dir });
  await copySqliteOnline(db, tmp, options.onProgress);
  // One self-contained file (a rollback journal, not WAL), checked in full.
  const summary = inspectSqliteFile(tmp, identity.party, { journalMode: 'delete' });
  const problem = summary.problems[0] ?? (summary.hotline ? undefined : 'it lacks the tables of a Hotline database');
  if (problem !== undefined) throw new DataDirError('BACKUP_CHECK_FAILED', { detail: problem, dir: identity.dir });
  return { backend: 'sqlite', path, bytes: 0, channels: summary.channels, entries: summary.entries, schema: summary.schema };
}

/** `pg_dump` of the terminal's schema (the whole database when config.json names none) into `tmp`, custom format. */
async function pgBackup(connectionString: string, schema: string | undefined, tmp: string, path: string): Promise<BackupReport> {
  // The password goes in the environment, not on a command line every user of the host can read.
  const url = new URL(connectionString);
  const env = { ...process.env, ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}) };
  url.password = '';
  const args = ['--format=custom', `--file=${tmp}`, ...(schema ? [`--schema=${schema}`] : []), `--dbname=${url.toString()}`];
  const { exit, stderr } = await run('pg_dump', args, env);
  if (exit === 'missing') throw new DataDirError('BACKUP_PG_DUMP_MISSING');
  if (exit !== 0) throw new DataDirError('BACKUP_PG_DUMP_FAILED', { exit, detail: stderr.trim().split('\n').at(-1)?.replace(/\.$/, '') ?? 'no message' });
  return { backend: 'postgres', path, bytes: 0, schema };
}

/** Runs a program to its end: its exit status (`missing` when it is not on the PATH) and its stderr. */
function run(program: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ exit: number | 'missing'; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(program, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', (e: NodeJS.ErrnoException) => done({ exit: e.code === 'ENOENT' ? 'missing' : 1, stderr: e.message }));
    child.on('close', (code, signal) => done({ exit: code ?? 1, stderr: stderr || (signal ? `ended by ${signal}` : '') }));
  });
}

/** Creates an empty file readable by its owner only; refuses one that exists. */
export async function createPrivate(path: string): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, PRIVATE_FILE_MODE);
  await handle.close();
}

/** Gives the finished copy `tmp` its name `path`: never over an existing file unless `force`. */
async function settle(tmp: string, path: string, force: boolean): Promise<void> {
  const handle = await open(tmp, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (force) return rename(tmp, path);
  // A hard link fails if the name was taken meanwhile, where a rename would replace it.
  const linked = await link(tmp, path).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') throw new DataDirError('BACKUP_FILE_EXISTS', { path });
      // File systems without hard links (FAT, exFAT on a USB stick): checked, then renamed.
      if (e.code === 'EPERM' || e.code === 'ENOTSUP' || e.code === 'EOPNOTSUPP') return false;
      throw e;
    },
  );
  if (linked) return;
  if (await exists(path)) throw new DataDirError('BACKUP_FILE_EXISTS', { path });
  await rename(tmp, path);
}

/**
 * One terminal process per database (#14 2b): two `hotline serve` on the same data would both sign,
 * with the same sequence numbers, and the peers would keep evidence of equivocation against the
 * party forever. A terminal takes this lock before it opens its store and holds it while it runs.
 *
 * - SQLite: an exclusive lock held by the operating system on a lock file next to the database
 *   (SQLite's own file locking, through a connection in exclusive locking mode). The kernel releases
 *   it when the process ends, however it ends (kill -9 included): a restart never waits for a stale
 *   lock to expire.
 * - PostgreSQL: a session-level advisory lock, held by a dedicated connection; the server releases
 *   it when that connection ends. The high-availability work builds its leadership on the same lock.
 *
 * Who holds the lock is written beside it (process id, host, the ports it serves, since when), so a
 * second process refuses to start with a message naming the first.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { StoreError } from './errors.js';
import type { StoreConfig } from './open-store.js';

/** Who holds a terminal lock. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** What the holder serves, e.g. "officer API 127.0.0.1:7080, federation 0.0.0.0:7443". */
  readonly serves: string;
  readonly since: number;
}

/** A held lock. */
export interface TerminalLock {
  /** Records what the holder serves (once it listens), for a second process to name it. */
  describe(holder: LockHolder): Promise<void>;
  release(): Promise<void>;
}

/** First key of our advisory locks ("HL"), as in postgres.ts. */
const LOCK_NAMESPACE = 0x484c;

/** Takes the terminal lock of a database, or throws STORE_LOCKED naming who holds it. */
export async function acquireTerminalLock(config: StoreConfig): Promise<TerminalLock> {
  return config.kind === 'sqlite' ? sqliteLock(config.path) : postgresLock(config.connectionString, config.schema);
}

async function sqliteLock(path: string): Promise<TerminalLock> {
  const lockPath = `${path}.lock`;
  const ownerPath = `${path}.lock.json`;
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(lockPath, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write under exclusive locking mode takes the file's exclusive lock and keeps it
    // until the connection closes.
    db.exec('create table if not exists held (at integer)');
    db.exec('begin exclusive; insert into held values (0); commit');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY' || (e as { code?: string }).code === 'SQLITE_LOCKED') throw locked(await readHolder(ownerPath), path);
    throw e;
  }
  return {
    async describe(holder) {
      await writeFile(ownerPath, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
    },
    async release() {
      await rm(ownerPath, { force: true });
      db.close();
    },
  };
}

async function postgresLock(connectionString: string, schema: string | undefined): Promise<TerminalLock> {
  const client = new pg.Client({ connectionString });
  // A lost connection releases the lock on the server; its error must not crash the process.
  client.on('error', () => {});
  await client.connect().catch((e: unknown) => {
    throw new StoreError('STORE_UNREACHABLE', { backend: 'PostgreSQL', where: 'the configured server', detail: (e as Error).message }, { cause: e });
  });
  const key = `terminal:${schema ?? ''}`;
  const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [LOCK_NAMESPACE, key]);
  if (!got.rows[0]?.ok) {
    const holder = await client.query<{ holder: string }>('select holder from hotline_terminal_lock where key = $1', [key]).catch(() => ({ rows: [] as Array<{ holder: string }> }));
    await client.end();
    throw locked(parse(holder.rows[0]?.holder), schema ? `PostgreSQL schema ${schema}` : 'this PostgreSQL database');
  }
  await client.query('create table if not exists hotline_terminal_lock (key text primary key, holder text not null)');
  return {
    async describe(holder) {
      await client.query('insert into hotline_terminal_lock (key, holder) values ($1, $2) on conflict (key) do update set holder = excluded.holder', [key, JSON.stringify(holder)]);
    },
    async release() {
      await client.query('delete from hotline_terminal_lock where key = $1', [key]).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

async function readHolder(ownerPath: string): Promise<LockHolder | undefined> {
  return parse(await readFile(ownerPath, 'utf8').catch(() => undefined));
}

function parse(text: string | undefined): LockHolder | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as LockHolder;
  } catch {
    return undefined;
  }
}

function locked(holder: LockHolder | undefined, where: string): StoreError {
  const who = holder ? `process ${holder.pid} on ${holder.host}, serving ${holder.serves}, since ${new Date(holder.since).toISOString()}` : 'another process (starting, or not yet serving)';
  return new StoreError('STORE_LOCKED', { where, holder: who });
}

/** This process, as a lock holder. */
export function thisProcess(serves: string, since: number): LockHolder {
  return { pid: process.pid, host: hostname(), serves, since };
}

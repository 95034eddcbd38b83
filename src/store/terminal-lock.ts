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

/** What became of a held lock: its connection was cut, it was taken back, or another process took it meanwhile. */
export type LockChange = { readonly type: 'lost'; readonly reason: string } | { readonly type: 'regained' } | { readonly type: 'taken'; readonly holder: string };

/** A held lock. */
export interface TerminalLock {
  /** Records what the holder serves (once it listens), for a second process to name it. */
  describe(holder: LockHolder): Promise<void>;
  /**
   * Hears when the lock is lost and taken back. The SQLite lock is the kernel's and lasts as long
   * as the process; the PostgreSQL one lasts as long as its connection, which a server restart, a
   * failover or `pg_terminate_backend` ends: a second terminal could then start on the database.
   */
  watch(listener: (change: LockChange) => void): void;
  release(): Promise<void>;
}

/** How often a PostgreSQL lock's connection is asked whether it still answers, and a lost lock taken again, ms. */
export const LOCK_CHECK_MS = 2_000;

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
    watch() {
      // Held by the kernel until the process ends: never lost while it runs.
    },
    async release() {
      await rm(ownerPath, { force: true });
      db.close();
    },
  };
}

async function postgresLock(connectionString: string, schema: string | undefined): Promise<TerminalLock> {
  const key = `terminal:${schema ?? ''}`;
  const where = schema ? `PostgreSQL schema ${schema}` : 'this PostgreSQL database';
  const first = await tryLock(connectionString, key);
  if (!first.ok) throw locked(parse(first.holder), where);
  return new PostgresTerminalLock(connectionString, key, first.client);
}

/** Connects and tries the lock once: the connection holding it, or who holds it. */
async function tryLock(connectionString: string, key: string): Promise<{ ok: true; client: pg.Client } | { ok: false; holder: string | undefined }> {
  // Named as the terminal's other connections are (docs/operations.md "A stalled database": find them as hotline:PID).
  const client = new pg.Client({ connectionString, application_name: `hotline:${process.pid}:lock` });
  // A lost connection releases the lock on the server; its error must not crash the process.
  client.on('error', () => {});
  await client.connect().catch((e: unknown) => {
    throw new StoreError('STORE_UNREACHABLE', { backend: 'PostgreSQL', where: 'the configured server', detail: (e as Error).message }, { cause: e });
  });
  try {
    const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [LOCK_NAMESPACE, key]);
    if (!got.rows[0]?.ok) {
      const holder = await client.query<{ holder: string }>('select holder from hotline_terminal_lock where key = $1', [key]).catch(() => ({ rows: [] as Array<{ holder: string }> }));
      await client.end().catch(() => undefined);
      return { ok: false, holder: holder.rows[0]?.holder };
    }
    await client.query('create table if not exists hotline_terminal_lock (key text primary key, holder text not null)');
    return { ok: true, client };
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
}

/**
 * A session-level advisory lock held by one connection. When that connection ends (the server
 * restarted, failed over, or ended it), the lock is gone: the watchers hear `lost`, and the lock
 * is taken again every LOCK_CHECK_MS (`regained`), unless another process took it meanwhile
 * (`taken`, naming it). A connection that stops answering counts as ended.
 */
class PostgresTerminalLock implements TerminalLock {
  readonly #connectionString: string;
  readonly #key: string;
  #client: pg.Client | undefined;
  #holder: LockHolder | undefined;
  readonly #listeners: Array<(change: LockChange) => void> = [];
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  #released = false;
  #lastTaken: string | undefined;

  constructor(connectionString: string, key: string, client: pg.Client) {
    this.#connectionString = connectionString;
    this.#key = key;
    this.#hold(client);
    this.#timer = setInterval(() => void this.#check(), LOCK_CHECK_MS);
    this.#timer.unref();
  }

  async describe(holder: LockHolder): Promise<void> {
    this.#holder = holder;
    await this.#client?.query('insert into hotline_terminal_lock (key, holder) values ($1, $2) on conflict (key) do update set holder = excluded.holder', [this.#key, JSON.stringify(holder)]);
  }

  watch(listener: (change: LockChange) => void): void {
    this.#listeners.push(listener);
  }

  async release(): Promise<void> {
    this.#released = true;
    clearInterval(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    await client.query('delete from hotline_terminal_lock where key = $1', [this.#key]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }

  #hold(client: pg.Client): void {
    this.#client = client;
    client.on('error', (e: Error) => this.#lose(client, e.message));
    client.on('end', () => this.#lose(client, 'its connection ended'));
  }

  /** The holding connection `client` is gone (or no longer answers): so is the lock. */
  #lose(client: pg.Client, reason: string): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    if (!this.#released) this.#emit({ type: 'lost', reason });
  }

  /** Asks the holding connection whether it answers; takes the lock again when it is lost. */
  async #check(): Promise<void> {
    if (this.#checking || this.#released) return;
    this.#checking = true;
    try {
      const client = this.#client;
      if (client) {
        const answered = await Promise.race([client.query('select 1').then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), LOCK_CHECK_MS).unref())]);
        if (!answered) this.#lose(client, `its connection did not answer within ${LOCK_CHECK_MS / 1000} s`);
        return;
      }
      const got = await tryLock(this.#connectionString, this.#key).catch(() => undefined);
      if (!got) return; // the server still unreachable: tried again at the next check
      if (this.#released) {
        if (got.ok) await got.client.end().catch(() => undefined);
        return;
      }
      if (!got.ok) {
        const holder = got.holder ?? 'another process';
        if (holder !== this.#lastTaken) this.#emit({ type: 'taken', holder: describeHolder(parse(got.holder)) });
        this.#lastTaken = holder;
        return;
      }
      this.#lastTaken = undefined;
      this.#hold(got.client);
      if (this.#holder) await this.describe(this.#holder).catch(() => undefined);
      this.#emit({ type: 'regained' });
    } finally {
      this.#checking = false;
    }
  }

  #emit(change: LockChange): void {
    for (const l of this.#listeners) l(change);
  }
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

function describeHolder(holder: LockHolder | undefined): string {
  return holder ? `process ${holder.pid} on ${holder.host}, serving ${holder.serves}, since ${new Date(holder.since).toISOString()}` : 'another process (starting, or not yet serving)';
}

function locked(holder: LockHolder | undefined, where: string): StoreError {
  return new StoreError('STORE_LOCKED', { where, holder: describeHolder(holder) });
}

/** This process, as a lock holder. */
export function thisProcess(serves: string, since: number): LockHolder {
  return { pid: process.pid, host: hostname(), serves, since };
}

/**
 * Durable commits for SQLite without blocking the event loop under load: the `full-async` mode of
 * a SQLite store, the terminal's default (HOTLINE_SQLITE_SYNCHRONOUS; docs/operations.md
 * "Durability"). A commit that nothing else waits beside (an idle line's single message) is synced
 * on the event loop before it returns ({@link WalSync.syncNow}), as FULL would, because the hop to
 * the thread pool and back costs more than it saves there; under load the syncs run on the pool
 * while the next batch is written.
 *
 * With `synchronous=FULL` in WAL mode, SQLite fsyncs the WAL inside every COMMIT. better-sqlite3
 * is synchronous, so the terminal's one thread then waits for the disk at every commit: it can
 * neither parse the next requests, nor verify received entries, nor run the next transaction
 * meanwhile. On the 2-core VM this was measured on, an fsync takes 0.6 ms back to back and 1.3 to
 * 1.6 ms when the disk was idle a few milliseconds before, and a terminal at 200 messages per
 * second spent a third of its time stopped in COMMIT.
 *
 * SQLite documents that FULL differs from NORMAL in WAL mode by exactly one thing: "an additional
 * sync operation of the WAL file happens after each transaction commit". So the store runs NORMAL
 * and does that one sync itself, with fdatasync(2) on the WAL file in libuv's thread pool, and a
 * write counts as committed only after it. What was acknowledged has been synced exactly as under
 * FULL, and the event loop goes on while the disk works:
 *
 * - a transaction's COMMIT returns as soon as its frames are in the WAL, and the connection is
 *   free for the next transaction at once; the store's transaction() then waits for a sync that
 *   started after that COMMIT ({@link WalSync.sync}), and the group commit (entry-writer.ts)
 *   starts its next transaction while that sync runs;
 * - a write outside a transaction (an autocommit statement that changed rows) settles only after
 *   its sync ({@link DurableSqliteDialect});
 * - syncs are shared: everyone who asks while one runs waits for the next, which starts when it
 *   ends. The WAL is a log, so a sync covers every frame written before it started.
 *
 * Everything else NORMAL does is unchanged: the WAL is synced before each checkpoint, the
 * database file after it, and the WAL header when the WAL is reused. What a crash of the process
 * (not of the machine) loses is the same as under FULL: nothing committed, because the frames are
 * in the operating system's cache once COMMIT returned.
 *
 * Committed but not yet synced frames are visible to reads on the same connection. The terminal
 * never sends its own entries to a peer or signs a receipt from them until their write settled
 * (channel-service.ts tracks both from the writer's promises).
 */
import { closeSync, fdatasync, fdatasyncSync, openSync, statSync } from 'node:fs';
import { SqliteDialect, type DatabaseConnection, type Driver, type QueryResult, type CompiledQuery, type TransactionSettings } from 'kysely';
import type { SqliteDialectConfig } from 'kysely';

/** Syncs a WAL file on the thread pool; concurrent callers share syncs. */
export class WalSync {
  readonly #path: string;
  #fd: number | undefined;
  #ino = -1;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  #syncs = 0;

  /** @param walPath the database path + "-wal" */
  constructor(walPath: string) {
    this.#path = walPath;
  }

  /** fdatasync calls made so far (for tests and metrics). */
  get syncs(): number {
    return this.#syncs;
  }

  /**
   * Resolves once everything written to the WAL before this call is on disk. A sync already
   * running may have started before the caller's commit wrote its frames, so it does not count:
   * the caller waits for the next one, which every caller arriving meanwhile shares.
   */
  sync(): Promise<void> {
    if (this.#running === undefined) return this.#start();
    this.#next ??= this.#running.then(
      () => this.#startNext(),
      () => this.#startNext(),
    );
    return this.#next;
  }

  /**
   * Makes everything written to the WAL so far durable before returning, on this thread, when no
   * sync runs on the pool (undefined: done); otherwise the promise of {@link sync}. For a commit
   * that nothing else is waiting beside (an idle line's single message): a sync on this thread
   * costs no hop to the pool and back, which on the 2-core bench VM was worth about 0.4 ms of
   * delivery latency, while under load the pool's syncs let the next batch be written meanwhile.
   */
  syncNow(): Promise<void> | undefined {
    if (this.#running !== undefined) return this.sync();
    const fd = this.#open();
    if (fd === undefined) return undefined;
    this.#syncs++;
    try {
      fdatasyncSync(fd);
    } catch (error) {
      // As a failed sync on the pool: the commit is not durable, and its writers hear so (they
      // must not retry it as if it had not been written).
      return Promise.reject(error as Error);
    }
    return undefined;
  }

  #startNext(): Promise<void> {
    this.#next = undefined;
    return this.#start();
  }

  #start(): Promise<void> {
    const running = new Promise<void>((resolve, reject) => {
      const fd = this.#open();
      if (fd === undefined) return resolve(); // no WAL: nothing was committed to one
      this.#syncs++;
      fdatasync(fd, (e) => (e ? reject(e) : resolve()));
    });
    this.#running = running;
    const clear = () => {
      if (this.#running === running) this.#running = undefined;
    };
    running.then(clear, clear);
    return running;
  }

  /** The WAL's descriptor, opened again if SQLite replaced the file (it does when the last connection closes). */
  #open(): number | undefined {
    let ino: number;
    try {
      ino = statSync(this.#path).ino;
    } catch {
      return undefined;
    }
    if (this.#fd !== undefined && ino === this.#ino) return this.#fd;
    this.close();
    this.#fd = openSync(this.#path, 'r+');
    this.#ino = ino;
    return this.#fd;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.#ino = -1;
  }
}

/** What inTransaction reports: true while a transaction is open on the connection. */
interface TransactionState {
  readonly inTransaction: boolean;
}

const CONTROL = /^\s*(begin|commit|rollback|savepoint|release)\b/i;

/**
 * Kysely's SQLite dialect whose writes outside a transaction settle only once `wal` synced them
 * (the connection is held meanwhile). Explicit transactions are left to the caller: COMMIT
 * returns unsynced and frees the connection, and the caller waits for `wal.sync()` (KyselyStore).
 */
export class DurableSqliteDialect extends SqliteDialect {
  readonly #wal: WalSync;
  readonly #state: TransactionState;

  constructor(config: SqliteDialectConfig, state: TransactionState, wal: WalSync) {
    super(config);
    this.#wal = wal;
    this.#state = state;
  }

  override createDriver(): Driver {
    const inner = super.createDriver();
    const wal = this.#wal;
    const state = this.#state;
    const wrap = (c: DatabaseConnection): DatabaseConnection => ({
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        const r = await c.executeQuery<R>(query);
        // An autocommit write is its own transaction: durable before its caller hears of it.
        if (!state.inTransaction && r.numAffectedRows !== undefined && r.numAffectedRows > 0n && !CONTROL.test(query.sql)) await wal.sync();
        return r;
      },
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => c.streamQuery<R>(query, chunkSize),
    });
    const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
    return {
      init: () => inner.init(),
      acquireConnection: async () => {
        const c = await inner.acquireConnection();
        let w = wrapped.get(c);
        if (w === undefined) wrapped.set(c, (w = wrap(c)));
        return w;
      },
      beginTransaction: (c: DatabaseConnection, settings: TransactionSettings) => inner.beginTransaction(c, settings),
      commitTransaction: (c: DatabaseConnection) => inner.commitTransaction(c),
      rollbackTransaction: (c: DatabaseConnection) => inner.rollbackTransaction(c),
      releaseConnection: (c: DatabaseConnection) => inner.releaseConnection(c),
      destroy: async () => {
        await inner.destroy();
        wal.close();
      },
    };
  }
}

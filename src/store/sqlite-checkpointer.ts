/**
 * WAL checkpoints on a thread of their own.
 *
 * In WAL mode SQLite copies the log back into the database file (a checkpoint) from inside the
 * COMMIT that takes the log past `wal_autocheckpoint` pages (1000 by default): that COMMIT writes
 * every page the log changed and fsyncs twice, on the thread that committed. better-sqlite3 is
 * synchronous, so a terminal's event loop stopped for it every few dozen commits; on the 2-core VM
 * it was measured on, checkpoints were over half the cost of COMMIT while a terminal stored a
 * peer's backlog (22 of 42 µs per entry).
 *
 * Here a worker thread holds a second connection to the same file and runs a PASSIVE checkpoint
 * every second. A passive checkpoint never blocks the terminal's reads or writes (SQLite's
 * WAL allows one checkpointer beside them); it copies what no reader still needs, and the next
 * write transaction after it caught up starts the log afresh. The terminal's own connection keeps
 * an automatic checkpoint only as a safety valve at {@link SAFETY_VALVE_PAGES}, should the worker
 * fall behind, and goes back to SQLite's default if the worker fails.
 *
 * The worker's source is inline (Worker `eval`): it needs nothing of this package but the
 * better-sqlite3 module, whose resolved path it is given, so it runs alike from dist/ and from the
 * TypeScript sources under the tests.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Pages in the WAL at which the terminal's own connection checkpoints anyway (40 MiB of 4 KiB pages). */
export const SAFETY_VALVE_PAGES = 10_000;

/**
 * Time between checkpoints. Each one fsyncs twice, on the disk the commits fsync to: every 100 ms
 * they slowed the delivery of single messages (p50 7.9 to 8.4 ms against 6.1 to 6.3 ms every
 * second, 200 msg/s on a 2-core VM), while a second between them keeps the WAL far below the safety
 * valve even while storing a backlog (about 3,000 pages), at the same catch-up rate.
 */
export const CHECKPOINT_INTERVAL_MS = 1000;

/** SQLite's default wal_autocheckpoint, restored if the worker fails. */
const SQLITE_DEFAULT_PAGES = 1000;

/** What `PRAGMA wal_checkpoint` reports: busy flag, frames in the log, frames checkpointed. */
export interface CheckpointResult {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
// The checkpoint fsyncs the WAL before copying and the database after, as under FULL.
db.pragma('synchronous = FULL');
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)')[0];
parentPort.postMessage({ t: 'ready' });
const timer = setInterval(() => {
  try {
    checkpoint();
  } catch (e) {
    parentPort.postMessage({ t: 'error', message: String((e && e.message) || e) });
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m.t === 'now') {
    try {
      parentPort.postMessage({ t: 'done', id: m.id, result: checkpoint() });
    } catch (e) {
      parentPort.postMessage({ t: 'done', id: m.id, error: String((e && e.message) || e) });
    }
  } else if (m.t === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

/** The terminal's connection, as far as the checkpointer touches it. */
interface MainConnection {
  pragma(source: string): unknown;
}

/** Runs passive checkpoints of one SQLite database on a worker thread. */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #main: MainConnection;
  readonly #waiting = new Map<number, { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }>();
  #nextId = 0;
  #failed: Error | undefined;
  #ready = false;
  #stopped: Promise<void> | undefined;

  /**
   * @param path the database file (WAL mode)
   * @param main the terminal's own connection: its automatic checkpoint becomes the safety valve
   * @param intervalMs time between checkpoints (default {@link CHECKPOINT_INTERVAL_MS})
   */
  constructor(path: string, main: MainConnection, intervalMs = CHECKPOINT_INTERVAL_MS) {
    this.#main = main;
    main.pragma(`wal_autocheckpoint = ${SAFETY_VALVE_PAGES}`);
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, module, intervalMs } });
    // Checkpoints never keep a process alive; close() ends the thread.
    this.#worker.unref();
    this.#worker.on('message', (m: { t: string; id?: number; result?: CheckpointResult; error?: string; message?: string }) => {
      if (m.t === 'ready') this.#ready = true;
      if (m.t === 'error') this.#fail(new Error(m.message));
      if (m.t !== 'done' || m.id === undefined) return;
      const w = this.#waiting.get(m.id);
      this.#waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.result!);
    });
    this.#worker.on('error', (e) => this.#fail(e));
    this.#worker.on('exit', () => {
      if (this.#stopped === undefined) this.#fail(new Error('the checkpoint thread exited'));
    });
  }

  /** Set once the worker failed; the terminal's connection then checkpoints by itself again. */
  get failure(): Error | undefined {
    return this.#failed;
  }

  /** Runs a passive checkpoint now (tests, operations) and reports it. */
  checkpointNow(): Promise<CheckpointResult> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#stopped) return Promise.reject(new Error('the checkpointer is closed'));
    const id = this.#nextId++;
    return new Promise<CheckpointResult>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ t: 'now', id });
    });
  }

  /**
   * Stops the thread and closes its connection. A thread still starting is terminated rather than
   * waited for, so that a short-lived store (a CLI command) does not wait for it to start.
   */
  close(): Promise<void> {
    if (this.#failed) return Promise.resolve(); // terminated already
    this.#stopped ??= new Promise<void>((resolve) => {
      this.#worker.once('exit', () => resolve());
      // Waited for now: an unref'd thread would let the process end (exit 13, an unsettled
      // top-level await) before the thread closed its connection, when nothing else runs.
      this.#worker.ref();
      if (this.#ready) this.#worker.postMessage({ t: 'stop' });
      else void this.#worker.terminate();
    });
    return this.#stopped;
  }

  #fail(error: Error): void {
    if (this.#failed || this.#stopped) return;
    this.#failed = error;
    for (const w of this.#waiting.values()) w.reject(error);
    this.#waiting.clear();
    try {
      this.#main.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
    } catch {
      // The connection is closed: nothing left to checkpoint from it.
    }
    void this.#worker.terminate();
  }
}

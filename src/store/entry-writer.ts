/**
 * Group commit for entries: concurrent writers share one transaction, so one fsync serves many
 * entries. Each writer's promise settles only after its transaction committed (durable), so the
 * terminal may sign a receipt as soon as it resolves. Where the store can say when a commit is
 * durable apart from when it committed (Store.pipelinedTransaction), the next batch is written
 * while the last one syncs.
 */
import type { AppendResult, Committed, EntryRow, PipelineOptions, Store } from './store.js';
import { applyProjection, isEmptyProjection, type EntryProjection } from './entry-projection.js';
import { StoreError } from './errors.js';

/** The one method of the store the writer needs (a Store, or a fake in tests). */
export interface EntryAppender {
  appendEntries(rows: readonly EntryRow[]): Promise<AppendResult[]>;
  /** When present, entries and their projections commit in one transaction (one fsync). */
  transaction?<T>(fn: (store: Store) => Promise<T>): Promise<T>;
  /** When present, used instead of transaction: the next batch commits while this one syncs. */
  pipelinedTransaction?<T>(fn: (store: Store) => Promise<T>, options?: PipelineOptions): Promise<Committed<T>>;
}

/**
 * Arranges for `flush` to run once, `delayMs` from now or later. Injectable so that tests drive
 * flushes themselves instead of sleeping.
 */
export type FlushScheduler = (flush: () => void, delayMs: number) => void;

/**
 * Flushes on the next turn of the event loop, or after `delayMs` when it is positive. Not on a
 * microtask: a SQLite transaction runs to its end without yielding to I/O, so writes arriving from
 * other sockets could never join it and every write would pay its own commit (measured: 1 entry per
 * commit and half the throughput). A turn of the loop lets the requests already received join.
 */
export const defaultFlushScheduler: FlushScheduler = (flush, delayMs) => {
  if (delayMs > 0) setTimeout(flush, delayMs);
  else setImmediate(flush);
};

/** Tuning of an {@link EntryWriter}. */
export interface EntryWriterOptions {
  /** Rows per transaction before a flush starts at once (default 512). Whole writes are never split. */
  readonly maxBatch?: number;
  /** How long the first write of a batch waits for company (default 2 ms). */
  readonly maxDelayMs?: number;
  /** When to flush (default {@link defaultFlushScheduler}). */
  readonly schedule?: FlushScheduler;
  /** Milliseconds, for the flush deadlines of writes that may wait (default performance.now). */
  readonly now?: () => number;
}

/** How one write joins the group commit. */
export interface WriteOptions {
  /**
   * How long this write may wait for company before its transaction starts, ms (default the
   * writer's maxDelayMs). A write that may not wait as long, arriving meanwhile, takes it along
   * sooner: waits only ever shorten.
   */
  readonly waitMs?: number;
}

/** Counters of an {@link EntryWriter}, for tests and metrics. */
export interface EntryWriterStats {
  /** appendEntries transactions committed. */
  readonly transactions: number;
  /** write() calls that resolved. */
  readonly writes: number;
  /** Rows in those writes. */
  readonly rows: number;
}

interface PendingWrite {
  readonly rows: readonly EntryRow[];
  readonly project?: EntryProjection | undefined;
  readonly resolve: (results: AppendResult[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Coalesces concurrent {@link EntryWriter.write} calls into few appendEntries transactions. */
export class EntryWriter {
  readonly #store: EntryAppender;
  readonly #maxBatch: number;
  readonly #maxDelayMs: number;
  readonly #schedule: FlushScheduler;
  #pending: PendingWrite[] = [];
  #pendingRows = 0;
  /** When the earliest flush scheduled runs (undefined: none is). */
  #flushAt: number | undefined;
  readonly #now: () => number;
  #draining: Promise<void> | undefined;
  /** Batches committed and not yet durable. */
  readonly #syncing = new Set<Promise<void>>();
  #transactions = 0;
  #writes = 0;
  #rows = 0;

  constructor(store: EntryAppender, options: EntryWriterOptions = {}) {
    this.#store = store;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 512);
    this.#maxDelayMs = Math.max(0, options.maxDelayMs ?? 2);
    this.#schedule = options.schedule ?? defaultFlushScheduler;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Appends `rows` (see Store.appendEntries) together with other concurrent writes, and writes
   * `projection` (the rows the officers' queries keep of them) in the same transaction: they
   * become durable together, so a crash never leaves entries without projections. Resolves with
   * one result per row once the transaction holding them committed; rows of one call are always
   * in the same transaction.
   */
  write(rows: readonly EntryRow[], projection?: EntryProjection, options: WriteOptions = {}): Promise<AppendResult[]> {
    if (rows.length === 0) return Promise.resolve([]);
    const project = isEmptyProjection(projection) ? undefined : projection;
    return new Promise<AppendResult[]>((resolve, reject) => {
      this.#pending.push({ rows, project, resolve, reject });
      this.#pendingRows += rows.length;
      if (this.#draining !== undefined) return; // the running drain picks it up next
      if (this.#pendingRows >= this.#maxBatch) this.#startDrain();
      else this.#flushWithin(Math.max(0, options.waitMs ?? this.#maxDelayMs));
    });
  }

  /** Makes sure a flush runs within `waitMs`: a flush scheduled later is overtaken by a sooner one. */
  #flushWithin(waitMs: number): void {
    const at = this.#now() + waitMs;
    if (this.#flushAt !== undefined && this.#flushAt <= at) return;
    this.#flushAt = at;
    this.#schedule(() => {
      // A later flush overtaken by this one finds nothing pending, or what arrived since: harmless.
      if (this.#flushAt === at) this.#flushAt = undefined;
      this.#startDrain();
    }, waitMs);
  }

  /** Writes everything pending now and resolves when it is durable (or failed). */
  async flush(): Promise<void> {
    while (this.#pending.length > 0 || this.#draining !== undefined || this.#syncing.size > 0) {
      this.#startDrain();
      await this.#draining;
      await Promise.all(this.#syncing);
    }
  }

  /** Counters since construction. */
  get stats(): EntryWriterStats {
    return { transactions: this.#transactions, writes: this.#writes, rows: this.#rows };
  }

  #startDrain(): void {
    if (this.#draining !== undefined || this.#pending.length === 0) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      // A write may have arrived after the loop saw an empty queue but before this ran.
      this.#startDrain();
    });
  }

  /** Commits batches one after another while writes keep arriving: the group commit proper. */
  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#takeBatch();
      await this.#commit(batch);
    }
  }

  #takeBatch(): PendingWrite[] {
    let rows = 0;
    let n = 0;
    while (n < this.#pending.length) {
      const size = this.#pending[n]!.rows.length;
      if (n > 0 && rows + size > this.#maxBatch) break;
      rows += size;
      n += 1;
    }
    this.#pendingRows -= rows;
    return this.#pending.splice(0, n);
  }

  /** Commits `batch`; false when it failed (its writers were told). */
  async #commit(batch: readonly PendingWrite[]): Promise<boolean> {
    let results: AppendResult[];
    let durable: Promise<void> | undefined;
    try {
      const rows = batch.flatMap((w) => w.rows);
      const projected = batch.some((w) => w.project);
      const inTransaction = async (tx: Store): Promise<AppendResult[]> => {
        const r = refuseDivergence(rows, await tx.appendEntries(rows));
        for (const w of batch) if (w.project) await applyProjection(tx, w.project);
        return r;
      };
      if (this.#store.pipelinedTransaction) {
        // Alone: no write waits behind it and no earlier batch is still syncing, so nothing would
        // be written while this one syncs (the store may then sync it before returning).
        const alone = this.#pending.length === 0 && this.#syncing.size === 0;
        const committed = await this.#store.pipelinedTransaction(inTransaction, { alone });
        results = committed.value;
        durable = committed.durable;
      } else if (projected && this.#store.transaction) {
        results = await this.#store.transaction(inTransaction);
      } else {
        results = refuseDivergence(rows, await this.#store.appendEntries(rows));
        if (projected) throw new Error('EntryWriter: projections need a store with transactions');
      }
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        this.#failDependents(batch[0]!, error);
        return false;
      }
      // One bad write must not fail its neighbours: retry each alone, so only the culprit rejects.
      // A write after a failed one on the same channel may depend on it (an echo of its entry, a
      // receipt of it): it fails with it, never stored without what it names.
      const failed = new Map<string, unknown>();
      for (const write of batch) {
        const cause = write.rows.find((r) => failed.has(r.channel));
        if (cause !== undefined) {
          write.reject(failed.get(cause.channel));
          continue;
        }
        if (!(await this.#commit([write]))) for (const r of write.rows) failed.set(r.channel, error);
      }
      return false;
    }
    this.#transactions += 1;
    const settle = (): void => {
      let offset = 0;
      for (const write of batch) {
        const mine = results.slice(offset, offset + write.rows.length);
        offset += write.rows.length;
        this.#writes += 1;
        this.#rows += write.rows.length;
        write.resolve(mine);
      }
    };
    if (durable === undefined) {
      settle();
      return true;
    }
    // Committed, not yet on disk: the drain goes on with the next batch; these writers hear of
    // their commit once it is durable (syncs complete in commit order).
    const syncing: Promise<void> = durable.then(settle, (error: unknown) => {
      for (const write of batch) write.reject(error);
    });
    this.#syncing.add(syncing);
    void syncing.finally(() => this.#syncing.delete(syncing));
    return true;
  }

  /**
   * A write failed: the writes queued behind it on its channels may depend on it (they were
   * written on a log that held its entries), so they fail with it. Their writers reload the
   * channel and write again; nothing is stored without what it names.
   */
  #failDependents(write: PendingWrite, error: unknown): void {
    const channels = new Set(write.rows.map((r) => r.channel));
    const kept: PendingWrite[] = [];
    for (const w of this.#pending) {
      if (w.rows.some((r) => channels.has(r.channel))) {
        this.#pendingRows -= w.rows.length;
        w.reject(error);
      } else kept.push(w);
    }
    this.#pending = kept;
  }
}

/**
 * A row the database holds otherwise (`conflict`) means the writer's log in memory is not the
 * database's: another instance of the party signed at that position, or a commit whose answer
 * was lost did land. Storing the rest (and the projections of an entry that is not stored) would
 * let this process go on signing on a log the database does not hold, which its peers would
 * record as equivocation: the transaction is refused instead, and the caller reloads.
 */
function refuseDivergence(rows: readonly EntryRow[], results: AppendResult[]): AppendResult[] {
  const i = results.findIndex((r) => r.status === 'conflict');
  if (i < 0) return results;
  const row = rows[i]!;
  throw new StoreError('STORE_LOG_DIVERGED', { where: `channel ${row.channel.slice(0, 12)}…, author ${row.author.slice(0, 12)}…, #${row.seq} (held: ${results[i]!.existingHash?.slice(0, 12)}…, new: ${row.hash.slice(0, 12)}…)` });
}

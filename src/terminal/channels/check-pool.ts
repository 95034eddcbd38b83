/**
 * Context-free checks of received entries on other cores. Every received entry costs one Ed25519
 * verification (about 110 µs, most of the receive path) plus JSON parse, schema, canonical form
 * and SHA-256; none of it depends on any other entry, so it runs in worker threads while the main
 * thread orders, stores and projects the entries already checked. The protocol's precheckLines
 * does the work, exactly as the offline verifier's workers do (src/cli/verify-parallel.ts).
 *
 * The federation stream starts checking a batch as soon as it arrives, before the batches ahead
 * of it are stored, so checking and storing overlap (a pipeline). Batches under POOL_MIN_BATCH
 * entries are checked on the calling thread (see there).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { precheckLines, type LinePrecheck } from '../../protocol/index.js';
import { distPath } from '../install-paths.js';

/** Checks entries' wire text without context (parse, schema, canonical form, hash, signature). */
export interface EntryChecker {
  check(raws: readonly string[]): Promise<LinePrecheck[]>;
  /** Gets ready for batches now (starts threads), if there is anything to start. */
  warm(): void;
  close(): Promise<void>;
}

/** Checks on the calling thread. */
export const inlineChecker: EntryChecker = {
  check: (raws) => Promise.resolve(precheckLines(raws)),
  warm: () => undefined,
  close: () => Promise.resolve(),
};

/**
 * Below this many entries a batch is checked on the calling thread. Small batches are what a
 * stream of single messages arrives as (a few to a few dozen entries per frame): handing each to
 * the workers wakes two threads per batch, and where the cores are busy anyway (the sender, the
 * officer API, the other terminal on the same machine) the woken workers mostly preempt the main
 * thread instead of running beside it. On the 2-core bench machine, with the threshold at 4
 * instead of 64, one-message-per-POST throughput was 4,453 and 3,871 msg/s against 4,938 and
 * 4,959 in alternating runs; catch-up (batches of up to 1,024) and latency (single entries)
 * were unchanged. A batch of 64 takes about 4 ms to check on one core.
 */
export const POOL_MIN_BATCH = 64;

interface Task {
  readonly id: number;
  readonly lines: readonly string[];
  readonly resolve: (prechecks: LinePrecheck[]) => void;
  readonly reject: (error: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly tasks: Map<number, Task>;
  /** Entries handed to this worker and not yet answered: work goes to the least loaded. */
  load: number;
}

/** Options of {@link CheckPool}. */
export interface CheckPoolOptions {
  /** Worker threads (default: one per core). */
  readonly workers?: number;
  /** Told once when the pool fails and checks fall back to the calling thread. */
  readonly onFallback?: (error: unknown) => void;
  /** Batches under this many entries are checked on the calling thread (default POOL_MIN_BATCH). */
  readonly minBatch?: number;
}

/** A pool of worker threads running precheckLines; falls back to the calling thread if a worker dies. */
export class CheckPool implements EntryChecker {
  readonly #slots: Slot[] = [];
  readonly #onFallback: ((error: unknown) => void) | undefined;
  #nextId = 0;
  #broken = false;
  #closed = false;

  readonly #size: number;
  readonly #minBatch: number;

  constructor(options: CheckPoolOptions = {}) {
    this.#onFallback = options.onFallback;
    this.#minBatch = Math.max(1, options.minBatch ?? POOL_MIN_BATCH);
    this.#size = Math.max(1, options.workers ?? availableParallelism());
  }

  /** Starts the threads now rather than with the first batch worth them (module loading takes a few hundred ms). */
  warm(): void {
    if (!this.#broken && !this.#closed) this.#start();
  }

  /** Threads start with the first batch worth them, or at warm(). */
  #start(): void {
    if (this.#slots.length > 0) return;
    for (let i = 0; i < this.#size; i++) {
      const worker = new Worker(distPath('terminal', 'channels', 'check-worker.js'));
      const slot: Slot = { worker, tasks: new Map(), load: 0 };
      worker.on('message', (m: { id: number; prechecks: LinePrecheck[] }) => {
        const task = slot.tasks.get(m.id);
        if (!task) return;
        slot.tasks.delete(m.id);
        slot.load -= task.lines.length;
        if (slot.tasks.size === 0) worker.unref();
        if (m.prechecks.length !== task.lines.length) task.reject(new Error(`check worker returned ${m.prechecks.length} results for ${task.lines.length} entries`));
        else task.resolve(m.prechecks);
      });
      worker.on('error', (e) => this.#fail(e));
      worker.on('exit', (code) => {
        if (!this.#closed) this.#fail(new Error(`check worker exited with code ${code}`));
      });
      // An idle worker must not keep the process alive (close() ends them on shutdown); one with
      // work does, until it answers. After the listeners: adding one refs the worker's port again.
      worker.unref();
      this.#slots.push(slot);
    }
  }

  /** Worker threads in use (0 once the pool fell back to the calling thread). */
  get workers(): number {
    return this.#broken || this.#closed ? 0 : this.#size;
  }

  async check(raws: readonly string[]): Promise<LinePrecheck[]> {
    if (raws.length < this.#minBatch || this.#broken || this.#closed) return precheckLines(raws);
    this.#start();
    // Split across the workers so that one batch uses every core.
    const parts = Math.min(this.#slots.length, Math.ceil(raws.length / this.#minBatch));
    const size = Math.ceil(raws.length / parts);
    const pieces: Array<Promise<LinePrecheck[]>> = [];
    for (let at = 0; at < raws.length; at += size) pieces.push(this.#run(raws.slice(at, at + size)));
    try {
      return (await Promise.all(pieces)).flat();
    } catch {
      // A worker died under this batch: check it here (the pool already fell back).
      return precheckLines(raws);
    }
  }

  #run(lines: readonly string[]): Promise<LinePrecheck[]> {
    if (this.#broken || this.#closed) return Promise.resolve(precheckLines(lines));
    let slot = this.#slots[0]!;
    for (const s of this.#slots) if (s.load < slot.load) slot = s;
    const id = this.#nextId++;
    return new Promise<LinePrecheck[]>((resolve, reject) => {
      slot.tasks.set(id, { id, lines, resolve, reject });
      slot.load += lines.length;
      slot.worker.ref();
      slot.worker.postMessage({ id, lines });
    });
  }

  #fail(error: unknown): void {
    if (this.#broken || this.#closed) return;
    this.#broken = true;
    this.#onFallback?.(error);
    for (const slot of this.#slots) {
      for (const task of slot.tasks.values()) task.reject(error);
      slot.tasks.clear();
      void slot.worker.terminate();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const slot of this.#slots) for (const task of slot.tasks.values()) task.resolve(precheckLines(task.lines));
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}

/**
 * The checker for a terminal: a pool of `workers` threads (default one per core; 0 = the calling
 * thread only). Running from TypeScript sources (tests), where no compiled worker script exists,
 * it checks on the calling thread.
 */
export function entryChecker(workers: number | undefined, onFallback?: (error: unknown) => void): EntryChecker {
  if (workers === 0 || import.meta.url.endsWith('.ts')) return inlineChecker;
  return new CheckPool({ ...(workers !== undefined ? { workers } : {}), ...(onFallback ? { onFallback } : {}) });
}

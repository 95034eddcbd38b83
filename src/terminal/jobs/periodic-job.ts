/**
 * Periodic jobs: link tests, drills and escalation each declare a name and an interval, and one
 * runner drives them. A job never overlaps itself (a slow webhook makes the next escalation tick
 * wait, not run twice); a failing run is logged with the job's name and the next one runs as
 * planned. Jobs read time from the terminal's injected clock; the runner's timers are injected too,
 * so a test drives the jobs by hand (runDue) instead of waiting.
 *
 * Start times are staggered: three jobs on a 1 s interval started together would all wake in the
 * same turn of the event loop, every second, and add their work to the same message's latency.
 */

/** One named periodic job. */
export interface PeriodicJob {
  /** Shown in logs and metrics, e.g. "escalation". */
  readonly name: string;
  /** How often it runs, ms. */
  readonly everyMs: number;
  /** One run. The runner never starts a run while the previous one is under way. */
  run(): Promise<void>;
}

/** Timers as the runner uses them (Node's by default; a test passes its own). */
export interface JobTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, unref'd: jobs never keep a process alive on their own. */
export const NODE_TIMERS: JobTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface JobRunnerOptions {
  readonly timers?: JobTimers;
  /** A run failed (its error, and the job's name). */
  readonly onError?: (error: unknown, job: string) => void;
  /** Gap between the first runs of successive jobs, ms (default 150). */
  readonly staggerMs?: number;
}

/** Runs periodic jobs. */
export class JobRunner {
  readonly #jobs: PeriodicJob[] = [];
  readonly #running = new Map<string, Promise<void>>();
  readonly #handles: Array<{ interval?: unknown; timeout?: unknown }> = [];
  readonly #timers: JobTimers;
  readonly #onError: (error: unknown, job: string) => void;
  readonly #staggerMs: number;
  #started = false;

  constructor(options: JobRunnerOptions = {}) {
    this.#timers = options.timers ?? NODE_TIMERS;
    this.#onError = options.onError ?? (() => {});
    this.#staggerMs = Math.max(0, options.staggerMs ?? 150);
  }

  /** Adds a job (before start). */
  add(job: PeriodicJob): this {
    if (this.#started) throw new Error(`JobRunner: job "${job.name}" added after start`);
    if (this.#jobs.some((j) => j.name === job.name)) throw new Error(`JobRunner: two jobs named "${job.name}"`);
    this.#jobs.push(job);
    return this;
  }

  /** The jobs' names, in order (status, tests). */
  get names(): string[] {
    return this.#jobs.map((j) => j.name);
  }

  /** Starts every job on its interval, staggered. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#jobs.forEach((job, i) => {
      const slot: { interval?: unknown; timeout?: unknown } = {};
      this.#handles.push(slot);
      slot.timeout = this.#timers.setTimeout(() => {
        slot.timeout = undefined;
        slot.interval = this.#timers.setInterval(() => void this.run(job.name), job.everyMs);
      }, i * this.#staggerMs);
    });
  }

  /** Runs one job now, unless it is running already (then waits for that run). */
  run(name: string): Promise<void> {
    const running = this.#running.get(name);
    if (running) return running;
    const job = this.#jobs.find((j) => j.name === name);
    if (!job) return Promise.reject(new Error(`JobRunner: no job named "${name}"`));
    const p = job
      .run()
      .catch((e: unknown) => this.#onError(e, name))
      .finally(() => this.#running.delete(name));
    this.#running.set(name, p);
    return p;
  }

  /** Runs every job once, in order (tests drive time with a ManualClock and call this). */
  async runAll(): Promise<void> {
    for (const j of this.#jobs) await this.run(j.name);
  }

  /** Stops the timers and waits for runs under way. */
  async stop(): Promise<void> {
    for (const h of this.#handles) {
      if (h.timeout !== undefined) this.#timers.clearTimeout(h.timeout);
      if (h.interval !== undefined) this.#timers.clearInterval(h.interval);
    }
    this.#handles.length = 0;
    await Promise.all([...this.#running.values()]);
  }
}

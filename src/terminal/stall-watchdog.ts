/**
 * A terminal whose own thread stopped running: said while it lasts, and told to its officers after.
 *
 * better-sqlite3 is synchronous, so every SQLite write runs on the terminal's one JavaScript thread.
 * A disk that does not complete its writes (a frozen filesystem, a failing disk or SAN path, a full
 * hypervisor datastore) stops that thread inside the write: the terminal answers nothing, not
 * `/healthz`, not its console, not its peers' heartbeats, and none of its timers (STORE_STALLED
 * among them) can run to say why. Its peers see the link down, which is true; its own operator sees
 * health checks time out and nothing in the log.
 *
 * So a second thread, which touches no disk, watches a counter the terminal's thread advances every
 * {@link BEAT_MS}. When the counter has not moved for the threshold, it writes one log line itself
 * (TERMINAL_STALLED, error level, straight to the log's file descriptor: a worker's
 * `process.stderr` goes through the stopped thread), and nothing more until the thread runs again.
 * When the terminal's thread runs again it sees how long it was away and raises the alarm
 * TERMINAL_RUNS_AGAIN (console, log): its officers learn that the console, the API and the links
 * went unanswered for that long. A process stopped whole (SIGSTOP, a paused VM) stops the watcher
 * too, and is reported only after, by the same alarm.
 *
 * The worker's source is inline (Worker `eval`), as the checkpointer's is: it needs nothing of this
 * package, so it runs alike from dist/ and from the TypeScript sources under the tests.
 */
import { Worker } from 'node:worker_threads';
import { TERMINAL_ERRORS } from './errors.js';
import type { EventSink } from './events/event-bus.js';
import { LOGGED_ALARMS } from './events/repeated-alarms.js';
import type { Clock } from './clock.js';
import { wholeSetting } from './env-settings.js';

/** How often the terminal's thread shows it runs, ms. */
export const BEAT_MS = 500;
/** How long the terminal's thread may not run before it counts as stalled, ms (HOTLINE_STALL_MS). */
export const STALL_MS = 10_000;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { beat, thresholdMs, checkMs, fd, party, message } = workerData;
let last = Atomics.load(beat, 0);
let since = performance.now();
let told = false;
setInterval(() => {
  const now = performance.now();
  const v = Atomics.load(beat, 0);
  if (v !== last) {
    last = v;
    since = now;
    told = false;
    return;
  }
  if (told || now - since < thresholdMs) return;
  told = true;
  const seconds = String(Math.round((now - since) / 1000));
  const line = { level: 50, time: Date.now(), pid: process.pid, party, face: 'alarm', code: 'TERMINAL_STALLED', seconds: Number(seconds), msg: message.replace('{seconds}', seconds) };
  try {
    writeSync(fd, JSON.stringify(line) + '\\n');
  } catch {}
}, checkMs);
`;

export interface StallWatchdogOptions {
  /** The terminal's party code, in the watcher's log line. */
  readonly party: string;
  readonly events: EventSink;
  readonly log: { error(o: object, m?: string): void };
  /** Where the watcher writes its line (default 2, stderr: the terminal's log). */
  readonly fd?: number;
  /** Default {@link STALL_MS}. */
  readonly thresholdMs?: number;
  /** Default {@link BEAT_MS}. */
  readonly beatMs?: number;
  /** The wall clock, for the alarm's times. */
  readonly wallNow: () => number;
}

/** Watches the terminal's own thread (see the module's comment). */
export class StallWatchdog {
  readonly #o: StallWatchdogOptions;
  readonly #beat = new Int32Array(new SharedArrayBuffer(4));
  readonly #threshold: number;
  #worker: Worker | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastRun = 0;

  constructor(options: StallWatchdogOptions) {
    this.#o = options;
    this.#threshold = Math.max(1, options.thresholdMs ?? STALL_MS);
  }

  start(): void {
    if (this.#timer) return;
    const beatMs = Math.max(1, this.#o.beatMs ?? BEAT_MS);
    const message = TERMINAL_ERRORS.format('TERMINAL_STALLED', { seconds: '{seconds}' });
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { beat: this.#beat, thresholdMs: this.#threshold, checkMs: Math.max(1, Math.min(beatMs, this.#threshold / 4)), fd: this.#o.fd ?? 2, party: this.#o.party, message },
      resourceLimits: { maxOldGenerationSizeMb: 16 },
    });
    this.#worker.unref();
    // A failed watcher must not stop the terminal: it only loses the line said during a stall.
    this.#worker.on('error', () => (this.#worker = undefined));
    this.#lastRun = performance.now();
    this.#timer = setInterval(() => this.#ran(), beatMs).unref();
  }

  /** The terminal's thread runs: the counter moves, and a long gap since the last run is told. */
  #ran(): void {
    Atomics.add(this.#beat, 0, 1);
    const now = performance.now();
    const away = now - this.#lastRun;
    this.#lastRun = now;
    if (away < this.#threshold) return;
    const to = this.#o.wallNow();
    const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const seconds = String(Math.round(away / 1000));
    const message = TERMINAL_ERRORS.format('TERMINAL_RUNS_AGAIN', { seconds, from: iso(to - away), to: iso(to) });
    this.#o.log.error({ face: 'alarm', code: 'TERMINAL_RUNS_AGAIN', seconds: Number(seconds) }, message);
    const alarm = { type: 'alarm' as const, code: 'TERMINAL_RUNS_AGAIN', message };
    LOGGED_ALARMS.add(alarm);
    this.#o.events.emit(alarm);
  }

  /** Resolves once the watcher thread runs (for tests: a stall before that is told only after). */
  online(): Promise<void> {
    const worker = this.#worker;
    return worker ? new Promise((resolve) => worker.once('online', () => resolve())) : Promise.resolve();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }
}

/** Starts the watchdog of a terminal (threshold: HOTLINE_STALL_MS), stopped with the terminal's teardown. */
export function watchStalls(o: { party: string; events: EventSink; log: StallWatchdogOptions['log']; clock: Clock; down: { add(step: () => unknown): void } }): void {
  const thresholdMs = wholeSetting(process.env.HOTLINE_STALL_MS, { name: 'HOTLINE_STALL_MS', unit: 'ms', min: 100, max: 3_600_000, fallback: STALL_MS });
  const watchdog = new StallWatchdog({ party: o.party, events: o.events, log: o.log, wallNow: () => o.clock.now(), thresholdMs });
  watchdog.start();
  o.down.add(() => watchdog.stop());
}

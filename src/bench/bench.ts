/**
 * Shared pieces of `npm run bench`: the module interface, a rate measurement and stderr progress.
 * A benchmark module returns a JSON-serialisable object; run.ts puts it under its name.
 */
import { performance } from 'node:perf_hooks';

export interface BenchContext {
  /** Smaller sizes and shorter runs (`--quick`): a smoke test of the benchmark, not a measurement. */
  readonly quick: boolean;
  /** Progress and notes for people: stderr, never stdout. */
  log(message: string): void;
}

export interface BenchModule {
  /** Key in the output JSON and the value of `--only`. */
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<unknown>;
}

/**
 * Calls `fn` in batches for about `ms` milliseconds, `rounds` times, after a warm-up round, and
 * returns the median rate in operations per second (medians resist a busy machine better than
 * means). With `clock: 'cpu'` the rate is per CPU second of this process, which a busy machine
 * disturbs far less than wall time (use it for single-threaded work only).
 */
export function measureRate(fn: () => void, options: { ms: number; rounds?: number; batch?: number; clock?: 'wall' | 'cpu' }): number {
  const batch = options.batch ?? 64;
  const rounds = options.rounds ?? 3;
  const once = (ms: number): number => {
    let n = 0;
    const cpu = process.cpuUsage();
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < batch; i++) fn();
      n += batch;
      now = performance.now();
    }
    if (options.clock === 'cpu') {
      const used = process.cpuUsage(cpu);
      return n / ((used.user + used.system) / 1e6);
    }
    return n / ((now - start) / 1000);
  };
  once(Math.min(200, options.ms));
  const rates = Array.from({ length: rounds }, () => once(options.ms)).sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}

/**
 * Wall-clock seconds taken by `fn` (async or not), the CPU seconds this process spent meanwhile
 * (all threads, workers included: on a busy machine it shows the work, where wall time shows the
 * wait), and its result.
 */
export async function timed<T>(fn: () => T | Promise<T>): Promise<{ seconds: number; cpuSeconds: number; value: T }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, value };
}

/** Rounds for JSON output: 3 significant digits for ratios, whole numbers for rates. */
export const round = {
  rate: (x: number): number => Math.round(x),
  ratio: (x: number): number => Math.round(x * 1000) / 1000,
  seconds: (x: number): number => Math.round(x * 1000) / 1000,
};

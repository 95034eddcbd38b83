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
 * returns the median rate in operations per second (medians resist a busy machine better than means).
 */
export function measureRate(fn: () => void, options: { ms: number; rounds?: number; batch?: number }): number {
  const batch = options.batch ?? 64;
  const rounds = options.rounds ?? 3;
  const once = (ms: number): number => {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < batch; i++) fn();
      n += batch;
      now = performance.now();
    }
    return n / ((now - start) / 1000);
  };
  once(Math.min(200, options.ms));
  const rates = Array.from({ length: rounds }, () => once(options.ms)).sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}

/** Seconds taken by `fn` (async or not), and its result. */
export async function timed<T>(fn: () => T | Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - start) / 1000, value };
}

/** Rounds for JSON output: 3 significant digits for ratios, whole numbers for rates. */
export const round = {
  rate: (x: number): number => Math.round(x),
  ratio: (x: number): number => Math.round(x * 1000) / 1000,
  seconds: (x: number): number => Math.round(x * 1000) / 1000,
};

/**
 * What one durable commit costs the disk at this moment: the latency of `fdatasync` after an
 * 8 KiB write (one SQLite page) in the folder where the bench keeps its terminals' databases.
 * With synchronous=FULL every commit waits for one such call on the terminal's event loop, so on
 * a shared machine whose disk is busy this, not the terminal's code, sets the delivery latency
 * floor: the terminal bench reports it beside its latency figures (before and after the phases).
 */
import { close, fdatasync, open, rm, write } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

const openP = promisify(open);
const writeP = promisify(write);
const syncP = promisify(fdatasync);
const closeP = promisify(close);

export interface FsyncProbe {
  readonly n: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
}

/** `count` fdatasync calls of a small file in `dir` (removed afterwards). */
export async function probeFsync(dir: string, count = 200): Promise<FsyncProbe> {
  const file = join(dir, `fsync-probe-${process.pid}`);
  const fd = await openP(file, 'w');
  const page = Buffer.alloc(8192, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      await writeP(fd, page, 0, page.length, (i % 64) * page.length);
      const t0 = performance.now();
      await syncP(fd);
      times.push(performance.now() - t0);
    }
  } finally {
    await closeP(fd);
    await promisify(rm)(file, { force: true });
  }
  times.sort((a, b) => a - b);
  const q = (x: number) => Math.round(times[Math.min(times.length - 1, Math.ceil(x * times.length) - 1)]! * 100) / 100;
  return { n: times.length, p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99) };
}

/**
 * Bundle verification on all cores. The context-free work on each line (JSON parse, schema,
 * canonical form, SHA-256, Ed25519 signature) is independent of every other line, so it runs in
 * worker threads over chunks of lines; the main thread then runs the protocol's verifyBundle with
 * those prechecks, which does the ordered part (chains, heads, charter state, receipts).
 *
 * The bundle bytes are copied once into a SharedArrayBuffer; workers decode their own byte
 * ranges (cut at "\n", which never occurs inside a UTF-8 sequence), so line i of a chunk is
 * line i of `text.split("\n")` exactly as verifyBundle sees it.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { checkBundleText, decodeBundle, verifyBundle, verifyBundleBytes, type LinePrecheck, type VerificationReport } from '../protocol/index.js';
import type { Progress } from './output.js';
import type { PrecheckTask } from './verify-worker.js';
import { distPath } from '../terminal/index.js';

/** Below this many lines, starting threads costs more than it saves: verify in-process. */
export const PARALLEL_MIN_LINES = 2_000;

export interface ParallelOptions {
  /** Worker threads for the signature checks; 0 runs everything on the calling thread. Default: automatic. */
  readonly workers?: number;
  /** Progress for the two phases (signatures, then chains). */
  readonly progress?: Progress;
  /** Called when the worker pool fails and verification falls back to one thread. */
  readonly onFallback?: (error: unknown) => void;
}

/** Workers used for a bundle of `lines` lines when none is asked for: all cores, or none for small bundles. */
export function defaultWorkers(lines: number): number {
  return lines < PARALLEL_MIN_LINES ? 0 : availableParallelism();
}

/** Byte ranges of whole lines (without their final "\n"), about `linesPerChunk` lines each. */
export function chunkRanges(bytes: Uint8Array, linesPerChunk: number): Array<{ start: number; end: number; firstLine: number; lines: number }> {
  const chunks: Array<{ start: number; end: number; firstLine: number; lines: number }> = [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = 0;
  let line = 0;
  let count = 0;
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(10, pos);
    const end = nl < 0 ? buf.length : nl;
    count++;
    pos = end + 1;
    if (count === linesPerChunk || nl < 0 || pos >= buf.length) {
      chunks.push({ start, end, firstLine: line, lines: count });
      line += count;
      count = 0;
      start = pos;
    }
  }
  return chunks;
}

/** Number of lines as splitBundle counts them (a final "\n" ends the last line). */
export function countLines(bytes: Uint8Array): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let pos = buf.indexOf(10); pos >= 0; pos = buf.indexOf(10, pos + 1)) n++;
  return buf.length > 0 && buf[buf.length - 1] !== 10 ? n + 1 : n;
}

/**
 * Prechecks every line of a bundle in `workers` threads (at least 1). The result is indexed like
 * verifyBundle's lines: entry i belongs to line i + 1.
 */
export async function precheckParallel(bytes: Uint8Array, workers: number, onLines?: (done: number) => void): Promise<LinePrecheck[]> {
  const shared = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(shared).set(bytes);
  const totalLines = countLines(bytes);
  const perChunk = Math.max(256, Math.min(4_096, Math.ceil(totalLines / (workers * 8))));
  const chunks = chunkRanges(bytes, perChunk);
  const results: LinePrecheck[] = new Array<LinePrecheck>(totalLines);
  const pool = Array.from({ length: Math.min(workers, chunks.length) }, () => new Worker(distPath('cli', 'verify-worker.js'), { workerData: { bytes: shared } }));
  let next = 0;
  let done = 0;
  try {
    await Promise.all(
      pool.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= chunks.length) return resolve();
              const id = next++;
              const c = chunks[id]!;
              worker.postMessage({ id, start: c.start, end: c.end } satisfies PrecheckTask);
            };
            worker.on('message', (m: { id: number; prechecks: LinePrecheck[] }) => {
              const c = chunks[m.id]!;
              if (m.prechecks.length !== c.lines) return reject(new Error(`worker returned ${m.prechecks.length} prechecks for ${c.lines} lines`));
              for (let i = 0; i < m.prechecks.length; i++) results[c.firstLine + i] = m.prechecks[i]!;
              done += c.lines;
              onLines?.(done);
              send();
            });
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`verification worker exited with code ${code}`)));
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}

/**
 * Verifies a bundle given as UTF-8 bytes, checking signatures on `workers` threads. The report is
 * identical to verifyBundle's on the same text, whatever the number of workers.
 */
export async function verifyBundleParallel(bytes: Uint8Array, options: ParallelOptions = {}): Promise<VerificationReport> {
  const text = decodeBundle(bytes);
  // Not UTF-8: the protocol reports it (docs/protocol.md §8.2 step 1); nothing to share out.
  if (text === undefined) return verifyBundleBytes(bytes);
  const lines = countLines(bytes);
  const workers = options.workers ?? defaultWorkers(lines);
  const progress = options.progress;
  let prechecks: LinePrecheck[] | undefined;
  // Worth starting workers only when the text as a whole passes (header, encoding, final LF).
  if (workers > 0 && !checkBundleText(text).error) {
    progress?.phase(`signatures (${workers}x)`, lines);
    try {
      prechecks = await precheckParallel(bytes, workers, (done) => progress?.update(done));
    } catch (e) {
      options.onFallback?.(e);
      prechecks = undefined;
    }
  }
  let started = false;
  const report = verifyBundle(text, {
    prechecks,
    onProgress: progress
      ? (done, total) => {
          if (!started) {
            progress.phase('chains', total);
            started = true;
          }
          progress.update(done);
        }
      : undefined,
  });
  progress?.stop();
  return report;
}

/**
 * Bundle verification as a stream, in memory that does not grow with the bundle (docs/operations.md
 * "Verifying large bundles"): the file is read in chunks of whole lines; worker threads precheck
 * each chunk (parse, canonical form, hash, signature) while the main thread runs the ordered checks
 * on the chunks before, in file order, over a ChannelLog that keeps each author's last `window`
 * entries; older facts are read back from the file (verify-index.ts). The report is built entry by
 * entry (StreamReport).
 *
 * A bundle streams when it is written as `hotline export` writes it: header, cards and formats,
 * then entries each after what it depends on, each author's in seq order, no copies. Anything
 * else is either a definite error (a bad signature, a rejected entry: the report names it) or
 * `unstreamable`: the caller then verifies the bundle in memory, which judges any order.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { Worker } from 'node:worker_threads';
import {
  ChannelLog, ENTRY_PREFIX, KeyRegistry, StreamReport, checkBundleText, encodingProblem, failedReport, precheckLines, protocolError, readOtherLine, referentOf, reportError, sealedFromPrechecked,
  type FormatDefinition, type LinePrecheck, type ProtocolError, type SealedEntry, type VerificationReport,
} from '../protocol/index.js';
import { distPath } from '../terminal/index.js';
import type { Progress } from './output.js';
import { BundleIndex } from './verify-index.js';
import type { PrecheckChunkTask } from './verify-worker.js';

/**
 * A worker holds two chunks of lines and their prechecks at most: a small heap keeps its memory
 * flat (V8 otherwise lets garbage grow the heap long before collecting it).
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 };

export interface StreamOptions {
  /** Worker threads for the prechecks; 0 prechecks on this thread. */
  readonly workers: number;
  /** Entries of each author kept in memory (default 16,384). */
  readonly window?: number;
  /** Bytes read at a time (default 1 MiB). */
  readonly chunkBytes?: number;
  /** Messages listed in the report at most (default 10,000; the others are counted). */
  readonly messageLimit?: number;
  readonly progress?: Progress;
}

export type StreamResult =
  | { readonly report: VerificationReport; readonly coldReads: number; readonly unstreamable?: undefined }
  | { readonly unstreamable: string };

/** Thrown inside the ordered pass: the bundle does not stream (verify it in memory). */
class Unstreamable {
  constructor(readonly reason: string) {}
}
/** Thrown inside the ordered pass: a definite error, reported as the verdict. */
class Definite {
  constructor(readonly report: VerificationReport) {}
}

interface Chunk {
  readonly id: number;
  readonly bytes: Buffer;
  /** File offset of the chunk's first byte; line number of its first line. */
  readonly start: number;
  readonly firstLine: number;
}

/** Reads a file's whole lines, `size` bytes at a time (more when one line is longer). */
function* chunksOf(fd: number, fileSize: number, size: number): Generator<Chunk> {
  let pos = 0;
  let line = 1;
  let id = 0;
  while (pos < fileSize) {
    let want = size;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(want, fileSize - pos));
      const n = readSync(fd, buf, 0, buf.length, pos);
      const last = buf.subarray(0, n).lastIndexOf(10);
      if (last < 0 && pos + n < fileSize) {
        want *= 2;
        continue;
      }
      const end = last < 0 ? n : last;
      const bytes = buf.subarray(0, end);
      yield { id: id++, bytes, start: pos, firstLine: line };
      let lines = 1;
      for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) lines++;
      line += lines;
      pos += end + 1;
      break;
    }
  }
}

/** Verifies the bundle file at `path` as a stream. */
export async function verifyBundleStream(path: string, options: StreamOptions): Promise<StreamResult> {
  const fd = openSync(path, 'r');
  const pool: Worker[] = [];
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(1);
    if (size === 0 || readSync(fd, tail, 0, 1, size - 1) !== 1 || tail[0] !== 10) return { unstreamable: 'the file is empty or does not end with a line feed' };
    const pass = new OrderedPass(new BundleIndex(fd), options);
    const chunks = chunksOf(fd, size, options.chunkBytes ?? 1 << 20);
    const mib = (bytes: number) => Math.floor(bytes / 2 ** 20);
    options.progress?.phase(`verifying, MiB (${Math.max(1, options.workers)}x)`, Math.ceil(size / 2 ** 20));
    if (options.workers === 0) {
      for (const c of chunks) {
        pass.chunk(c, precheckLines(c.bytes.toString('utf8').split('\n')));
        options.progress?.update(mib(c.start + c.bytes.length));
      }
    } else {
      const waiting = new Map<number, (p: LinePrecheck[]) => void>();
      const failures: Array<(e: unknown) => void> = [];
      for (let i = 0; i < options.workers; i++) {
        const w = new Worker(distPath('cli', 'verify-worker.js'), { workerData: {}, resourceLimits: WORKER_LIMITS });
        w.on('message', (m: { id: number; prechecks: LinePrecheck[] }) => waiting.get(m.id)?.(m.prechecks));
        const fail = (e: unknown) => failures.forEach((f) => f(e));
        w.once('error', fail);
        w.once('exit', (code) => fail(new Error(`verification worker exited with code ${code}`)));
        pool.push(w);
      }
      // Up to two chunks per worker in flight: workers precheck ahead while this thread judges.
      const inFlight: Array<{ c: Chunk; pre: Promise<LinePrecheck[]> }> = [];
      const dispatch = (c: Chunk) => {
        const pre = new Promise<LinePrecheck[]>((resolve, reject) => {
          waiting.set(c.id, resolve);
          failures.push(reject);
        });
        // Chunks still in flight when the pass stops early (a definite error) are never awaited: their
        // workers' exit must not become an unhandled rejection.
        pre.catch(() => {});
        const copy = new Uint8Array(c.bytes);
        pool[c.id % pool.length]!.postMessage({ id: c.id, chunk: copy } satisfies PrecheckChunkTask, [copy.buffer]);
        inFlight.push({ c, pre });
      };
      let next = chunks.next();
      for (;;) {
        while (!next.done && inFlight.length < pool.length * 2) {
          dispatch(next.value);
          next = chunks.next();
        }
        const head = inFlight.shift();
        if (!head) break;
        const pre = await head.pre;
        waiting.delete(head.c.id);
        failures.shift();
        pass.chunk(head.c, pre);
        options.progress?.update(mib(head.c.start + head.c.bytes.length));
      }
    }
    options.progress?.stop();
    return { report: pass.finish(), coldReads: pass.index.reads };
  } catch (e) {
    options.progress?.stop();
    if (e instanceof Unstreamable) return { unstreamable: e.reason };
    if (e instanceof Definite) return { report: e.report, coldReads: 0 };
    throw e;
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
    closeSync(fd);
  }
}

/** The ordered checks, chunk after chunk, in file order. */
class OrderedPass {
  readonly registry = new KeyRegistry();
  readonly formats = new Map<string, FormatDefinition>();
  channel: string | undefined;
  log: ChannelLog | undefined;
  report: StreamReport | undefined;
  #entries = 0;
  readonly #window: number;

  constructor(
    readonly index: BundleIndex,
    readonly options: StreamOptions,
  ) {
    this.#window = Math.max(1, options.window ?? 16_384);
  }

  #definite(e: ProtocolError, where: { line?: number; author?: string; seq?: number }): never {
    throw new Definite(failedReport([reportError(e, where)], this.channel ?? null));
  }

  chunk(c: Chunk, pre: readonly LinePrecheck[]): void {
    if (!isUtf8(c.bytes)) throw new Unstreamable('not UTF-8');
    const text = c.bytes.toString('utf8');
    const bad = encodingProblem(text, c.firstLine);
    if (bad) throw new Definite(failedReport([bad]));
    const lines = text.split('\n');
    if (pre.length !== lines.length) throw new Error(`${pre.length} prechecks for ${lines.length} lines`);
    let offset = c.start;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      this.#line(line, c.firstLine + i, offset, pre[i]!);
      offset += Buffer.byteLength(line) + 1;
    }
  }

  #line(line: string, lineNo: number, offset: number, pre: LinePrecheck): void {
    if (lineNo === 1) {
      const checked = checkBundleText(`${line}\n`);
      if (checked.error) throw new Definite(failedReport([checked.error]));
      // A period bundle (docs/protocol.md §15) starts its logs at an anchor: it is a period, not
      // decades, and is verified in memory.
      if (checked.header.anchor !== undefined) throw new Unstreamable('it is a period bundle, anchored at a checkpoint');
      this.channel = checked.header.channel;
      return;
    }
    if (!line.startsWith(ENTRY_PREFIX)) {
      if (this.log) throw new Unstreamable(`line ${lineNo} is not an entry but comes after entries`);
      if (readOtherLine(line, lineNo, this.registry, this.formats)) throw new Unstreamable(`line ${lineNo} has a problem`);
      return;
    }
    this.#entries++;
    this.report?.line();
    if (!pre.hash) {
      // A damaged proposal is reported as a missing one (verifyBundle): leave it to the in-memory pass.
      if (!this.log || !pre.error) throw new Unstreamable(`line ${lineNo} did not precheck`);
      try {
        JSON.parse(line);
      } catch (e) {
        this.#definite(protocolError('BUNDLE_MALFORMED_LINE', { line: lineNo, detail: ` (${(e as Error).message})` }), { line: lineNo });
      }
      this.#definite(pre.error, { line: lineNo });
    }
    const s = sealedFromPrechecked(line, pre.hash);
    const e = s.entry;
    const where = { line: lineNo, author: e.author, seq: e.seq };
    // Anything wrong before the proposal is in: the in-memory pass tells what (often a missing proposal).
    if (!this.log && (!pre.signatureOk || !this.registry.card(e.author))) throw new Unstreamable('the proposal does not verify');
    if (!this.registry.card(e.author)) this.#definite(protocolError('BUNDLE_MISSING_CARD', { author: e.author.slice(0, 8) }), { author: e.author });
    if (this.log && e.channel !== this.channel) this.#definite(protocolError('ENTRY_WRONG_CHANNEL', { author: e.author.slice(0, 8), seq: e.seq, entryChannel: String(e.channel).slice(0, 12), channel: this.channel!.slice(0, 12) }), where);
    // Out of its author's order first: §8.2 judges an entry's signature only when its author's turn
    // reaches it, so an entry whose seq was altered (a gap, then a bad signature further on) reports
    // the gap there; the in-memory pass gives that report.
    if (e.seq !== this.index.nextSeq(e.author)) throw new Unstreamable(`line ${lineNo} is not its author's next entry`);
    if (!pre.signatureOk) this.#definite(protocolError('ENTRY_BAD_SIGNATURE', { author: e.author.slice(0, 8), seq: e.seq }), where);
    if (!this.log) return this.#found(s, where, offset);
    for (let tries = 0; ; tries++) {
      const r = this.log.ingest(s, { signatureChecked: true });
      if (r.status === 'cold' && tries < 64) {
        this.index.answer(this.log, r.need);
        continue;
      }
      if (r.status === 'accepted') break;
      if (r.status === 'rejected' || r.status === 'equivocation') this.#definite(r.error, where);
      throw new Unstreamable(`line ${lineNo}: ${r.status}`);
    }
    this.#place(s, offset);
    if (this.#entries % Math.min(1024, this.#window) === 0) {
      const plan = this.log.trimPlan(this.#window, this.#window);
      if (plan) this.log.applyTrim(plan);
    }
  }

  #found(s: SealedEntry, where: { line: number; author: string; seq: number }, offset: number): void {
    if (s.hash !== this.channel || s.entry.kind !== 'charter.propose') throw new Unstreamable('the first entry is not the channel proposal');
    const founded = ChannelLog.found(s, this.registry, { signatureChecked: true }, (hash) => this.formats.get(hash));
    if (!founded.ok) this.#definite(founded.error, where);
    this.log = founded.log;
    this.report = new StreamReport(s, this.registry, this.options.messageLimit ?? 10_000);
    this.report.line();
    this.index.addEntry(s.entry.author, s.entry.seq, offset);
  }

  #place(s: SealedEntry, offset: number): void {
    this.index.addEntry(s.entry.author, s.entry.seq, offset);
    if (referentOf(s)) this.index.addReferent(s.hash, s.entry.author, s.entry.seq);
    this.report!.accepted(s);
  }

  finish(): VerificationReport {
    if (!this.log || !this.report) throw new Unstreamable('no channel proposal');
    return this.report.build(this.log, this.channel!);
  }
}

/**
 * What `hotline verify BUNDLE` does (declared in verify.ts, loaded only when it runs): verifies a
 * transcript bundle or a proof offline and prints the verification report.
 */
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { canonicalize, checkBundleText, decodeBundle, formatProofReport, formatReport, isProofText, reportJson, verifyBundleBytes, verifyProofText, type ReportError, type VerificationReport } from '../../protocol/index.js';
import { cliError, quotePath, type CliError } from '../errors.js';
import { progressBar, progressWanted, writeOut } from '../output.js';
import { countLines, verifyBundleParallel } from '../verify-parallel.js';
import { verifyBundleStream } from '../verify-stream.js';
import type { VerifyCommandOptions } from './verify.js';

/** Files larger than this are refused: a JavaScript string cannot hold much more. */
export const MAX_BUNDLE_BYTES = 512 * 1024 * 1024;

/** Progress is drawn for bundles of at least this many lines (and only on a terminal). */
const PROGRESS_MIN_LINES = 20_000;

/**
 * Reads a bundle file, turning every file-system failure into a one-line CLI error; an empty file
 * is one too unless `allowEmpty` (`hotline verify` reports it as the verifier does, BUNDLE_EMPTY).
 */
export async function readBundleFile(path: string, allowEmpty = false): Promise<Buffer> {
  const p = quotePath(path);
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw cliError('CLI_NOT_A_FILE', { path: p });
    size = s.size;
  } catch (e) {
    throw fsError(e, p);
  }
  if (size > MAX_BUNDLE_BYTES) throw cliError('CLI_FILE_TOO_LARGE', { path: p, size, limit: MAX_BUNDLE_BYTES });
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw fsError(e, p);
  }
  if (bytes.length === 0 && !allowEmpty) throw cliError('CLI_EMPTY_FILE', { path: p });
  return bytes;
}

function fsError(e: unknown, path: string): unknown {
  if ((e as CliError).name === 'CliError') return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return cliError('CLI_FILE_NOT_FOUND', { path }, e);
  if (code === 'EISDIR') return cliError('CLI_NOT_A_FILE', { path }, e);
  if (code === 'EACCES' || code === 'EPERM') return cliError('CLI_FILE_UNREADABLE', { path, reason: 'permission denied' }, e);
  if (typeof code === 'string') return cliError('CLI_FILE_UNREADABLE', { path, reason: `${code} (${(e as Error).message})` }, e);
  return e;
}

const MAGIC: ReadonlyArray<[bytes: number[], what: string]> = [
  [[0x89, 0x50, 0x4e, 0x47], 'it is a PNG image'],
  [[0xff, 0xd8, 0xff], 'it is a JPEG image'],
  [[0x25, 0x50, 0x44, 0x46], 'it is a PDF document'],
  [[0x1f, 0x8b], 'it is gzip-compressed; decompress it first (gunzip)'],
  [[0x50, 0x4b, 0x03, 0x04], 'it is a ZIP archive (or an office document); extract the bundle from it first'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'it is zstd-compressed; decompress it first (unzstd)'],
];

/**
 * Recognises files that are plainly not a bundle (binary, compressed, wrong encoding, converted
 * line endings) before any verification, with a hint on what to do; undefined when it may be one.
 */
export function notABundle(bytes: Uint8Array): string | undefined {
  for (const [magic, what] of MAGIC) if (magic.every((b, i) => bytes[i] === b)) return what;
  const head = bytes.subarray(0, 65_536);
  if (head.includes(0)) return 'it is a binary file';
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf)
    return 'it starts with a byte-order mark (BOM) added by a text editor; export the bundle again, or save it as UTF-8 without BOM';
  const nl = head.indexOf(10);
  const first = Buffer.from(head.subarray(0, nl < 0 ? head.length : nl)).toString('utf8');
  if (first.endsWith('\r'))
    return 'it has Windows line endings (CRLF), so it was converted in transit; export it again, or convert it back with `dos2unix`';
  if (!first.trimStart().startsWith('{')) return 'its first line is not a JSON object';
  return undefined;
}

function where(e: ReportError): string {
  const parts = [e.line !== undefined ? `line ${e.line}` : '', e.author !== undefined ? `${e.author.slice(0, 8)}#${e.seq ?? '?'}` : ''].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** The CLI error for an invalid report: input errors (not a bundle at all) or an invalid verdict. */
export function invalidBundleError(report: VerificationReport, path: string, bytes?: Uint8Array): CliError | undefined {
  const first = report.firstError;
  if (report.valid || !first) return undefined;
  const p = quotePath(path);
  if (first.code === 'BUNDLE_EMPTY') return cliError('CLI_EMPTY_FILE', { path: p });
  // What the file plainly is (an image, gzip, CRLF line ends ...) says more than the step that stopped.
  const hint = bytes && (first.code === 'BUNDLE_NOT_A_BUNDLE' || first.code === 'BUNDLE_BAD_ENCODING') ? notABundle(bytes) : undefined;
  if (first.code === 'BUNDLE_NOT_A_BUNDLE') {
    const detail =
      hint ??
      (/not JSON/.test(first.message)
        ? 'its first line is not JSON'
        : /canonical/.test(first.message)
          ? 'its header line is not in canonical form (RFC 8785): it was edited or reformatted; export the bundle again'
          : 'its first line is not a {"type":"hotline.bundle"} header');
    return cliError('CLI_NOT_A_BUNDLE', { path: p, detail: `${detail} (${first.code})` });
  }
  // Not UTF-8, a byte-order mark, CR or control characters: not a bundle as written (docs/protocol.md §8.1).
  if (first.code === 'BUNDLE_BAD_ENCODING')
    return cliError('CLI_NOT_A_BUNDLE', { path: p, detail: `${hint ?? first.message.replace(/^The bundle is not plain UTF-8 JSON Lines: /, '').replace(/\. Export it again.*$/, '')} (${first.code})` });
  return cliError('CLI_BUNDLE_INVALID', { path: p, code: first.code, where: where(first), detail: first.message });
}

/** The text of a proof of one message (docs/protocol.md §14.3), or undefined for anything else. */
function asProof(bytes: Buffer): string | undefined {
  const text = decodeBundle(bytes);
  return text !== undefined && isProofText(text) ? text : undefined;
}

/** Verifies a proof of one message and prints its report; throws CLI_PROOF_INVALID when invalid. */
async function verifyProofDocument(text: string, path: string, options: VerifyCommandOptions): Promise<void> {
  const verdict = verifyProofText(text);
  await writeOut(options.json ? `${canonicalize(verdict.valid ? { valid: true, ...verdict.facts } : { valid: false, error: verdict.error })}\n` : formatProofReport(verdict));
  if (!verdict.valid) throw cliError('CLI_PROOF_INVALID', { path: quotePath(path), code: verdict.error.code, detail: verdict.error.message });
}

/** Files of at least this many bytes are verified as a stream (HOTLINE_VERIFY_STREAM_BYTES; default 64 MiB). */
function streamMinBytes(): number {
  const n = Number(process.env.HOTLINE_VERIFY_STREAM_BYTES);
  return Number.isFinite(n) && n > 0 ? n : 64 * 1024 * 1024;
}

/**
 * The report of a large bundle verified as a stream in bounded memory (verify-stream.ts), or
 * undefined when the file is small, unreadable (reported by readBundleFile) or does not stream
 * (it is then verified in memory, up to MAX_BUNDLE_BYTES).
 */
async function streamedReport(path: string, options: VerifyCommandOptions): Promise<VerificationReport | undefined> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) return undefined;
    size = s.size;
  } catch {
    return undefined;
  }
  if (size < streamMinBytes()) return undefined;
  const workers = options.workers === undefined ? availableParallelism() : options.workers === 1 ? 0 : options.workers;
  const window = Number(process.env.HOTLINE_VERIFY_WINDOW);
  const stream = (w: number) => verifyBundleStream(path, { workers: w, window: Number.isFinite(window) && window > 0 ? window : undefined, progress: progressBar(progressWanted(size, 0)) });
  let r;
  try {
    r = await stream(workers);
  } catch (e) {
    // The worker pool failed (as in verify-parallel.ts): the same verification on this thread.
    if (workers === 0) throw e;
    if (process.env.HOTLINE_DEBUG === '1') process.stderr.write(`hotline: worker threads failed, verifying on one thread: ${String(e)}\n`);
    r = await stream(0);
  }
  if (r.unstreamable === undefined) return r.report;
  if (process.env.HOTLINE_DEBUG === '1') process.stderr.write(`hotline: the bundle does not stream (${r.unstreamable}); verifying it in memory\n`);
  return undefined;
}

/** Runs the command; resolves with nothing when valid, throws a CliError otherwise. */
export async function verifyCommand(path: string, options: VerifyCommandOptions): Promise<void> {
  const streamed = await streamedReport(path, options);
  if (streamed) return printReport(streamed, path, options);
  const bytes = await readBundleFile(path, true);
  const proof = asProof(bytes);
  if (proof !== undefined) return verifyProofDocument(proof, path, options);
  // §8.2 steps 1-5 judge the text as a whole; a file that fails them gets that one error (in the
  // JSON report too), before any line is read.
  const text = decodeBundle(bytes);
  if (text === undefined || checkBundleText(text).error) return printReport(verifyBundleBytes(bytes), path, options, bytes);
  const lines = countLines(bytes);
  // --workers 1 means this thread only; N > 1 means N worker threads for the signatures.
  const workers = options.workers === undefined ? undefined : options.workers === 1 ? 0 : options.workers;
  const report = await verifyBundleParallel(bytes, {
    workers,
    progress: progressBar(progressWanted(lines, PROGRESS_MIN_LINES)),
    onFallback: (e) => {
      if (process.env.HOTLINE_DEBUG === '1') process.stderr.write(`hotline: worker threads failed, verifying on one thread: ${String(e)}\n`);
    },
  });
  return printReport(report, path, options);
}

async function printReport(report: VerificationReport, path: string, options: VerifyCommandOptions, bytes?: Uint8Array): Promise<void> {
  const failure = invalidBundleError(report, path, bytes);
  // A file that is not a bundle at all gets only the one-line error, not an empty text report
  // (the JSON report is still printed: it carries the code of §8.2's step that stopped).
  if (!options.json && (failure?.code === 'CLI_NOT_A_BUNDLE' || failure?.code === 'CLI_EMPTY_FILE')) throw failure;
  await writeOut(options.json ? `${reportJson(report)}\n` : formatReport(report));
  if (failure) throw failure;
}

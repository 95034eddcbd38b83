/**
 * The offline verifier (docs/protocol.md §8.2): reads a transcript bundle and reports who said
 * what, when, who received and acknowledged it, and the first thing wrong, if anything.
 * Deterministic: the same bundle, in any order of lines from different authors, gives the same
 * verdict. Signature checks may be done beforehand on other cores (see precheckLines).
 */
import { linkSection, type ReportLinkHealth } from './link-report.js';
import { isUtf8 } from 'node:buffer';
import { ChannelLog, isLastingKind } from './channel-log.js';
import { anchorLog, answerCold, countersignatures, type PeriodSetup } from './period-verify.js';
import { summarizeDialogue, type DialogueSummary } from './dialogue-summary.js';
import { CONTROL_KINDS, deriveState, type ChannelState, type ControlEntry, type DerivedState } from './charter.js';
import { canonicalize, duplicateMember, parsedHasLoneSurrogate } from './encoding.js';
import { checkEntryValue, parseEntry, sealedFromPrechecked, verifyEntrySignature, type SealedEntry } from './entry.js';
import { MISSING_ADVICE, protocolError, type ProtocolError } from './errors.js';
import { KeyRegistry } from './identity.js';
import { fingerprint } from './keys.js';
import type { BundleHeader } from './bundle.js';
import { checkFormatDefinition, formatHash } from './formats/definition.js';
import { checkLanguagePack } from './formats/lang-pack.js';
import { validateBundleHeader, validateCard, type BodyOf, type FormatDefinition, type FormatLanguagePack, type FormatRef, type PartyCard } from './schemas.js';

/** Every canonical entry starts with its first member in code-point order, "author". */
export const ENTRY_PREFIX = '{"author":';

/** Result of checking one line without context, computable on any core. */
export interface LinePrecheck {
  /** Entry hash, when the line is a well-formed canonical entry. */
  readonly hash?: string;
  readonly signatureOk?: boolean;
  readonly error?: ProtocolError;
}

/**
 * Context-free checks of entry lines: parse, schema, canonical form, hash and signature.
 * `lines` are raw bundle lines; non-entry lines (header, cards) yield `{}`.
 */
export function precheckLines(lines: readonly string[]): LinePrecheck[] {
  const out: LinePrecheck[] = [];
  // Signatures in passes of their own, a slice of lines at a time: faster than interleaved with
  // parsing (see verifyBundle), and the parsed entries of one slice only are held at once.
  for (let from = 0; from < lines.length; from += PRECHECK_SLICE) {
    const parsed = lines.slice(from, from + PRECHECK_SLICE).map((line) => (line.startsWith(ENTRY_PREFIX) ? parseEntry(line) : undefined));
    for (const r of parsed) out.push(r === undefined ? {} : !r.ok ? { error: r.error } : { hash: r.sealed.hash, signatureOk: verifyEntrySignature(r.sealed) });
  }
  return out;
}

/** Lines parsed before their signatures are checked, in precheckLines. */
const PRECHECK_SLICE = 512;

/** One error in the report, located where possible. */
export interface ReportError {
  readonly code: ProtocolError['code'];
  readonly message: string;
  readonly line?: number;
  readonly author?: string;
  readonly seq?: number;
}

export interface ReportParty {
  readonly code: string;
  readonly party: string;
  readonly names: Readonly<Record<string, string>>;
  readonly fingerprint: string;
  readonly entries: number;
  readonly head?: { seq: number; hash: string };
  /** Revocations the party's cards carry: shown, but they decide no verdict (§3.2). */
  readonly revocations: readonly { key: string; from: number }[];
}

export interface ReportTransition {
  readonly state: ChannelState;
  readonly at: number;
  readonly by: string;
  readonly entry: string;
  readonly kind: string;
  readonly reason?: string;
}

export interface ReportReceipt {
  readonly holder: string;
  readonly author: string;
  readonly upTo: number;
  readonly of: number;
  readonly head: string;
  readonly at: number;
}

export interface ReportMessage {
  readonly hash: string;
  readonly author: string;
  readonly seq: number;
  readonly time: number;
  readonly precedence: string;
  readonly lang: string;
  readonly text: string;
  readonly drill: boolean;
  readonly from?: { name: string; title: string; role: string };
  /** A formatted message's agreed format and fields (§13.3), checked against the definition. */
  readonly format?: FormatRef;
  readonly fields?: Readonly<Record<string, unknown>>;
  readonly receivedBy: readonly { party: string; at: number }[];
  readonly acks: readonly { party: string; officer: { name: string; title: string; role: string }; at: number; entry: string }[];
}

export interface ReportEquivocation {
  readonly author: string;
  readonly seq: number;
  /** Both entries, as their wire text: the evidence. */
  readonly entries: readonly [string, string];
}

/** The verification report (JSON for machines; see formatReport for people). */
export interface VerificationReport {
  readonly valid: boolean;
  readonly channel: string | null;
  readonly title?: Readonly<Record<string, string>>;
  readonly tier?: string;
  readonly state: ChannelState | null;
  /** The time the state is judged at: the latest author time of the entries accepted (§8.3). */
  readonly asOf: number | null;
  /** Hash of the charter in force (§5.1). */
  readonly charterHash?: string;
  readonly parties: readonly ReportParty[];
  readonly history: readonly ReportTransition[];
  readonly integrity: { readonly entries: number; readonly verified: number; readonly chains: 'intact' | 'broken'; readonly signatures: 'valid' | 'invalid' };
  readonly receipts: readonly ReportReceipt[];
  readonly messages: readonly ReportMessage[];
  /**
   * Messages accepted but not listed in `messages` (only for bundles verified as a stream that hold
   * more messages than the report lists, docs/protocol.md §8.2); absent when every message is listed.
   */
  readonly messagesNotListed?: number;
  readonly equivocations: readonly ReportEquivocation[];
  /**
   * The amendments (§5.3) in the order they are walked, each with its status as judged on every
   * accepted entry: present only when the bundle holds one.
   */
  readonly amendments?: ReadonlyArray<{ readonly charterHash: string; readonly proposer: string; readonly at: number; readonly reason: string; readonly status: string; readonly accepted: readonly string[] }>;
  /** The dialogue state judged at asOf (§6.1), present only when the bundle holds dialogue entries. */
  readonly dialogue?: DialogueSummary;
  /** Version-2 link records (§6.2), present only when the bundle holds some. */
  readonly link?: ReportLinkHealth;
  /** A period bundle (§15.2): where it is anchored, and who countersigned the anchor. */
  readonly period?: ReportPeriod;
  readonly errors: readonly ReportError[];
  readonly firstError: ReportError | null;
}

/** The anchor of a period bundle as the report shows it (§15.3). */
export interface ReportPeriod {
  /** Hash of the checkpoint entry the bundle is anchored at. */
  readonly anchor: string;
  readonly by: string;
  readonly at: number;
  /** The period asked for, from the header (informative, unsigned). */
  readonly since?: number;
  readonly until?: number;
  /** Entries of the bundle before the anchor: lasting ones and those entries after it refer to. */
  readonly before: number;
  /** For each other party, its first entry with the checkpoint in its causal past. */
  readonly countersigned: readonly { party: string; at: number; entry: string }[];
}

export interface VerifyOptions {
  /** Per-line prechecks (index = line number - 1), e.g. computed by worker threads. */
  readonly prechecks?: readonly LinePrecheck[];
  /** Called now and then with the number of entries processed. */
  readonly onProgress?: (done: number, total: number) => void;
}

const SIGNATURE_CODES = new Set(['ENTRY_BAD_SIGNATURE', 'ENTRY_UNKNOWN_KEY', 'ENTRY_KEY_EXPIRED', 'ENTRY_KEY_REVOKED']);
const CHAIN_CODES = new Set(['ENTRY_WRONG_PREVIOUS_HASH', 'ENTRY_SEQUENCE_GAP', 'ENTRY_UNKNOWN_DEPENDENCY', 'ENTRY_HEADS_REGRESSED', 'ENTRY_EQUIVOCATION', 'ENTRY_TIME_REGRESSED']);

function failed(errors: ReportError[], channel: string | null = null): VerificationReport {
  return {
    valid: false,
    channel,
    state: null,
    asOf: null,
    parties: [],
    history: [],
    integrity: { entries: 0, verified: 0, chains: 'broken', signatures: 'invalid' },
    receipts: [],
    messages: [],
    equivocations: [],
    errors,
    firstError: errors[0] ?? null,
  };
}

/** The first entry `e` waits for and the log does not hold: its own predecessor, else a head (in the order ingest names them). */
function firstMissing(e: SealedEntry['entry'], log: ChannelLog): { author: string; seq: number } | undefined {
  const have = log.heldCount(e.author);
  if (e.seq > have + 1) return { author: e.author, seq: have + 1 };
  for (const [dep, head] of Object.entries(e.heads)) if (head.seq > log.heldCount(dep)) return { author: dep, seq: log.heldCount(dep) + 1 };
  return undefined;
}

/**
 * A gap or a missing dependency that remains at the end, worded by its cause. When what is missing
 * traces back (through the entries still waiting) to an entry of the bundle that did not verify,
 * nothing is missing to fetch: the advice names that entry and its error instead (docs/protocol.md
 * §8.2, "Root causes therefore come before their consequences"). The code stays the same.
 */
function consequenceOf(error: ProtocolError, e: SealedEntry['entry'], log: ChannelLog, stalled: ReadonlyMap<string, { x: Item }>, refused: ReadonlyMap<string, { seq: number; error: ReportError }>): ProtocolError {
  if (error.code !== 'ENTRY_SEQUENCE_GAP' && error.code !== 'ENTRY_UNKNOWN_DEPENDENCY') return error;
  const seen = new Set<string>();
  for (let at = firstMissing(e, log); at && !seen.has(at.author); ) {
    seen.add(at.author);
    const root = refused.get(at.author);
    if (root && root.seq <= at.seq) {
      const advice = `Nothing is missing to fetch: this entry depends on entry ${at.author.slice(0, 8)}#${root.seq}, which is in the bundle but did not verify (${root.error.code}${root.error.line === undefined ? '' : `, line ${root.error.line}`}): that entry was altered, forged or is otherwise invalid, and this copy cannot be repaired by fetching. Judge that error; obtain the bundle again from a source you trust.`;
      return protocolError(error.code, { ...error.details, advice });
    }
    const next = stalled.get(at.author);
    at = next && next.x.s.entry.seq === at.seq ? firstMissing(next.x.s.entry, log) : undefined;
  }
  return error;
}

function err(e: ProtocolError, where: { line?: number; author?: string; seq?: number } = {}): ReportError {
  return { code: e.code, message: e.message, ...where };
}

/** A report of a bundle that could not be judged further (no state, no entries). */
export const failedReport = (errors: ReportError[], channel: string | null = null): VerificationReport => failed(errors, channel);
/** A report error from a protocol error and where it was found. */
export const reportError = (e: ProtocolError, at: { line?: number; author?: string; seq?: number } = {}): ReportError => err(e, at);

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Whitespace as JSON has it (RFC 8259 §2): a text of nothing else is an empty bundle. */
const ONLY_WHITESPACE = /^[\t\n\r ]*$/;
/**
 * What never occurs in a bundle (§8.1): control characters other than LF (canonical JSON
 * escapes them in strings and has no whitespace between tokens) and lone surrogates. Two
 * searches: with the /u flag one regular expression would take five times as long.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0009\u000B-\u001F]/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function forbidden(text: string): { index: number; char: number } | undefined {
  const control = CONTROL.exec(text);
  // String.prototype.isWellFormed (ES2024, Node 20) is native; older engines take the regex.
  const wellFormed = (text as { isWellFormed?: () => boolean }).isWellFormed?.() ?? !LONE_SURROGATE.test(text);
  const lone = wellFormed ? null : LONE_SURROGATE.exec(text);
  const first = control && lone ? (control.index < lone.index ? control : lone) : (control ?? lone);
  return first ? { index: first.index, char: first[0].charCodeAt(0) } : undefined;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at >= 0 && at < index; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

function forbiddenDetail(c: number, line: number): string {
  if (c === 0x0d) return `line ${line} holds a carriage return (U+000D): the file was converted to Windows line endings (CRLF); convert it back (dos2unix)`;
  if (c >= 0xd800 && c <= 0xdfff) return `line ${line} holds a lone surrogate, which has no UTF-8 form`;
  return `line ${line} holds the control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The encoding error of a piece of a bundle's text (whole lines, the first being line
 * `firstLine`), as checkBundleText reports it for the whole text; for checking a file piece by piece.
 */
export function encodingProblem(text: string, firstLine: number): ReportError | undefined {
  const bad = forbidden(text);
  if (!bad) return undefined;
  const line = lineOf(text, bad.index) + firstLine - 1;
  return err(protocolError('BUNDLE_BAD_ENCODING', { detail: forbiddenDetail(bad.char, line) }), { line });
}

/** Canonical text of a parsed value, or undefined when it has none (a number that overflowed). */
function canonicalOrUndefined(value: unknown): string | undefined {
  try {
    return canonicalize(value);
  } catch {
    return undefined;
  }
}

/**
 * The checks of a bundle's text as a whole, before any line but the first (docs/protocol.md §8.2
 * steps 1–5): empty, encoding, header, final LF. Gives the lines (without their LF) and the
 * header, or the error that stops verification.
 */
export function checkBundleText(text: string): { lines: string[]; header: BundleHeader; error?: undefined } | { error: ReportError } {
  if (ONLY_WHITESPACE.test(text)) return { error: err(protocolError('BUNDLE_EMPTY')) };
  if (text.charCodeAt(0) === 0xfeff)
    return { error: err(protocolError('BUNDLE_BAD_ENCODING', { detail: 'it starts with a byte-order mark (BOM), which a text editor added' }), { line: 1 }) };
  const bad = forbidden(text);
  if (bad) {
    const line = lineOf(text, bad.index);
    return { error: err(protocolError('BUNDLE_BAD_ENCODING', { detail: forbiddenDetail(bad.char, line) }), { line }) };
  }
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  const notABundle = (detail: string) => ({ error: err(protocolError('BUNDLE_NOT_A_BUNDLE', { detail }), { line: 1 }) });
  let value: unknown;
  try {
    value = JSON.parse(first);
  } catch {
    return notABundle('the first line is not JSON');
  }
  const canonical = canonicalOrUndefined(value);
  if (canonical !== first) {
    const name = duplicateMember(first);
    if (name !== undefined) return { error: err(protocolError('JSON_DUPLICATE_MEMBER', { what: 'bundle header', name }), { line: 1 }) };
  }
  const problem = validateBundleHeader.firstError(value);
  if (problem) return notABundle(`the first line is not a bundle header (${problem})`);
  if (canonical !== first) return notABundle('the header is not in canonical form (RFC 8785)');
  const lines = text.split('\n');
  if (!text.endsWith('\n')) return { error: err(protocolError('BUNDLE_TRUNCATED', { line: lines.length }), { line: lines.length }) };
  lines.pop();
  return { lines, header: value as BundleHeader };
}

/**
 * The text of a bundle file's bytes, or undefined when they are not UTF-8 (§8.1): invalid
 * sequences are an error, not U+FFFD. A BOM is kept, to be reported. (isUtf8 then toString is
 * several times faster than a fatal TextDecoder.)
 */
export function decodeBundle(bytes: Uint8Array): string | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buf) ? buf.toString('utf8') : undefined;
}

/** Verifies a bundle given as bytes (a file): as verifyBundle, after a strict UTF-8 decoding. */
export function verifyBundleBytes(bytes: Uint8Array, options: VerifyOptions = {}): VerificationReport {
  const text = decodeBundle(bytes);
  if (text === undefined) return failed([err(protocolError('BUNDLE_BAD_ENCODING', { detail: 'it is not valid UTF-8' }))]);
  return verifyBundle(text, options);
}

/** An entry of the bundle, where it was read, and its signature check if already made. */
interface Item {
  readonly s: SealedEntry;
  readonly line: number;
  /** The signature check: from the precheck, else made in verifyBundle's signature pass. */
  sigOk: boolean | undefined;
}

const where = (x: Item) => ({ line: x.line, author: x.s.entry.author, seq: x.s.entry.seq });
const badSignature = (x: Item) => protocolError('ENTRY_BAD_SIGNATURE', { author: x.s.entry.author.slice(0, 8), seq: x.s.entry.seq });

/** Verifies a transcript bundle and reports on it. Never throws on bad input. */
export function verifyBundle(text: string, options: VerifyOptions = {}): VerificationReport {
  const checked = checkBundleText(text);
  if (checked.error) return failed([checked.error]);
  const { lines, header } = checked;
  const channel = header.channel;
  const registry = new KeyRegistry();
  const errors: ReportError[] = [];
  const lineErrors: ReportError[] = [];
  const read: Item[] = [];
  /** The format definitions the bundle carries, by hash (§13.5). */
  const formats = new Map<string, FormatDefinition>();

  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    const pre = options.prechecks?.[i];
    if (!line.startsWith(ENTRY_PREFIX)) {
      const problem = readOtherLine(line, lineNo, registry, formats);
      if (problem) (problem.ofLine ? lineErrors : errors).push(problem.error);
      continue;
    }
    // A line the precheck rejected is re-checked below, so that its error (and line number) is
    // exactly the one a verification without prechecks reports.
    if (pre?.hash) {
      // precheckLines already checked this very line completely (shape, canonical form, hash,
      // signature); prechecks must come from precheckLines on the same lines.
      let s: SealedEntry;
      try {
        s = sealedFromPrechecked(line, pre.hash);
      } catch {
        lineErrors.push(err(protocolError('BUNDLE_MALFORMED_LINE', { line: lineNo, detail: '' }), { line: lineNo }));
        continue;
      }
      read.push({ s, line: lineNo, sigOk: pre.signatureOk });
      continue;
    }
    // parseEntry parses the JSON itself; only a failed line is parsed again, to tell a line that is
    // not JSON at all (BUNDLE_MALFORMED_LINE) from a malformed entry.
    let parsed;
    try {
      parsed = parseEntry(line);
      if (!parsed.ok) JSON.parse(line);
    } catch (e) {
      lineErrors.push(err(protocolError('BUNDLE_MALFORMED_LINE', { line: lineNo, detail: ` (${(e as Error).message})` }), { line: lineNo }));
      continue;
    }
    if (!parsed.ok) {
      lineErrors.push(err(parsed.error, { line: lineNo }));
      continue;
    }
    read.push({ s: parsed.sealed, line: lineNo, sigOk: undefined });
  }

  // Every signature in one pass before the logs are checked: the same checks, in a tight loop,
  // ran about 25% faster than interleaved with the chain checks (measured: OpenSSL's tables stay
  // in the CPU's caches). A forged entry costs its check either way.
  for (const x of read) x.sigOk ??= verifyEntrySignature(x.s);
  const signatureOk = (x: Item) => x.sigOk!;
  const entryErrors: ReportError[] = [];
  const sealed = sameHashCopies(read, signatureOk, entryErrors);
  const equivocationsBefore: ReportEquivocation[] = [];

  const proposalItem = sealed.find((x) => x.s.hash === channel && x.s.entry.kind === 'charter.propose');
  if (!proposalItem) return failed([err(protocolError('BUNDLE_MISSING_PROPOSAL', { channel: channel.slice(0, 12) })), ...errors, ...lineErrors], channel);

  // Authors without a card cannot be checked at all.
  const authorsWithoutCard = new Set<string>();
  for (const x of sealed) if (!registry.card(x.s.entry.author)) authorsWithoutCard.add(x.s.entry.author);
  for (const a of [...authorsWithoutCard].sort(cmp)) errors.push(err(protocolError('BUNDLE_MISSING_CARD', { author: a.slice(0, 8) }), { author: a }));

  const founded = signatureOk(proposalItem)
    ? ChannelLog.found(proposalItem.s, registry, { signatureChecked: true }, (hash) => formats.get(hash))
    : ({ ok: false, error: badSignature(proposalItem) } as const);
  if (!founded.ok) return failed([err(founded.error, where(proposalItem)), ...errors, ...lineErrors], channel);
  let log = founded.log;
  // A period bundle (§15.2) starts each log at its anchor, from the entries before it.
  let period: PeriodSetup<Item> | undefined;
  if (header.anchor !== undefined) {
    const setup = anchorLog(header.anchor, sealed, proposalItem, registry, (hash) => formats.get(hash), signatureOk, entryErrors);
    if ('error' in setup) return failed([setup.error, ...errors, ...lineErrors], channel);
    ({ log } = setup);
    period = setup;
    for (const { held, other } of setup.pool.conflicts) {
      equivocationsBefore.push({ author: other.s.entry.author, seq: other.s.entry.seq, entries: [held.s.raw, other.s.raw] });
      entryErrors.push(err(protocolError('ENTRY_EQUIVOCATION', { author: other.s.entry.author.slice(0, 8), seq: other.s.entry.seq }), where(other)));
    }
  }

  // Group by author, then by sequence number: the candidates for each place of each log.
  const byAuthor = new Map<string, Item[]>();
  for (const x of sealed) {
    if (x === proposalItem || period?.before.has(x) || period?.aside.has(x)) continue;
    if (x.s.entry.channel !== channel) {
      entryErrors.push(err(protocolError('ENTRY_WRONG_CHANNEL', { author: x.s.entry.author.slice(0, 8), seq: x.s.entry.seq, entryChannel: String(x.s.entry.channel).slice(0, 12), channel: channel.slice(0, 12) }), where(x)));
      continue;
    }
    const list = byAuthor.get(x.s.entry.author) ?? [];
    list.push(x);
    byAuthor.set(x.s.entry.author, list);
  }
  const queues = new Map<string, Item[][]>();
  for (const [author, list] of [...byAuthor].sort(([a], [b]) => cmp(a, b))) {
    list.sort((a, b) => a.s.entry.seq - b.s.entry.seq || cmp(a.s.hash, b.s.hash));
    const groups: Item[][] = [];
    for (const x of list) {
      const last = groups[groups.length - 1];
      if (last && last[0]!.s.entry.seq === x.s.entry.seq) last.push(x);
      else groups.push([x]);
    }
    queues.set(author, groups);
  }

  // Ingest: each author's log in order, switching authors when a dependency is not yet in.
  const equivocations: ReportEquivocation[] = equivocationsBefore;
  const evidence = (author: string, held: string, other: Item) => {
    equivocations.push({ author, seq: other.s.entry.seq, entries: [held, other.s.raw] });
    entryErrors.push(err(protocolError('ENTRY_EQUIVOCATION', { author: author.slice(0, 8), seq: other.s.entry.seq }), where(other)));
  };
  /**
   * Two or more entries for one place (§4.2, §8.2 step 12): reached once the author's earlier
   * entries are in, so that its keys are judged as for any entry there. Forgeries (no valid key
   * or signature) are reported with their code; among the authentic ones the smallest hash stays
   * and each other one is evidence of equivocation.
   */
  const authentic = (group: Item[]): Item[] =>
    group.filter((x) => {
      const problem = signatureOk(x) ? log.authenticate(x.s, { signatureChecked: true }) : badSignature(x);
      if (problem) entryErrors.push(err(problem, where(x)));
      return !problem;
    });
  const resolve = (author: string, group: Item[]): Item | undefined => {
    const [kept, ...others] = authentic(group);
    for (const o of others) evidence(author, kept!.s.raw, o);
    return kept;
  };
  /**
   * Next in its author's log but naming a head of another log not yet in: what ingest would call
   * pending (ENTRY_UNKNOWN_DEPENDENCY), found without making the error, since authors take turns
   * and most entries wait once. The error of an author still waiting at the end is made then.
   */
  const waitsForHeads = (e: SealedEntry['entry']): boolean => {
    if (e.seq !== log.heldCount(e.author) + 1) return false;
    for (const dep in e.heads) if (e.heads[dep]!.seq > log.heldCount(dep)) return true;
    return false;
  };
  const total = read.length;
  let done = 1;
  const position = new Map<string, number>([...queues.keys()].map((a) => [a, 0]));
  const stalled = new Map<string, { error?: ProtocolError; x: Item }>();
  const stopped = new Set<string>();
  /** Where an author's log stopped on an entry of the bundle that did not verify: its seq, its error. */
  const refused = new Map<string, { seq: number; error: ReportError }>();
  const refuse = (author: string, seq: number) => {
    stopped.add(author);
    const error = entryErrors.findLast((e) => e.author === author && e.seq === seq);
    if (error) refused.set(author, { seq, error });
  };
  let progress = true;
  while (progress) {
    progress = false;
    for (const [author, queue] of queues) {
      if (stopped.has(author)) continue;
      let i = position.get(author)!;
      while (i < queue.length) {
        let group = queue[i]!;
        // A place already held: only the proposal's (seq 1 of the proposer), which stays.
        if (log.hashAt(author, group[0]!.s.entry.seq) !== undefined) {
          for (const x of authentic(group)) evidence(author, log.proposal.raw, x);
          queue.splice(i, 1);
          progress = true;
          continue;
        }
        if (group.length > 1) {
          const kept = resolve(author, group);
          if (!kept) {
            refuse(author, group[0]!.s.entry.seq);
            break;
          }
          group = queue[i] = [kept];
        }
        const x = group[0]!;
        if (!signatureOk(x)) {
          entryErrors.push(err(badSignature(x), where(x)));
          refuse(author, x.s.entry.seq);
          break;
        }
        if (waitsForHeads(x.s.entry)) {
          stalled.set(author, { x });
          break;
        }
        let r = log.ingest(x.s, { signatureChecked: true });
        // Only a period bundle's log reaches before memory: the entries before its anchor answer.
        for (let tries = 0; r.status === 'cold' && tries < 64; tries++) {
          answerCold(log, r.need, period?.pool);
          r = log.ingest(x.s, { signatureChecked: true });
        }
        if (r.status === 'cold') r = { status: 'rejected', error: protocolError('ENTRY_UNKNOWN_DEPENDENCY', { author: author.slice(0, 8), seq: x.s.entry.seq, depAuthor: '-', depSeq: 0, why: ' before the anchor', advice: MISSING_ADVICE.dependency }) };
        if (r.status === 'pending') {
          stalled.set(author, { error: r.error, x });
          break;
        }
        stalled.delete(author);
        if (r.status === 'rejected' || r.status === 'equivocation') {
          entryErrors.push(err(r.error, where(x)));
          refuse(author, x.s.entry.seq);
          break;
        }
        i++;
        done++;
        progress = true;
        if (options.onProgress && done % 2048 === 0) options.onProgress(done, total);
      }
      position.set(author, i);
    }
  }
  for (const [author, s] of stalled) {
    // Nothing has changed since this author's last turn (the passes end when none progresses), so
    // ingest now says what it said then: pending, with the error to report.
    const r = s.error === undefined ? log.ingest(s.x.s, { signatureChecked: true }) : undefined;
    const error = s.error ?? (r && 'error' in r ? r.error : undefined);
    if (error) entryErrors.push(err(consequenceOf(error, s.x.s.entry, log, stalled, refused), { line: s.x.line, author, seq: s.x.s.entry.seq }));
  }
  options.onProgress?.(total, total);

  // Entries that could not be placed after an author's first error are not reported one by one.
  const byPlace = (a: ReportError, b: ReportError) => cmp(a.author ?? '', b.author ?? '') || (a.seq ?? 0) - (b.seq ?? 0) || cmp(a.code, b.code);
  entryErrors.sort(byPlace);
  lineErrors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  // Root causes first: a damaged line or a bad signature explains the gaps and missing
  // dependencies that follow from it (docs/protocol.md §8.2).
  const consequence = (e: ReportError) => e.code === 'ENTRY_SEQUENCE_GAP' || e.code === 'ENTRY_UNKNOWN_DEPENDENCY';
  const allErrors = [...errors, ...entryErrors.filter((e) => !consequence(e)), ...lineErrors, ...entryErrors.filter(consequence)];

  const accepted: SealedEntry[] = [proposalItem.s];
  const acceptedOf = new Map<string, SealedEntry[]>();
  for (const [author, queue] of queues) {
    const mine = queue.slice(0, position.get(author)).map((g) => g[0]!.s);
    acceptedOf.set(author, mine);
    accepted.push(...mine);
  }
  if (period === undefined) return buildReport({ channel, registry, log, proposal: proposalItem.s, accepted, entries: read.length, equivocations, errors: allErrors });
  const after = accepted.length - 1;
  const before = new Set<SealedEntry>();
  for (const x of period.before) if (isLastingKind(x.s.entry.kind)) before.add(x.s);
  const anchored = countersignatures(period.checkpoint.s, acceptedOf, log, registry, accepted);
  return buildReport({
    channel,
    registry,
    log,
    proposal: proposalItem.s,
    accepted: [...accepted, ...before],
    entries: read.length,
    equivocations,
    errors: [...allErrors, ...anchored.errors],
    period: {
      before,
      verified: 1 + after + period.before.size,
      report: {
        anchor: period.checkpoint.s.hash,
        by: registry.label(period.checkpoint.s.entry.author),
        at: period.checkpoint.s.entry.time,
        ...(header.since !== undefined ? { since: header.since } : {}),
        ...(header.until !== undefined ? { until: header.until } : {}),
        before: period.before.size,
        countersigned: anchored.countersigned,
      },
    },
  });
}

/**
 * A bundle line that is not an entry (§8.1): a party card (added to `registry`), a format
 * definition (added to `formats`) or a language pack; anything else is an error. `ofLine` errors
 * are reported with the damaged lines, the others with the card problems (verifyBundle's order).
 */
export function readOtherLine(line: string, lineNo: number, registry: KeyRegistry, formats: Map<string, FormatDefinition>): { error: ReportError; ofLine: boolean } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { error: err(protocolError('BUNDLE_MALFORMED_LINE', { line: lineNo, detail: ` (${(e as Error).message})` }), { line: lineNo }), ofLine: true };
  }
  const canonical = canonicalOrUndefined(value);
  const name = canonical === line ? undefined : duplicateMember(line);
  if (name !== undefined) return { error: err(protocolError('JSON_DUPLICATE_MEMBER', { what: `line ${lineNo}`, name }), { line: lineNo }), ofLine: true };
  const type = (value as { type?: unknown } | null)?.type;
  if (type === 'hotline.format' || type === 'hotline.format-lang') {
    const problem = type === 'hotline.format' ? readFormatLine(line, value, canonical, lineNo, formats) : readLanguagePackLine(line, value, canonical, lineNo, formats);
    return problem ? { error: err(problem, { line: lineNo }), ofLine: false } : undefined;
  }
  if (type !== 'hotline.party-card') {
    const r = checkEntryValue(value, line);
    return { error: err(r.ok ? protocolError('ENTRY_NON_CANONICAL', { where: '' }) : r.error, { line: lineNo }), ofLine: true };
  }
  if (parsedHasLoneSurrogate(line, value)) return { error: err(protocolError('JSON_LONE_SURROGATE', { what: `party card on line ${lineNo}` }), { line: lineNo }), ofLine: true };
  const shape = validateCard.firstError(value);
  const problem =
    shape !== undefined ? protocolError('CARD_INVALID', { detail: shape })
    : canonical !== line ? protocolError('CARD_INVALID', { detail: 'the card is not in canonical form (RFC 8785)' })
    : registry.addCard(value as PartyCard);
  return problem ? { error: err(problem, { line: lineNo }), ofLine: false } : undefined;
}

/**
 * A format definition line (§13.5): a valid definition in canonical form is held by its hash for
 * the messages that use it; anything else is reported (with the card problems) and ignored.
 */
function readFormatLine(line: string, value: unknown, canonical: string | undefined, lineNo: number, formats: Map<string, FormatDefinition>): ProtocolError | undefined {
  if (parsedHasLoneSurrogate(line, value)) return protocolError('JSON_LONE_SURROGATE', { what: `format definition on line ${lineNo}` });
  const where = ` on line ${lineNo}`;
  const problem = checkFormatDefinition(value);
  if (problem !== undefined) return protocolError('FORMAT_INVALID', { where, detail: problem });
  if (canonical !== line) return protocolError('FORMAT_INVALID', { where, detail: 'the definition is not in canonical form (RFC 8785)' });
  formats.set(formatHash(value as FormatDefinition), value as FormatDefinition);
  return undefined;
}

/**
 * A language pack line (§13.7): checked against the definition it names, which an earlier line of
 * the bundle carries. It never changes a verdict on the entries; a bad one is reported and ignored.
 */
function readLanguagePackLine(line: string, value: unknown, canonical: string | undefined, lineNo: number, formats: Map<string, FormatDefinition>): ProtocolError | undefined {
  if (parsedHasLoneSurrogate(line, value)) return protocolError('JSON_LONE_SURROGATE', { what: `language pack on line ${lineNo}` });
  const where = ` on line ${lineNo}`;
  const shape = checkLanguagePack(value);
  if (shape !== undefined) return protocolError('FORMAT_LANG_INVALID', { where, detail: shape });
  const def = formats.get((value as FormatLanguagePack).format.hash);
  if (!def) return protocolError('FORMAT_LANG_INVALID', { where, detail: 'no earlier line carries the definition it names' });
  const problem = checkLanguagePack(value, def);
  if (problem !== undefined) return protocolError('FORMAT_LANG_INVALID', { where, detail: problem });
  if (canonical !== line) return protocolError('FORMAT_LANG_INVALID', { where, detail: 'the pack is not in canonical form (RFC 8785)' });
  return undefined;
}

/**
 * Copies of one entry (§8.2 step 7): lines with the same hash are the same entry, whatever
 * their order. Identical lines collapse. Lines that differ (only the signature can, in canonical
 * form) are judged by their signature: when one verifies, each copy that does not is reported
 * (ENTRY_BAD_SIGNATURE: a malleated or damaged copy) and the verifying copy with the smallest
 * text stays; when none verifies, they count as one entry, the smallest text.
 */
function sameHashCopies(read: readonly Item[], signatureOk: (x: Item) => boolean, errors: ReportError[]): Item[] {
  const byHash = new Map<string, Item | Item[]>();
  for (const x of read) {
    const held = byHash.get(x.s.hash);
    if (held === undefined) byHash.set(x.s.hash, x);
    else if (Array.isArray(held)) held.push(x);
    else byHash.set(x.s.hash, [held, x]);
  }
  const out: Item[] = [];
  for (const held of byHash.values()) {
    if (!Array.isArray(held)) {
      out.push(held);
      continue;
    }
    const distinct = new Map<string, Item>();
    for (const x of held) if (!distinct.has(x.s.raw)) distinct.set(x.s.raw, x);
    const copies = [...distinct.values()].sort((a, b) => cmp(a.s.raw, b.s.raw));
    const good = copies.filter(signatureOk);
    if (good.length === 0) {
      out.push(copies[0]!);
      continue;
    }
    out.push(good[0]!);
    for (const x of copies) if (!good.includes(x)) errors.push(err(badSignature(x), where(x)));
  }
  return out;
}

function buildReport(input: {
  channel: string;
  registry: KeyRegistry;
  log: ChannelLog;
  proposal: SealedEntry;
  accepted: SealedEntry[];
  entries: number;
  equivocations: ReportEquivocation[];
  errors: ReportError[];
  /** A period bundle: its lasting entries before the anchor (in `accepted`, for the history only). */
  period?: { before: ReadonlySet<SealedEntry>; verified: number; report: ReportPeriod };
}): VerificationReport {
  const { channel, registry, log, equivocations } = input;
  const accepted = input.accepted;
  const allErrors = input.errors;
  const proposalSealed = input.proposal;
  const proposal = proposalSealed.entry;
  // The report depends on signed data only (§8.3): the state is judged at the latest author time
  // of the entries accepted, not at the unsigned exportedAt of the header.
  const judgeAt = accepted.reduce((m, s) => Math.max(m, s.entry.time), 0);
  const derived = log.state(judgeAt);
  const ordered = accepted.sort((a, b) => a.entry.time - b.entry.time || cmp(a.entry.author, b.entry.author) || a.entry.seq - b.entry.seq);
  // A period bundle's lasting entries before the anchor count for the history, not the record.
  const before = input.period?.before;
  const shown = before === undefined ? ordered : ordered.filter((s) => !before.has(s));
  const history: ReportTransition[] = [];
  // State history in author-time order (not processing order): replay the accepted control
  // entries, oldest first, and record every change of state (docs/protocol.md §8.2).
  {
    const proposalControl: ControlEntry = { author: proposal.author, seq: 1, time: proposal.time, hash: proposalSealed.hash, kind: proposal.kind, body: proposal.body };
    const included: ControlEntry[] = [];
    let last: ChannelState | undefined = deriveState(proposalControl, [], proposal.time).state;
    history.push({ state: last, at: proposal.time, by: registry.label(proposal.author), entry: proposalSealed.hash, kind: proposal.kind });
    for (const s of ordered) {
      if (!CONTROL_KINDS.has(s.entry.kind) || s === proposalSealed) continue;
      included.push({ author: s.entry.author, seq: s.entry.seq, time: s.entry.time, hash: s.hash, kind: s.entry.kind, body: s.entry.body, heads: s.entry.heads });
      const st = deriveState(proposalControl, included, s.entry.time).state;
      if (st !== last) {
        history.push({ state: st, at: s.entry.time, by: registry.label(s.entry.author), entry: s.hash, kind: s.entry.kind, reason: (s.entry.body as { reason?: string }).reason });
        last = st;
      }
    }
    if (derived.state !== last) history.push({ state: derived.state, at: judgeAt, by: '-', entry: '', kind: 'time' });
  }
  const messages = new Map<string, { m: ReportMessage; receivedBy: Map<string, number>; acks: ReportMessage['acks'][number][] }>();
  const receipts = new Map<string, ReportReceipt>();
  const counts = new Map<string, number>();
  for (const a of log.authors()) counts.set(a, log.head(a)?.seq ?? 0);
  const label = (p: string) => registry.label(p);
  for (const s of shown) {
    const e = s.entry;
    if (e.kind === 'message') {
      const b = e.body as BodyOf<'message'>;
      messages.set(s.hash, {
        m: { hash: s.hash, author: label(e.author), seq: e.seq, time: e.time, precedence: b.precedence, lang: b.lang, text: b.text, drill: b.drill === true, from: b.from, ...(b.format ? { format: b.format, fields: b.fields } : {}), receivedBy: [], acks: [] },
        receivedBy: new Map(),
        acks: [],
      });
    }
  }
  // Receipts: for each holder and author, the highest receipt; a message is received by a party
  // once that party's receipts cover it.
  const receiptEntries = shown.filter((s) => s.entry.kind === 'receipt');
  for (const s of receiptEntries) {
    for (const h of (s.entry.body as BodyOf<'receipt'>).holds) {
      const key = `${s.entry.author}/${h.author}`;
      const prior = receipts.get(key);
      if (!prior || prior.upTo < h.seq)
        receipts.set(key, { holder: label(s.entry.author), author: label(h.author), upTo: h.seq, of: counts.get(h.author) ?? 0, head: h.hash, at: s.entry.time });
    }
  }
  const receiptSteps = new Map<string, Array<{ seq: number; at: number }>>();
  for (const s of receiptEntries)
    for (const h of (s.entry.body as BodyOf<'receipt'>).holds) {
      const key = `${s.entry.author}/${h.author}`;
      const list = receiptSteps.get(key) ?? [];
      list.push({ seq: h.seq, at: s.entry.time });
      receiptSteps.set(key, list);
    }
  const messagesByAuthor = new Map<string, ReportMessage[]>();
  for (const { m } of messages.values()) {
    const list = messagesByAuthor.get(m.author) ?? [];
    list.push(m);
    messagesByAuthor.set(m.author, list);
  }
  for (const list of messagesByAuthor.values()) list.sort((a, b) => a.seq - b.seq);
  for (const [key, steps] of receiptSteps) {
    const [holder, author] = key.split('/') as [string, string];
    const list = messagesByAuthor.get(label(author)) ?? [];
    steps.sort((a, b) => a.at - b.at || a.seq - b.seq);
    // Receipts are cumulative: walk them in time order and mark each newly covered message once.
    let covered = 0;
    let next = 0;
    for (const st of steps) {
      covered = Math.max(covered, st.seq);
      while (next < list.length && list[next]!.seq <= covered) {
        messages.get(list[next]!.hash)!.receivedBy.set(label(holder), st.at);
        next++;
      }
    }
  }
  for (const s of shown) {
    if (s.entry.kind !== 'ack') continue;
    const b = s.entry.body as BodyOf<'ack'>;
    messages.get(b.message)?.acks.push({ party: label(s.entry.author), officer: b.officer, at: s.entry.time, entry: s.hash });
  }

  const parties = reportParties(derived.charter.parties, registry, log);
  const chainBroken = allErrors.some((e) => CHAIN_CODES.has(e.code) || e.code === 'ENTRY_WRONG_CHANNEL' || e.code === 'BUNDLE_MISSING_PROPOSAL');
  const sigBroken = allErrors.some((e) => SIGNATURE_CODES.has(e.code) || e.code === 'ENTRY_NON_CANONICAL' || e.code === 'CARD_BAD_SIGNATURE');
  return {
    valid: allErrors.length === 0,
    channel,
    title: derived.charter.title,
    tier: derived.charter.tier,
    state: derived.state,
    asOf: judgeAt,
    charterHash: derived.charterHash,
    parties,
    history,
    integrity: { entries: input.entries, verified: input.period?.verified ?? log.size, chains: chainBroken ? 'broken' : 'intact', signatures: sigBroken ? 'invalid' : 'valid' },
    receipts: [...receipts.values()].sort((a, b) => cmp(a.holder, b.holder) || cmp(a.author, b.author)),
    messages: [...messages.values()].map((x) => ({
      ...x.m,
      receivedBy: [...x.receivedBy].map(([party, at]) => ({ party, at })).sort((a, b) => cmp(a.party, b.party)),
      acks: x.acks,
    })),
    equivocations,
    ...reportAmendments(derived, label),
    ...(log.dialogue.size > 0 ? { dialogue: summarizeDialogue(log.dialogue.entries(), derived.charter.parties.map((p) => p.party), judgeAt, label) } : {}),
    ...linkSection(shown, label),
    ...(input.period ? { period: input.period.report } : {}),
    errors: allErrors,
    firstError: allErrors[0] ?? null,
  };
}

/** The parties of the charter in force as a report shows them (§8.3): names, fingerprint, log held. */
/** The report's `amendments` member (§8.3): present only when there is an amendment. */
export function reportAmendments(derived: Pick<DerivedState, 'amendments'>, label: (party: string) => string): Pick<VerificationReport, 'amendments'> {
  if (derived.amendments.length === 0) return {};
  return { amendments: derived.amendments.map((a) => ({ charterHash: a.hash, proposer: label(a.proposer), at: a.time, reason: a.reason, status: a.status, accepted: [...a.accepted].map(label).sort(cmp) })) };
}

export function reportParties(charterParties: ReadonlyArray<{ readonly party: string; readonly code: string }>, registry: KeyRegistry, log: ChannelLog): ReportParty[] {
  return charterParties.map((p) => {
    const card = registry.card(p.party);
    return {
      code: card?.code ?? p.code,
      party: p.party,
      names: card?.names ?? {},
      fingerprint: fingerprint(p.party),
      entries: log.head(p.party)?.seq ?? 0,
      head: log.head(p.party),
      revocations: registry.revocations(p.party).map((r) => ({ key: r.key, from: r.from })),
    };
  });
}

/** Canonical JSON of a report: byte-identical for identical input. */
export function reportJson(report: VerificationReport): string {
  return canonicalize(report);
}


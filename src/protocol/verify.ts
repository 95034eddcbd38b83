/**
 * The offline verifier (docs/protocol.md §8.2): reads a transcript bundle and reports who said
 * what, when, who received and acknowledged it, and the first thing wrong, if anything.
 * Deterministic: the same bundle, in any order of lines from different authors, gives the same
 * verdict. Signature checks may be done beforehand on other cores (see precheckLines).
 */
import { ChannelLog } from './channel-log.js';
import { CONTROL_KINDS, deriveState, type ChannelState, type ControlEntry } from './charter.js';
import { canonicalize } from './encoding.js';
import { checkEntryValue, parseEntry, verifyEntrySignature, type Entry, type SealedEntry } from './entry.js';
import { protocolError, type ProtocolError } from './errors.js';
import { KeyRegistry } from './identity.js';
import { fingerprint } from './keys.js';
import { isBundleHeader, type BundleHeader } from './bundle.js';
import type { BodyOf, PartyCard } from './schemas.js';

/** Every canonical entry starts with its first member in code-point order, "author". */
const ENTRY_PREFIX = '{"author":';

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
  return lines.map((line) => {
    if (!line.startsWith(ENTRY_PREFIX)) return {};
    const r = parseEntry(line);
    if (!r.ok) return { error: r.error };
    return { hash: r.sealed.hash, signatureOk: verifyEntrySignature(r.sealed) };
  });
}

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
  readonly parties: readonly ReportParty[];
  readonly history: readonly ReportTransition[];
  readonly integrity: { readonly entries: number; readonly verified: number; readonly chains: 'intact' | 'broken'; readonly signatures: 'valid' | 'invalid' };
  readonly receipts: readonly ReportReceipt[];
  readonly messages: readonly ReportMessage[];
  readonly equivocations: readonly ReportEquivocation[];
  readonly errors: readonly ReportError[];
  readonly firstError: ReportError | null;
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

function err(e: ProtocolError, where: { line?: number; author?: string; seq?: number } = {}): ReportError {
  return { code: e.code, message: e.message, ...where };
}

/** Splits bundle text into lines, reporting an empty or truncated file. */
export function splitBundle(text: string): { lines: string[]; error?: ReportError } {
  if (text.trim() === '') return { lines: [], error: err(protocolError('BUNDLE_EMPTY')) };
  const lines = text.split('\n');
  const complete = text.endsWith('\n');
  if (complete) lines.pop();
  if (!complete) {
    const last = lines[lines.length - 1]!;
    try {
      JSON.parse(last);
    } catch {
      if (lines.length > 1) return { lines, error: err(protocolError('BUNDLE_TRUNCATED', { line: lines.length }), { line: lines.length }) };
    }
  }
  return { lines };
}

/** Verifies a transcript bundle and reports on it. Never throws on bad input. */
export function verifyBundle(text: string, options: VerifyOptions = {}): VerificationReport {
  const split = splitBundle(text);
  if (split.error) return failed([split.error]);
  const lines = split.lines;
  let header: BundleHeader;
  try {
    const first: unknown = JSON.parse(lines[0]!);
    if (!isBundleHeader(first)) return failed([err(protocolError('BUNDLE_NOT_A_BUNDLE', { detail: 'the first line is not a bundle header' }), { line: 1 })]);
    header = first;
  } catch {
    return failed([err(protocolError('BUNDLE_NOT_A_BUNDLE', { detail: 'the first line is not JSON' }), { line: 1 })]);
  }
  const channel = header.channel;
  const registry = new KeyRegistry();
  const errors: ReportError[] = [];
  const lineErrors: ReportError[] = [];
  const cards: PartyCard[] = [];
  const sealed: Array<{ s: SealedEntry; line: number; sigOk: boolean | undefined }> = [];

  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    const pre = options.prechecks?.[i];
    if (!line.startsWith(ENTRY_PREFIX)) {
      let card: unknown;
      try {
        card = JSON.parse(line);
      } catch (e) {
        lineErrors.push(err(protocolError('BUNDLE_MALFORMED_LINE', { line: lineNo, detail: ` (${(e as Error).message})` }), { line: lineNo }));
        continue;
      }
      if ((card as { type?: unknown } | null)?.type !== 'hotline.party-card') {
        const r = checkEntryValue(card, line);
        lineErrors.push(err(r.ok ? protocolError('ENTRY_NON_CANONICAL', { where: '' }) : r.error, { line: lineNo }));
        continue;
      }
      const problem = registry.addCard(card as PartyCard);
      if (problem) errors.push(err(problem, { line: lineNo }));
      else cards.push(card as PartyCard);
      continue;
    }
    // A line the precheck rejected is re-checked below, so that its error (and line number) is
    // exactly the one a verification without prechecks reports.
    if (pre?.hash) {
      // precheckLines already checked this very line completely (shape, canonical form, hash,
      // signature); prechecks must come from precheckLines on the same lines.
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        lineErrors.push(err(protocolError('BUNDLE_MALFORMED_LINE', { line: lineNo, detail: '' }), { line: lineNo }));
        continue;
      }
      sealed.push({ s: { entry: value as Entry, hash: pre.hash, raw: line }, line: lineNo, sigOk: pre.signatureOk });
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
    sealed.push({ s: parsed.sealed, line: lineNo, sigOk: undefined });
  }

  const proposalItem = sealed.find((x) => x.s.hash === channel && x.s.entry.kind === 'charter.propose');
  if (!proposalItem) return failed([err(protocolError('BUNDLE_MISSING_PROPOSAL', { channel: channel.slice(0, 12) })), ...errors, ...lineErrors], channel);

  // Authors without a card cannot be checked at all.
  const authorsWithoutCard = new Set<string>();
  for (const x of sealed) if (!registry.card(x.s.entry.author)) authorsWithoutCard.add(x.s.entry.author);
  for (const a of [...authorsWithoutCard].sort()) errors.push(err(protocolError('BUNDLE_MISSING_CARD', { author: a.slice(0, 8) }), { author: a }));

  const signatureOk = (x: { s: SealedEntry; sigOk: boolean | undefined }) => x.sigOk ?? verifyEntrySignature(x.s);
  const proposalSigOk = signatureOk(proposalItem);
  const founded = proposalSigOk
    ? ChannelLog.found(proposalItem.s, registry, { signatureChecked: true })
    : ({ ok: false, error: protocolError('ENTRY_BAD_SIGNATURE', { author: proposalItem.s.entry.author.slice(0, 8), seq: 1 }) } as const);
  if (!founded.ok) return failed([err(founded.error, { line: proposalItem.line, author: proposalItem.s.entry.author, seq: 1 }), ...errors, ...lineErrors], channel);
  const log = founded.log;

  // Group by author, in sequence order; identical duplicates collapse, conflicting ones are evidence.
  const byAuthor = new Map<string, Array<{ s: SealedEntry; line: number; sigOk: boolean | undefined }>>();
  const entryErrors: ReportError[] = [];
  for (const x of sealed) {
    // A repeated copy of the proposal is an identical duplicate, like any other (§8.2 step 8).
    if (x === proposalItem || x.s.hash === proposalItem.s.hash) continue;
    if (x.s.entry.channel !== channel) {
      entryErrors.push(err(protocolError('ENTRY_WRONG_CHANNEL', { author: x.s.entry.author.slice(0, 8), seq: x.s.entry.seq, entryChannel: String(x.s.entry.channel).slice(0, 12), channel: channel.slice(0, 12) }), { line: x.line, author: x.s.entry.author, seq: x.s.entry.seq }));
      continue;
    }
    const list = byAuthor.get(x.s.entry.author) ?? [];
    list.push(x);
    byAuthor.set(x.s.entry.author, list);
  }
  const equivocations: ReportEquivocation[] = [];
  const queues = new Map<string, Array<{ s: SealedEntry; line: number; sigOk: boolean | undefined }>>();
  for (const [author, list] of [...byAuthor].sort(([a], [b]) => (a < b ? -1 : 1))) {
    list.sort((a, b) => a.s.entry.seq - b.s.entry.seq || (a.s.hash < b.s.hash ? -1 : a.s.hash > b.s.hash ? 1 : 0));
    const unique: typeof list = [];
    for (const x of list) {
      const prev = unique[unique.length - 1];
      if (prev && prev.s.entry.seq === x.s.entry.seq) {
        if (prev.s.hash === x.s.hash) continue;
        if (signatureOk(prev) && signatureOk(x)) {
          equivocations.push({ author, seq: x.s.entry.seq, entries: [prev.s.raw, x.s.raw] });
          entryErrors.push(err(protocolError('ENTRY_EQUIVOCATION', { author: author.slice(0, 8), seq: x.s.entry.seq }), { author, seq: x.s.entry.seq }));
        } else {
          const bad = signatureOk(prev) ? x : prev;
          entryErrors.push(err(protocolError('ENTRY_BAD_SIGNATURE', { author: author.slice(0, 8), seq: bad.s.entry.seq }), { line: bad.line, author, seq: bad.s.entry.seq }));
          if (bad === prev) unique[unique.length - 1] = x;
        }
        continue;
      }
      unique.push(x);
    }
    queues.set(author, unique);
  }

  // Ingest: each author's log in order, switching authors when a dependency is not yet in.
  const history: ReportTransition[] = [];
  const total = sealed.length;
  let done = 1;
  const proposal = proposalItem.s.entry;
  const position = new Map<string, number>([...queues.keys()].map((a) => [a, 0]));
  const stalled = new Map<string, { error: ProtocolError; line: number; seq: number }>();
  const stopped = new Set<string>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const [author, queue] of queues) {
      if (stopped.has(author)) continue;
      let i = position.get(author)!;
      while (i < queue.length) {
        const x = queue[i]!;
        if (!signatureOk(x)) {
          entryErrors.push(err(protocolError('ENTRY_BAD_SIGNATURE', { author: author.slice(0, 8), seq: x.s.entry.seq }), { line: x.line, author, seq: x.s.entry.seq }));
          stopped.add(author);
          break;
        }
        const r = log.ingest(x.s, { signatureChecked: true });
        if (r.status === 'pending') {
          stalled.set(author, { error: r.error, line: x.line, seq: x.s.entry.seq });
          break;
        }
        stalled.delete(author);
        if (r.status === 'rejected' || r.status === 'equivocation') {
          entryErrors.push(err(r.error, { line: x.line, author, seq: x.s.entry.seq }));
          stopped.add(author);
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
  for (const [author, s] of stalled) entryErrors.push(err(s.error, { line: s.line, author, seq: s.seq }));
  options.onProgress?.(total, total);

  // Entries that could not be placed after an author's first error are not reported one by one.
  entryErrors.sort((a, b) => (a.author ?? '').localeCompare(b.author ?? '') || (a.seq ?? 0) - (b.seq ?? 0) || a.code.localeCompare(b.code));
  lineErrors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  // Root causes first: a damaged line or a bad signature explains the gaps and missing
  // dependencies that follow from it (docs/protocol.md §8.2).
  const consequence = (e: ReportError) => e.code === 'ENTRY_SEQUENCE_GAP' || e.code === 'ENTRY_UNKNOWN_DEPENDENCY';
  const allErrors = [...errors, ...entryErrors.filter((e) => !consequence(e)), ...lineErrors, ...entryErrors.filter(consequence)];

  // Collect what the report shows from the accepted entries.
  const judgeAt = header.exportedAt ?? sealed.reduce((m, x) => Math.max(m, x.s.entry.time), 0);
  const derived = log.state(judgeAt);
  const accepted: SealedEntry[] = [];
  for (const [author, queue] of queues) for (const x of queue.slice(0, position.get(author))) accepted.push(x.s);
  accepted.push(proposalItem.s);
  const ordered = accepted.sort((a, b) => a.entry.time - b.entry.time || (a.entry.author < b.entry.author ? -1 : a.entry.author > b.entry.author ? 1 : a.entry.seq - b.entry.seq));
  // State history in author-time order (not processing order): replay the accepted control
  // entries, oldest first, and record every change of state (docs/protocol.md §8.2).
  {
    const proposalControl: ControlEntry = { author: proposal.author, seq: 1, time: proposal.time, hash: proposalItem.s.hash, kind: proposal.kind, body: proposal.body };
    const included: ControlEntry[] = [];
    let last: ChannelState | undefined = deriveState(proposalControl, [], proposal.time).state;
    history.push({ state: last, at: proposal.time, by: registry.label(proposal.author), entry: proposalItem.s.hash, kind: proposal.kind });
    for (const s of ordered) {
      if (!CONTROL_KINDS.has(s.entry.kind) || s === proposalItem.s) continue;
      included.push({ author: s.entry.author, seq: s.entry.seq, time: s.entry.time, hash: s.hash, kind: s.entry.kind, body: s.entry.body });
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
  for (const s of ordered) {
    const e = s.entry;
    if (e.kind === 'message') {
      const b = e.body as BodyOf<'message'>;
      messages.set(s.hash, {
        m: { hash: s.hash, author: label(e.author), seq: e.seq, time: e.time, precedence: b.precedence, lang: b.lang, text: b.text, drill: b.drill === true, from: b.from, receivedBy: [], acks: [] },
        receivedBy: new Map(),
        acks: [],
      });
    }
  }
  // Receipts: for each holder and author, the highest receipt; a message is received by a party
  // once that party's receipts cover it.
  const receiptEntries = ordered.filter((s) => s.entry.kind === 'receipt');
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
  for (const s of ordered) {
    if (s.entry.kind !== 'ack') continue;
    const b = s.entry.body as BodyOf<'ack'>;
    messages.get(b.message)?.acks.push({ party: label(s.entry.author), officer: b.officer, at: s.entry.time, entry: s.hash });
  }

  const parties: ReportParty[] = derived.charter.parties.map((p) => {
    const card = registry.card(p.party);
    return {
      code: card?.code ?? p.code,
      party: p.party,
      names: card?.names ?? {},
      fingerprint: fingerprint(p.party),
      entries: counts.get(p.party) ?? 0,
      head: log.head(p.party),
    };
  });
  const chainBroken = allErrors.some((e) => CHAIN_CODES.has(e.code) || e.code === 'ENTRY_WRONG_CHANNEL' || e.code === 'BUNDLE_MISSING_PROPOSAL');
  const sigBroken = allErrors.some((e) => SIGNATURE_CODES.has(e.code) || e.code === 'ENTRY_NON_CANONICAL' || e.code === 'CARD_BAD_SIGNATURE');
  return {
    valid: allErrors.length === 0,
    channel,
    title: derived.charter.title,
    tier: derived.charter.tier,
    state: derived.state,
    parties,
    history,
    integrity: { entries: sealed.length, verified: log.size, chains: chainBroken ? 'broken' : 'intact', signatures: sigBroken ? 'invalid' : 'valid' },
    receipts: [...receipts.values()].sort((a, b) => a.holder.localeCompare(b.holder) || a.author.localeCompare(b.author)),
    messages: [...messages.values()].map((x) => ({
      ...x.m,
      receivedBy: [...x.receivedBy].map(([party, at]) => ({ party, at })).sort((a, b) => a.party.localeCompare(b.party)),
      acks: x.acks,
    })),
    equivocations,
    errors: allErrors,
    firstError: allErrors[0] ?? null,
  };
}

/** Canonical JSON of a report: byte-identical for identical input. */
export function reportJson(report: VerificationReport): string {
  return canonicalize(report);
}

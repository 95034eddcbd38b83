/**
 * The verification report built entry by entry (docs/protocol.md §8.2), for bundles verified as a
 * stream: the same report as verifyBundle's buildReport, from state that does not grow with the
 * number of entries, except the messages listed (at most `messageLimit`, the first by author time;
 * the others are counted in `messagesNotListed`) and the control entries (few by nature).
 */
import type { ChannelLog } from './channel-log.js';
import { CONTROL_KINDS, deriveState, type ChannelState, type ControlEntry } from './charter.js';
import { summarizeDialogue } from './dialogue-summary.js';
import { linkSection, type ReportLinkHealth } from './link-report.js';
import type { SealedEntry } from './entry.js';
import type { KeyRegistry } from './identity.js';
import type { BodyOf } from './schemas.js';
import { reportAmendments, reportParties, type ReportMessage, type ReportReceipt, type ReportTransition, type VerificationReport } from './verify.js';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** buildReport's order of entries: author time, then author, then seq. */
interface Key {
  readonly time: number;
  readonly author: string;
  readonly seq: number;
}
const byKey = (a: Key, b: Key) => a.time - b.time || cmp(a.author, b.author) || a.seq - b.seq;

interface Listed {
  readonly key: Key;
  readonly m: ReportMessage;
  readonly acks: Array<{ key: Key; ack: ReportMessage['acks'][number] }>;
}

/** Receipts of one holder for one author: the messages listed, and the earliest receipt time per gap. */
interface Coverage {
  /** Listed messages of the author, in seq order (they arrive in seq order). */
  readonly seqs: number[];
  readonly hashes: string[];
  /** best[i]: the earliest time of a receipt covering seqs[i-1] but not seqs[i] (i = 0: none). */
  readonly best: number[];
}

export class StreamReport {
  /** The link-health section, from the link records in the in-memory report's order (time, author, seq). */
  #linkSection(label: (p: string) => string): { link?: ReportLinkHealth } {
    return linkSection([...this.#linkRecords].sort((a, b) => a.entry.time - b.entry.time || cmp(a.entry.author, b.entry.author) || a.entry.seq - b.entry.seq), label);
  }

  #judgeAt = 0;
  #entries = 0;
  readonly #controls: SealedEntry[] = [];
  readonly #listed = new Map<string, Listed>();
  #notListed = 0;
  /** Listed messages per author, in seq order. */
  readonly #byAuthor = new Map<string, Array<{ seq: number; hash: string }>>();
  readonly #coverage = new Map<string, Coverage>();
  readonly #receipts = new Map<string, { r: ReportReceipt; key: Key }>();
  /** Version-2 link records (§6.2): an hourly summary per party and its state changes, kept whole. */
  readonly #linkRecords: SealedEntry[] = [];

  constructor(
    readonly proposal: SealedEntry,
    readonly registry: KeyRegistry,
    readonly messageLimit: number,
  ) {
    this.#judgeAt = proposal.entry.time;
  }

  /** Counts an entry line of the bundle (accepted or not). */
  line(): void {
    this.#entries++;
  }

  /** Records an accepted entry (the proposal is recorded by the constructor). */
  accepted(s: SealedEntry): void {
    const e = s.entry;
    if (e.time > this.#judgeAt) this.#judgeAt = e.time;
    const key: Key = { time: e.time, author: e.author, seq: e.seq };
    if (CONTROL_KINDS.has(e.kind as never)) this.#controls.push(s);
    else if (e.kind === 'message') this.#message(s, key);
    else if (e.kind === 'receipt') this.#receipt(s, key);
    else if (e.kind === 'link.summary' || e.kind === 'link.state') this.#linkRecords.push(s);
    else if (e.kind === 'ack') {
      const b = e.body as BodyOf<'ack'>;
      this.#listed.get(b.message)?.acks.push({ key, ack: { party: this.registry.label(e.author), officer: b.officer, at: e.time, entry: s.hash } });
    }
  }

  #message(s: SealedEntry, key: Key): void {
    const e = s.entry;
    if (this.#listed.size >= this.messageLimit) {
      this.#notListed++;
      return;
    }
    const b = e.body as BodyOf<'message'>;
    const m: ReportMessage = { hash: s.hash, author: this.registry.label(e.author), seq: e.seq, time: e.time, precedence: b.precedence, lang: b.lang, text: b.text, drill: b.drill === true, from: b.from, ...(b.format ? { format: b.format, fields: b.fields } : {}), receivedBy: [], acks: [] };
    this.#listed.set(s.hash, { key, m, acks: [] });
    const list = this.#byAuthor.get(e.author) ?? [];
    list.push({ seq: e.seq, hash: s.hash });
    this.#byAuthor.set(e.author, list);
    for (const [pair, c] of this.#coverage) {
      if (pair.slice(pair.indexOf('/') + 1) !== e.author) continue;
      c.seqs.push(e.seq);
      c.hashes.push(s.hash);
      c.best.push(Infinity);
    }
  }

  #coverageOf(holder: string, author: string): Coverage {
    const pair = `${holder}/${author}`;
    let c = this.#coverage.get(pair);
    if (!c) {
      const list = this.#byAuthor.get(author) ?? [];
      c = { seqs: list.map((x) => x.seq), hashes: list.map((x) => x.hash), best: [Infinity, ...list.map(() => Infinity)] };
      this.#coverage.set(pair, c);
    }
    return c;
  }

  #receipt(s: SealedEntry, key: Key): void {
    const e = s.entry;
    for (const h of (e.body as BodyOf<'receipt'>).holds) {
      const pair = `${e.author}/${h.author}`;
      const prior = this.#receipts.get(pair);
      if (!prior || prior.r.upTo < h.seq || (prior.r.upTo === h.seq && byKey(key, prior.key) < 0))
        this.#receipts.set(pair, { key, r: { holder: e.author, author: h.author, upTo: h.seq, of: 0, head: h.hash, at: e.time } });
      // A message is received at the earliest receipt covering it (receipts are cumulative).
      const c = this.#coverageOf(e.author, h.author);
      let lo = 0;
      let hi = c.seqs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (c.seqs[mid]! <= h.seq) lo = mid + 1;
        else hi = mid;
      }
      if (e.time < c.best[lo]!) c.best[lo] = e.time;
    }
  }

  /** The report, once every entry was offered. */
  build(log: ChannelLog, channel: string): VerificationReport {
    const registry = this.registry;
    const label = (p: string) => registry.label(p);
    const judgeAt = this.#judgeAt;
    const derived = log.state(judgeAt);
    const proposal = this.proposal.entry;
    const history: ReportTransition[] = [];
    const proposalControl: ControlEntry = { author: proposal.author, seq: 1, time: proposal.time, hash: this.proposal.hash, kind: proposal.kind, body: proposal.body };
    const included: ControlEntry[] = [];
    let last: ChannelState | undefined = deriveState(proposalControl, [], proposal.time).state;
    history.push({ state: last, at: proposal.time, by: label(proposal.author), entry: this.proposal.hash, kind: proposal.kind });
    for (const s of [...this.#controls].sort((a, b) => byKey(a.entry, b.entry))) {
      included.push({ author: s.entry.author, seq: s.entry.seq, time: s.entry.time, hash: s.hash, kind: s.entry.kind, body: s.entry.body, heads: s.entry.heads });
      const st = deriveState(proposalControl, included, s.entry.time).state;
      if (st !== last) {
        history.push({ state: st, at: s.entry.time, by: label(s.entry.author), entry: s.hash, kind: s.entry.kind, reason: (s.entry.body as { reason?: string }).reason });
        last = st;
      }
    }
    if (derived.state !== last) history.push({ state: derived.state, at: judgeAt, by: '-', entry: '', kind: 'time' });

    const counts = new Map<string, number>();
    for (const a of log.authors()) counts.set(a, log.head(a)?.seq ?? 0);
    const receivedBy = new Map<string, Array<{ party: string; at: number }>>();
    for (const [pair, c] of this.#coverage) {
      const holder = label(pair.slice(0, pair.indexOf('/')));
      // A message at index i is received at the earliest receipt covering it: best[j] for j > i.
      let min = Infinity;
      for (let i = c.seqs.length - 1; i >= 0; i--) {
        min = Math.min(min, c.best[i + 1]!);
        if (min === Infinity) continue;
        const list = receivedBy.get(c.hashes[i]!) ?? [];
        list.push({ party: holder, at: min });
        receivedBy.set(c.hashes[i]!, list);
      }
    }
    const messages = [...this.#listed.values()]
      .sort((a, b) => byKey(a.key, b.key))
      .map((x) => ({
        ...x.m,
        receivedBy: (receivedBy.get(x.m.hash) ?? []).sort((a, b) => cmp(a.party, b.party)),
        acks: x.acks.sort((a, b) => byKey(a.key, b.key)).map((a) => a.ack),
      }));
    const receipts = [...this.#receipts.values()]
      .map(({ r }) => ({ ...r, holder: label(r.holder), author: label(r.author), of: counts.get(r.author) ?? 0 }))
      .sort((a, b) => cmp(a.holder, b.holder) || cmp(a.author, b.author));
    const parties = reportParties(derived.charter.parties, registry, log);
    return {
      valid: true,
      channel,
      title: derived.charter.title,
      tier: derived.charter.tier,
      state: derived.state,
      asOf: judgeAt,
      charterHash: derived.charterHash,
      parties,
      history,
      integrity: { entries: this.#entries, verified: log.size, chains: 'intact', signatures: 'valid' },
      receipts,
      messages,
      ...(this.#notListed > 0 ? { messagesNotListed: this.#notListed } : {}),
      equivocations: [],
      ...this.#linkSection(label),
      ...reportAmendments(derived, label),
      ...(log.dialogue.size > 0 ? { dialogue: summarizeDialogue(log.dialogue.entries(), derived.charter.parties.map((p) => p.party), judgeAt, label) } : {}),
      errors: [],
      firstError: null,
    };
  }
}

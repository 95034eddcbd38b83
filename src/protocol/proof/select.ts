/**
 * Choosing what a proof of one message holds (docs/protocol.md §14.3), from any source of a
 * channel's entries: for each other party, its first receipt that covers the message and its
 * acknowledgements of it; then the sender's entries between the message and the highest receipt.
 * The source is asynchronous (a terminal reads its store), the choice is pure.
 *
 * Cost: a binary search over each party's log for its first entry that had seen the message
 * (its heads only grow), then a forward scan of that party's receipts and acknowledgements, then
 * the path. With receipts written within seconds of each message (as terminals do), the path is
 * a handful of entries whatever the log's length.
 */
import type { SealedEntry } from '../entry.js';
import type { BodyOf, Charter, PartyCard } from '../schemas.js';
import { receiptHolds, type ProofParts } from './document.js';

/** Read access to one channel's entries. */
export interface ProofSource {
  readonly proposal: SealedEntry;
  readonly cards: readonly PartyCard[];
  /** Every author with entries in the channel. */
  authors(): readonly string[];
  /** The highest seq held of `author` (0 when none). */
  length(author: string): number;
  entry(author: string, seq: number): Promise<SealedEntry | undefined>;
  /** `author`'s entries with seq in [from, to], in seq order. */
  range(author: string, from: number, to: number): Promise<readonly SealedEntry[]>;
  /** `author`'s entries of one of `kinds` with seq ≥ from, in seq order, at most `limit`. */
  scan(author: string, from: number, kinds: readonly string[], limit: number): Promise<readonly SealedEntry[]>;
  /**
   * Every acknowledgement of `message` held, in arrival order (a terminal lists them with the
   * message), if the source can tell: then they are read directly instead of scanning every later
   * entry of every party.
   */
  acksOf?(message: SealedEntry): Promise<readonly SealedEntry[]>;
}

const PAGE = 256;

/** The first seq of `author` whose heads name the sender's log at `seq` or beyond, or undefined. */
async function firstSeen(src: ProofSource, author: string, sender: string, seq: number): Promise<number | undefined> {
  let lo = 1;
  let hi = src.length(author);
  let found: number | undefined;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const e = await src.entry(author, mid);
    if (e && (e.entry.heads[sender]?.seq ?? 0) >= seq) {
      found = mid;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  return found;
}

/** The acknowledgements of `message` by `party` from its seq `from` on, by a forward scan. */
async function scanAcks(src: ProofSource, party: string, from: number, message: string): Promise<SealedEntry[]> {
  const acks: SealedEntry[] = [];
  for (let at = from; ; ) {
    const page = await src.scan(party, at, ['ack'], PAGE);
    for (const a of page) if ((a.entry.body as BodyOf<'ack'>).message === message) acks.push(a);
    if (page.length < PAGE) return acks;
    at = page[page.length - 1]!.entry.seq + 1;
  }
}

/**
 * The parties a proof can show (docs/protocol.md §14.4 step 2, §14.5): those of the proposal's
 * charter. A proof carries no amendment, so a receipt or acknowledgement of a party an amendment
 * added would fail its verification: the maker leaves them out.
 */
export function proofParties(proposal: SealedEntry): ReadonlySet<string> {
  return new Set(((proposal.entry.body as { charter: Charter }).charter.parties ?? []).map((p) => p.party));
}

/** The parts of the proof of `message`, or undefined when no party of the proposal has receipted it yet. */
export async function selectProofParts(src: ProofSource, message: SealedEntry, madeAt?: number): Promise<ProofParts | undefined> {
  const m = message.entry;
  const parties = proofParties(src.proposal);
  const receipts: SealedEntry[] = [];
  const acks: SealedEntry[] = [];
  let highest = 0;
  for (const party of src.authors()) {
    if (party === m.author || !parties.has(party)) continue;
    const from = await firstSeen(src, party, m.author, m.seq);
    if (from === undefined) continue;
    let receipt: SealedEntry | undefined;
    for (let at = from; receipt === undefined; ) {
      const page = await src.scan(party, at, ['receipt'], PAGE);
      receipt = page.find((r) => receiptHolds(r.entry, m.author, m.seq));
      if (page.length < PAGE) break;
      at = page[page.length - 1]!.entry.seq + 1;
    }
    if (!receipt) continue;
    receipts.push(receipt);
    highest = Math.max(highest, receiptHolds(receipt.entry, m.author, m.seq)!.seq);
    if (!src.acksOf) acks.push(...(await scanAcks(src, party, from, message.hash)));
  }
  // Each party's acknowledgements (a channel of three: CN's and RU's), those of the proposal's parties.
  if (src.acksOf) for (const a of await src.acksOf(message)) if (a.entry.kind === 'ack' && a.entry.author !== m.author && parties.has(a.entry.author) && (a.entry.body as BodyOf<'ack'>).message === message.hash) acks.push(a);
  if (receipts.length === 0) return undefined;
  const path = highest > m.seq ? await src.range(m.author, m.seq + 1, highest) : [];
  return { proposal: src.proposal, cards: src.cards, message, path, receipts, acks: acks.slice(0, 256), ...(madeAt !== undefined ? { madeAt } : {}) };
}

/** A source over entries held in memory (tests, vectors, tools). */
export function memorySource(proposal: SealedEntry, cards: readonly PartyCard[], entries: readonly SealedEntry[]): ProofSource {
  const logs = new Map<string, SealedEntry[]>();
  for (const s of entries) {
    if (s.entry.channel === null) continue;
    const log = logs.get(s.entry.author) ?? [];
    log[s.entry.seq - 1] = s;
    logs.set(s.entry.author, log);
  }
  const proposer = proposal.entry.author;
  const log = logs.get(proposer) ?? [];
  log[0] = proposal;
  logs.set(proposer, log);
  return {
    proposal,
    cards,
    authors: () => [...logs.keys()],
    length: (a) => logs.get(a)?.length ?? 0,
    entry: async (a, seq) => logs.get(a)?.[seq - 1],
    range: async (a, from, to) => (logs.get(a) ?? []).slice(from - 1, to),
    scan: async (a, from, kinds, limit) => (logs.get(a) ?? []).slice(from - 1).filter((s) => kinds.includes(s.entry.kind)).slice(0, limit),
  };
}

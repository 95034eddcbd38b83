/**
 * A channel's logs as one party holds them, and the rules every new entry must pass
 * (docs/protocol.md §6–§7). Pure and synchronous: the terminal feeds it entries from the network
 * and the store; the verifier feeds it a bundle. Everything an entry is judged against is its
 * CAUSAL PAST (its author's earlier entries and, for every other author, the entries up to the
 * head it names), so the verdict never depends on arrival order.
 */
import {
  CONTROL_KINDS,
  KINDS_BY_STATE,
  charterHash,
  checkCharter,
  deriveState,
  isWriter,
  rolesOf,
  writers,
  type ControlEntry,
  type DerivedState,
} from './charter.js';
import { DialogueIndex } from './dialogue-check.js';
import { isDialogueKind } from './dialogue.js';
import { verifyEntrySignature, type Entry, type SealedEntry } from './entry.js';
import { MISSING_ADVICE, protocolError, type ProtocolError } from './errors.js';
import { checkRevocation, checkTerminalCertificate, judgeKeyWithHeld, type KeyCheck, type KeyRegistry } from './identity.js';
import { checkLinkRecord } from './link-record.js';
import { lastingCommitment, type LastingPlace } from './checkpoint.js';
import { checkFormattedMessage, type FormatResolver } from './formats/message.js';
import { shippedFormat } from './formats/library/index.js';
import type { BodyOf, Charter, Head, KeyRevocation, TerminalCertificate } from './schemas.js';

/** What happened to an entry offered to a ChannelLog. */
export type IngestResult =
  | { readonly status: 'accepted'; readonly sealed: SealedEntry; readonly stateChanged: boolean }
  | { readonly status: 'duplicate' }
  | {
      readonly status: 'pending';
      /** The entries to fetch first: each range is inclusive. */
      readonly missing: ReadonlyArray<{ author: string; fromSeq: number; toSeq: number }>;
      readonly error: ProtocolError;
    }
  | { readonly status: 'equivocation'; readonly existingHash: string; readonly error: ProtocolError }
  | { readonly status: 'rejected'; readonly error: ProtocolError }
  /**
   * Judging the entry needs a fact about an entry older than the log keeps in memory (see
   * `trimPlan`): the caller reads it from its store, gives it with `warmEntry`/`warmReferent`,
   * and offers the entry again. Never returned by a log that was never trimmed.
   */
  | { readonly status: 'cold'; readonly need: ColdNeed };

/** A fact about an older entry that a trimmed log reads from outside (IngestResult 'cold'). */
export type ColdNeed =
  | { readonly type: 'entry'; readonly author: string; readonly seq: number }
  | { readonly type: 'referent'; readonly hash: string };

/** An older entry's place in its chain, as `warmEntry` gives it. */
export interface ColdEntry {
  readonly author: string;
  readonly seq: number;
  readonly hash: string;
  readonly time: number;
  readonly heads: Readonly<Record<string, Head>>;
}

/** What a trim removes from memory: the referents (messages, link tests) whose entries leave it. */
export interface TrimPlan {
  readonly authors: ReadonlyArray<{ readonly author: string; readonly base: number }>;
  readonly referents: ReadonlyArray<{ readonly hash: string; readonly author: string; readonly seq: number }>;
}

/** Thrown inside a check when a fact lies beyond memory; ingest turns it into 'cold'. */
class ColdMiss {
  constructor(readonly need: ColdNeed) {}
}

/** Facts about older entries kept after a cold lookup (insertion order; the oldest go first). */
const COLD_CACHE = 32_768;

/** What places an entry in its channel's causal order: its author, seq, heads and time (§7). */
type CausalPlace = Pick<Entry, 'author' | 'seq' | 'heads' | 'time'>;

interface AuthorLog {
  /** The author's party id (one string shared by everything held of this log). */
  readonly author: string;
  /** Entries 1..base are no longer in memory (trimmed, or never loaded at restore). */
  base: number;
  /** hashes[i] is the hash of entry seq base+i+1. */
  readonly hashes: string[];
  /**
   * heads[i] is the heads of entry seq i+1. Consecutive entries that saw the same heads share one
   * object, and each head's hash is the string held in its author's `hashes`: a log is held for
   * the terminal's whole life, and every entry's own copies were most of its memory.
   */
  readonly heads: Array<Readonly<Record<string, Head>>>;
  readonly times: number[];
  /** The referents (messages, link tests) among the entries in memory, in seq order. */
  readonly refs: Array<{ readonly seq: number; readonly hash: string }>;
}

/** How many entries of an author's log are held: in memory and before it. */
function count(log: AuthorLog | undefined): number {
  return log === undefined ? 0 : log.base + log.hashes.length;
}


/** Certificates and revocations an author published in this channel, with their seq (§3.2). */
interface KeyEntries {
  readonly certs: Array<{ readonly seq: number; readonly cert: TerminalCertificate }>;
  readonly revocations: Array<{ readonly seq: number; readonly rev: KeyRevocation }>;
}

/** A referenceable entry (message or link test) and where it sits. */
export interface Referent {
  readonly author: string;
  readonly seq: number;
  readonly kind: 'message' | 'link.test';
  /** A link test's t1, which its echo must carry back. */
  readonly t1?: number;
}

/** Options for ingest. */
export interface IngestOptions {
  /** The signature was already verified (e.g. by a worker, or when reloading the store). */
  readonly signatureChecked?: boolean;
  /** Upper bound for author time: entries dated later are refused (the terminal's clock + skew). */
  readonly notAfter?: number;
  /**
   * The entry comes back from this party's own store, where it went only after passing every
   * check here: only its place in the chains is checked again (sequence, previous hash, time
   * order, dependencies held), not the charter's rules, the key or the signature. For reloading
   * logs at start, where those checks were most of the time; never for entries from elsewhere.
   */
  readonly restored?: boolean;
}

const EMPTY_HEADS: Readonly<Record<string, Head>> = Object.freeze({});

function short(party: string): string {
  return party.slice(0, 8);
}

/** The error of an entry whose key may not sign it (§3.2), with the details `authenticate` gives. */
export function keyCheckError(e: Entry, k: KeyCheck & { ok: false }): ProtocolError {
  return protocolError(k.code, {
    author: short(e.author),
    seq: e.seq,
    key: short(e.key),
    time: new Date(e.time).toISOString(),
    revokedAt: k.revokedAt !== undefined ? new Date(k.revokedAt).toISOString() : undefined,
  });
}

/** One channel, as held by one party: every author's log, validated entry by entry. */
export class ChannelLog {
  /** Channel id: the hash of the proposal entry. */
  readonly id: string;
  readonly proposal: SealedEntry<'charter.propose'>;
  readonly #registry: KeyRegistry;
  /** Where the definitions of agreed formats come from (§13.3). */
  readonly #formats: FormatResolver;
  readonly #logs = new Map<string, AuthorLog>();
  readonly #controls = new Map<string, ControlEntry[]>();
  readonly #referents = new Map<string, Referent>();
  readonly #stateCache = new Map<string, DerivedState>();
  /** key.rotate / key.revoke entries held, per author: they count for that author's later entries only. */
  readonly #keyEntries = new Map<string, KeyEntries>();
  /** Every lasting entry held but the proposal (isLastingKind), per author in seq order: what checkpoints commit to (§15.1). */
  readonly #lasting = new Map<string, LastingPlace[]>();
  /** The dialogue entries held (docs/protocol.md §6.1), judged and derived from here. */
  readonly dialogue = new DialogueIndex();
  /** State with every held control entry in view (cleared when one is added). */
  #fullState: DerivedState | undefined;
  /** The last state(), with everything held in view; dropped when a control entry arrives. */
  #viewState: DerivedState | undefined;
  #count = 0;
  /** Facts about entries beyond memory, read by the caller (ColdNeed); null = no such referent. */
  readonly #cold = new Map<string, ColdEntry | (Referent & { readonly hash: string }) | null>();
  /** Some entries are no longer in memory: a referent not found may exist beyond it. */
  #trimmed = false;

  private constructor(proposal: SealedEntry<'charter.propose'>, registry: KeyRegistry, formats: FormatResolver) {
    this.id = proposal.hash;
    this.#formats = formats;
    this.proposal = proposal;
    this.#registry = registry;
  }

  /** Founds a log from its proposal entry, checking it like any other entry. */
  /**
   * `formats` resolves the definitions of the formats messages use (§13.3): by default the shipped
   * library; the verifier passes the definitions the bundle carries.
   */
  static found(proposal: SealedEntry, registry: KeyRegistry, options: IngestOptions = {}, formats: FormatResolver = shippedFormat):
    | { ok: true; log: ChannelLog }
    | { ok: false; error: ProtocolError } {
    const e = proposal.entry;
    if (e.kind !== 'charter.propose' || e.seq !== 1 || e.channel !== null)
      return {
        ok: false,
        error: protocolError('ENTRY_MALFORMED', { detail: 'a channel is founded by a charter.propose entry with seq 1 and channel null' }),
      };
    const charterProblem = checkCharter((e.body as BodyOf<'charter.propose'>).charter, e.author);
    if (charterProblem) return { ok: false, error: charterProblem };
    if (Object.keys(e.heads).length > 0)
      return { ok: false, error: protocolError('ENTRY_MALFORMED', { detail: 'a proposal has no heads' }) };
    const log = new ChannelLog(proposal as SealedEntry<'charter.propose'>, registry, formats);
    const keyProblem = log.authenticate(proposal, options);
    if (keyProblem) return { ok: false, error: keyProblem };
    log.#append(proposal);
    return { ok: true, log };
  }

  /**
   * Is the entry authentic: signed by a key that may sign for its author at its time and place
   * (docs/protocol.md §3.2), with a signature that verifies? The certificates of the cards count,
   * and the author's `key.rotate` and `key.revoke` entries held BEFORE this one in its log.
   * Only an authentic second entry for a held (author, seq) is evidence of equivocation (§4.2).
   */
  authenticate(sealed: SealedEntry, options: IngestOptions = {}): ProtocolError | undefined {
    const e = sealed.entry;
    // Details are built only for an error: this runs for every entry.
    const d = () => ({ author: short(e.author), seq: e.seq, key: short(e.key), time: new Date(e.time).toISOString() });
    if (options.notAfter !== undefined && e.time > options.notAfter)
      return protocolError('ENTRY_MALFORMED', { detail: `author time ${d().time} lies in the future` });
    const k = this.#keyCheck(e);
    if (!k.ok) return keyCheckError(e, k);
    if (!options.signatureChecked && !verifyEntrySignature(sealed)) return protocolError('ENTRY_BAD_SIGNATURE', d());
    return undefined;
  }

  #keyCheck(e: Entry): KeyCheck {
    return this.#judgeKey(e.author, e.key, e.time, e.seq);
  }

  /** The keys `author`'s key.rotate entries held here certify (a rotation is not published twice). */
  rotatedKeys(author: string): string[] {
    return (this.#keyEntries.get(author)?.certs ?? []).map((c) => c.cert.key);
  }

  /**
   * May `key` sign for `author` in this channel at `time`, with every key entry of the author held
   * here in view (docs/protocol.md §3.2): the author's current key on this channel, as a link-test
   * frame's signer is judged (§12.3).
   */
  currentKey(author: string, key: string, time: number): KeyCheck {
    return this.#judgeKey(author, key, time, Number.POSITIVE_INFINITY);
  }

  /** §3.2: the cards' certificates, and the author's key.rotate / key.revoke entries below `beforeSeq`. */
  #judgeKey(author: string, key: string, time: number, beforeSeq: number): KeyCheck {
    const own = this.#keyEntries.get(author);
    // The common case: the author published no key entry in this channel.
    if (own === undefined) return this.#registry.check(author, key, time);
    const rotated = own.certs.filter((c) => c.seq < beforeSeq).map((c) => c.cert);
    const revoked = own.revocations.filter((r) => r.seq < beforeSeq).map((r) => r.rev);
    return judgeKeyWithHeld(this.#registry, author, key, time, rotated, revoked);
  }

  /** Number of entries held, all authors. */
  get size(): number {
    return this.#count;
  }

  /** Hash of `author`'s entry `seq`, if held. */
  /** The definition of an agreed format as this log resolves it (§13.3), or undefined if not held. */
  formatDefinition(hash: string): ReturnType<FormatResolver> {
    return this.#formats(hash);
  }

  /** How many entries of `author`'s log are held (the seq of its head; 0 for none). */
  heldCount(author: string): number {
    return count(this.#logs.get(author));
  }

  /** Hash of `author`'s entry `seq`, if held in memory (or read in by `warmEntry`). */
  hashAt(author: string, seq: number): string | undefined {
    const log = this.#logs.get(author);
    if (log === undefined || seq < 1 || seq > count(log)) return undefined;
    if (seq > log.base) return log.hashes[seq - log.base - 1];
    const c = this.#cold.get(entryKey(author, seq));
    return c && 'heads' in c ? c.hash : undefined;
  }

  /** Like hashAt, inside a check: a held entry beyond memory and not read in is a ColdMiss. */
  #hashOf(author: string, seq: number): string | undefined {
    return this.#coldEntry(author, seq)?.hash;
  }

  #coldEntry(author: string, seq: number): { hash: string; heads: Readonly<Record<string, Head>> } | undefined {
    const log = this.#logs.get(author);
    if (log === undefined || seq < 1 || seq > count(log)) return undefined;
    if (seq > log.base) return { hash: log.hashes[seq - log.base - 1]!, heads: log.heads[seq - log.base - 1]! };
    const c = this.#cold.get(entryKey(author, seq));
    if (c === undefined) throw new ColdMiss({ type: 'entry', author, seq });
    return c && 'heads' in c ? c : undefined;
  }

  /** A referent by hash, inside a check: one that may lie beyond memory is a ColdMiss. */
  #referentOf(hash: string): Referent | undefined {
    const held = this.#referents.get(hash);
    if (held !== undefined) return held;
    const c = this.#cold.get(refKey(hash));
    if (c !== undefined) return c && !('heads' in c) ? c : undefined;
    if (this.#trimmed) throw new ColdMiss({ type: 'referent', hash });
    return undefined;
  }

  /** Gives a fact about an entry beyond memory (answering a ColdNeed of type 'entry'). */
  warmEntry(fact: ColdEntry): void {
    this.#remember(entryKey(fact.author, fact.seq), fact);
  }

  /** Says the store holds no entry at (author, seq) (answering a ColdNeed of type 'entry'). */
  warmNoEntry(author: string, seq: number): void {
    this.#remember(entryKey(author, seq), null);
  }

  /** Some entries are no longer in memory: facts about them come back as 'cold' needs. */
  get bounded(): boolean {
    return this.#trimmed;
  }

  /** Gives what the store holds for a referent hash (a ColdNeed of type 'referent'); null: none. */
  warmReferent(hash: string, referent: Referent | null): void {
    this.#remember(refKey(hash), referent === null ? null : { ...referent, hash });
  }

  #remember(key: string, value: ColdEntry | (Referent & { readonly hash: string }) | null): void {
    this.#cold.delete(key);
    this.#cold.set(key, value);
    if (this.#cold.size > COLD_CACHE) this.#cold.delete(this.#cold.keys().next().value!);
  }

  /** Head of one author's log, if any entry is held. */
  head(author: string): Head | undefined {
    const log = this.#logs.get(author);
    const n = count(log);
    return n > 0 ? { seq: n, hash: log!.hashes[log!.hashes.length - 1]! } : undefined;
  }

  /**
   * Whether `party` is a writer (§7 step 9) in the state of the causal past of `author`'s entry
   * `seq`, without the entry or with it: whether that entry was written while the party was in the
   * channel, which decides whether it may be sent to a party no longer in it (docs/protocol.md §12,
   * "Who is sent what"). False for an entry not held in memory.
   */
  writtenWhileWriter(author: string, seq: number, party: string): boolean {
    const log = this.#logs.get(author);
    if (log === undefined || seq <= log.base || seq > count(log)) return false;
    const place: CausalPlace = { author, seq, heads: log.heads[seq - log.base - 1]!, time: log.times[seq - log.base - 1]! };
    return isWriter(this.#stateFor(place), party) || isWriter(this.#stateFor({ ...place, seq: seq + 1 }), party);
  }

  /**
   * Whether `party` is a party of the charter in force in `entry`'s causal past: whether the entry
   * (a message) was addressed to it. A party added by an amendment receives the messages written
   * before it joined as the channel's history, not as messages awaiting its acknowledgement.
   */
  addressedTo(entry: CausalPlace, party: string): boolean {
    return this.#stateFor(entry).charter.parties.some((p) => p.party === party);
  }

  /** {@link addressedTo} for `author`'s entry `seq` held in memory; undefined when it is not. */
  addressedToAt(author: string, seq: number, party: string): boolean | undefined {
    const log = this.#logs.get(author);
    if (log === undefined || seq <= log.base || seq > count(log)) return undefined;
    return this.addressedTo({ author, seq, heads: log.heads[seq - log.base - 1]!, time: log.times[seq - log.base - 1]! }, party);
  }

  /** Heads of every author's log held, optionally leaving one author out. */
  heads(except?: string): Record<string, Head> {
    const out: Record<string, Head> = {};
    for (const author of [...this.#logs.keys()].sort()) {
      if (author === except) continue;
      const h = this.head(author);
      if (h) out[author] = h;
    }
    return out;
  }

  /** Authors with at least one entry held. */
  authors(): string[] {
    return [...this.#logs.keys()].sort();
  }

  /**
   * The lowest seq of `author`'s entries held in memory dated after `time` (an author's times never
   * go back, so every later entry is too), or undefined when its last entry is not. `exact` is
   * false when that is the oldest entry in memory and older ones, beyond memory, may be too.
   */
  firstDatedAfter(author: string, time: number): { seq: number; exact: boolean } | undefined {
    const log = this.#logs.get(author);
    if (log === undefined || log.times.length === 0 || log.times[log.times.length - 1]! <= time) return undefined;
    let i = log.times.length - 1;
    while (i > 0 && log.times[i - 1]! > time) i--;
    return { seq: log.base + i + 1, exact: i > 0 || log.base === 0 };
  }

  /** The fields a new entry by `author` must carry next: sequence, previous hash, heads seen. */
  next(author: string): { seq: number; prev: string | null; heads: Record<string, Head>; minTime: number } {
    const log = this.#logs.get(author);
    const n = count(log);
    const last = (log?.hashes.length ?? 0) - 1;
    return {
      seq: n + 1,
      prev: n > 0 ? log!.hashes[last]! : null,
      heads: this.heads(author),
      minTime: n > 0 ? log!.times[last]! : 0,
    };
  }

  /** The state with everything held in view, judged at time `at`. */
  state(at: number): DerivedState {
    // Only a proposal's expiry depends on the time: any other state holds until a control entry comes.
    const held = this.#viewState;
    if (held !== undefined && held.state !== 'proposed' && held.state !== 'expired') return held;
    return (this.#viewState = deriveState(this.#proposalControl(), [...this.#controls.values()].flat(), at));
  }

  /** Who wrote the message or link test with this hash, if held. */
  referent(hash: string): Referent | undefined {
    const held = this.#referents.get(hash);
    if (held !== undefined) return held;
    const c = this.#cold.get(refKey(hash));
    return c && !('heads' in c) ? c : undefined;
  }

  /**
   * The messages (or link tests) held whose hash starts with `prefix`, at most `limit` of them.
   * Goes through every one held: meant for a short reference typed by a person.
   */
  referentsByPrefix(prefix: string, kind: Referent['kind'], limit: number): Array<Referent & { readonly hash: string }> {
    const found: Array<Referent & { readonly hash: string }> = [];
    if (limit <= 0) return found;
    for (const [hash, ref] of this.#referents) {
      if (ref.kind !== kind || !hash.startsWith(prefix)) continue;
      found.push({ hash, ...ref });
      if (found.length >= limit) break;
    }
    return found;
  }

  #proposalControl(): ControlEntry {
    const e = this.proposal.entry;
    return { author: e.author, seq: 1, time: e.time, hash: this.proposal.hash, kind: e.kind, body: e.body };
  }

  /** Bound of the causal past of an entry: the highest seq in view for each author. */
  #bounds(entry: CausalPlace): Map<string, number> {
    const b = new Map<string, number>();
    for (const [a, h] of Object.entries(entry.heads)) b.set(a, h.seq);
    b.set(entry.author, entry.seq - 1);
    return b;
  }

  /** State of an entry's causal past, memoised on which control entries it includes. */
  #stateFor(entry: CausalPlace): DerivedState {
    const bounds = this.#bounds(entry);
    const counts: Array<[string, ControlEntry[], number]> = [];
    let all = true;
    for (const [author, list] of this.#controls) {
      const bound = bounds.get(author) ?? 0;
      let n = list.length;
      while (n > 0 && list[n - 1]!.seq > bound) n--;
      if (n < list.length) all = false;
      if (n > 0) counts.push([author, list, n]);
    }
    // Expiry depends on the entry's time, so states that can still expire are never reused.
    const reusable = (d: DerivedState | undefined) => d !== undefined && d.state !== 'proposed' && d.state !== 'expired';
    // The common case: the entry has seen every control entry held.
    if (all && reusable(this.#fullState)) return this.#fullState!;
    const key = counts.map(([a, , n]) => `${a}:${n}`).sort().join(',');
    const cached = this.#stateCache.get(key);
    if (reusable(cached)) return cached!;
    const included: ControlEntry[] = [];
    for (const [, list, n] of counts) for (let i = 0; i < n; i++) included.push(list[i]!);
    const derived = deriveState(this.#proposalControl(), included, entry.time);
    if (all) this.#fullState = derived;
    if (this.#stateCache.size > 4096) this.#stateCache.clear();
    this.#stateCache.set(key, derived);
    return derived;
  }

  /**
   * Offers an entry. Accepted entries are appended; a duplicate (same hash) is a no-op; an entry
   * whose predecessors are not held yet is 'pending' and names what to fetch; a second entry
   * for a held (author, seq) is an equivocation; anything else breaking a rule is 'rejected'.
   */
  ingest(sealed: SealedEntry, options: IngestOptions = {}): IngestResult {
    try {
      return this.#ingest(sealed, options);
    } catch (e) {
      if (e instanceof ColdMiss) return { status: 'cold', need: e.need };
      throw e;
    }
  }

  #ingest(sealed: SealedEntry, options: IngestOptions): IngestResult {
    const e = sealed.entry;
    const d = { author: short(e.author), seq: e.seq };
    if (e.channel !== this.id) {
      if (e.kind === 'charter.propose' && sealed.hash === this.id) return { status: 'duplicate' };
      return {
        status: 'rejected',
        error: protocolError('ENTRY_WRONG_CHANNEL', { ...d, entryChannel: String(e.channel).slice(0, 12), channel: this.id.slice(0, 12) }),
      };
    }
    const log = this.#logs.get(e.author);
    const held = e.seq <= count(log) ? this.#hashOf(e.author, e.seq) : undefined;
    if (held !== undefined) {
      if (held === sealed.hash) return { status: 'duplicate' };
      // Only an authentic second entry is evidence of equivocation; anything else is a forgery (§4.2).
      const keyProblem = this.authenticate(sealed, options);
      if (keyProblem) return { status: 'rejected', error: keyProblem };
      return { status: 'equivocation', existingHash: held, error: protocolError('ENTRY_EQUIVOCATION', d) };
    }
    const have = count(log);
    if (e.seq > have + 1)
      return {
        status: 'pending',
        missing: [{ author: e.author, fromSeq: have + 1, toSeq: e.seq - 1 }],
        error: protocolError('ENTRY_SEQUENCE_GAP', { ...d, expected: have + 1, before: e.seq - 1, advice: MISSING_ADVICE.gap }),
      };
    const missing: Array<{ author: string; fromSeq: number; toSeq: number }> = [];
    for (const [dep, head] of Object.entries(e.heads)) {
      const depHave = count(this.#logs.get(dep));
      if (head.seq > depHave) missing.push({ author: dep, fromSeq: depHave + 1, toSeq: head.seq });
    }
    if (missing.length > 0)
      return {
        status: 'pending',
        missing,
        error: protocolError('ENTRY_UNKNOWN_DEPENDENCY', {
          ...d,
          depAuthor: short(missing[0]!.author),
          depSeq: missing[0]!.toSeq,
          why: ' yet',
          advice: MISSING_ADVICE.dependency,
        }),
      };
    const problem = options.restored ? this.#checkChain(sealed, log) : this.#check(sealed, log, options);
    if (problem) return { status: 'rejected', error: problem };
    const before = CONTROL_KINDS.has(e.kind) ? this.state(e.time).state : undefined;
    this.#append(sealed);
    const stateChanged = before !== undefined && this.state(e.time).state !== before;
    return { status: 'accepted', sealed, stateChanged };
  }

  /** The chain checks alone (§4.2): what a restored entry must still pass. */
  #checkChain(sealed: SealedEntry, log: AuthorLog | undefined): ProtocolError | undefined {
    const e = sealed.entry;
    const have = count(log);
    const last = (log?.hashes.length ?? 0) - 1;
    if (have > 0 && e.prev !== log!.hashes[last])
      return protocolError('ENTRY_WRONG_PREVIOUS_HASH', { author: short(e.author), seq: e.seq, prevSeq: have });
    if (have > 0 && e.time < log!.times[last]!) return protocolError('ENTRY_TIME_REGRESSED', { author: short(e.author), seq: e.seq });
    for (const [dep, head] of Object.entries(e.heads))
      if (this.#hashOf(dep, head.seq) !== head.hash)
        return protocolError('ENTRY_UNKNOWN_DEPENDENCY', { author: short(e.author), seq: e.seq, depAuthor: short(dep), depSeq: head.seq, why: ' with the hash it names', advice: MISSING_ADVICE.dependency });
    return undefined;
  }

  #check(sealed: SealedEntry, log: AuthorLog | undefined, options: IngestOptions): ProtocolError | undefined {
    const e = sealed.entry;
    const d = { author: short(e.author), seq: e.seq };
    const have = count(log);
    const last = (log?.hashes.length ?? 0) - 1;
    // Chain (§4.2).
    if (have > 0 && e.prev !== log!.hashes[last])
      return protocolError('ENTRY_WRONG_PREVIOUS_HASH', { ...d, prevSeq: have });
    if (have > 0 && e.time < log!.times[last]!) return protocolError('ENTRY_TIME_REGRESSED', d);
    // Heads: each names a held entry by its hash, never goes backwards, and is transitively closed.
    const lastHeads = have > 0 ? log!.heads[last]! : {};
    for (const [dep, head] of Object.entries(e.heads)) {
      const depEntry = this.#coldEntry(dep, head.seq);
      if (depEntry?.hash !== head.hash)
        return protocolError('ENTRY_UNKNOWN_DEPENDENCY', {
          ...d,
          depAuthor: short(dep),
          depSeq: head.seq,
          why: ' with the hash it names', advice: MISSING_ADVICE.dependency,
        });
      const depHeads = depEntry.heads;
      for (const [a, h] of Object.entries(depHeads)) {
        if (a === e.author) continue;
        if ((e.heads[a]?.seq ?? 0) < h.seq)
          return protocolError('ENTRY_HEADS_REGRESSED', { ...d, depAuthor: short(a) });
      }
    }
    for (const [dep, h] of Object.entries(lastHeads))
      if ((e.heads[dep]?.seq ?? 0) < h.seq) return protocolError('ENTRY_HEADS_REGRESSED', { ...d, depAuthor: short(dep) });
    // Unreachable from the wire: a charter.propose has channel null (§4.4), so it belongs to
    // another channel and was refused above with ENTRY_WRONG_CHANNEL (§7).
    if (e.kind === 'charter.propose')
      return protocolError('ENTRY_KIND_NOT_ALLOWED', {
        kind: e.kind,
        state: 'already founded',
        why: '',
        hint: 'A channel has exactly one proposal; propose a new channel instead.',
      });

    const view = this.#stateFor(e);
    if (!isWriter(view, e.author)) return protocolError('ENTRY_AUTHOR_NOT_PARTY', d);
    // The charter in force in the entry's causal past fixes its version (§14.1).
    if (e.v !== (view.charter.protocol ?? 1)) return protocolError('ENTRY_WRONG_VERSION', { ...d, v: e.v, expected: view.charter.protocol ?? 1 });
    const keyProblem = this.authenticate(sealed, options);
    if (keyProblem) return keyProblem;
    if (!KINDS_BY_STATE[view.state].has(e.kind)) {
      // An accept dated after "expires" meets an expired proposal: say so specifically (§5.1).
      if (view.state === 'expired' && e.kind === 'charter.accept')
        return protocolError('CHANNEL_EXPIRED', { channel: this.id.slice(0, 12), expires: new Date(view.charter.expires ?? 0).toISOString() });
      return protocolError('ENTRY_KIND_NOT_ALLOWED', {
        kind: e.kind,
        state: view.state,
        why: '',
        hint: hintFor(view.state),
      });
    }
    for (const h of Object.keys(e.heads))
      if (!isWriter(view, h) && !this.everParty(h, view))
        return protocolError('ENTRY_BAD_REFERENCE', { ...d, ref: `the log of ${short(h)}`, why: 'is not a party of the channel' });
    return this.#checkKind(sealed, view);
  }

  /**
   * §7 heads rule 4: a party of the original proposal or of any amendment in the causal past
   * (adopted, pending, declined or withdrawn). A party that only a declined (or later superseded)
   * amendment listed may have written while it was pending; rules 2 and 3 then make every later
   * entry name its log, so refusing those heads would stop the channel for good.
   */
  everParty(party: string, view: DerivedState): boolean {
    const original = (this.proposal.entry.body as BodyOf<'charter.propose'>).charter;
    return original.parties.some((p) => p.party === party) || view.amendments.some((a) => a.charter.parties.some((p) => p.party === party));
  }

  #checkKind(sealed: SealedEntry, view: DerivedState): ProtocolError | undefined {
    const e = sealed.entry;
    const d = { author: short(e.author), seq: e.seq };
    const notAllowed = (why: string, hint: string) =>
      protocolError('ENTRY_KIND_NOT_ALLOWED', { kind: e.kind, state: view.state, why: `: ${why}`, hint });
    switch (e.kind) {
      case 'charter.accept':
      case 'charter.decline': {
        const target = (e.body as BodyOf<'charter.accept'>).charter;
        if (target === view.proposalHash) {
          if (view.state !== 'proposed') return notAllowed('the proposal is no longer open', 'Nothing to answer.');
          if (view.answered.has(e.author)) return notAllowed('this party has already answered the proposal', 'Each party answers once.');
          const expires = (this.proposal.entry.body as BodyOf<'charter.propose'>).charter.expires;
          if (expires !== undefined && e.time > expires)
            return protocolError('CHANNEL_EXPIRED', { channel: this.id.slice(0, 12), expires: new Date(expires).toISOString() });
          return undefined;
        }
        const amendment = view.amendments.find((a) => a.hash === target);
        if (!amendment) return protocolError('ENTRY_BAD_REFERENCE', { ...d, ref: `charter ${target.slice(0, 12)}`, why: 'is neither the proposal nor an amendment in view' });
        if (amendment.status !== 'pending') return notAllowed(`the amendment is ${amendment.status}`, 'Nothing to answer.');
        if (amendment.accepted.has(e.author)) return notAllowed('this party has already accepted the amendment', 'Each party answers once.');
        return undefined;
      }
      case 'charter.withdraw': {
        const target = (e.body as BodyOf<'charter.withdraw'>).charter;
        if (target === view.proposalHash) {
          if (e.author !== view.proposer) return notAllowed('only the proposing party may withdraw its proposal', 'Decline it instead.');
          if (view.state !== 'proposed') return notAllowed('the proposal is no longer open', 'Close the channel instead.');
          return undefined;
        }
        const amendment = view.amendments.find((a) => a.hash === target);
        if (!amendment || amendment.proposer !== e.author || amendment.status !== 'pending')
          return protocolError('ENTRY_BAD_REFERENCE', { ...d, ref: `charter ${target.slice(0, 12)}`, why: 'is not a pending amendment of this party' });
        return undefined;
      }
      case 'charter.amend': {
        if (view.amendments.some((a) => a.status === 'pending'))
          return notAllowed('another amendment is pending', 'Wait until every party has answered it, or withdraw it.');
        const charter = (e.body as BodyOf<'charter.amend'>).charter as Charter;
        const problem = checkCharter(charter, e.author);
        if (problem) return problem;
        // Answers name an amendment by its charter's hash: a charter the channel already had would
        // be answered as the proposal, or as that earlier amendment, and could never be adopted.
        const h = charterHash(charter);
        const earlierOne = view.amendments.find((a) => a.hash === h);
        const had = h === view.proposalHash ? 'the proposal' : earlierOne ? `amendment ${h.slice(0, 12)} (${earlierOne.status})` : undefined;
        if (had)
          return protocolError('CHARTER_INVALID', { detail: `the amended charter is the one of ${had}: an amendment is named by its charter's hash, so its charter must differ from the proposal's and from every earlier amendment's (a note saying what it is for will do)` });
        if ((charter.protocol ?? 1) < (view.charter.protocol ?? 1))
          return protocolError('CHARTER_INVALID', { detail: 'an amendment cannot return the channel to an earlier protocol version (§14.1)' });
        return undefined;
      }
      case 'channel.suspend':
      case 'channel.close':
        // Only a party of the charter in force: not one that a pending amendment would add (§5.4).
        if (!view.charter.parties.some((p) => p.party === e.author))
          return notAllowed('only a party of the charter in force suspends or closes a channel, and this author is only named by an amendment pending', 'Accept the amendment; once it is adopted, this party may.');
        if (e.kind === 'channel.suspend' && view.suspendedBy.has(e.author)) return notAllowed('this party has already suspended the channel', 'Resume it first.');
        return undefined;
      case 'channel.resume':
        if (!view.suspendedBy.has(e.author))
          return notAllowed('this party holds no suspension to lift', 'Only the party that suspended a channel resumes it.');
        return undefined;
      case 'message': {
        const body = e.body as BodyOf<'message'>;
        if (body.from) {
          const allowed = rolesOf(view, e.author);
          if (!allowed.includes(body.from.role))
            return protocolError('ENTRY_ROLE_NOT_ALLOWED', { ...d, role: body.from.role, allowed: allowed.join(', ') });
        }
        if (body.replyTo && !this.#inPast(body.replyTo, e, 'message'))
          return protocolError('ENTRY_BAD_REFERENCE', { ...d, ref: `message ${body.replyTo.slice(0, 12)}`, why: 'is not a message this author had seen' });
        return checkFormattedMessage(body, view.charter, this.#formats, d);
      }
      case 'ack': {
        const body = e.body as BodyOf<'ack'>;
        const ref = this.#referentOf(body.message);
        if (!ref || ref.kind !== 'message' || !this.#inPast(body.message, e, 'message'))
          return protocolError('ENTRY_BAD_REFERENCE', { ...d, ref: `message ${body.message.slice(0, 12)}`, why: 'is not a message this author had received' });
        if (ref.author === e.author)
          return protocolError('ENTRY_BAD_REFERENCE', { ...d, ref: `message ${body.message.slice(0, 12)}`, why: 'was written by the same party: a party acknowledges the other side\'s messages' });
        const allowed = rolesOf(view, e.author);
        if (!allowed.includes(body.officer.role))
          return protocolError('ENTRY_ROLE_NOT_ALLOWED', { ...d, role: body.officer.role, allowed: allowed.join(', ') });
        return undefined;
      }
      case 'receipt': {
        for (const h of (e.body as BodyOf<'receipt'>).holds) {
          if (h.author === e.author || (e.heads[h.author]?.seq ?? 0) < h.seq || this.#hashOf(h.author, h.seq) !== h.hash)
            return protocolError('ENTRY_BAD_REFERENCE', { ...d, ref: `entry ${short(h.author)}#${h.seq}`, why: 'is not an entry of another party in view with that hash' });
        }
        return undefined;
      }
      case 'link.echo': {
        const body = e.body as BodyOf<'link.echo'>;
        const ref = this.#referentOf(body.test);
        if (!ref || ref.kind !== 'link.test' || ref.author === e.author || !this.#inPast(body.test, e, 'link.test'))
          return protocolError('ENTRY_BAD_REFERENCE', { ...d, ref: `link test ${body.test.slice(0, 12)}`, why: 'is not a link test of another party in view' });
        // The echo carries the test's own t1 back (§6), so that the sender computes δ and θ from it.
        if (ref.t1 !== body.t1)
          return protocolError('ENTRY_BAD_REFERENCE', { ...d, ref: `link test ${body.test.slice(0, 12)}`, why: `has t1 ${ref.t1}, not the ${body.t1} the echo carries back` });
        return undefined;
      }
      case 'link.summary':
      case 'link.state':
        return checkLinkRecord(e, view.charter.protocol ?? 1, writers(view), d);
      case 'checkpoint': {
        if ((view.charter.protocol ?? 1) < 2) return notAllowed('checkpoints exist only on version-2 channels', 'Amend the charter to protocol 2 first (§14.1).');
        const b = e.body as BodyOf<'checkpoint'>;
        const held = this.lastingIn(this.#bounds(e));
        if (b.count !== held.count || b.lasting !== held.lasting)
          return protocolError('CHECKPOINT_MISMATCH', { ...d, count: b.count, digest: b.lasting.slice(0, 12), held: held.count, heldDigest: held.lasting.slice(0, 12) });
        return undefined;
      }
      case 'key.rotate': {
        const cert = (e.body as BodyOf<'key.rotate'>).cert;
        if (cert.party !== e.author) return protocolError('CERT_INVALID', { detail: 'a party rotates only its own keys' });
        return checkTerminalCertificate(cert);
      }
      case 'key.revoke': {
        const rev = (e.body as BodyOf<'key.revoke'>).revocation;
        if (rev.party !== e.author) return protocolError('CERT_INVALID', { detail: 'a party revokes only its own keys' });
        return checkRevocation(rev);
      }
      default:
        if (isDialogueKind(e.kind)) {
          const bounds = this.#bounds(e);
          const inPast = (author: string, seq: number) => seq <= (bounds.get(author) ?? 0);
          return this.dialogue.check({ author: e.author, seq: e.seq, time: e.time, hash: sealed.hash, kind: e.kind, body: e.body }, inPast, { charter: view.charter, roles: rolesOf(view, e.author) });
        }
        return undefined;
    }
  }

  #inPast(hash: string, e: Entry, kind: Referent['kind']): boolean {
    const ref = this.#referentOf(hash);
    if (!ref || ref.kind !== kind) return false;
    const bound = ref.author === e.author ? e.seq - 1 : (e.heads[ref.author]?.seq ?? 0);
    return ref.seq <= bound;
  }

  #append(sealed: SealedEntry): void {
    this.#place(this.#authorLog(sealed.entry.author), sealed);
    this.#register(sealed);
    this.#count++;
  }

  #authorLog(author: string): AuthorLog {
    let log = this.#logs.get(author);
    if (!log) {
      log = { author, base: 0, hashes: [], heads: [], times: [], refs: [] };
      this.#logs.set(author, log);
    }
    return log;
  }

  /** The entry's place in its author's chain, in memory; a message or link test as a referent. */
  #place(log: AuthorLog, sealed: SealedEntry): void {
    const e = sealed.entry;
    log.hashes.push(sealed.hash);
    log.heads.push(this.#compactHeads(e.heads, log.heads[log.heads.length - 1]));
    log.times.push(e.time);
    if (e.kind === 'message' || e.kind === 'link.test') {
      this.#referents.set(sealed.hash, e.kind === 'message' ? { author: log.author, seq: e.seq, kind: e.kind } : { author: log.author, seq: e.seq, kind: e.kind, t1: (e.body as BodyOf<'link.test'>).t1 });
      log.refs.push({ seq: e.seq, hash: sealed.hash });
    }
  }

  /** What a lasting entry (isLastingKind) adds to the state every later entry is judged by. */
  #register(sealed: SealedEntry): void {
    const e = sealed.entry;
    if (sealed.hash !== this.id && isLastingKind(e.kind)) {
      const list = this.#lasting.get(e.author) ?? [];
      list.push({ author: e.author, seq: e.seq, hash: sealed.hash });
      this.#lasting.set(e.author, list);
    }
    if (CONTROL_KINDS.has(e.kind)) {
      const list = this.#controls.get(e.author) ?? [];
      list.push({ author: e.author, seq: e.seq, time: e.time, hash: sealed.hash, kind: e.kind, body: e.body, heads: e.heads });
      this.#controls.set(e.author, list);
      this.#stateCache.clear();
      this.#fullState = undefined;
      this.#viewState = undefined;
    } else if (isDialogueKind(e.kind))
      // With the parties of the charter in force in its causal past: a decision it completes
      // stays taken when the charter later changes (docs/protocol.md §6.1).
      this.dialogue.add({ author: e.author, seq: e.seq, time: e.time, hash: sealed.hash, kind: e.kind, body: e.body, parties: this.#stateFor(e).charter.parties.map((p) => p.party), heads: e.heads });
    else if (e.kind === 'key.rotate' || e.kind === 'key.revoke') {
      const own = this.#keyEntries.get(e.author) ?? { certs: [], revocations: [] };
      if (e.kind === 'key.rotate') own.certs.push({ seq: e.seq, cert: (e.body as BodyOf<'key.rotate'>).cert });
      else own.revocations.push({ seq: e.seq, rev: (e.body as BodyOf<'key.revoke'>).revocation });
      this.#keyEntries.set(e.author, own);
    }
  }

  /**
   * The commitment (§15.1) to the lasting entries held within `bounds` (author → highest seq in
   * view): what a checkpoint with that causal past must carry.
   */
  lastingIn(bounds: ReadonlyMap<string, number>): { count: number; lasting: string } {
    const places: LastingPlace[] = [];
    for (const [author, list] of this.#lasting) {
      const bound = bounds.get(author) ?? 0;
      for (const p of list) if (p.seq <= bound) places.push(p);
    }
    return lastingCommitment(places);
  }

  /** The body of the checkpoint `author` would write next (§15.1): its causal past is `next(author)`'s. */
  checkpointBody(author: string): BodyOf<'checkpoint'> {
    const n = this.next(author);
    const bounds = new Map<string, number>(Object.entries(n.heads).map(([a, h]) => [a, h.seq]));
    bounds.set(author, n.seq - 1);
    return this.lastingIn(bounds);
  }

  /**
   * What trimming memory to each author's last `keep` entries removes, or undefined while no
   * author holds more than `keep + slack` (trims come in steps, not at every entry). The caller
   * makes the removed referents findable by hash in its store (a ColdNeed of type 'referent'
   * must find them there) before `applyTrim`.
   */
  trimPlan(keep: number, slack: number = keep): TrimPlan | undefined {
    const authors: Array<{ author: string; base: number }> = [];
    const referents: Array<{ hash: string; author: string; seq: number }> = [];
    const k = Math.max(1, keep);
    for (const log of this.#logs.values()) {
      if (log.hashes.length <= k + slack) continue;
      const base = count(log) - k;
      authors.push({ author: log.author, base });
      for (const r of log.refs) {
        if (r.seq > base) break;
        referents.push({ hash: r.hash, author: log.author, seq: r.seq });
      }
    }
    return authors.length > 0 ? { authors, referents } : undefined;
  }

  /** Removes from memory the entries a `trimPlan` named (entries added since stay). */
  applyTrim(plan: TrimPlan): void {
    for (const { author, base } of plan.authors) {
      const log = this.#logs.get(author);
      if (!log || base <= log.base) continue;
      // The newest entry always stays: it is the chain's head.
      const n = Math.min(base - log.base, log.hashes.length - 1);
      log.hashes.splice(0, n);
      log.heads.splice(0, n);
      log.times.splice(0, n);
      log.base += n;
      let k = 0;
      while (k < log.refs.length && log.refs[k]!.seq <= log.base) this.#referents.delete(log.refs[k++]!.hash);
      log.refs.splice(0, k);
      this.#trimmed = true;
    }
  }

  /** Entries held in memory per author (for metrics and tests). */
  inMemory(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const log of this.#logs.values()) out[log.author] = log.hashes.length;
    return out;
  }

  /**
   * A log rebuilt without replaying it (a restart that does not grow with the log's length), from
   * entries that come from this party's own store, where they went only after passing every check:
   * `lasting`, every entry of a lasting kind (isLastingKind: the charter's, the keys' and the
   * dialogue's, which later entries may be judged by whatever their age) in store order, the
   * proposal first; and `tails`, each author's last entries, contiguous up to its head. Nothing is
   * judged again; older facts are read on demand (IngestResult 'cold').
   */
  static restore(proposal: SealedEntry, registry: KeyRegistry, formats: FormatResolver, lasting: readonly SealedEntry[], tails: ReadonlyArray<{ readonly author: string; readonly entries: readonly SealedEntry[] }>): ChannelLog {
    const log = new ChannelLog(proposal as SealedEntry<'charter.propose'>, registry, formats);
    for (const s of lasting) log.#register(s);
    for (const t of tails) {
      const first = t.entries[0];
      if (first === undefined) continue;
      const a = log.#authorLog(t.author);
      a.base = first.entry.seq - 1;
      for (const s of t.entries) log.#place(a, s);
      log.#count += count(a);
    }
    log.#trimmed = true;
    return log;
  }

  /**
   * The heads to keep for an entry: `previous` (those of the author's entry before) when equal,
   * else a copy whose hashes are the strings already held for those entries. Ingest checked
   * every head against the logs before this (#check), so a held hash is the same text.
   */
  #compactHeads(heads: Readonly<Record<string, Head>>, previous: Readonly<Record<string, Head>> | undefined): Readonly<Record<string, Head>> {
    const authors = Object.keys(heads);
    if (previous !== undefined && authors.length === Object.keys(previous).length && authors.every((a) => previous[a]?.seq === heads[a]!.seq && previous[a]!.hash === heads[a]!.hash)) return previous;
    if (authors.length === 0) return EMPTY_HEADS;
    const compact: Record<string, Head> = {};
    for (const a of authors) {
      const h = heads[a]!;
      const dep = this.#logs.get(a);
      const held = dep !== undefined && h.seq > dep.base ? dep.hashes[h.seq - dep.base - 1] : undefined;
      compact[dep?.author ?? a] = Object.freeze({ seq: h.seq, hash: held === h.hash ? held : h.hash });
    }
    return Object.freeze(compact);
  }
}

/** Kinds whose entries a restored log holds whatever their age (ChannelLog.restore). */
export function isLastingKind(kind: string): boolean {
  return CONTROL_KINDS.has(kind as never) || kind === 'key.rotate' || kind === 'key.revoke' || isDialogueKind(kind);
}

/** What `warmEntry` takes, from the entry itself (read back from a store). */
export function coldEntryOf(sealed: SealedEntry): ColdEntry {
  const e = sealed.entry;
  return { author: e.author, seq: e.seq, hash: sealed.hash, time: e.time, heads: e.heads };
}

/** What `warmReferent` takes for an entry: a message or link test; undefined for other kinds. */
export function referentOf(sealed: SealedEntry): Referent | undefined {
  const e = sealed.entry;
  if (e.kind === 'message') return { author: e.author, seq: e.seq, kind: 'message' };
  if (e.kind === 'link.test') return { author: e.author, seq: e.seq, kind: 'link.test', t1: (e.body as BodyOf<'link.test'>).t1 };
  return undefined;
}

function entryKey(author: string, seq: number): string {
  return `e ${author} ${seq}`;
}

function refKey(hash: string): string {
  return `r ${hash}`;
}

function hintFor(state: string): string {
  switch (state) {
    case 'proposed':
      return 'Every party must accept the charter before messages flow.';
    case 'suspended':
      return 'The channel is suspended; the suspending party must resume it first.';
    case 'declined':
    case 'withdrawn':
    case 'expired':
      return 'This channel never opened; propose a new charter.';
    case 'closed':
      return 'The channel is closed; propose a new charter to talk again.';
    default:
      return 'Check the channel state and the rules for this kind in docs/protocol.md §6.';
  }
}

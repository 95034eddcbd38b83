/**
 * The receiver: entries from a peer (or a bundle file) go precheck -> ingest -> commit -> receipt.
 * Each is checked completely; nothing is trusted for arriving. The context-free checks (parse,
 * schema, canonical form, hash, signature) run on the check pool (worker threads), the rest against
 * the channel's log; accepted entries are committed in one durable commit before receive()
 * resolves, and the receipt scheduler hears of them from the committer.
 *
 * Entries whose predecessors have not arrived are held in memory (bounded), if authentic, until
 * they fit; two different entries at one place of a log are kept as evidence of equivocation.
 */
import {
  ChannelLog,
  parseEntry,
  protocolError,
  sealedFromPrechecked,
  verifyEntrySignature,
  type BodyOf,
  type LinePrecheck,
  type ProtocolError,
  type SealedEntry,
} from '../../protocol/index.js';
import type { Store } from '../../store/index.js';
import type { Clock } from '../clock.js';
import type { EventSink } from '../events/event-bus.js';
import type { ChannelCommitter } from './channel-committer.js';
import { SILENT, type ChannelLogger, type ChannelRegistry } from './channel-registry.js';
import type { ReceiveOutcome } from './channel-types.js';
import { inlineChecker, type EntryChecker } from './check-pool.js';
import type { EntryReceiver } from './ports.js';
import { RepeatedAlarms, type Later } from '../events/repeated-alarms.js';
import { TERMINAL_ERRORS } from '../errors.js';
import { OfferedProposals } from './offered-proposals.js';
import { withPartyCodes } from './author-labels.js';

/** How far in the future an author time may lie (clock skew allowance), ms. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** Entries held for their predecessors, per channel (the sender resends after reconnecting). */
const MAX_PENDING = 50_000;
/** Total size of entries held for their predecessors (memory bound against a flooding peer). */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
/**
 * The share of {@link MAX_PENDING_BYTES} the entries of one author may take: held entries are
 * authentic, so a party can fill only its own share with entries that wait for nothing that will
 * come (of channels nobody else holds, far ahead of its log), never the others'.
 */
export const MAX_PENDING_BYTES_PER_AUTHOR = 16 * 1024 * 1024;
/** Gaps reported at most per receive() from a channel just founded (the session asks for 64 at a time). */
const MAX_MISSING_REPORTED = 1024;
/** The holding key of entries whose channel is not held yet. */
const UNKNOWN_CHANNEL = 'unknown';

/**
 * Channels one party may have proposed to this terminal and not yet had answered (accepted,
 * declined, withdrawn or expired): a paired peer proposing channel after channel cannot fill the
 * memory, the disk and the officers' list of proposals. Beyond it, proposals are refused with
 * CHANNEL_PROPOSALS_LIMIT (the proposer sends again after its next reconnection).
 */
export const MAX_OPEN_PROPOSALS = 100;

export interface ReceiverOptions {
  readonly registry: ChannelRegistry;
  readonly committer: Pick<ChannelCommitter, 'commit' | 'fresh'>;
  readonly store: Pick<Store, 'getEntry' | 'putEvidence'>;
  readonly events: EventSink;
  readonly clock: Clock;
  /** Where received entries get their context-free checks (default: this thread). */
  readonly checker?: EntryChecker;
  readonly log?: ChannelLogger;
  /** Runs the end of an alarm window (events/repeated-alarms.ts; default an unref'd timer). */
  readonly later?: Later;
}

/** One receive() call's work: what was accepted per channel, and the outcome to answer. */
interface Batch {
  readonly out: ReceiveOutcome;
  readonly accepted: Map<ChannelLog, { entries: SealedEntry[]; before: string }>;
  readonly touched: Set<ChannelLog>;
  readonly notAfter: number;
  readonly source: string;
  /** This batch's own entries counted `pending` so far: one taken in later in the batch moves to `accepted` (docs/protocol.md §12 `stored`). */
  readonly heldHere: Set<string>;
}

/** Receives entries from peers and bundles. */
export class Receiver implements EntryReceiver {
  readonly #o: ReceiverOptions;
  readonly #checker: EntryChecker;
  readonly #log: ChannelLogger;
  /** Alarms of what peers send, one per kind and peer per window: a flood cannot bury the consoles. */
  readonly #alarms: RepeatedAlarms;
  /** Per proposing party, the channels it proposed here that may still await an answer (built at first use). */
  #proposed: Map<string, Set<string>> | undefined;
  readonly #pending = new Map<string, Map<string, SealedEntry>>();
  /** Channels whose proposal does not name this party, held for an amendment that may (#offer). */
  readonly #offered: OfferedProposals;
  /** Bytes of entries held for their predecessors, all channels: bounded by MAX_PENDING_BYTES. */
  #pendingBytes = 0;
  /** The same, per author: bounded by MAX_PENDING_BYTES_PER_AUTHOR. */
  readonly #pendingBytesOf = new Map<string, number>();

  constructor(options: ReceiverOptions) {
    this.#o = options;
    this.#checker = options.checker ?? inlineChecker;
    this.#log = options.log ?? SILENT;
    this.#alarms = new RepeatedAlarms(options.events, this.#log, options.later ? { later: options.later } : {});
    this.#offered = new OfferedProposals(options.registry.self.party);
  }

  /** Holds stored entries that still wait for a predecessor (ChannelRegistry.load). */
  holdLoaded(held: ReadonlyMap<string, readonly SealedEntry[]>): void {
    for (const [channel, entries] of held) for (const s of entries) this.#hold(channel, s);
  }

  precheck(raws: readonly string[]): Promise<LinePrecheck[]> {
    return this.#checker.check(raws);
  }

  async receive(raws: readonly string[], source: string, prechecks?: readonly LinePrecheck[]): Promise<ReceiveOutcome> {
    const { outcome, durable } = await this.ingest(raws, source, prechecks);
    await durable;
    return outcome;
  }

  /** See EntryReceiver.fresh: the reload of a stale channel, if it is one. */
  fresh(channel: string): Promise<void> | undefined {
    return this.#o.committer.fresh(channel);
  }

  /**
   * Takes `raws` in (checked, into their logs, shown to the officers) and starts their durable
   * commit without waiting for it: `durable` settles once they are stored, or rejects if the
   * commit failed (the channel was then reloaded from the store). A federation stream answers
   * `stored` once `durable` settled and meanwhile goes on with its next frame, whose entries may
   * share the commit: `waitMs` is how long the commit may wait for them (docs/protocol.md §12).
   */
  async ingest(raws: readonly string[], source: string, prechecks?: readonly LinePrecheck[], options: { readonly waitMs?: number } = {}): Promise<{ outcome: ReceiveOutcome; durable: Promise<void> }> {
    const checks = prechecks ?? (await this.precheck(raws));
    const b: Batch = { out: { accepted: 0, duplicate: 0, pending: 0, rejected: [], missing: [] }, accepted: new Map(), touched: new Set(), notAfter: this.#o.clock.now() + MAX_FUTURE_SKEW_MS, source, heldHere: new Set() };
    for (let i = 0; i < raws.length; i++) {
      const sealed = this.#sealed(raws[i]!, checks[i], b);
      if (!sealed) continue;
      if (sealed.entry.kind === 'charter.propose') this.#found(sealed.sealed, sealed.signatureChecked, b);
      else await this.#ingest(sealed.sealed, sealed.signatureChecked, b);
    }
    // Entries held for predecessors may now fit.
    for (const log of b.touched) await this.#drainPending(log, b);
    await this.#drainUnknown(b);
    // Queued now, in order, for every channel touched; the group commit writes them together.
    const commits: Promise<void>[] = [];
    for (const [log, { entries, before }] of b.accepted) if (entries.length) commits.push(this.#o.committer.commit(log, entries, { own: false, before, ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}) }));
    const durable = commits.length === 0 ? Promise.resolve() : Promise.all(commits).then(() => undefined);
    return { outcome: b.out, durable };
  }

  /** The entry of a line, from its precheck (or parsed again for the error to report). */
  #sealed(raw: string, pre: LinePrecheck | undefined, b: Batch): { sealed: SealedEntry; signatureChecked: boolean; entry: SealedEntry['entry'] } | undefined {
    if (pre?.hash !== undefined) {
      const sealed = sealedFromPrechecked(raw, pre.hash);
      // A bad signature is found again (and reported) by ingest.
      return { sealed, signatureChecked: pre.signatureOk === true, entry: sealed.entry };
    }
    const parsed = parseEntry(raw);
    if (!parsed.ok) {
      this.#reject(b, parsed.error);
      return undefined;
    }
    return { sealed: parsed.sealed, signatureChecked: false, entry: parsed.sealed.entry };
  }

  /** A proposal founds a new channel (or is a duplicate). */
  #found(sealed: SealedEntry, signatureChecked: boolean, b: Batch): void {
    const { registry } = this.#o;
    if (registry.get(sealed.hash)) {
      b.out.duplicate++;
      return;
    }
    const charter = (sealed.entry.body as BodyOf<'charter.propose'>).charter;
    const awaiting = this.#awaitingAnswer(sealed.entry.author);
    if (awaiting.size >= MAX_OPEN_PROPOSALS) {
      const message = TERMINAL_ERRORS.format('CHANNEL_PROPOSALS_LIMIT', { party: registry.label(sealed.entry.author), count: awaiting.size, max: MAX_OPEN_PROPOSALS });
      this.#reject(b, { code: 'CHANNEL_PROPOSALS_LIMIT', message }, sealed.hash);
      return;
    }
    const r = ChannelLog.found(sealed, registry.keys, { notAfter: b.notAfter, signatureChecked }, registry.formats);
    if (r.ok && !this.#offered.names(charter)) return this.#offer(r.log, sealed, b);
    if (!r.ok) {
      this.#reject(b, r.error, sealed.hash);
      return;
    }
    registry.add(r.log);
    awaiting.add(r.log.id);
    b.accepted.set(r.log, { entries: [sealed], before: 'none' });
    b.out.accepted++;
    b.touched.add(r.log);
  }

  /**
   * A channel whose proposal does not name this party is held (offered-proposals.ts) until an
   * amendment naming this party arrives; one held already (unknown channel) adopts it at once.
   */
  #offer(log: ChannelLog, sealed: SealedEntry, b: Batch): void {
    b.out.pending++;
    b.heldHere.add(sealed.hash);
    if (this.#offered.has(log.id)) return;
    this.#offered.hold({ log, sealed });
    const held = this.#pending.get(UNKNOWN_CHANNEL);
    for (const s of held?.values() ?? []) if (s.entry.channel === log.id && this.#offered.amendmentNamesSelf(s)) return void this.#adopt(log.id, b);
  }

  /** An offered channel (above) is this party's now: its proposal goes into the registry and the store. */
  #adopt(channel: string, b: Batch): ChannelLog {
    const { log, sealed } = this.#offered.take(channel)!;
    this.#o.registry.add(log);
    b.accepted.set(log, { entries: [sealed], before: 'none' });
    b.touched.add(log);
    return log;
  }

  /** The channels `party` proposed here that still await an answer (accepted, declined, withdrawn or expired ones leave). */
  #awaitingAnswer(party: string): Set<string> {
    const { registry, clock } = this.#o;
    if (!this.#proposed) {
      this.#proposed = new Map();
      for (const id of registry.channelIds()) {
        const log = registry.get(id);
        if (!log || log.proposal.entry.author === registry.self.party) continue;
        const set = this.#proposed.get(log.proposal.entry.author) ?? new Set<string>();
        set.add(id);
        this.#proposed.set(log.proposal.entry.author, set);
      }
    }
    const set = this.#proposed.get(party) ?? new Set<string>();
    this.#proposed.set(party, set);
    const now = clock.now();
    for (const id of set) if (registry.get(id)?.state(now).state !== 'proposed') set.delete(id);
    return set;
  }

  /** Any other entry goes into its channel's log, or is held, or is refused. */
  async #ingest(sealed: SealedEntry, signatureChecked: boolean, b: Batch): Promise<void> {
    const e = sealed.entry;
    // A channel whose commit failed and whose reload failed too is reloaded first (this rejects
    // while the database cannot be read: the stream fails and the peer sends again later), so
    // that nothing is answered `duplicate` for an entry its log holds and the database does not.
    const reloading = e.channel ? this.#o.committer.fresh(e.channel) : undefined;
    if (reloading) await reloading;
    let log = e.channel ? this.#o.registry.get(e.channel) : undefined;
    if (!log) {
      const problem = this.#checkBeforeHolding(sealed, b.notAfter, signatureChecked);
      if (problem) return this.#reject(b, problem, sealed.hash);
      if (this.#offered.has(e.channel!) && this.#offered.amendmentNamesSelf(sealed)) log = this.#adopt(e.channel!, b);
    }
    if (!log) {
      this.#hold(UNKNOWN_CHANNEL, sealed);
      b.out.pending++;
      b.heldHere.add(sealed.hash);
      b.out.missing.push({ channel: e.channel!, author: '', fromSeq: 1, toSeq: 1 });
      return;
    }
    const slot = b.accepted.get(log) ?? { entries: [], before: log.state(this.#o.clock.now()).state };
    const r = await this.#o.registry.memory.ingest(log, sealed, { notAfter: b.notAfter, signatureChecked });
    switch (r.status) {
      case 'accepted':
        slot.entries.push(sealed);
        b.accepted.set(log, slot);
        b.touched.add(log);
        b.out.accepted++;
        break;
      case 'duplicate':
        b.out.duplicate++;
        break;
      case 'pending': {
        const problem = this.#checkBeforeHolding(sealed, b.notAfter, signatureChecked);
        if (problem) return this.#reject(b, problem, sealed.hash, log.id);
        this.#hold(log.id, sealed);
        b.out.pending++;
        b.heldHere.add(sealed.hash);
        for (const m of r.missing) b.out.missing.push({ channel: log.id, ...m });
        break;
      }
      case 'equivocation':
        await this.#recordEquivocation(log, sealed);
        b.out.rejected.push({ hash: sealed.hash, code: r.error.code, message: r.error.message });
        (b.out.conflicts ??= []).push({ channel: log.id, author: e.author, seq: e.seq, kind: 'equivocation' });
        break;
      case 'rejected':
        // An authentic entry whose chain parts from the one held here: the author forked its log.
        if (r.error.code === 'ENTRY_WRONG_PREVIOUS_HASH' && !this.#checkBeforeHolding(sealed, b.notAfter, signatureChecked)) {
          (b.out.conflicts ??= []).push({ channel: log.id, author: e.author, seq: e.seq, kind: 'previous' });
          // Our own entry relayed back: the peer is not at fault; the reconciler raises CHANNEL_OWN_LOG_FORKED.
          if (e.author === this.#o.registry.self.party) {
            b.out.rejected.push({ hash: sealed.hash, code: r.error.code, message: r.error.message });
            break;
          }
        }
        if (this.#citesOwnOtherwise(log, sealed, b)) {
          // It names our own entry with another hash: our log may have forked, not the peer's fault.
          b.out.rejected.push({ hash: sealed.hash, code: r.error.code, message: r.error.message });
          break;
        }
        this.#reject(b, r.error, sealed.hash, log.id);
        break;
    }
  }

  /**
   * An entry waiting for its predecessors is held in memory only if it is authentic: not dated in
   * the future, signed by a key its author certified, signature valid. A forgery is refused now,
   * not kept until its place in the log comes (it could never be accepted, and it costs memory).
   * Every held entry has a valid signature: when its turn comes it is not verified again.
   */
  #checkBeforeHolding(sealed: SealedEntry, notAfter: number, signatureChecked: boolean): ProtocolError | undefined {
    const e = sealed.entry;
    const d = { author: e.author.slice(0, 8), seq: e.seq, key: e.key.slice(0, 8), time: new Date(e.time).toISOString() };
    if (e.time > notAfter) return protocolError('ENTRY_MALFORMED', { detail: `author time ${d.time} lies in the future` });
    const k = this.#o.registry.keys.check(e.author, e.key, e.time);
    if (!k.ok) return protocolError(k.code, { ...d, revokedAt: k.revokedAt !== undefined ? new Date(k.revokedAt).toISOString() : undefined });
    if (!signatureChecked && !verifyEntrySignature(sealed)) return protocolError('ENTRY_BAD_SIGNATURE', d);
    return undefined;
  }

  #hold(key: string, sealed: SealedEntry): void {
    const map = this.#pending.get(key) ?? new Map<string, SealedEntry>();
    // Bounded: the sender will resend after reconnecting.
    const author = sealed.entry.author;
    const size = sealed.raw.length;
    const ofAuthor = this.#pendingBytesOf.get(author) ?? 0;
    if (map.size >= MAX_PENDING || map.has(sealed.hash) || this.#pendingBytes + size > MAX_PENDING_BYTES || ofAuthor + size > MAX_PENDING_BYTES_PER_AUTHOR) return;
    map.set(sealed.hash, sealed);
    this.#pendingBytes += size;
    this.#pendingBytesOf.set(author, ofAuthor + size);
    this.#pending.set(key, map);
  }

  #unhold(held: Map<string, SealedEntry>, sealed: SealedEntry): void {
    if (!held.delete(sealed.hash)) return;
    const size = sealed.raw.length;
    this.#pendingBytes -= size;
    const left = (this.#pendingBytesOf.get(sealed.entry.author) ?? size) - size;
    if (left > 0) this.#pendingBytesOf.set(sealed.entry.author, left);
    else this.#pendingBytesOf.delete(sealed.entry.author);
  }

  /**
   * Takes in the held entries of `log` that fit now. With `reportMissing` (a channel just founded
   * from its proposal), what the rest still wait for is asked for: nobody asked before, as their
   * channel was unknown (in a channel restored from an old backup, this terminal's own entries).
   */
  async #drainPending(log: ChannelLog, b: Batch, reportMissing = false): Promise<void> {
    const held = this.#pending.get(log.id);
    if (!held || held.size === 0) return;
    let progress = true;
    /** Whether this drain took some held entry in: what the rest wait for now may be new (below). */
    let moved = false;
    /** What the entries still held wait for, as the last pass found it. */
    let waiting: Array<{ author: string; fromSeq: number; toSeq: number }> = [];
    while (progress) {
      progress = false;
      waiting = [];
      // Only an entry at or below the next seq of its author can be taken in (or found a duplicate or
      // a fork) now; one past a gap would be pending again (ENTRY_SEQUENCE_GAP). Those are passed
      // over without the ingest's checks, so that entries held far ahead (a peer may hold up to
      // the pending bounds of §12.2 "Pending entries") cost every later batch of the channel a
      // comparison each, not an ingest each. A channel just founded asks for what they all lack.
      const ordered = [...held.values()].filter((x) => reportMissing || x.entry.seq <= log.heldCount(x.entry.author) + 1).sort((x, y) => x.entry.seq - y.entry.seq);
      for (const sealed of ordered) {
        const r = await this.#o.registry.memory.ingest(log, sealed, { notAfter: b.notAfter, signatureChecked: true });
        if (r.status === 'pending') {
          waiting.push(...r.missing);
          continue;
        }
        this.#unhold(held, sealed);
        // Held entries are authentic: one that contradicts the log held here now is a fork of its author's log.
        if (r.status === 'equivocation' || (r.status === 'rejected' && r.error.code === 'ENTRY_WRONG_PREVIOUS_HASH'))
          (b.out.conflicts ??= []).push({ channel: log.id, author: sealed.entry.author, seq: sealed.entry.seq, kind: r.status === 'equivocation' ? 'equivocation' : 'previous' });
        else if (r.status === 'rejected') this.#citesOwnOtherwise(log, sealed, b);
        if (r.status !== 'accepted') continue;
        const slot = b.accepted.get(log) ?? { entries: [], before: log.state(this.#o.clock.now()).state };
        slot.entries.push(sealed);
        b.accepted.set(log, slot);
        // Counted accepted whichever batch brought it; `pending` counts only this batch's entries still held.
        b.out.accepted++;
        if (b.heldHere.delete(sealed.hash)) b.out.pending--;
        progress = moved = true;
      }
    }
    // Asked for at once (docs/protocol.md §12, "Pending entries"): the entries let in may have
    // been all that the held ones waited for from the sender, and what they wait for now (another
    // author's entries their heads name, which that author may never push here: a party removed
    // before this one was added) would otherwise be asked for only when the next entry arrives.
    if (reportMissing || moved) for (const m of waiting) if (b.out.missing.length < MAX_MISSING_REPORTED) b.out.missing.push({ channel: log.id, ...m });
  }

  async #drainUnknown(b: Batch): Promise<void> {
    const held = this.#pending.get(UNKNOWN_CHANNEL);
    if (!held) return;
    const founded = new Set<ChannelLog>();
    for (const sealed of [...held.values()]) {
      const log = this.#o.registry.get(sealed.entry.channel!);
      if (!log) continue;
      this.#unhold(held, sealed);
      this.#hold(log.id, sealed);
      founded.add(log);
    }
    for (const log of founded) await this.#drainPending(log, b, true);
  }

  async #recordEquivocation(log: ChannelLog, sealed: SealedEntry): Promise<void> {
    const { store, registry } = this.#o;
    // The entry held at that place, which the second one contradicts.
    const first = await store.getEntry(log.id, sealed.entry.author, sealed.entry.seq);
    await store.putEvidence({ channel: log.id, author: sealed.entry.author, seq: sealed.entry.seq, firstRaw: first?.raw ?? '', secondRaw: sealed.raw, detectedAt: this.#o.clock.now() });
    const e = protocolError('ENTRY_EQUIVOCATION', { author: registry.label(sealed.entry.author), seq: sealed.entry.seq });
    this.#alarms.raise(`${e.code} ${log.id} ${sealed.entry.author}`, { type: 'alarm', code: e.code, message: e.message, channel: log.id }, { channel: log.id, author: sealed.entry.author, seq: sealed.entry.seq }, 'error');
  }

  /**
   * Whether `sealed` (refused) cites this terminal's own entry at a seq held here with another hash
   * than the one held (ENTRY_UNKNOWN_DEPENDENCY "with the hash it names"); reported as a `cited`
   * conflict: the author holds another own log of ours than we do (channels/reconciler.ts).
   */
  #citesOwnOtherwise(log: ChannelLog, sealed: SealedEntry, b: Batch): boolean {
    const self = this.#o.registry.self.party;
    const cited = sealed.entry.heads[self];
    if (sealed.entry.author === self || cited === undefined) return false;
    const held = log.hashAt(self, cited.seq);
    if (held === undefined || held === cited.hash) return false;
    (b.out.conflicts ??= []).push({ channel: log.id, author: self, seq: cited.seq, kind: 'cited' });
    return true;
  }

  /**
   * Refuses an entry: in the outcome (every one), in the log and as an alarm for the officers (the
   * first of its kind from its source, then one summary per window: {@link RepeatedAlarms}).
   */
  #reject(b: Batch, error: Pick<ProtocolError, 'message'> & { readonly code: string }, hash?: string, channel?: string): void {
    b.out.rejected.push({ ...(hash !== undefined ? { hash } : {}), code: error.code, message: error.message });
    // For the officers, the authors by their party codes (the peer is answered in the protocol's words).
    const registry = this.#o.registry;
    let parties: string[] = [];
    try {
      if (channel !== undefined) parties = [registry.self.party, ...Object.keys(registry.channel(channel).heads())];
    } catch {
      // A channel not held here: the message stays in the protocol's words.
    }
    const message = withPartyCodes(error.message, parties, (p) => registry.label(p));
    this.#alarms.raise(`${error.code} ${b.source}`, { type: 'alarm', code: error.code, message, ...(channel !== undefined ? { channel } : {}), peer: b.source }, { source: b.source, channel });
  }
}

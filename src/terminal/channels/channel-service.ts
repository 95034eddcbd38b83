/**
 * The terminal's channels: the one place where entries are written, received, validated against
 * the channel logs, stored durably and projected for officers. Everything else (officer API,
 * federation, sync, schedulers) calls these use cases.
 *
 * Invariants:
 *  - an entry is in memory (ChannelLog) before it is stored, and stored before anyone hears of
 *    it: own entries are pushed to peers, and receipts for received entries are signed, only
 *    after the durable commit (docs/protocol.md §6 receipt);
 *  - if a commit fails, the channel is reloaded from the store, so memory never runs ahead of disk.
 */
import {
  ChannelLog,
  KeyRegistry,
  checkCharter,
  checkPartyCard,
  composeEntry,
  fingerprint,
  normaliseFingerprint,
  parseEntry,
  proposeChannel,
  sealedFromPrechecked,
  sealedFromStored,
  protocolError,
  verifyEntrySignature,
  HotlineProtocolError,
  DEFAULT_ACK_DEADLINES,
  type BodyOf,
  type Charter,
  type EntryKind,
  type LinePrecheck,
  type OfficerRef,
  type PartyCard,
  type ProtocolError,
  type Role,
  type SealedEntry,
} from '../../protocol/index.js';
import { EntryWriter, earliestEscalation, type EntryRow, type EntryWriterStats, type MessageInput, type MessageRow, type Projection, type Store } from '../../store/index.js';
import type { Clock } from '../clock.js';
import { TerminalError } from '../errors.js';
import { inlineChecker, type EntryChecker } from './check-pool.js';
import { EventBus } from '../events/event-bus.js';
import type { AuditInput, AuditLog } from '../officers/audit-log.js';
import type { BatchWriteOptions, WriteOptions } from './ports.js';
import type { ChannelView, ProposeInput, ReceiveOutcome, TerminalSelf } from './channel-types.js';

export type { TerminalEvent } from '../events/event-bus.js';

export type { TerminalSelf, ReceiveOutcome, ProposeInput, ChannelView } from './channel-types.js';
export type { WriteOptions, BatchWriteOptions } from './ports.js';

/** How far in the future an author time may lie (clock skew allowance), ms. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
const MAX_PENDING = 50_000;
/** Total size of entries held for their predecessors (memory bound against a flooding peer). */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;

interface ChannelServiceOptions {
  store: Store;
  self: TerminalSelf;
  clock: Clock;
  log?: { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };
  writer?: EntryWriter;
  /** Where received entries get their context-free checks (default: this thread). */
  checker?: EntryChecker;
  /**
   * Least time between two receipts of one channel, ms (default 0: a receipt at every turn of the
   * event loop that committed received entries). A receipt is cumulative, so under a stream of
   * messages one per window covers them all, at a fraction of the signatures, entries and commits
   * on both sides; after a quiet spell the first receipt still goes at once.
   */
  receiptSpacingMs?: number;
  /** The terminal's event bus (default: one of its own). */
  events?: EventBus;
  /** Where the audit records of officers' writes go, in the entries' transaction. */
  audit?: Pick<AuditLog, 'append'>;
}

/** How entries reloaded from the store at start are offered to their logs (IngestOptions.restored). */
const RESTORED = { signatureChecked: true, restored: true } as const;

/** The use cases of channels on one terminal. */
export class ChannelService {
  /** The terminal's event bus (terminal.ts owns it). */
  readonly events: EventBus;
  readonly #audit: Pick<AuditLog, 'append'> | undefined;
  /**
   * When the escalation scheduler should first look at a new message (stored with it). Set by the
   * scheduler from its policies; without one, the earliest any policy could act.
   */
  escalationDueAt: ((m: MessageInput) => number | null) | undefined;
  readonly registry = new KeyRegistry();
  readonly self: TerminalSelf;
  readonly store: Store;
  readonly #clock: Clock;
  readonly #writer: EntryWriter;
  readonly #logs = new Map<string, ChannelLog>();
  readonly #pending = new Map<string, Map<string, SealedEntry>>();
  readonly #receiptDue = new Set<string>();
  readonly #logger: NonNullable<ChannelServiceOptions['log']>;
  readonly #checker: EntryChecker;
  #receiptTimer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  readonly #receiptSpacingMs: number;
  /** When the last receipts were written (performance.now()): paces them under load. */
  #lastReceiptsAt = -Infinity;
  /** Own entries durably committed, per channel: the newest ones kept in memory for the sync engine. */
  readonly #ownCommitted = new Map<string, { head: number; ring: string[]; ringStart: number }>();

  constructor(options: ChannelServiceOptions) {
    this.store = options.store;
    this.self = options.self;
    this.#clock = options.clock;
    this.#writer = options.writer ?? new EntryWriter(options.store, { maxDelayMs: 0 });
    this.#logger = options.log ?? { info() {}, warn() {}, error() {} };
    this.#checker = options.checker ?? inlineChecker;
    this.#receiptSpacingMs = Math.max(0, options.receiptSpacingMs ?? 0);
    this.events = options.events ?? new EventBus();
    this.#audit = options.audit;
  }

  /** Loads cards and every channel log from the store. Signatures were checked on arrival. */
  async load(): Promise<void> {
    const own = this.registry.addCard(this.self.card);
    if (own) throw new HotlineProtocolError(own);
    for (const peer of await this.store.listPeers()) {
      const problem = this.registry.addCard(JSON.parse(peer.card) as PartyCard);
      if (problem) this.#logger.warn({ peer: peer.code, code: problem.code }, 'stored peer card no longer checks');
    }
    for (const row of await this.store.listChannels()) await this.#loadChannel(row.id);
  }

  async #loadChannel(id: string): Promise<void> {
    this.#logs.delete(id);
    let log: ChannelLog | undefined;
    // Entries of different authors may have been committed in an order other than their causal
    // order (concurrent commits); hold those until their predecessors are in.
    const held: SealedEntry[] = [];
    for await (const page of this.store.streamRawEntries(id)) {
      for (const raw of page) {
        // Stored after a complete check on arrival: parsed and hashed again, and put back in its
        // chains (which tie every entry to its predecessor by that hash), not judged again.
        const sealed = sealedFromStored(raw);
        if (!log) {
          const r = ChannelLog.found(sealed, this.registry, { signatureChecked: true });
          if (!r.ok) throw new HotlineProtocolError(r.error);
          log = r.log;
          continue;
        }
        const r = log.ingest(sealed, RESTORED);
        if (r.status === 'pending') held.push(sealed);
        else if (r.status !== 'accepted' && r.status !== 'duplicate')
          this.#logger.error({ channel: id, status: r.status }, 'stored entry no longer ingests');
      }
    }
    if (log && held.length) {
      let progress = true;
      while (progress && held.length) {
        progress = false;
        for (let i = 0; i < held.length; i++) {
          const r = log.ingest(held[i]!, RESTORED);
          if (r.status === 'pending') continue;
          held.splice(i--, 1);
          progress = true;
        }
      }
      for (const s of held) this.#hold(id, s);
    }
    if (log) for (const a of log.authors()) this.#noteCommitted(id, a, log.head(a)!.seq);
    if (log) {
      this.#logs.set(id, log);
      this.#ownCommitted.set(id, { head: log.head(this.self.party)?.seq ?? 0, ring: [], ringStart: (log.head(this.self.party)?.seq ?? 0) + 1 });
    }
  }

  readonly #lastReceipt = new Map<string, string>();
  /** Highest seq of each author durably committed, per channel: what receipts may claim. */
  readonly #committed = new Map<string, Map<string, number>>();

  #noteCommitted(channel: string, author: string, seq: number): void {
    const m = this.#committed.get(channel) ?? new Map<string, number>();
    if ((m.get(author) ?? 0) < seq) m.set(author, seq);
    this.#committed.set(channel, m);
  }

  /** Commits and entries of the group-commit writer so far (metrics). */
  get writerStats(): EntryWriterStats {
    return this.#writer.stats;
  }

  /** Highest own seq durably committed in a channel. */
  committedHead(channel: string): number {
    return this.#ownCommitted.get(channel)?.head ?? 0;
  }

  /**
   * Stored entries of `author` fromSeq..toSeq (inclusive) as wire text, for a peer that asked.
   * Own entries only up to the committed head: a commit is visible in the store a moment before it
   * is durable, and an own entry that reached a peer but not the disk could be sealed again,
   * differently, after a crash (an equivocation).
   */
  async entriesFor(channel: string, author: string, fromSeq: number, toSeq: number): Promise<string[]> {
    const to = author === this.self.party ? Math.min(toSeq, this.committedHead(channel)) : toSeq;
    if (to < fromSeq) return [];
    return this.store.listRawEntries(channel, author, fromSeq, to);
  }

  /** Own committed entries fromSeq..toSeq (inclusive) as wire text, from memory when recent. */
  async ownEntries(channel: string, fromSeq: number, toSeq: number): Promise<string[]> {
    const c = this.#ownCommitted.get(channel);
    if (!c) return [];
    const to = Math.min(toSeq, c.head);
    if (to < fromSeq) return [];
    if (fromSeq >= c.ringStart) return c.ring.slice(fromSeq - c.ringStart, to - c.ringStart + 1);
    return this.store.listRawEntries(channel, this.self.party, fromSeq, to);
  }

  #noteOwnCommitted(channel: string, entries: readonly SealedEntry[]): void {
    let c = this.#ownCommitted.get(channel);
    if (!c) {
      c = { head: 0, ring: [], ringStart: 1 };
      this.#ownCommitted.set(channel, c);
    }
    for (const s of entries) {
      if (s.entry.author !== this.self.party || s.entry.seq !== c.head + 1) continue;
      c.head = s.entry.seq;
      c.ring.push(s.raw);
    }
    // Trimmed a block at a time: dropping one entry at a time moves the whole ring every write.
    const RING = 8192;
    if (c.ring.length >= RING + RING / 8) {
      const drop = c.ring.length - RING;
      c.ring.splice(0, drop);
      c.ringStart += drop;
    }
  }

  /** Now, by the injected clock. */
  now(): number {
    return this.#clock.now();
  }

  // ---- peers ---------------------------------------------------------------------------------

  /** Adds (or updates) a peer from its card, after the officer confirmed the fingerprint. */
  async addPeer(card: unknown, confirmedFingerprint: string): Promise<{ party: string; code: string; fingerprint: string }> {
    const problem = checkPartyCard(card);
    if (problem) throw new HotlineProtocolError(problem);
    const c = card as PartyCard;
    if (c.party === this.self.party) throw new TerminalError('PEER_IS_SELF');
    const actual = fingerprint(c.party);
    if (normaliseFingerprint(confirmedFingerprint) !== normaliseFingerprint(actual))
      throw new TerminalError('PEER_FINGERPRINT_MISMATCH', { given: confirmedFingerprint, actual });
    this.registry.addCard(c);
    const now = this.now();
    await this.store.putPeer({ party: c.party, code: c.code, card: JSON.stringify(c), fingerprint: actual, addedAt: now, updatedAt: now });
    this.events.emit({ type: 'peers' });
    return { party: c.party, code: c.code, fingerprint: actual };
  }

  /** Resolves a party id or code among known peers and self. */
  async resolveParty(idOrCode: string): Promise<{ party: string; code: string }> {
    if (idOrCode === this.self.party || idOrCode.toUpperCase() === this.self.code) return { party: this.self.party, code: this.self.code };
    for (const p of await this.store.listPeers())
      if (p.party === idOrCode || p.code === idOrCode.toUpperCase()) return { party: p.party, code: p.code };
    throw new TerminalError('PARTY_UNKNOWN', { party: idOrCode });
  }

  /** Code of a party for display. */
  label(party: string): string {
    return party === this.self.party ? this.self.code : this.registry.label(party);
  }

  // ---- channels: queries -----------------------------------------------------------------------

  /** Finds a channel by id or unique id prefix. */
  channel(idOrPrefix: string): ChannelLog {
    const exact = this.#logs.get(idOrPrefix);
    if (exact) return exact;
    const matches = [...this.#logs.keys()].filter((id) => id.startsWith(idOrPrefix.toLowerCase()));
    if (matches.length === 1 && idOrPrefix.length >= 4) return this.#logs.get(matches[0]!)!;
    if (matches.length > 1) throw new TerminalError('CHANNEL_AMBIGUOUS', { channel: idOrPrefix });
    throw new TerminalError('CHANNEL_NOT_FOUND', { channel: idOrPrefix });
  }

  /** Channel ids known here. */
  channelIds(): string[] {
    return [...this.#logs.keys()];
  }

  /** The officer view of a channel. */
  view(idOrPrefix: string): ChannelView {
    const log = this.channel(idOrPrefix);
    const d = log.state(this.now());
    const pending = d.amendments.find((a) => a.status === 'pending');
    return {
      id: log.id,
      state: d.state,
      title: d.charter.title,
      tier: d.charter.tier,
      proposer: this.label(d.proposer),
      charterHash: d.charterHash,
      charter: d.charter,
      parties: d.charter.parties.map((p) => ({
        party: p.party,
        code: p.code,
        roles: p.roles,
        accepted: d.accepted.has(p.party),
        suspended: d.suspendedBy.has(p.party),
        entries: log.head(p.party)?.seq ?? 0,
      })),
      pendingAmendment: pending ? { hash: pending.hash, proposer: this.label(pending.proposer), accepted: [...pending.accepted].map((p) => this.label(p)) } : undefined,
      entries: log.size,
    };
  }

  /** Parties (other than self) that must receive this channel's entries. */
  peersOf(channelId: string): string[] {
    const log = this.#logs.get(channelId);
    if (!log) return [];
    const d = log.state(this.now());
    const set = new Set(d.charter.parties.map((p) => p.party));
    for (const a of d.amendments) if (a.status === 'pending') for (const p of a.charter.parties) set.add(p.party);
    set.delete(this.self.party);
    return [...set];
  }

  // ---- channels: own actions -------------------------------------------------------------------

  /** Proposes a new channel; returns its id. */
  async propose(input: ProposeInput): Promise<ChannelView> {
    const roles: Role[] = input.roles ?? ['plenipotentiary', 'principal', 'duty-officer', 'observer'];
    const others = [];
    for (const p of input.parties) others.push(await this.resolveParty(p));
    const parties = [{ party: this.self.party, code: this.self.code }, ...others.filter((o) => o.party !== this.self.party)];
    const languages = input.languages ?? Object.keys(input.title);
    const charter: Charter = {
      title: input.title,
      tier: input.tier,
      parties: parties.map((p) => ({ ...p, roles })),
      languages,
      linkTestIntervalSec: input.linkTestIntervalSec ?? 60,
      ackDeadlineSec: { ...DEFAULT_ACK_DEADLINES, ...input.ackDeadlineSec },
      ...(input.expires !== undefined ? { expires: input.expires } : {}),
      ...(input.note ? { note: input.note } : {}),
    };
    const problem = checkCharter(charter, this.self.party);
    if (problem) throw new HotlineProtocolError(problem);
    const sealed = proposeChannel(this.self.signer, this.self.party, charter, this.now());
    const founded = ChannelLog.found(sealed, this.registry);
    if (!founded.ok) throw new HotlineProtocolError(founded.error);
    this.#logs.set(founded.log.id, founded.log);
    await this.#commit(founded.log, [sealed], true, 'proposed');
    return this.view(founded.log.id);
  }

  /** Writes an own entry of `kind` to a channel (accept, decline, suspend, message, ack, ...). */
  async write<K extends EntryKind>(channelIdOrPrefix: string, kind: K, body: BodyOf<K>, options: WriteOptions = {}): Promise<SealedEntry<K>> {
    const log = this.channel(channelIdOrPrefix);
    const before = log.state(this.now()).state;
    if (kind === 'message' && before !== 'active') throw notActive(log, before);
    const sealed = composeEntry(log, this.self.signer, this.self.party, kind, body, this.now());
    const r = log.ingest(sealed, { signatureChecked: true });
    if (r.status !== 'accepted') {
      const e = 'error' in r ? r.error : protocolError('ENTRY_MALFORMED', { detail: r.status });
      throw new HotlineProtocolError(e);
    }
    await this.#commit(log, [sealed], true, before, options.audit?.(sealed));
    return sealed;
  }

  /** Accepts the pending proposal or amendment of a channel. */
  async accept(channel: string): Promise<SealedEntry> {
    const log = this.channel(channel);
    const d = log.state(this.now());
    const target = d.state === 'proposed' ? d.proposalHash : d.amendments.find((a) => a.status === 'pending')?.hash;
    if (!target)
      throw new HotlineProtocolError(protocolError('ENTRY_KIND_NOT_ALLOWED', { kind: 'charter.accept', state: d.state, why: '', hint: 'There is no proposal or amendment awaiting an answer.' }));
    return this.write(log.id, 'charter.accept', { charter: target });
  }

  /** Declines the pending proposal or amendment. */
  async decline(channel: string, reason: string): Promise<SealedEntry> {
    const log = this.channel(channel);
    const d = log.state(this.now());
    const target = d.state === 'proposed' ? d.proposalHash : d.amendments.find((a) => a.status === 'pending')?.hash;
    if (!target)
      throw new HotlineProtocolError(protocolError('ENTRY_KIND_NOT_ALLOWED', { kind: 'charter.decline', state: d.state, why: '', hint: 'There is no proposal or amendment awaiting an answer.' }));
    return this.write(log.id, 'charter.decline', { charter: target, reason });
  }

  /** Withdraws this party's own proposal (or pending amendment). */
  async withdraw(channel: string, reason: string): Promise<SealedEntry> {
    const log = this.channel(channel);
    const d = log.state(this.now());
    const own = d.amendments.find((a) => a.status === 'pending' && a.proposer === this.self.party);
    return this.write(log.id, 'charter.withdraw', { charter: d.state === 'proposed' ? d.proposalHash : (own?.hash ?? d.proposalHash), reason });
  }

  /** Sends a message. */
  async send(channel: string, message: BodyOf<'message'>, options?: WriteOptions): Promise<SealedEntry<'message'>> {
    return this.write(channel, 'message', message, options);
  }

  /**
   * Sends several messages at once (a gateway's batch): each is its own signed entry, in order,
   * and all of them commit in one transaction with the audit record of `options.audit`, or none does.
   * Everything that could refuse one of them is checked before the first is signed.
   */
  async sendMany(channel: string, messages: ReadonlyArray<BodyOf<'message'>>, options: BatchWriteOptions = {}): Promise<Array<SealedEntry<'message'>>> {
    const log = this.channel(channel);
    if (messages.length === 0) return [];
    const before = log.state(this.now()).state;
    if (before !== 'active') throw notActive(log, before);
    messages.forEach((m, i) => {
      if (m.replyTo && log.referent(m.replyTo)?.kind !== 'message')
        throw new TerminalError('BAD_REQUEST', { detail: `Message ${i + 1} of the batch answers ${m.replyTo.slice(0, 12)}, which is not a message of this channel; nothing was sent. Fix or drop its replyTo.` });
    });
    const sealed: Array<SealedEntry<'message'>> = [];
    for (const m of messages) {
      const s = composeEntry(log, this.self.signer, this.self.party, 'message', m, this.now());
      const r = log.ingest(s, { signatureChecked: true });
      if (r.status !== 'accepted') {
        // Checked above, so this is a fault; the ones already taken into the log must still be
        // stored (the next entry chains on them), and the caller hears how far the batch got.
        if (sealed.length) await this.#commit(log, sealed, true, before);
        const e = 'error' in r ? r.error : protocolError('ENTRY_MALFORMED', { detail: r.status });
        throw new TerminalError('BAD_REQUEST', { detail: `Message ${sealed.length + 1} of the batch was refused (${e.message}); the ${sealed.length} before it were sent.` });
      }
      sealed.push(s);
    }
    await this.#commit(log, sealed, true, before, options.audit?.(sealed));
    return sealed;
  }

  /** Acknowledges a message of the other side, as an officer. */
  async acknowledge(messageHashOrPrefix: string, officer: OfficerRef, note?: string, options?: WriteOptions): Promise<SealedEntry<'ack'>> {
    const row = await this.findMessage(messageHashOrPrefix);
    if (row.author === this.self.party) throw new TerminalError('MESSAGE_OWN', { message: row.hash.slice(0, 12) });
    return this.write(row.channel, 'ack', { message: row.hash, officer, ...(note ? { note } : {}) }, options);
  }

  /** Where the message with this (full) hash sits, if this terminal holds it (found in memory). */
  #locateMessage(hash: string): { hash: string; channel: string; author: string; seq: number } | undefined {
    for (const log of this.#logs.values()) {
      const ref = log.referent(hash);
      if (ref?.kind === 'message') return { hash, channel: log.id, author: ref.author, seq: ref.seq };
    }
    return undefined;
  }

  /** The stored row of the message with this (full) hash, if this terminal holds it. */
  async getMessage(hash: string): Promise<MessageRow | undefined> {
    const at = this.#locateMessage(hash);
    return at && this.store.getMessage(at);
  }

  /**
   * Finds a message by hash or unique prefix across channels, in the channel logs held in memory
   * (the store has no index on hashes; a message's row is read by its log position).
   */
  async findMessage(hashOrPrefix: string): Promise<{ hash: string; channel: string; author: string; seq: number }> {
    const h = hashOrPrefix.toLowerCase();
    if (/^[0-9a-f]{64}$/.test(h)) {
      const at = this.#locateMessage(h);
      if (at) return at;
    } else if (/^[0-9a-f]{6,63}$/.test(h)) {
      const found: Array<{ hash: string; channel: string; author: string; seq: number }> = [];
      for (const log of this.#logs.values()) {
        for (const ref of log.referentsByPrefix(h, 'message', 2 - found.length)) found.push({ hash: ref.hash, channel: log.id, author: ref.author, seq: ref.seq });
        if (found.length > 1) break;
      }
      if (found.length === 1) return found[0]!;
    }
    throw new TerminalError('MESSAGE_NOT_FOUND', { message: hashOrPrefix });
  }

  // ---- receiving -----------------------------------------------------------------------------

  /**
   * Starts the context-free checks of received entries (parse, schema, canonical form, hash,
   * signature), on worker threads when the terminal has them. receive() does this itself; a stream
   * starts it early and passes the result, so that the next batch is checked while the one before
   * is being stored.
   */
  precheck(raws: readonly string[]): Promise<LinePrecheck[]> {
    return this.#checker.check(raws);
  }

  /**
   * Receives entries from a peer (or a bundle file). Each is checked completely; accepted ones
   * are stored in one durable commit before this resolves. Nothing is trusted for arriving.
   * `prechecks`: precheck() of these very `raws`, when started earlier (default: done here).
   */
  async receive(raws: readonly string[], source: string, prechecks?: readonly LinePrecheck[]): Promise<ReceiveOutcome> {
    const checks = prechecks ?? (await this.precheck(raws));
    const out: ReceiveOutcome = { accepted: 0, duplicate: 0, pending: 0, rejected: [], missing: [] };
    const accepted = new Map<ChannelLog, { entries: SealedEntry[]; before: string }>();
    const notAfter = this.now() + MAX_FUTURE_SKEW_MS;
    const touched = new Set<ChannelLog>();
    for (let i = 0; i < raws.length; i++) {
      const raw = raws[i]!;
      const pre = checks[i];
      let sealed: SealedEntry;
      // A bad signature is found again (and reported) by ingest.
      let signatureChecked = false;
      if (pre?.hash !== undefined) {
        sealed = sealedFromPrechecked(raw, pre.hash);
        signatureChecked = pre.signatureOk === true;
      } else {
        // Not a well-formed entry: parsed again here for the error to report.
        const parsed = parseEntry(raw);
        if (!parsed.ok) {
          out.rejected.push({ code: parsed.error.code, message: parsed.error.message });
          this.#alarmReject(parsed.error, source);
          continue;
        }
        sealed = parsed.sealed;
      }
      const e = sealed.entry;
      if (e.kind === 'charter.propose') {
        if (this.#logs.has(sealed.hash)) {
          out.duplicate++;
          continue;
        }
        const charter = (e.body as BodyOf<'charter.propose'>).charter;
        if (!charter.parties?.some((p) => p.party === this.self.party)) {
          const err = protocolError('ENTRY_BAD_REFERENCE', { author: e.author.slice(0, 8), seq: 1, ref: 'this terminal\'s party', why: 'is not among the charter\'s parties' });
          out.rejected.push({ hash: sealed.hash, code: err.code, message: err.message });
          this.#alarmReject(err, source);
          continue;
        }
        const r = ChannelLog.found(sealed, this.registry, { notAfter, signatureChecked });
        if (!r.ok) {
          out.rejected.push({ hash: sealed.hash, code: r.error.code, message: r.error.message });
          this.#alarmReject(r.error, source);
          continue;
        }
        this.#logs.set(r.log.id, r.log);
        accepted.set(r.log, { entries: [sealed], before: 'none' });
        out.accepted++;
        touched.add(r.log);
        continue;
      }
      const log = e.channel ? this.#logs.get(e.channel) : undefined;
      if (!log) {
        const problem = this.#checkBeforeHolding(sealed, notAfter, signatureChecked);
        if (problem) {
          out.rejected.push({ hash: sealed.hash, code: problem.code, message: problem.message });
          this.#alarmReject(problem, source);
          continue;
        }
        this.#hold('unknown', sealed);
        out.pending++;
        out.missing.push({ channel: e.channel!, author: '', fromSeq: 1, toSeq: 1 });
        continue;
      }
      const slot = accepted.get(log) ?? { entries: [], before: log.state(this.now()).state };
      const r = log.ingest(sealed, { notAfter, signatureChecked });
      switch (r.status) {
        case 'accepted':
          slot.entries.push(sealed);
          accepted.set(log, slot);
          touched.add(log);
          out.accepted++;
          break;
        case 'duplicate':
          out.duplicate++;
          break;
        case 'pending': {
          const problem = this.#checkBeforeHolding(sealed, notAfter, signatureChecked);
          if (problem) {
            out.rejected.push({ hash: sealed.hash, code: problem.code, message: problem.message });
            this.#alarmReject(problem, source, log.id);
            break;
          }
          this.#hold(log.id, sealed);
          out.pending++;
          for (const m of r.missing) out.missing.push({ channel: log.id, ...m });
          break;
        }
        case 'equivocation':
          await this.#recordEquivocation(log, sealed);
          out.rejected.push({ hash: sealed.hash, code: r.error.code, message: r.error.message });
          break;
        case 'rejected':
          out.rejected.push({ hash: sealed.hash, code: r.error.code, message: r.error.message });
          this.#alarmReject(r.error, source, log.id);
          break;
      }
    }
    // Entries held for predecessors may now fit.
    for (const log of touched) this.#drainPending(log, accepted, out, notAfter);
    this.#drainUnknown(accepted, out, notAfter);
    for (const [log, { entries, before }] of accepted) if (entries.length) await this.#commit(log, entries, false, before);
    return out;
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
    const k = this.registry.check(e.author, e.key, e.time);
    if (!k.ok) return protocolError(k.code, { ...d, revokedAt: k.revokedAt !== undefined ? new Date(k.revokedAt).toISOString() : undefined });
    if (!signatureChecked && !verifyEntrySignature(sealed)) return protocolError('ENTRY_BAD_SIGNATURE', d);
    return undefined;
  }

  /** Bytes of entries held for their predecessors, all channels: bounded by MAX_PENDING_BYTES. */
  #pendingBytes = 0;

  #hold(key: string, sealed: SealedEntry): void {
    const map = this.#pending.get(key) ?? new Map<string, SealedEntry>();
    // Bounded: the sender will resend after reconnecting.
    if (map.size >= MAX_PENDING || map.has(sealed.hash) || this.#pendingBytes + sealed.raw.length > MAX_PENDING_BYTES) return;
    map.set(sealed.hash, sealed);
    this.#pendingBytes += sealed.raw.length;
    this.#pending.set(key, map);
  }

  #unhold(held: Map<string, SealedEntry>, sealed: SealedEntry): void {
    if (held.delete(sealed.hash)) this.#pendingBytes -= sealed.raw.length;
  }

  #drainPending(log: ChannelLog, accepted: Map<ChannelLog, { entries: SealedEntry[]; before: string }>, out: ReceiveOutcome, notAfter: number): void {
    const held = this.#pending.get(log.id);
    if (!held || held.size === 0) return;
    let progress = true;
    while (progress) {
      progress = false;
      const ordered = [...held.values()].sort((a, b) => a.entry.seq - b.entry.seq);
      for (const sealed of ordered) {
        const r = log.ingest(sealed, { notAfter, signatureChecked: true });
        if (r.status === 'pending') continue;
        this.#unhold(held, sealed);
        if (r.status === 'accepted') {
          const slot = accepted.get(log) ?? { entries: [], before: log.state(this.now()).state };
          slot.entries.push(sealed);
          accepted.set(log, slot);
          out.accepted++;
          out.pending = Math.max(0, out.pending - 1);
          progress = true;
        }
      }
    }
  }

  #drainUnknown(accepted: Map<ChannelLog, { entries: SealedEntry[]; before: string }>, out: ReceiveOutcome, notAfter: number): void {
    const held = this.#pending.get('unknown');
    if (!held) return;
    for (const sealed of [...held.values()]) {
      const log = this.#logs.get(sealed.entry.channel!);
      if (!log) continue;
      this.#unhold(held, sealed);
      this.#hold(log.id, sealed);
      this.#drainPending(log, accepted, out, notAfter);
    }
  }

  async #recordEquivocation(log: ChannelLog, sealed: SealedEntry): Promise<void> {
    // The entry held at that place, which the second one contradicts.
    const first = await this.store.getEntry(log.id, sealed.entry.author, sealed.entry.seq);
    await this.store.putEvidence({ channel: log.id, author: sealed.entry.author, seq: sealed.entry.seq, firstRaw: first?.raw ?? '', secondRaw: sealed.raw, detectedAt: this.now() });
    const e = protocolError('ENTRY_EQUIVOCATION', { author: this.label(sealed.entry.author), seq: sealed.entry.seq });
    this.#logger.error({ channel: log.id, author: sealed.entry.author, seq: sealed.entry.seq, code: e.code }, e.message);
    this.events.emit({ type: 'alarm', code: e.code, message: e.message, channel: log.id });
  }

  #alarmReject(error: ProtocolError, source: string, channel?: string): void {
    this.#logger.warn({ code: error.code, source, channel }, `rejected entry: ${error.message}`);
    this.events.emit({ type: 'alarm', code: error.code, message: error.message, channel, peer: source });
  }

  // ---- commit and projections -------------------------------------------------------------------

  async #commit(log: ChannelLog, entries: SealedEntry[], own: boolean, before: string, audit?: AuditInput): Promise<void> {
    const receivedAt = this.now();
    const rows: EntryRow[] = entries.map((s) => ({
      channel: log.id,
      author: s.entry.author,
      seq: s.entry.seq,
      hash: s.hash,
      kind: s.entry.kind,
      time: s.entry.time,
      raw: s.raw,
      receivedAt,
    }));
    // Projections commit in the same transaction as the entries: one fsync, and never one without the other.
    const after = log.state(this.now());
    const changed = after.state !== before || before === 'proposed' || (before as string) === 'none';
    const project: Projection = async (tx) => {
      if (changed)
        await tx.putChannel({ id: log.id, proposer: after.proposer, state: after.state, charter: JSON.stringify(after.charter), createdAt: log.proposal.entry.time, updatedAt: this.now() });
      const messages: MessageInput[] = [];
      for (const s of entries) await this.#project(tx, log, s, after.charter, messages);
      if (messages.length) await tx.putMessages(messages);
      if (audit) await this.#audit?.append(audit, tx.officers);
    };
    try {
      await this.#writer.write(rows, project);
    } catch (e) {
      this.#logger.error({ channel: log.id, err: (e as Error).message }, 'commit failed; reloading channel from the store');
      await this.#loadChannel(log.id);
      throw e;
    }
    if (own) this.#noteOwnCommitted(log.id, entries);
    for (const e of entries) this.#noteCommitted(log.id, e.entry.author, e.entry.seq);
    if (after.state !== before) this.events.emit({ type: 'state', channel: log.id, state: after.state, previous: (before as string) === 'none' ? null : before });
    let needsReceipt = false;
    for (const s of entries) {
      if (!own && s.entry.kind !== 'receipt') needsReceipt = true;
      this.events.emit({
        type: 'entry',
        channel: log.id,
        hash: s.hash,
        author: s.entry.author,
        authorCode: this.label(s.entry.author),
        seq: s.entry.seq,
        kind: s.entry.kind,
        time: s.entry.time,
        own,
        body: s.entry.body,
      });
    }
    if (needsReceipt) this.#scheduleReceipt(log.id);
  }

  /**
   * Projects one entry for the officers' queries. Messages are collected in `messages` and
   * inserted together by the caller; anything that refers to messages inserts them first.
   */
  async #project(store: Store, log: ChannelLog, s: SealedEntry, charter: Charter, messages: MessageInput[]): Promise<void> {
    const e = s.entry;
    if (e.kind !== 'message' && messages.length) await store.putMessages(messages.splice(0));
    switch (e.kind) {
      case 'message': {
        const b = e.body as BodyOf<'message'>;
        // Built once and completed in place: a message per entry, thousands a second.
        const m: { -readonly [K in keyof MessageInput]: MessageInput[K] } = {
          hash: s.hash,
          channel: log.id,
          author: e.author,
          seq: e.seq,
          time: e.time,
          precedence: b.precedence,
          lang: b.lang,
          text: b.text,
          replyTo: b.replyTo ?? null,
          drill: b.drill === true,
          deadlineAt: e.time + charter.ackDeadlineSec[b.precedence] * 1000,
          escalationDueAt: null,
        };
        m.escalationDueAt = this.escalationDueAt ? this.escalationDueAt(m) : earliestEscalation(m, this.self.party);
        messages.push(m);
        break;
      }
      case 'ack': {
        const b = e.body as BodyOf<'ack'>;
        // Ingest checked that the message is held here (its referent).
        const ref = log.referent(b.message);
        if (ref) await store.markAcked({ channel: log.id, author: ref.author, seq: ref.seq }, e.time, JSON.stringify({ party: e.author, code: this.label(e.author), officer: b.officer, entry: s.hash }));
        break;
      }
      case 'receipt': {
        for (const h of (e.body as BodyOf<'receipt'>).holds) {
          await store.putReceipt({ channel: log.id, holder: e.author, author: h.author, seq: h.seq, hash: h.hash, at: e.time });
          await store.markReceipted(log.id, h.author, h.seq, e.time);
        }
        break;
      }
      default:
        break;
    }
  }

  #scheduleReceipt(channel: string): void {
    this.#receiptDue.add(channel);
    if (this.#receiptTimer) return;
    // Coalesce: one cumulative receipt per channel per turn of the event loop, and per spacing
    // window when receipts follow each other closely.
    const wait = this.#lastReceiptsAt + this.#receiptSpacingMs - performance.now();
    this.#receiptTimer = wait > 0 ? setTimeout(() => this.#writeDueReceipts(), wait) : setImmediate(() => this.#writeDueReceipts());
  }

  #writeDueReceipts(): Promise<unknown> {
    this.#receiptTimer = undefined;
    this.#lastReceiptsAt = performance.now();
    const due = [...this.#receiptDue];
    this.#receiptDue.clear();
    return Promise.all(due.map((id) => this.#writeReceipt(id)));
  }

  async #writeReceipt(channel: string): Promise<void> {
    const log = this.#logs.get(channel);
    if (!log) return;
    // Claim only what is durably committed (a receipt is a promise that we hold the entries).
    const committed = this.#committed.get(channel) ?? new Map<string, number>();
    const holds = Object.entries(log.heads(this.self.party))
      .map(([author, h]) => {
        const seq = Math.min(h.seq, committed.get(author) ?? 0);
        return { author, seq, hash: seq === h.seq ? h.hash : (log.hashAt(author, seq) ?? '') };
      })
      .filter((h) => h.seq > 0 && h.hash !== '');
    if (holds.length === 0) return;
    const key = holds.map((h) => `${h.author}:${h.seq}`).join(',');
    if (this.#lastReceipt.get(channel) === key) return;
    this.#lastReceipt.set(channel, key);
    try {
      await this.write(channel, 'receipt', { holds });
    } catch (e) {
      this.#logger.warn({ channel, err: (e as Error).message }, 'could not write receipt');
    }
  }

  /**
   * Writes the receipts due now, without waiting for their window, and resolves once every write
   * started so far has committed (tests, shutdown).
   */
  async flush(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.#receiptTimer !== undefined) {
      clearTimeout(this.#receiptTimer as NodeJS.Timeout);
      clearImmediate(this.#receiptTimer as NodeJS.Immediate);
      await this.#writeDueReceipts();
    }
    await this.idle();
  }

  /** Resolves once every write started so far has committed; receipts keep their window (tests). */
  async idle(): Promise<void> {
    await this.#writer.flush();
  }

  /** The channel's founding entry (its proposal) as wire text; an own one only once durably committed (see entriesFor). */
  async proposalEntry(channel: string): Promise<string | undefined> {
    const [first] = await this.store.listEntries(channel, { limit: 1 });
    if (!first || (first.author === this.self.party && this.committedHead(channel) < first.seq)) return undefined;
    return first.raw;
  }
}

/** CHANNEL_NOT_ACTIVE for a message on a channel in `state`. */
function notActive(log: ChannelLog, state: string): TerminalError {
  return new TerminalError('CHANNEL_NOT_ACTIVE', { channel: log.id.slice(0, 12), state, hint: notActiveHint(state) });
}

function notActiveHint(state: string): string {
  switch (state) {
    case 'proposed':
      return 'Every party must accept the charter first (`hotline channel accept`).';
    case 'suspended':
      return 'The suspending party must resume it (`hotline channel resume`).';
    default:
      return 'Propose a new channel to talk again.';
  }
}

/**
 * The channel registry: every channel's log in memory, the parties' keys, and lookups by id or
 * prefix. Loaded from the store at start and reloaded for a channel whose commit failed, so that
 * memory never runs ahead of disk. Every other part of the channel wing reads the logs from here.
 */
import { ChannelLog, charterChanges, HotlineProtocolError, KeyRegistry, sealedFromStored, shippedFormat, isWriter, writers, type AmendmentView, type BodyOf, type Charter, type DerivedState, type FormatResolver, type PartyCard, type SealedEntry } from '../../protocol/index.js';
import type { Store } from '../../store/index.js';
import type { Clock } from '../clock.js';
import { TerminalError } from '../errors.js';
import type { ChannelView } from './channel-types.js';
import { LogMemory } from './log-memory.js';
import type { ChannelDirectory, SelfInfo } from './ports.js';

/** How entries reloaded from the store are offered to their logs (IngestOptions.restored). */
const RESTORED = { signatureChecked: true, restored: true } as const;

/** The store reads the registry needs. */
export type RegistryStore = Pick<Store, 'listPeers' | 'listChannels' | 'streamRawEntries'> & ConstructorParameters<typeof LogMemory>[0]['store'];

/** A logger with the levels the channel wing uses. */
export interface ChannelLogger {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

export const SILENT: ChannelLogger = { info() {}, warn() {}, error() {} };

/** The channels held here. */
export class ChannelRegistry implements ChannelDirectory {
  /** Parties' root keys and terminal certificates (from their cards). */
  readonly keys = new KeyRegistry();
  readonly self: SelfInfo;
  readonly #logs = new Map<string, ChannelLog>();
  /** Per channel and party no longer in it: own seqs (from, checked] judged, the last written while it was (sendableUpTo). */
  readonly #formerPeers = new Map<string, { from: number; checked: number; last: number }>();
  readonly #store: RegistryStore;
  readonly #clock: Clock;
  readonly #log: ChannelLogger;
  /** Where the definitions of agreed formats come from (the shipped library and the data directory's). */
  readonly formats: FormatResolver;
  /** What each log keeps in memory, and the store reads that answer for the rest. */
  readonly memory: LogMemory;

  constructor(options: { self: SelfInfo; store: RegistryStore; clock: Clock; log?: ChannelLogger; formats?: FormatResolver; logWindow?: number }) {
    this.self = options.self;
    this.formats = options.formats ?? shippedFormat;
    this.#store = options.store;
    this.#clock = options.clock;
    this.#log = options.log ?? SILENT;
    this.memory = new LogMemory({ store: options.store, log: this.#log, ...(options.logWindow !== undefined ? { window: options.logWindow } : {}) });
  }

  /**
   * Loads cards and every channel log from the store (signatures were checked on arrival).
   * Returns, per channel, the stored entries that still wait for a predecessor.
   */
  async load(): Promise<Map<string, SealedEntry[]>> {
    const own = this.keys.addCard(this.self.card);
    if (own) throw new HotlineProtocolError(own);
    for (const peer of await this.#store.listPeers()) {
      const problem = this.keys.addCard(JSON.parse(peer.card) as PartyCard);
      if (problem) this.#log.warn({ peer: peer.code, code: problem.code }, 'stored peer card no longer checks');
    }
    const held = new Map<string, SealedEntry[]>();
    for (const row of await this.#store.listChannels()) {
      const waiting = await this.reload(row.id);
      if (waiting.length) held.set(row.id, waiting);
    }
    return held;
  }

  /**
   * (Re)loads one channel's log from the store: each stored entry is parsed and hashed again and
   * put back in its chains, not judged again. Returns the entries still waiting for a predecessor.
   */
  async reload(id: string): Promise<SealedEntry[]> {
    // A long log is rebuilt from its lasting entries and tails, not replayed (#18).
    const restored = await this.memory.restore(id, this.keys, this.formats);
    if (restored) {
      this.#logs.set(id, restored);
      return [];
    }
    // Built aside and swapped in whole: a reload that fails (the database unreachable) leaves the
    // log held so far, whose next commit the store refuses if it no longer follows the database
    // (STORE_LOG_DIVERGED) and which is then reloaded again; the channel never disappears.
    let log: ChannelLog | undefined;
    // Entries of different authors may have been committed in an order other than their causal
    // order (concurrent commits); hold those until their predecessors are in.
    const held: SealedEntry[] = [];
    for await (const page of this.#store.streamRawEntries(id)) {
      for (const raw of page) {
        const sealed = sealedFromStored(raw);
        if (!log) {
          const r = ChannelLog.found(sealed, this.keys, { signatureChecked: true }, this.formats);
          if (!r.ok) throw new HotlineProtocolError(r.error);
          log = r.log;
          continue;
        }
        const r = log.ingest(sealed, RESTORED);
        if (r.status === 'pending') held.push(sealed);
        else if (r.status !== 'accepted' && r.status !== 'duplicate') this.#log.error({ channel: id, status: r.status }, 'stored entry no longer ingests');
      }
    }
    if (!log) return [];
    let progress = true;
    while (progress && held.length) {
      progress = false;
      for (let i = 0; i < held.length; i++) {
        if (log.ingest(held[i]!, RESTORED).status === 'pending') continue;
        held.splice(i--, 1);
        progress = true;
      }
    }
    this.#logs.set(id, log);
    return held;
  }

  /** Entries of every log held, and how many of them are in memory. */
  entryCounts(): { held: number; inMemory: number } {
    let held = 0;
    let inMemory = 0;
    for (const log of this.#logs.values()) {
      held += log.size;
      for (const n of Object.values(log.inMemory())) inMemory += n;
    }
    return { held, inMemory };
  }

  /** The log of a channel by exact id, if held. */
  get(id: string): ChannelLog | undefined {
    return this.#logs.get(id);
  }

  /** Holds a new channel's log (founded from its proposal). */
  add(log: ChannelLog): void {
    this.#logs.set(log.id, log);
  }

  /** Every log held. */
  logs(): IterableIterator<ChannelLog> {
    return this.#logs.values();
  }

  channel(idOrPrefix: string): ChannelLog {
    const exact = this.#logs.get(idOrPrefix);
    if (exact) return exact;
    const matches = [...this.#logs.keys()].filter((id) => id.startsWith(idOrPrefix.toLowerCase()));
    if (matches.length === 1 && idOrPrefix.length >= 6) return this.#logs.get(matches[0]!)!;
    if (matches.length > 1) throw new TerminalError('CHANNEL_AMBIGUOUS', { channel: idOrPrefix });
    throw new TerminalError('CHANNEL_NOT_FOUND', { channel: idOrPrefix });
  }

  channelIds(): string[] {
    return [...this.#logs.keys()];
  }

  label(party: string): string {
    return party === this.self.party ? this.self.code : this.keys.label(party);
  }

  peersOf(channelId: string): string[] {
    const log = this.#logs.get(channelId);
    if (!log) return [];
    const d = log.state(this.#clock.now());
    const set = writers(d);
    set.delete(this.self.party);
    return [...set];
  }

  shares(channelId: string, peer: string): boolean {
    return peer !== this.self.party && this.peersOf(channelId).includes(peer);
  }

  sendableUpTo(channelId: string, peer: string, after: number, upTo: number): number {
    if (this.shares(channelId, peer)) return upTo;
    const log = this.#logs.get(channelId);
    if (!log || peer === this.self.party) return after;
    // A party no charter of the channel ever named was never sent anything of it (the common case:
    // every link asks this of every channel it does not share, at each connection).
    if (!log.everParty(peer, log.state(this.#clock.now()))) return after;
    // Up to the last own entry written while the peer was in the channel (the history before it
    // joined included, as it was sent while a party). Own entries only ever follow, so each is
    // judged once while the link's cursor stays in the range judged (a removed peer's link asks
    // again at every own entry the terminal writes).
    const key = `${channelId} ${peer}`;
    let known = this.#formerPeers.get(key);
    if (!known || after < known.from || after > known.checked) known = { from: after, checked: after, last: after };
    // Only the greatest such entry counts: judge the entries not judged yet from the top down.
    for (let seq = upTo; seq > known.checked; seq--)
      if (log.writtenWhileWriter(this.self.party, seq, peer)) {
        known.last = seq;
        break;
      }
    known.checked = Math.max(known.checked, upTo);
    this.#formerPeers.set(key, known);
    return Math.max(after, Math.min(upTo, known.last));
  }

  joinedBy(channelId: string, party: string): { readonly author: string; readonly seq: number } | undefined {
    const log = this.#logs.get(channelId);
    if (!log) return undefined;
    const names = (c: Charter) => c.parties.some((p) => p.party === party);
    if (names((log.proposal.entry.body as BodyOf<'charter.propose'>).charter)) return undefined;
    const first = log
      .state(this.#clock.now())
      .amendments.filter((a) => names(a.charter))
      .reduce<AmendmentView | undefined>((x, a) => (x === undefined || a.time < x.time ? a : x), undefined);
    return first && { author: first.proposer, seq: first.seq };
  }

  /** Whether this party may still write to the channel: a party of its charter in force or of an amendment pending in it (§7 step 9). */
  member(channelId: string): boolean {
    const log = this.#logs.get(channelId);
    return log !== undefined && isWriter(log.state(this.#clock.now()), this.self.party);
  }

  view(idOrPrefix: string): ChannelView {
    const log = this.channel(idOrPrefix);
    const d = log.state(this.#clock.now());
    // Two parties may amend concurrently (§5.3): shown first is the amendment awaiting this
    // party's answer (the one `channel accept` answers), the others listed after it.
    const pendings = d.amendments.filter((a) => a.status === 'pending');
    const pending = pendings.find((a) => a.needed.has(this.self.party) && !a.accepted.has(this.self.party)) ?? pendings[0];
    const others = pendings.filter((a) => a !== pending);
    const left = isWriter(d, this.self.party) ? undefined : departure(d, this.self.party);
    // A charter in force by an adopted amendment was accepted by every party it names (§5.3).
    const inForceByAmendment = d.amendments.some((a) => a.status === 'adopted' && a.hash === d.charterHash);
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
        accepted: inForceByAmendment || d.accepted.has(p.party),
        suspended: d.suspendedBy.has(p.party),
        entries: log.head(p.party)?.seq ?? 0,
      })),
      pendingAmendment: pending
        ? {
            hash: pending.hash,
            proposer: this.label(pending.proposer),
            accepted: [...pending.accepted].map((p) => this.label(p)),
            awaiting: [...pending.needed].filter((p) => !pending.accepted.has(p)).map((p) => this.label(p)),
            reason: pending.reason,
            changes: charterChanges(pending.previous, pending.charter),
          }
        : undefined,
      ...(others.length > 0 ? { alsoPending: others.map((a) => ({ hash: a.hash, proposer: this.label(a.proposer), awaiting: [...a.needed].filter((p) => !a.accepted.has(p)).map((p) => this.label(p)) })) } : {}),
      ...(left ? { left: { at: left.time, by: this.label(left.proposer), reason: left.reason, outcome: left.status === 'adopted' ? 'removed' : left.status } } : {}),
      entries: log.size,
    };
  }
}

/**
 * Why `party`, not a writer, holds the channel: the last amendment that either removed it (adopted; the
 * charter then in force named it, its own does not) or would have added it and was declined or withdrawn
 * (the terminal holds the channel because that amendment was offered to it, §12).
 */
function departure(d: DerivedState, party: string): (AmendmentView & { status: 'adopted' | 'declined' | 'withdrawn' }) | undefined {
  const names = (c: Charter) => c.parties.some((p) => p.party === party);
  return d.amendments
    .filter((a): a is AmendmentView & { status: 'adopted' | 'declined' | 'withdrawn' } =>
      a.status === 'adopted' ? names(a.previous) && !names(a.charter) : a.status !== 'pending' && !names(a.previous) && names(a.charter),
    )
    .at(-1);
}

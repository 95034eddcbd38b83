/**
 * The narrow ports through which the rest of the terminal uses its channels. Each consumer takes
 * the few it needs (as the store's EntryWriter takes EntryAppender), never the whole channel
 * wing: the federation takes EntryReceiver, EntrySource and ChannelDirectory; the officer API the
 * directory, the actions and the message finder; the schedulers what they write and read.
 * The composition root (terminal.ts) hands each one the objects that implement them.
 */
import type { IdempotentAnswer } from '../../store/index.js';
import type { ChannelLog, LinePrecheck, OfficerRef, PartyCard, SealedEntry, BodyOf, EntryKind } from '../../protocol/index.js';
import type { MessageRow } from '../../store/index.js';
import type { AuditInput } from '../officers/audit-log.js';
import type { ChannelView, ProposeInput, ReceiveOutcome } from './channel-types.js';

/** Who this terminal is, as others may read it (the signer stays with the writer). */
export interface SelfInfo {
  readonly party: string;
  readonly code: string;
  readonly card: PartyCard;
}

/** The channels held here, in memory: lookup, membership, labels. */
export interface ChannelDirectory {
  /** Ids of the channels held here. */
  channelIds(): string[];
  /** A channel's log by id or unique prefix (CHANNEL_NOT_FOUND, CHANNEL_AMBIGUOUS). */
  channel(idOrPrefix: string): ChannelLog;
  /** A channel as officers see it. */
  view(idOrPrefix: string): ChannelView;
  /** Parties other than this one that must receive the channel's entries. */
  peersOf(channel: string): string[];
  /** Whether `peer` is one of peersOf(channel): a party of its charter or of an amendment pending in it. */
  shares(channel: string, peer: string): boolean;
  /**
   * The highest of this party's own seqs `after`+1 .. `upTo` (each before it too) that may be sent
   * to `peer` (docs/protocol.md §12, "Who is sent what"): `upTo` while the peer shares the channel;
   * for a peer no longer in it (removed, or its addition declined or withdrawn), only the entries
   * written while it was. `after` when none.
   */
  sendableUpTo(channel: string, peer: string, after: number, upTo: number): number;
  /** Whether this party may still write to the channel (false once an adopted amendment removed it, or for a channel not held). */
  member(channel: string): boolean;
  /**
   * Where `party`, which the channel's proposal does not name, joined it: the earliest `charter.amend`
   * held that names it (its author and seq), the entry that makes the channel that party's
   * (docs/protocol.md §12, "A channel joined by amendment"); undefined if the proposal names it or none does.
   */
  joinedBy(channel: string, party: string): { readonly author: string; readonly seq: number } | undefined;
  /** A party's code, for display. */
  label(party: string): string;
}

/** Entries received from a peer or a bundle: checked completely, stored, receipted. */
export interface EntryReceiver {
  /** Starts the context-free checks of `raws` (maybe on worker threads). */
  precheck(raws: readonly string[]): Promise<LinePrecheck[]>;
  /** Receives `raws` from `source` (a party id, or 'import'); `prechecks` from precheck() of these very raws. */
  receive(raws: readonly string[], source: string, prechecks?: readonly LinePrecheck[]): Promise<ReceiveOutcome>;
  /**
   * As receive(), but resolves once the entries are taken in and their commit queued: `durable`
   * settles when they are stored (rejects when that failed). `waitMs`: how long their commit may
   * wait for the next ones to share it.
   */
  ingest?(raws: readonly string[], source: string, prechecks?: readonly LinePrecheck[], options?: { readonly waitMs?: number }): Promise<{ outcome: ReceiveOutcome; durable: Promise<void> }>;
  /**
   * Undefined when the channel's log follows the database; otherwise (a commit and its reload
   * failed) the reload, which rejects while the database cannot be read. A `hello` is answered
   * only from a log that follows the database: what it claims to hold, the peer does not send again.
   */
  fresh?(channel: string): Promise<void> | undefined;
}

/** Stored entries as wire text, for peers that ask and for the outbound links. */
export interface EntrySource {
  /** Entries of `author` fromSeq..toSeq inclusive (own ones only up to the durably committed head). */
  entriesFor(channel: string, author: string, fromSeq: number, toSeq: number): Promise<string[]>;
  /** Own committed entries fromSeq..toSeq inclusive, from memory when recent. */
  ownEntries(channel: string, fromSeq: number, toSeq: number): Promise<string[]>;
  /** Highest own seq durably committed in a channel. */
  committedHead(channel: string): number;
  /** The channel's founding entry (its proposal) as wire text; an own one only once durably committed. */
  proposalEntry(channel: string): Promise<string | undefined>;
}

/**
 * Options of an own write. `audit` names the audit record of the officer's request that wrote the
 * entry: computed from the sealed entry before the commit and written in the same transaction, as
 * data, so both become durable together or not at all.
 */
export interface WriteOptions {
  readonly audit?: (made: SealedEntry) => AuditInput | undefined;
  /** The answer to record for an idempotent request, stored in the entry's transaction. */
  readonly idempotent?: (made: SealedEntry) => IdempotentAnswer | undefined;
}

/** Like {@link WriteOptions}, for several entries written at once. */
export interface BatchWriteOptions {
  readonly audit?: (made: readonly SealedEntry[]) => AuditInput | undefined;
  readonly idempotent?: (made: readonly SealedEntry[]) => IdempotentAnswer | undefined;
}

/** What officers (and schedulers) do on channels: every own entry is written through these. */
export interface ChannelActions {
  propose(input: ProposeInput): Promise<ChannelView>;
  write<K extends EntryKind>(channel: string, kind: K, body: BodyOf<K>, options?: WriteOptions): Promise<SealedEntry<K>>;
  accept(channel: string, options?: WriteOptions): Promise<SealedEntry>;
  decline(channel: string, reason: string, options?: WriteOptions): Promise<SealedEntry>;
  withdraw(channel: string, reason: string, options?: WriteOptions): Promise<SealedEntry>;
  send(channel: string, message: BodyOf<'message'>, options?: WriteOptions): Promise<SealedEntry<'message'>>;
  sendMany(channel: string, messages: ReadonlyArray<BodyOf<'message'>>, options?: BatchWriteOptions): Promise<Array<SealedEntry<'message'>>>;
  /** Refuses (ACK_REPEATED) a second acknowledgement by the same officer unless `options.again`. */
  acknowledge(messageHashOrPrefix: string, officer: OfficerRef, note?: string, options?: WriteOptions & { again?: boolean }): Promise<SealedEntry<'ack'>>;
  /** Writes a checkpoint of a version-2 channel (docs/protocol.md §15.1). */
  checkpoint(channel: string, options?: WriteOptions): Promise<SealedEntry<'checkpoint'>>;
}

/** Where a message sits, found by hash or prefix in the logs held in memory. */
export interface MessageLocation {
  readonly hash: string;
  readonly channel: string;
  readonly author: string;
  readonly seq: number;
}

/** Finds messages by hash across channels. */
export interface MessageFinder {
  /** By full hash or unique prefix of at least 6 hex digits (MESSAGE_NOT_FOUND). */
  findMessage(hashOrPrefix: string): Promise<MessageLocation>;
  /** The stored row of the message with this full hash, if held here. */
  getMessage(hash: string): Promise<MessageRow | undefined>;
  /** The officers of `author` who acknowledged the message `hash` of `channel`, in log order. */
  acknowledgers(channel: string, hash: string, author: string): Promise<OfficerRef[]>;
}

/** Known peers: pairing and lookup. */
export interface PeerDirectory {
  /** Adds (or updates) a peer from its card, after the officer confirmed the fingerprint. */
  addPeer(card: unknown, confirmedFingerprint: string, options?: { sameCode?: boolean }): Promise<{ party: string; code: string; fingerprint: string }>;
  /** A party id or code among known peers and self (PARTY_UNKNOWN). */
  resolveParty(idOrCode: string): Promise<{ party: string; code: string }>;
}

/** A `want` an inbound stream sends its peer (docs/protocol.md §12): entries of `author` fromSeq..toSeq. */
export interface StreamWant {
  readonly channel: string;
  readonly author: string;
  readonly fromSeq: number;
  readonly toSeq: number;
}

/** Sends a `want` on one inbound stream. */
export type StreamAsk = (w: StreamWant) => void;

/**
 * The peers' federation streams open to this terminal now (a peer's stream, on which it pushes its
 * entries: docs/protocol.md §12), one registry read by all (federation/inbound-streams.ts): the
 * reconciler and the relay wants ask on them, the line state and the pull fallback read since when
 * a peer has none. A peer may hold two at once (a reconnection before the old one's close is seen):
 * the close of the older never hides the newer.
 */
export interface InboundStreamsView {
  /** Whether `peer` has a stream open to this terminal now. */
  isOpen(peer: string): boolean;
  /** How to send a `want` on `peer`'s newest open stream; undefined while none is open. */
  ask(peer: string): StreamAsk | undefined;
  /** Since when `peer` has had no stream open; undefined while one is. Counted from the first question when never seen. */
  missingSince(peer: string): number | undefined;
  /** Calls `listener` each time a stream of a peer opens (after it is registered, so {@link ask} reaches it). Returns the unsubscribe. */
  onOpen(listener: (peer: string) => void): () => void;
}

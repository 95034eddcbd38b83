/**
 * The persistence interface of a terminal: the one thing the terminal and the CLI know about the
 * database. Backends (SQLite, PostgreSQL) implement it in kysely-store.ts.
 *
 * Conventions for every row:
 *  - hashes and channel ids are lowercase hex; party ids (root keys) are base64url;
 *  - times are integer milliseconds since the Unix epoch;
 *  - fields documented as "JSON text" are stored and returned byte-identical: the store never
 *    parses them, because they may be signed (callers canonicalise, the store keeps bytes).
 */

import type { EscalationStore } from './escalation-store.js';
import type { OfficerStore } from './officer-store.js';
import type { ReferentRow } from './bounded-logs.js';

/** A JSON value, as stored in the meta table. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A known peer party, from its party card. */
export interface PeerRow {
  /** The party's root public key (base64url): its identity. */
  readonly party: string;
  /** The party's short code, a label such as "US". */
  readonly code: string;
  /** The party card, JSON text exactly as received. */
  readonly card: string;
  /** The fingerprint of the root key that officers compare out of band. */
  readonly fingerprint: string;
  readonly addedAt: number;
  readonly updatedAt: number;
}

/** A channel as this terminal last saw it; the log is the truth, this row is a projection. */
export interface ChannelRow {
  /** The channel id: hash of its proposal entry (hex). */
  readonly id: string;
  /** The party that proposed the charter. */
  readonly proposer: string;
  /** The charter state, e.g. "proposed", "active", "suspended", "closed". */
  readonly state: string;
  /** The charter, JSON text. */
  readonly charter: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One signed entry of one author's log in one channel. */
export interface EntryRow {
  readonly channel: string;
  readonly author: string;
  readonly seq: number;
  /** SHA-256 of the entry's canonical bytes (hex); unique across the store. */
  readonly hash: string;
  readonly kind: string;
  /** The author's claimed time of the entry. */
  readonly time: number;
  /** The entry's canonical JSON text, returned byte-identical. */
  readonly raw: string;
  /** When this terminal stored it. */
  readonly receivedAt: number;
  /**
   * The hash of the author's previous entry (null for seq 1), when the writer wants the store to
   * refuse a row that would not follow what it holds (STORE_LOG_DIVERGED). The terminal always
   * gives it.
   */
  readonly prev?: string | null;
}

/** An entry as read back, with its position in this store's arrival order. */
export interface StoredEntry extends EntryRow {
  /** Arrival order in this store (monotonic, not comparable across terminals). */
  readonly pos: number;
}

/**
 * What {@link Store.appendEntries} did with one row:
 * `inserted`, `duplicate` (same author, seq and hash already held: nothing changed), or
 * `conflict` (same author and seq but another hash: nothing written; the caller records evidence).
 */
export type AppendStatus = 'inserted' | 'duplicate' | 'conflict';

/** The outcome for one row of {@link Store.appendEntries}, in the order of the input rows. */
export interface AppendResult {
  readonly status: AppendStatus;
  /** For `conflict`: the hash already held for that (channel, author, seq). */
  readonly existingHash?: string;
}

/** Filters for {@link Store.listEntries}. */
export interface ListEntriesOptions {
  /** Only this author's log; results are then in seq order. */
  readonly author?: string;
  /** Inclusive lower bound on seq. */
  readonly fromSeq?: number;
  /** Inclusive upper bound on seq. */
  readonly toSeq?: number;
  readonly limit?: number;
  /** Only entries of these kinds. */
  readonly kinds?: readonly string[];
  /** Only entries whose signed time is at or after this (ms). */
  readonly sinceTime?: number;
}

/** The head of one author's log: its highest seq held and that entry's hash. */
export interface Head {
  readonly seq: number;
  readonly hash: string;
}

/** Evidence of equivocation: two different entries signed for the same author and seq. */
export interface EvidenceInput {
  readonly channel: string;
  readonly author: string;
  readonly seq: number;
  readonly firstRaw: string;
  readonly secondRaw: string;
  readonly detectedAt: number;
}

/** Stored evidence, with its id. */
export interface EvidenceRow extends EvidenceInput {
  readonly id: number;
}

/** Where an entry sits: its author's log in a channel, and its place in that log. */
export interface LogPosition {
  readonly channel: string;
  readonly author: string;
  readonly seq: number;
}

/** The query-friendly projection of a message entry, maintained by the terminal. */
export interface MessageRow {
  /** Hash of the message entry. */
  readonly hash: string;
  readonly channel: string;
  readonly author: string;
  readonly seq: number;
  readonly time: number;
  /** FLASH, IMMEDIATE, PRIORITY or ROUTINE. */
  readonly precedence: string;
  /** BCP 47 language tag of the text. */
  readonly lang: string;
  readonly text: string;
  /** Hash of the message this one answers, if any. */
  readonly replyTo: string | null;
  readonly drill: boolean;
  /** When a human acknowledgement is due, or null if none is required. */
  readonly deadlineAt: number | null;
  readonly ackedAt: number | null;
  /** Who acknowledged, JSON text. */
  readonly ackedBy: string | null;
  /**
   * When the first receipt of any other party covering it was taken in (of any party: per party,
   * {@link Store.listReceiptTimes}).
   */
  readonly receiptedAt: number | null;
  /** How many escalation steps have been taken. */
  readonly escalationLevel: number;
  /**
   * When the escalation scheduler should next look at this message, while unacknowledged (the
   * time of its next step, as the policies were when it was planned); null when nothing more is
   * to be done. See {@link Store.listEscalationsDue}.
   */
  readonly escalationDueAt: number | null;
  /** A formatted message's format and fields, canonical JSON `{"fields":...,"format":...}` (#17); absent or null for free text. */
  readonly formatted?: string | null;
  /** The name of the officer who signed it (its body's `from`), when it names one: what a search by officer matches. */
  readonly officer?: string | null;
}

/** What {@link Store.putMessage} takes: the acknowledgement state starts empty. */
export type MessageInput = Omit<MessageRow, 'ackedAt' | 'ackedBy' | 'receiptedAt' | 'escalationLevel' | 'escalationDueAt'> &
  Partial<Pick<MessageRow, 'ackedAt' | 'ackedBy' | 'receiptedAt' | 'escalationLevel' | 'escalationDueAt'>>;

/**
 * When escalation may first act on a message, whatever the policies: at its deadline for our own
 * (overdue), at the earlier of its time and deadline for the other side's (a policy may start at
 * receipt). What a message is stored with unless the writer knows better, and what
 * {@link Store.replanEscalations} goes back to.
 */
/** Distinct second entries kept as evidence for one place (channel, author, seq); more are refused as ever, not kept. */
export const MAX_EVIDENCE_PER_PLACE = 8;

export function earliestEscalation(m: Pick<MessageRow, 'time' | 'deadlineAt' | 'author'>, self: string | undefined): number | null {
  if (m.deadlineAt === null) return null;
  return m.author === self ? m.deadlineAt : Math.min(m.time, m.deadlineAt);
}

/** Filters for {@link Store.listMessages}. */
export interface ListMessagesOptions {
  readonly unackedOnly?: boolean;
  /** Only the latest this many (still returned oldest first): what a view of the channel shows. */
  readonly limit?: number;
  /** Only messages before this one in the timeline (a page further back: with `limit`, the latest this many of them). */
  readonly before?: MessageCursor;
}

/** A message's place in a channel's timeline, which is ordered by (time, author, seq). */
export interface MessageCursor {
  readonly time: number;
  readonly author: string;
  readonly seq: number;
}

/** Filters for {@link Store.searchMessages}; every one given must match. */
export interface SearchMessagesOptions {
  /** Words or characters in the text, in any script; case-insensitive where the script has case. */
  readonly text?: string;
  readonly precedences?: readonly string[];
  /** Part of the signing officer's name, case-insensitive. */
  readonly officer?: string;
  /** Signed at or after (ms). */
  readonly since?: number;
  /** Signed at or before (ms). */
  readonly until?: number;
  /** Only messages before this one (the next page of results). */
  readonly before?: MessageCursor;
  readonly limit: number;
}

/** Filters for {@link Store.listUnacked}. */
export interface ListUnackedOptions {
  /** Only messages whose deadline is at or before this time. */
  readonly deadlineBefore?: number;
  /** Only the messages of this author (a party id). */
  readonly from?: string;
  /** Only the messages of authors other than this one (a party id): the other side's. */
  readonly notFrom?: string;
  /** Only the messages of these channels (an officer's channels). */
  readonly channels?: readonly string[];
  /** At most this many (the earliest deadlines). */
  readonly limit?: number;
}

/** A cumulative receipt: `holder` holds `author`'s entries up to `seq`, whose hash is `hash`. */
export interface ReceiptRow {
  readonly channel: string;
  readonly holder: string;
  readonly author: string;
  readonly seq: number;
  readonly hash: string;
  readonly at: number;
}

/** When a party's receipts first covered a message (receipt-marks.ts): the `time` of that receipt. */
export interface ReceiptTime {
  /** The message's author and seq. */
  readonly author: string;
  readonly seq: number;
  /** The party whose receipt covered it. */
  readonly holder: string;
  readonly at: number;
}

/** One link test measurement towards a peer. */
export interface LinkSampleRow {
  readonly channel: string;
  readonly peer: string;
  readonly at: number;
  readonly rttMs: number;
  readonly offsetMs: number;
}

/** How a {@link Store.pipelinedTransaction} is made durable. */
export interface PipelineOptions {
  /**
   * Nothing else waits to be committed beside this transaction: the store may make it durable
   * before returning (no `durable` then) rather than overlap its sync with the next transaction.
   */
  readonly alone?: boolean;
}

/** What {@link Store.pipelinedTransaction} resolves with. */
export interface Committed<T> {
  readonly value: T;
  /** Settles once the commit is durable; absent when it already was on return. */
  readonly durable?: Promise<void>;
}

/** Everything a terminal persists. Every method is atomic; use {@link Store.transaction} to group. */
/** The answer to an officer-API write made with an Idempotency-Key. */
export interface IdempotentAnswer {
  readonly key: string;
  readonly request: string;
  readonly status: number;
  readonly response: string;
  readonly at: number;
}

export interface Store {
  /** Escalation steps: who was notified, how, when, and with what outcome. */
  readonly escalations: EscalationStore;
  /** Officer accounts, sessions, login failures and the audit log. */
  readonly officers: OfficerStore;

  /** Reads a setting; undefined when never set. */
  getMeta<T extends JsonValue = JsonValue>(key: string): Promise<T | undefined>;
  /** Writes a setting (replacing any previous value). */
  setMeta(key: string, value: JsonValue): Promise<void>;

  /** Inserts or replaces a peer; `addedAt` of an existing peer is kept. */
  putPeer(peer: PeerRow): Promise<void>;
  getPeer(party: string): Promise<PeerRow | undefined>;
  /** All peers, by code. */
  listPeers(): Promise<PeerRow[]>;

  /** Inserts or replaces a channel; `createdAt` of an existing channel is kept. */
  putChannel(channel: ChannelRow): Promise<void>;
  getChannel(id: string): Promise<ChannelRow | undefined>;
  /** All channels, oldest first. */
  listChannels(): Promise<ChannelRow[]>;

  /**
   * Appends entries in one transaction; idempotent. Returns one result per input row, in order.
   * A row never overwrites another: a different hash for a held (channel, author, seq) is a
   * `conflict` and nothing is written for it.
   */
  appendEntries(rows: readonly EntryRow[]): Promise<AppendResult[]>;
  getEntry(channel: string, author: string, seq: number): Promise<StoredEntry | undefined>;
  /** Entries of `channel`: by seq when `author` is given, else in arrival order. */
  listEntries(channel: string, options?: ListEntriesOptions): Promise<StoredEntry[]>;
  /** The raw text of `author`'s entries fromSeq..toSeq (inclusive) in `channel`, by seq: what a peer is sent. */
  listRawEntries(channel: string, author: string, fromSeq: number, toSeq: number): Promise<string[]>;
  countEntries(channel: string): Promise<number>;
  /** The head of every author's log in `channel`. */
  heads(channel: string): Promise<Record<string, Head>>;
  /** Every entry of `channel` in arrival order, read in pages so that memory stays flat. */
  streamEntries(channel: string, options?: { readonly pageSize?: number }): AsyncIterable<StoredEntry>;
  /**
   * The raw text of every entry of `channel` in arrival order, a page at a time: what reloading a
   * channel's log needs, without the rest of each row.
   */
  streamRawEntries(channel: string, options?: { readonly pageSize?: number }): AsyncIterable<readonly string[]>;

  /** The raw text of `channel`'s entries of the lasting kinds (not in BULK_KINDS), in arrival order. */
  listLastingRawEntries(channel: string): Promise<string[]>;
  /** How many entries of `author`'s log in `channel` are stored (its highest seq; 0 if none). */
  logLength(channel: string, author: string): Promise<number>;
  /** Makes referents that leave memory findable by hash, and raises each author's indexed mark. */
  indexReferents(channel: string, rows: readonly ReferentRow[], marks: ReadonlyArray<{ readonly author: string; readonly seq: number }>): Promise<void>;
  /** The referents (messages, link tests) among `author`'s entries fromSeq..toSeq, by seq. */
  listReferentRows(channel: string, author: string, fromSeq: number, toSeq: number): Promise<ReferentRow[]>;
  /** Indexed positions whose hash starts with `prefix` (hex; its first 12 digits count), at most `limit`. */
  findReferentPositionsByPrefix(channel: string, prefix: string, limit: number): Promise<Array<{ author: string; seq: number }>>;
  /** Up to which seq `author`'s referents in `channel` are indexed (0 if none). */
  referentMark(channel: string, author: string): Promise<number>;
  /** Indexed positions whose hash shares `hash`'s 48-bit prefix (compare the full hash after reading). */
  findReferentPositions(channel: string, hash: string): Promise<Array<{ author: string; seq: number }>>;

  /**
   * Records evidence of equivocation; returns its id. The same second entry again returns the id
   * it was kept under (nothing added); a place that already holds MAX_EVIDENCE_PER_PLACE distinct
   * second entries keeps no more (undefined).
   */
  putEvidence(evidence: EvidenceInput): Promise<number | undefined>;
  listEvidence(channel: string): Promise<EvidenceRow[]>;

  /**
   * Inserts the projection of a message entry; does nothing if its log position (channel, author,
   * seq) is already there. A message is addressed by that position (a {@link LogPosition}); the
   * terminal finds the position of a hash in its channel logs (no index on hashes: see migration
   * 0007).
   */
  putMessage(message: MessageInput): Promise<void>;
  /** putMessage for many at once (few statements: a batch of received entries is one commit). */
  putMessages(messages: readonly MessageInput[]): Promise<void>;
  getMessage(at: LogPosition): Promise<MessageRow | undefined>;
  /** Records the first human acknowledgement; returns false if unknown or already acknowledged. */
  markAcked(message: LogPosition, at: number, by: string): Promise<boolean>;
  /** Marks `author`'s messages up to `uptoSeq` as receipted at `at` (only those not yet); returns how many. */
  markReceipted(channel: string, author: string, uptoSeq: number, at: number): Promise<number>;
  /**
   * Records escalation progress of a message: the steps taken (`level`, when one was just taken)
   * and when the scheduler should look at it next (`dueAt`; null when nothing more is to be done).
   * Only while the message is unacknowledged: returns false, and changes nothing, once it is
   * acknowledged (or unknown), so that an acknowledgement racing a step stops it.
   */
  setEscalation(message: LogPosition, progress: { readonly level?: number; readonly dueAt: number | null }): Promise<boolean>;
  /**
   * Unacknowledged messages whose escalation is due at or before `at`, earliest first, at most
   * `limit`: what the scheduler looks at in a tick (an index holds only these, not every message).
   */
  listEscalationsDue(at: number, limit: number): Promise<MessageRow[]>;
  /**
   * Sets every unacknowledged message's next look back to {@link earliestEscalation} (`self`: this
   * terminal's party), after the policies changed; returns how many.
   */
  replanEscalations(self: string): Promise<number>;
  /**
   * Moves every unacknowledged message's deadline and next escalation look by `deltaMs`: this
   * terminal's clock was stepped by that much, and they were counted on it (docs/operations.md
   * "Clocks"); returns how many.
   */
  shiftDeadlines(deltaMs: number): Promise<number>;
  /** Messages of `channel`, oldest first. */
  listMessages(channel: string, options?: ListMessagesOptions): Promise<MessageRow[]>;
  /** Messages of `channel` matching `options`, newest first, at most its limit. */
  searchMessages(channel: string, options: SearchMessagesOptions): Promise<MessageRow[]>;
  /**
   * The message entries at `positions` of `channel` and every acknowledgement entry of those
   * messages, in arrival order: who signed and who acknowledged one page of the timeline, read by
   * log position (never a scan of the channel).
   */
  listPageEntries(channel: string, positions: readonly LogPosition[]): Promise<StoredEntry[]>;
  /** Records that the entry at `ack` acknowledges `message` (every acknowledgement, not only the first). */
  putAckEntry(message: LogPosition, ack: { readonly author: string; readonly seq: number }): Promise<void>;
  /** The parties whose acknowledgements of `message` are recorded ({@link putAckEntry}), each once. */
  ackersOf(message: LogPosition): Promise<string[]>;
  /**
   * The database engine's own consistency check (SQLite `PRAGMA quick_check`): the problems it
   * reports, none when sound. PostgreSQL checks its pages itself: always none.
   */
  quickCheck(): Promise<string[]>;
  /** The database file's size in bytes (SQLite); undefined for a server database. */
  databaseBytes(): Promise<number | undefined>;
  /**
   * Refreshes the query planner's statistics (`ANALYZE`), as PostgreSQL's autovacuum does by itself
   * after enough rows changed and SQLite's `PRAGMA optimize` on a long-running database: for a bulk
   * load (the longevity benchmark) that would otherwise be planned as if the tables were empty.
   */
  analyze(): Promise<void>;
  /**
   * Repair (#14 A2): removes `author`'s entries of `channel` from `fromSeq` on, with the message
   * rows at those places, so that they are fetched again from the peers. Returns how many entries.
   */
  removeEntriesFrom(channel: string, author: string, fromSeq: number): Promise<number>;
  /** Repair: sets a message row's signed fields (hash, time, precedence, lang, text, reply, drill) to those of its entry. */
  rewriteMessage(message: Pick<MessageRow, 'channel' | 'author' | 'seq' | 'hash' | 'time' | 'precedence' | 'lang' | 'text' | 'replyTo' | 'drill'>): Promise<boolean>;
  /** How many messages `channel` holds, and how many of them by authors other than `self` are unacknowledged. */
  countMessages(channel: string, self: string): Promise<{ total: number; unacknowledged: number }>;
  /** Unacknowledged messages that have a deadline, across channels, earliest deadline first. */
  listUnacked(options?: ListUnackedOptions): Promise<MessageRow[]>;
  /**
   * How many messages listUnacked would list (its limit aside), by precedence and by whether
   * `self` wrote them, counted by the database (for metrics: no row is read out).
   */
  countUnacked(self: string, options?: ListUnackedOptions): Promise<Array<{ precedence: string; own: boolean; count: number }>>;
  /** How many messages of authors other than `self` await acknowledgement (with a deadline), per channel that has any. */
  countUnackedByChannel(self: string): Promise<Array<{ channel: string; count: number }>>;

  /**
   * Records a receipt, unless one with an equal or higher seq is already held; returns whether it
   * was kept. When kept, also when it advanced (a receipt_marks row): what {@link listReceiptTimes} reads.
   */
  putReceipt(receipt: ReceiptRow): Promise<boolean>;
  /**
   * Per message at `positions` of `channel` and per party whose receipts cover it, when the first
   * of them covered it (in the order the store took them in); a party none of whose receipts
   * covers a message has no item for it. Read by log position: a page costs its size at any depth.
   */
  listReceiptTimes(channel: string, positions: readonly LogPosition[]): Promise<ReceiptTime[]>;
  /** Records the answer to an idempotent write (in the transaction of its entries). */
  putIdempotent(row: IdempotentAnswer): Promise<void>;
  /** The answer recorded for an idempotency key, if any. */
  getIdempotent(key: string): Promise<IdempotentAnswer | undefined>;
  listReceipts(channel: string): Promise<ReceiptRow[]>;

  addLinkSample(sample: LinkSampleRow): Promise<void>;
  /** Samples towards `peer` at or after `sinceMs`, newest first. */
  listLinkSamples(channel: string, peer: string, sinceMs: number, limit?: number): Promise<LinkSampleRow[]>;

  /**
   * Runs `fn` in one transaction: all of its writes commit together or not at all.
   * Inside `fn` use only the store passed in. Nested calls join the outer transaction.
   */
  transaction<T>(fn: (store: Store) => Promise<T>): Promise<T>;
  /**
   * Like {@link Store.transaction}, but resolves as soon as the transaction committed, with
   * `durable`, which settles once the commit is on disk (rejects if syncing it failed). The store
   * is free for the next transaction meanwhile, so a group commit can prepare its next batch while
   * the disk syncs the last (sqlite-durable.ts). Nothing may treat the writes as durable (sign a
   * receipt for them, send them to a peer, answer the client) before `durable` settles. A backend
   * whose commit returns only once durable leaves `durable` out. Inside a transaction
   * it joins the outer one, whose own durability covers it.
   */
  pipelinedTransaction<T>(fn: (store: Store) => Promise<T>, options?: PipelineOptions): Promise<Committed<T>>;
  /**
   * Fences every later commit of entries with a leadership token (high availability, PostgreSQL
   * only, leadership.ts): each such transaction first reads the lease row under a key-share lock and
   * fails with STORE_FENCED unless it still holds `token`. A takeover updates that row, so it waits
   * for the commits in flight and every later one of the old holder fails. `undefined` lifts it; 0 refuses every write without asking the database (the process stepped down).
   */
  fenceWrites(token: number | undefined): void;
  /**
   * Refuses every append of entries with STORE_LOCK_LOST while `reason` is set (the terminal lock's
   * connection was cut: a second terminal could start on this database); undefined lifts it.
   */
  holdWrites(reason: string | undefined): void;
  /** Closes the connections. The store is unusable afterwards. */
  close(): Promise<void>;
  /** The migrations this opening ran, in order (none when the schema was already the latest): an upgrade. */
  readonly migrationsRun: readonly string[];
}

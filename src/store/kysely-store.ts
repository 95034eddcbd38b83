/**
 * The {@link Store} implementation shared by every backend: only portable SQL through Kysely
 * (`insert ... on conflict`, `returning`, row-by-row mapping). Backend differences live in the
 * {@link StoreAdapter} (column types, locking) and in sqlite.ts / postgres.ts (connections).
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import * as bounded from './bounded-logs.js';
import { StoreError, storeErrorOf } from './errors.js';
import { KyselyEscalationStore, type EscalationStore } from './escalation-store.js';
import { KyselyOfficerStore, type OfficerStore } from './officer-store.js';
import type { Database, EntriesTable, MessagesTable } from './schema.js';
import type { PreparedWritePath, StoreAdapter } from './store-adapter.js';
import { MAX_EVIDENCE_PER_PLACE, earliestEscalation } from './store.js';
import { foldForSearch, messagesBefore, pageEntries, putAckEntry, searchMessages } from './message-pages.js';
import { putReceiptMark, receiptTimes } from './receipt-marks.js';
import type {
  AppendResult,
  ChannelRow,
  EntryRow,
  EvidenceInput,
  EvidenceRow,
  Head,
  JsonValue,
  LinkSampleRow,
  ListEntriesOptions,
  ListMessagesOptions,
  SearchMessagesOptions,
  ListUnackedOptions,
  LogPosition,
  Committed,
  PipelineOptions,
  MessageInput,
  MessageRow,
  PeerRow,
  ReceiptRow,
  ReceiptTime,
  IdempotentAnswer,
  Store,
  StoredEntry,
} from './store.js';

/** Rows per INSERT statement: 8 parameters each stays far below every backend's bind limit. */
const INSERT_CHUNK = 500;
/** Rows per INSERT of messages (15 parameters each). */
const MESSAGE_CHUNK = 200;
/** Default page size of {@link KyselyStore.streamEntries}. */
const STREAM_PAGE = 1000;
/** Default page size of {@link KyselyStore.streamRawEntries} (a few MB of text). */
const RAW_PAGE = 5000;

const HEX = /^[0-9a-f]+$/;

/** The filter for one log position (the primary key of messages, the unique key of entries). */
function position(at: LogPosition): { channel: string; author: string; seq: number } {
  return { channel: at.channel, author: at.author, seq: at.seq };
}

/** What a backend adds to a {@link KyselyStore}. */
export interface KyselyStoreOptions {
  /** The write path's statements prepared on the driver, where the backend has them. */
  readonly writePath?: PreparedWritePath;
  /**
   * Where a COMMIT returns before it is on disk (SQLite, sqlite-durable.ts): what makes it so;
   * transactions settle only after it.
   */
  readonly durability?: { sync(): Promise<void>; syncNow?(): Promise<void> | undefined };
  /** Runs at close(), before the connections close (e.g. stopping a checkpoint thread). */
  readonly beforeClose?: () => Promise<void>;
  /** The engine's consistency check (SQLite: PRAGMA quick_check), its problems; none if absent. */
  readonly quickCheck?: () => string[];
  /** The database file's size in bytes, where the backend has one file (SQLite). */
  readonly databaseBytes?: () => number;
  /** Where writes can be fenced by a leadership token (PostgreSQL): the token in force, if any. */
  readonly fence?: { token: number | undefined };
  /** Why appends are refused (STORE_LOCK_LOST) while set: shared by the store and its transactions. */
  readonly held?: { reason: string | undefined };
  /** The migrations the opening of this store ran (migrateToLatest). */
  readonly migrationsRun?: readonly string[];
}

/** A Store over any Kysely database with the schema of migrations.ts. */
export class KyselyStore implements Store {
  readonly escalations: EscalationStore;
  readonly officers: OfficerStore;
  readonly migrationsRun: readonly string[];

  /**
   * @param db a Kysely instance or a transaction of one
   * @param adapter what differs about this backend
   * @param options what the backend adds (see {@link KyselyStoreOptions})
   */
  private readonly options: KyselyStoreOptions & { readonly held: { reason: string | undefined } };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly adapter: StoreAdapter,
    options: KyselyStoreOptions = {},
  ) {
    this.options = options.held ? { ...options, held: options.held } : { ...options, held: { reason: undefined } };
    this.escalations = new KyselyEscalationStore(db);
    this.officers = new KyselyOfficerStore(db, adapter, options.durability, options.writePath);
    this.migrationsRun = options.migrationsRun ?? [];
  }

  async getMeta<T extends JsonValue = JsonValue>(key: string): Promise<T | undefined> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }

  async setMeta(key: string, value: JsonValue): Promise<void> {
    const text = JSON.stringify(value);
    await this.db
      .insertInto('meta')
      .values({ key, value: text })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: text }))
      .execute();
  }

  async putPeer(peer: PeerRow): Promise<void> {
    const row = {
      party: peer.party,
      code: peer.code,
      card: peer.card,
      fingerprint: peer.fingerprint,
      added_at: peer.addedAt,
      updated_at: peer.updatedAt,
    };
    await this.db
      .insertInto('peers')
      .values(row)
      .onConflict((oc) =>
        oc.column('party').doUpdateSet({
          code: row.code,
          card: row.card,
          fingerprint: row.fingerprint,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  async getPeer(party: string): Promise<PeerRow | undefined> {
    const row = await this.db.selectFrom('peers').selectAll().where('party', '=', party).executeTakeFirst();
    return row && toPeer(row);
  }

  async listPeers(): Promise<PeerRow[]> {
    const rows = await this.db.selectFrom('peers').selectAll().orderBy('code').orderBy('party').execute();
    return rows.map(toPeer);
  }

  async putChannel(channel: ChannelRow): Promise<void> {
    const row = {
      id: channel.id,
      proposer: channel.proposer,
      state: channel.state,
      charter: channel.charter,
      created_at: channel.createdAt,
      updated_at: channel.updatedAt,
    };
    await this.db
      .insertInto('channels')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          proposer: row.proposer,
          state: row.state,
          charter: row.charter,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  async getChannel(id: string): Promise<ChannelRow | undefined> {
    const row = await this.db.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toChannel(row);
  }

  async listChannels(): Promise<ChannelRow[]> {
    const rows = await this.db.selectFrom('channels').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toChannel);
  }

  async appendEntries(rows: readonly EntryRow[]): Promise<AppendResult[]> {
    rows.forEach(checkEntry);
    if (rows.length === 0) return [];
    return this.inTransaction((store) => store.appendChecked(rows));
  }

  /** Fences writes by a lease's token; 0 refuses every write from now on (the process stepped down). */
  fenceWrites(token: number | undefined): void {
    if (!this.options.fence) throw new StoreError('STORE_BAD_INPUT', { field: 'fence', detail: `${this.adapter.name} has no shared leadership: high availability needs PostgreSQL` });
    this.options.fence.token = token;
  }

  holdWrites(reason: string | undefined): void {
    this.options.held.reason = reason;
  }

  /** Fails with STORE_FENCED unless the lease row still holds the fencing token (see fenceWrites). */
  private async checkFence(): Promise<void> {
    const held = this.options.held.reason;
    if (held !== undefined) throw new StoreError('STORE_LOCK_LOST', { reason: held });
    const token = this.options.fence?.token;
    if (token === undefined) return;
    // Token 0 (never a lease's): the process stepped down; refused here, the database not asked.
    if (token === 0) throw new StoreError('STORE_FENCED', { token, current: 'whatever it holds: this process stepped down and writes nothing more' });
    // FOR KEY SHARE: a takeover, which first locks the row FOR UPDATE, waits for this transaction
    // to end, and this read waits for a takeover in progress, then sees its new token. The
    // holder's renewals (an UPDATE of a non-key column) do not wait for commits, nor they for it.
    const row = await this.db.selectFrom('ha_lease').select('token').where('id', '=', 1).forKeyShare().executeTakeFirst();
    if (row === undefined || Number(row.token) !== token) throw new StoreError('STORE_FENCED', { token, current: row === undefined ? 'no lease' : `token ${row.token}` });
  }

  /** appendEntries inside a transaction, on validated rows. */
  private async appendChecked(rows: readonly EntryRow[]): Promise<AppendResult[]> {
    await this.checkFence();
    const channels = [...new Set(rows.map((r) => r.channel))].sort();
    await this.adapter.lockChannelsForAppend(this.db, channels);
    const results: AppendResult[] = new Array<AppendResult>(rows.length);
    // The first row for a log position speaks for the batch; later ones compare with what it left.
    const firstIndex = new Map<string, number>();
    const firsts: number[] = [];
    rows.forEach((row, i) => {
      const k = logKey(row);
      if (!firstIndex.has(k)) {
        firstIndex.set(k, i);
        firsts.push(i);
      }
    });

    for (let start = 0; start < firsts.length; start += INSERT_CHUNK) {
      const chunk = firsts.slice(start, start + INSERT_CHUNK);
      let insertedKeys: Set<string>;
      const bulk = this.options.writePath;
      if (bulk && this.db.isTransaction) {
        const flags = bulk.entries(chunk.map((i) => toEntryRecord(rows[i]!)));
        insertedKeys = new Set(chunk.filter((_, k) => flags[k]).map((i) => logKey(rows[i]!)));
      } else {
        const inserted = await this.db
          .insertInto('entries')
          .values(chunk.map((i) => toEntryRecord(rows[i]!)))
          .onConflict((oc) => oc.columns(['channel', 'author', 'seq']).doNothing())
          .returning(['channel', 'author', 'seq'])
          .execute();
        insertedKeys = new Set(inserted.map(logKey));
      }
      // The places of the lasting kinds (a few per channel), in the same transaction.
      for (const i of chunk) if (!bounded.isBulkKind(rows[i]!.kind) && insertedKeys.has(logKey(rows[i]!))) await bounded.listLastingEntry(this.db, rows[i]!);

      const held = chunk.filter((i) => !insertedKeys.has(logKey(rows[i]!)));
      const existing = new Map<string, string>();
      if (held.length > 0) {
        const found = await this.db
          .selectFrom('entries')
          .select(['channel', 'author', 'seq', 'hash'])
          .where((eb) =>
            eb.or(
              held.map((i) => {
                const r = rows[i]!;
                return eb.and([eb('channel', '=', r.channel), eb('author', '=', r.author), eb('seq', '=', r.seq)]);
              }),
            ),
          )
          .execute();
        for (const f of found) existing.set(logKey(f), f.hash);
      }
      for (const i of chunk) {
        const row = rows[i]!;
        const k = logKey(row);
        if (insertedKeys.has(k)) {
          results[i] = { status: 'inserted' };
          continue;
        }
        const hash = existing.get(k);
        if (hash === undefined) {
          // Only possible if a concurrent writer's row vanished: never, as entries are not deleted.
          throw new Error(`entry ${k} was neither inserted nor found`);
        }
        results[i] = hash === row.hash ? { status: 'duplicate' } : { status: 'conflict', existingHash: hash };
      }
    }

    rows.forEach((row, i) => {
      if (results[i] !== undefined) return;
      const first = firstIndex.get(logKey(row))!;
      const firstRow = rows[first]!;
      const result = results[first]!;
      const heldHash = result.status === 'conflict' ? result.existingHash! : firstRow.hash;
      results[i] = heldHash === row.hash ? { status: 'duplicate' } : { status: 'conflict', existingHash: heldHash };
    });
    await this.refuseBrokenChains(rows, results);
    return results;
  }

  /**
   * Refuses (throws, so the transaction rolls back) a new row whose `prev` is not what the store
   * holds, or is about to hold, at the author's previous position: such an entry was signed on a
   * predecessor whose own commit failed (a write queued behind a failed one, a process that lost
   * its database and then reached another), and storing it would leave a gap that no later entry
   * could fill without equivocating. One read per batch, of the positions the batch does not hold.
   */
  private async refuseBrokenChains(rows: readonly EntryRow[], results: readonly AppendResult[]): Promise<void> {
    const before = (row: EntryRow) => logKey({ ...row, seq: row.seq - 1 });
    const checked = rows.filter((row, i) => results[i]!.status === 'inserted' && typeof row.prev === 'string' && row.seq > 1);
    const held = new Map(rows.map((r) => [logKey(r), r.hash]));
    const wanted = checked.filter((row) => !held.has(before(row)));
    const prepared = this.options.writePath;
    // Prepared once (SQLite): a commit of a few entries checks each with one indexed read, instead
    // of building and compiling a query of ORs every time.
    if (prepared && this.db.isTransaction && wanted.length <= 8)
      for (const r of wanted) {
        const hash = prepared.entryHash(r.channel, r.author, r.seq - 1);
        if (hash !== undefined) held.set(before(r), hash);
      }
    else if (wanted.length > 0) {
      const found = await this.db
        .selectFrom('entries')
        .select(['channel', 'author', 'seq', 'hash'])
        .where((eb) => eb.or(wanted.map((r) => eb.and([eb('channel', '=', r.channel), eb('author', '=', r.author), eb('seq', '=', r.seq - 1)]))))
        .execute();
      for (const f of found) held.set(logKey(f), f.hash);
    }
    for (const row of checked) {
      const previous = held.get(before(row));
      if (previous === row.prev) continue;
      throw new StoreError('STORE_LOG_DIVERGED', {
        where: `channel ${row.channel.slice(0, 12)}…, author ${row.author.slice(0, 12)}…, #${row.seq - 1} (the entry #${row.seq} follows ${row.prev!.slice(0, 12)}…; held: ${previous === undefined ? 'nothing' : `${previous.slice(0, 12)}…`})`,
      });
    }
  }

  async getEntry(channel: string, author: string, seq: number): Promise<StoredEntry | undefined> {
    const row = await this.db
      .selectFrom('entries')
      .selectAll()
      .where('channel', '=', channel)
      .where('author', '=', author)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return row && toEntry(row);
  }

  async listEntries(channel: string, options: ListEntriesOptions = {}): Promise<StoredEntry[]> {
    if (options.kinds !== undefined && options.kinds.length === 0) return [];
    let query = this.db.selectFrom('entries').selectAll().where('channel', '=', channel);
    if (options.author !== undefined) query = query.where('author', '=', options.author);
    if (options.fromSeq !== undefined) query = query.where('seq', '>=', options.fromSeq);
    if (options.toSeq !== undefined) query = query.where('seq', '<=', options.toSeq);
    if (options.kinds !== undefined) query = query.where('kind', 'in', [...options.kinds]);
    if (options.sinceTime !== undefined) query = query.where('time', '>=', options.sinceTime);
    query = options.author !== undefined ? query.orderBy('seq') : query.orderBy('pos');
    if (options.limit !== undefined) query = query.limit(options.limit);
    return (await query.execute()).map(toEntry);
  }

  async listRawEntries(channel: string, author: string, fromSeq: number, toSeq: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('entries')
      .select('raw')
      .where('channel', '=', channel)
      .where('author', '=', author)
      .where('seq', '>=', fromSeq)
      .where('seq', '<=', toSeq)
      .orderBy('seq')
      .execute();
    return rows.map((r) => r.raw);
  }

  async countEntries(channel: string): Promise<number> {
    const row = await this.db
      .selectFrom('entries')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('channel', '=', channel)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async heads(channel: string): Promise<Record<string, Head>> {
    const rows = await this.db
      .selectFrom('entries as e')
      .select(['e.author', 'e.seq', 'e.hash'])
      .where('e.channel', '=', channel)
      .where('e.seq', '=', (eb) =>
        eb
          .selectFrom('entries as m')
          .select((m) => m.fn.max('m.seq').as('max_seq'))
          .whereRef('m.channel', '=', 'e.channel')
          .whereRef('m.author', '=', 'e.author'),
      )
      .execute();
    const heads: Record<string, Head> = {};
    for (const r of rows) heads[r.author] = { seq: r.seq, hash: r.hash };
    return heads;
  }

  async *streamEntries(channel: string, options: { readonly pageSize?: number } = {}): AsyncIterable<StoredEntry> {
    const pageSize = options.pageSize ?? STREAM_PAGE;
    // Keyset paging on `pos` rather than a cursor: no connection is held between pages, so a long
    // export never blocks writers (SQLite has one connection) and works the same on every backend.
    let after = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom('entries')
        .selectAll()
        .where('channel', '=', channel)
        .where('pos', '>', after)
        .orderBy('pos')
        .limit(pageSize)
        .execute();
      for (const row of rows) yield toEntry(row);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.pos;
    }
  }

  async *streamRawEntries(channel: string, options: { readonly pageSize?: number } = {}): AsyncIterable<readonly string[]> {
    const pageSize = options.pageSize ?? RAW_PAGE;
    let after = 0;
    for (;;) {
      const rows = await this.db.selectFrom('entries').select(['pos', 'raw']).where('channel', '=', channel).where('pos', '>', after).orderBy('pos').limit(pageSize).execute();
      if (rows.length > 0) yield rows.map((r) => r.raw);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.pos;
    }
  }

  listLastingRawEntries(channel: string): Promise<string[]> {
    return bounded.listLastingRawEntries(this.db, channel);
  }

  logLength(channel: string, author: string): Promise<number> {
    return bounded.logLength(this.db, channel, author);
  }

  indexReferents(channel: string, rows: readonly bounded.ReferentRow[], marks: ReadonlyArray<{ readonly author: string; readonly seq: number }>): Promise<void> {
    return bounded.indexReferents(this.db, channel, rows, marks);
  }

  listReferentRows(channel: string, author: string, fromSeq: number, toSeq: number): Promise<bounded.ReferentRow[]> {
    return bounded.listReferentRows(this.db, channel, author, fromSeq, toSeq);
  }

  findReferentPositionsByPrefix(channel: string, prefix: string, limit: number): Promise<Array<{ author: string; seq: number }>> {
    return bounded.findReferentPositionsByPrefix(this.db, channel, prefix, limit);
  }

  referentMark(channel: string, author: string): Promise<number> {
    return bounded.referentMark(this.db, channel, author);
  }

  findReferentPositions(channel: string, hash: string): Promise<Array<{ author: string; seq: number }>> {
    return bounded.findReferentPositions(this.db, channel, hash);
  }

  async putEvidence(evidence: EvidenceInput): Promise<number | undefined> {
    // One row per distinct second entry: a copy received again (replayed, relayed by several
    // peers) is the same evidence, and a place holds at most MAX_EVIDENCE_PER_PLACE of them.
    const kept = await this.db
      .selectFrom('evidence')
      .select(['id', 'second_raw'])
      .where('channel', '=', evidence.channel)
      .where('author', '=', evidence.author)
      .where('seq', '=', evidence.seq)
      .orderBy('id')
      .execute();
    const same = kept.find((r) => r.second_raw === evidence.secondRaw);
    if (same) return Number(same.id);
    if (kept.length >= MAX_EVIDENCE_PER_PLACE) return undefined;
    const row = await this.db
      .insertInto('evidence')
      .values({
        channel: evidence.channel,
        author: evidence.author,
        seq: evidence.seq,
        first_raw: evidence.firstRaw,
        second_raw: evidence.secondRaw,
        detected_at: evidence.detectedAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async listEvidence(channel: string): Promise<EvidenceRow[]> {
    const rows = await this.db.selectFrom('evidence').selectAll().where('channel', '=', channel).orderBy('id').execute();
    return rows.map((r) => ({
      id: Number(r.id),
      channel: r.channel,
      author: r.author,
      seq: r.seq,
      firstRaw: r.first_raw,
      secondRaw: r.second_raw,
      detectedAt: r.detected_at,
    }));
  }

  async putMessage(message: MessageInput): Promise<void> {
    await this.putMessages([message]);
  }

  async putMessages(messages: readonly MessageInput[]): Promise<void> {
    const record = (message: MessageInput) => ({
      hash: message.hash,
      channel: message.channel,
      author: message.author,
      seq: message.seq,
      time: message.time,
      precedence: message.precedence,
      lang: message.lang,
      text: message.text,
      reply_to: message.replyTo,
      drill: message.drill ? 1 : 0,
      deadline_at: message.deadlineAt,
      acked_at: message.ackedAt ?? null,
      acked_by: message.ackedBy ?? null,
      receipted_at: message.receiptedAt ?? null,
      escalation_level: message.escalationLevel ?? 0,
      escalation_due_at: message.escalationDueAt !== undefined ? message.escalationDueAt : earliestEscalation(message, undefined),
      formatted: message.formatted ?? null,
      folded: foldForSearch(message.text),
      officer: message.officer ? foldForSearch(message.officer) : null,
    });
    const bulk = this.options.writePath;
    if (bulk && this.db.isTransaction) return bulk.messages(messages.map(record));
    for (let start = 0; start < messages.length; start += MESSAGE_CHUNK) {
      await this.db
        .insertInto('messages')
        .values(messages.slice(start, start + MESSAGE_CHUNK).map(record))
        .onConflict((oc) => oc.columns(['channel', 'author', 'seq']).doNothing())
        .execute();
    }
  }

  async getMessage(at: LogPosition): Promise<MessageRow | undefined> {
    const row = await this.db.selectFrom('messages').selectAll().where((eb) => eb.and(position(at))).executeTakeFirst();
    return row && toMessage(row);
  }

  async markAcked(message: LogPosition, at: number, by: string): Promise<boolean> {
    const result = await this.db
      .updateTable('messages')
      .set({ acked_at: at, acked_by: by })
      .where((eb) => eb.and(position(message)))
      .where('acked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async markReceipted(channel: string, author: string, uptoSeq: number, at: number): Promise<number> {
    const prepared = this.options.writePath;
    if (prepared && this.db.isTransaction) return prepared.markReceipted(channel, author, uptoSeq, at);
    const result = await this.db
      .updateTable('messages')
      .set({ receipted_at: at })
      .where('channel', '=', channel)
      .where('author', '=', author)
      .where('seq', '<=', uptoSeq)
      .where('receipted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async setEscalation(message: LogPosition, progress: { readonly level?: number; readonly dueAt: number | null }): Promise<boolean> {
    const result = await this.db
      .updateTable('messages')
      .set({ escalation_due_at: progress.dueAt, ...(progress.level !== undefined ? { escalation_level: progress.level } : {}) })
      .where((eb) => eb.and(position(message)))
      .where('acked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async listEscalationsDue(at: number, limit: number): Promise<MessageRow[]> {
    // The terms of the partial index messages_escalation_due (migration 0008), spelled as there.
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('acked_at', 'is', null)
      .where('escalation_due_at', 'is not', null)
      .where('escalation_due_at', '<=', at)
      .orderBy('escalation_due_at')
      .limit(limit)
      .execute();
    return rows.map(toMessage);
  }

  async replanEscalations(self: string): Promise<number> {
    const result = await this.db
      .updateTable('messages')
      .set((eb) => ({
        escalation_due_at: eb
          .case()
          .when('author', '=', self)
          .then(eb.ref('deadline_at'))
          .when('time', '<', eb.ref('deadline_at'))
          .then(eb.ref('time'))
          .else(eb.ref('deadline_at'))
          .end(),
      }))
      .where('acked_at', 'is', null)
      .where('deadline_at', 'is not', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async shiftDeadlines(deltaMs: number): Promise<number> {
    const d = Math.round(deltaMs);
    const result = await this.db
      .updateTable('messages')
      .set({ deadline_at: sql<number>`deadline_at + ${d}`, escalation_due_at: sql<number | null>`escalation_due_at + ${d}` })
      .where('acked_at', 'is', null)
      .where('deadline_at', 'is not', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async databaseBytes(): Promise<number | undefined> {
    return this.options.databaseBytes?.();
  }

  async analyze(): Promise<void> {
    await sql`analyze`.execute(this.db);
  }

  async quickCheck(): Promise<string[]> {
    return this.options.quickCheck?.() ?? [];
  }

  async removeEntriesFrom(channel: string, author: string, fromSeq: number): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('messages').where('channel', '=', channel).where('author', '=', author).where('seq', '>=', fromSeq).execute();
      await tx.deleteFrom('message_acks').where('channel', '=', channel).where('ack_author', '=', author).where('ack_seq', '>=', fromSeq).execute();
      await tx.deleteFrom('message_acks').where('channel', '=', channel).where('message_author', '=', author).where('message_seq', '>=', fromSeq).execute();
      await bounded.unlistLastingEntries(tx, channel, author, fromSeq);
      const r = await tx.deleteFrom('entries').where('channel', '=', channel).where('author', '=', author).where('seq', '>=', fromSeq).executeTakeFirst();
      return Number(r.numDeletedRows);
    });
  }

  async rewriteMessage(m: Pick<MessageRow, 'channel' | 'author' | 'seq' | 'hash' | 'time' | 'precedence' | 'lang' | 'text' | 'replyTo' | 'drill'>): Promise<boolean> {
    const r = await this.db
      .updateTable('messages')
      .set({ hash: m.hash, time: m.time, precedence: m.precedence, lang: m.lang, text: m.text, folded: foldForSearch(m.text), reply_to: m.replyTo, drill: m.drill ? 1 : 0 })
      .where('channel', '=', m.channel)
      .where('author', '=', m.author)
      .where('seq', '=', m.seq)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async listMessages(channel: string, options: ListMessagesOptions = {}): Promise<MessageRow[]> {
    let query = messagesBefore(this.db, channel, options.before);
    if (options.unackedOnly === true) query = query.where('acked_at', 'is', null);
    if (options.limit === undefined) return (await query.orderBy('time').orderBy('author').orderBy('seq').execute()).map(toMessage);
    // The latest: read backwards (index messages_channel_time) and turn the page round.
    const rows = await query.orderBy('time', 'desc').orderBy('author', 'desc').orderBy('seq', 'desc').limit(options.limit).execute();
    return rows.reverse().map(toMessage);
  }

  async searchMessages(channel: string, options: SearchMessagesOptions): Promise<MessageRow[]> {
    return (await searchMessages(this.db, channel, options)).map(toMessage);
  }

  async listPageEntries(channel: string, positions: readonly LogPosition[]): Promise<StoredEntry[]> {
    return (await pageEntries(this.db, channel, positions)).map(toEntry);
  }

  async putAckEntry(message: LogPosition, ack: { readonly author: string; readonly seq: number }): Promise<void> {
    await putAckEntry(this.db, message, ack);
  }

  async ackersOf(message: LogPosition): Promise<string[]> {
    const rows = await this.db
      .selectFrom('message_acks')
      .select('ack_author')
      .distinct()
      .where('channel', '=', message.channel)
      .where('message_author', '=', message.author)
      .where('message_seq', '=', message.seq)
      .execute();
    return rows.map((r) => r.ack_author);
  }

  async countMessages(channel: string, self: string): Promise<{ total: number; unacknowledged: number }> {
    const row = await this.db
      .selectFrom('messages')
      .select((eb) => [
        eb.fn.countAll<number | string>().as('total'),
        // A message with no deadline awaits no acknowledgement here (written before this party joined).
        eb.fn.count<number | string>(eb.case().when(eb.and([eb('acked_at', 'is', null), eb('author', '!=', self), eb('deadline_at', 'is not', null)])).then(1).end()).as('unacknowledged'),
      ])
      .where('channel', '=', channel)
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), unacknowledged: Number(row.unacknowledged) };
  }

  /**
   * The unacknowledged messages with a deadline that `options` select (its limit aside), in the
   * terms of the partial index messages_unacked (migration 0010); undefined when none can be.
   */
  #unacked(options: ListUnackedOptions) {
    if (options.channels?.length === 0) return undefined;
    let query = this.db.selectFrom('messages').where('acked_at', 'is', null).where('deadline_at', 'is not', null);
    if (options.deadlineBefore !== undefined) query = query.where('deadline_at', '<=', options.deadlineBefore);
    if (options.from !== undefined) query = query.where('author', '=', options.from);
    if (options.notFrom !== undefined) query = query.where('author', '!=', options.notFrom);
    if (options.channels !== undefined) query = query.where('channel', 'in', options.channels);
    return query;
  }

  async countUnacked(self: string, options: ListUnackedOptions = {}): Promise<Array<{ precedence: string; own: boolean; count: number }>> {
    const query = this.#unacked(options);
    if (!query) return [];
    const rows = await query
      .select((eb) => ['precedence', eb.case().when('author', '=', self).then(1).else(0).end().as('own'), eb.fn.countAll<number | string>().as('n')])
      .groupBy(['precedence', 'own'])
      .execute();
    return rows.map((r) => ({ precedence: r.precedence, own: Number(r.own) === 1, count: Number(r.n) }));
  }

  async listUnacked(options: ListUnackedOptions = {}): Promise<MessageRow[]> {
    const query = this.#unacked(options);
    if (!query) return [];
    // The order of the index, so that a limit reads only as many rows as it returns.
    const ordered = query.selectAll().orderBy('deadline_at').orderBy('author').orderBy('seq');
    const rows = await (options.limit !== undefined ? ordered.limit(options.limit) : ordered).execute();
    return rows.map(toMessage);
  }

  async countUnackedByChannel(self: string): Promise<Array<{ channel: string; count: number }>> {
    const rows = await this.#unacked({ notFrom: self })!
      .select((eb) => ['channel', eb.fn.countAll<number | string>().as('n')])
      .groupBy('channel')
      .orderBy('channel')
      .execute();
    return rows.map((r) => ({ channel: r.channel, count: Number(r.n) }));
  }

  async putIdempotent(row: IdempotentAnswer): Promise<void> {
    const put = await this.db.insertInto('idempotency').values({ ...row }).onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
    if (Number(put.numInsertedOrUpdatedRows ?? 0n) > 0) return;
    // Held already: the same answer again is the retry of a commit whose outcome was lost (a
    // connection cut at COMMIT that did land), not a second request under the key.
    const held = await this.getIdempotent(row.key);
    if (held && held.request === row.request && held.response === row.response && held.status === row.status) return;
    throw new StoreError('STORE_CONFLICT', { backend: this.adapter.name, detail: `idempotency key ${row.key.slice(0, 12)}… already answers another request` });
  }

  async getIdempotent(key: string): Promise<IdempotentAnswer | undefined> {
    const row = await this.db.selectFrom('idempotency').selectAll().where('key', '=', key).executeTakeFirst();
    return row ? { key: row.key, request: row.request, status: Number(row.status), response: row.response, at: Number(row.at) } : undefined;
  }

  async putReceipt(receipt: ReceiptRow): Promise<boolean> {
    // Prepared once (SQLite), inside the entries' transaction: one per receipt received.
    const prepared = this.options.writePath;
    if (prepared && this.db.isTransaction) return prepared.receipt(receipt);
    const result = await this.db
      .insertInto('receipts')
      .values({ ...receipt })
      .onConflict((oc) =>
        oc
          .columns(['channel', 'holder', 'author'])
          .doUpdateSet((eb) => ({
            seq: eb.ref('excluded.seq'),
            hash: eb.ref('excluded.hash'),
            at: eb.ref('excluded.at'),
          }))
          // Receipts are cumulative: an older or equal one carries nothing new.
          .whereRef('receipts.seq', '<', 'excluded.seq'),
      )
      .executeTakeFirst();
    const advanced = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    if (advanced) await putReceiptMark(this.db, receipt);
    return advanced;
  }

  async listReceiptTimes(channel: string, positions: readonly LogPosition[]): Promise<ReceiptTime[]> {
    return receiptTimes(this.db, channel, positions);
  }

  async listReceipts(channel: string): Promise<ReceiptRow[]> {
    return this.db
      .selectFrom('receipts')
      .selectAll()
      .where('channel', '=', channel)
      .orderBy('holder')
      .orderBy('author')
      .execute();
  }

  async addLinkSample(sample: LinkSampleRow): Promise<void> {
    await this.db
      .insertInto('link_samples')
      .values({
        channel: sample.channel,
        peer: sample.peer,
        at: sample.at,
        rtt_ms: sample.rttMs,
        offset_ms: sample.offsetMs,
      })
      .execute();
  }

  async listLinkSamples(channel: string, peer: string, sinceMs: number, limit = 100): Promise<LinkSampleRow[]> {
    const rows = await this.db
      .selectFrom('link_samples')
      .selectAll()
      .where('channel', '=', channel)
      .where('peer', '=', peer)
      .where('at', '>=', sinceMs)
      .orderBy('at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ channel: r.channel, peer: r.peer, at: r.at, rttMs: r.rtt_ms, offsetMs: r.offset_ms }));
  }

  transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    return this.inTransaction(fn);
  }

  async pipelinedTransaction<T>(fn: (store: Store) => Promise<T>, options: PipelineOptions = {}): Promise<Committed<T>> {
    if (this.db.isTransaction) return { value: await fn(this) };
    const value = await retryWhileBusy(() => this.db.transaction().execute((trx) => fn(this.#within(trx))));
    const d = this.options.durability;
    const durable = options.alone && d?.syncNow ? d.syncNow() : d?.sync();
    return durable ? { value, durable } : { value };
  }

  private async inTransaction<T>(fn: (store: KyselyStore) => Promise<T>): Promise<T> {
    // Kysely transactions do not nest; an inner call joins the outer one.
    if (this.db.isTransaction) return fn(this);
    const value = await this.db.transaction().execute((trx) => fn(this.#within(trx)));
    await this.options.durability?.sync();
    return value;
  }

  #within(trx: Kysely<Database>): KyselyStore {
    return new KyselyStore(trx, this.adapter, this.options);
  }

  async close(): Promise<void> {
    await this.options.beforeClose?.();
    await this.db.destroy();
  }
}

/** The first wait before a transaction refused as busy is tried again, and the longest, ms. */
const BUSY_RETRY_FIRST_MS = 10;
const BUSY_RETRY_MAX_MS = 250;

/**
 * Runs `attempt` (a whole transaction, which did nothing when refused) again while the database is
 * busy with another writer: another process holding SQLite's write lock, a PostgreSQL deadlock or
 * serialization failure. SQLite waits for a lock synchronously (busy_timeout, sqlite.ts), which
 * stops the event loop: it waits a few milliseconds there, and the rest here, between turns of the
 * loop, so that the terminal answers meanwhile and its stall watch (channel-committer.ts) sees
 * the commit wait. As a PostgreSQL commit waiting on a lock, it waits as long as the lock is held.
 */
async function retryWhileBusy<T>(attempt: () => Promise<T>): Promise<T> {
  for (let wait = BUSY_RETRY_FIRST_MS; ; wait = Math.min(wait * 2, BUSY_RETRY_MAX_MS)) {
    try {
      return await attempt();
    } catch (e) {
      if (storeErrorOf(e)?.code !== 'STORE_BUSY') throw e;
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

function logKey(row: { readonly channel: string; readonly author: string; readonly seq: number }): string {
  return `${row.channel}\u0000${row.author}\u0000${row.seq}`;
}

function checkEntry(row: EntryRow, index: number): void {
  const bad = (field: string, detail: string): never => {
    throw new StoreError('STORE_BAD_INPUT', { field: `entry ${index} ${field}`, detail });
  };
  if (!Number.isSafeInteger(row.seq) || row.seq < 0) bad('seq', `${row.seq} is not a non-negative integer`);
  if (!HEX.test(row.hash)) bad('hash', `"${row.hash}" is not lowercase hex`);
  if (!Number.isSafeInteger(row.time)) bad('time', `${row.time} is not an integer number of milliseconds`);
  if (!Number.isSafeInteger(row.receivedAt)) bad('receivedAt', `${row.receivedAt} is not an integer`);
  if (typeof row.raw !== 'string' || row.raw.length === 0) bad('raw', 'is empty');
}

function toEntryRecord(row: EntryRow): Omit<EntriesTable, 'pos'> {
  return {
    channel: row.channel,
    author: row.author,
    seq: row.seq,
    hash: row.hash,
    kind: row.kind,
    time: row.time,
    raw: row.raw,
    received_at: row.receivedAt,
  };
}

function toEntry(r: Selectable<EntriesTable>): StoredEntry {
  return {
    pos: Number(r.pos),
    channel: r.channel,
    author: r.author,
    seq: r.seq,
    hash: r.hash,
    kind: r.kind,
    time: r.time,
    raw: r.raw,
    receivedAt: r.received_at,
  };
}

function toPeer(r: Selectable<Database['peers']>): PeerRow {
  return {
    party: r.party,
    code: r.code,
    card: r.card,
    fingerprint: r.fingerprint,
    addedAt: r.added_at,
    updatedAt: r.updated_at,
  };
}

function toChannel(r: Selectable<Database['channels']>): ChannelRow {
  return {
    id: r.id,
    proposer: r.proposer,
    state: r.state,
    charter: r.charter,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toMessage(r: Selectable<MessagesTable>): MessageRow {
  return {
    hash: r.hash,
    channel: r.channel,
    author: r.author,
    seq: r.seq,
    time: r.time,
    precedence: r.precedence,
    lang: r.lang,
    text: r.text,
    replyTo: r.reply_to,
    drill: r.drill !== 0,
    deadlineAt: r.deadline_at,
    ackedAt: r.acked_at,
    ackedBy: r.acked_by,
    receiptedAt: r.receipted_at,
    escalationLevel: r.escalation_level,
    escalationDueAt: r.escalation_due_at,
    ...(r.formatted != null ? { formatted: r.formatted } : {}),
  };
}

/**
 * What the store needs to know about a database that SQL does not spell the same way everywhere.
 *
 * Modelled on Kysely's `DialectAdapter`: the base class states the standard SQL way, and each
 * backend (sqlite.ts, postgres.ts) overrides only what differs, saying why. Nothing else in the
 * store branches on the backend.
 */
import { sql, type ColumnDataType, type CreateTableBuilder, type Expression, type Kysely } from 'kysely';
import type { Selectable } from 'kysely';
import type { AuditLogTable, Database, EntriesTable, MessagesTable, ReceiptsTable } from './schema.js';

/** A column type, as Kysely's schema builder accepts it. */
export type ColumnType = ColumnDataType | Expression<unknown>;

/** The capabilities and spellings of one backend. */
export interface StoreAdapter {
  /** Short name for messages ("SQLite", "PostgreSQL"). */
  readonly name: string;
  /**
   * Column type of ids, party keys and hashes. They must compare byte by byte, so that logs sort
   * the same on every backend and a hex prefix is a range scan of the index.
   */
  readonly keyType: ColumnType;
  /** Adds an auto-incrementing integer primary key named `column` to a table being created. */
  addSerialPrimaryKey<T extends string, C extends string>(
    table: CreateTableBuilder<T, C>,
    column: string,
  ): CreateTableBuilder<T, C>;
  /**
   * Within a transaction that is about to append entries to `channels`, waits until no other
   * connection appends to them. Concurrent appends of overlapping rows in different orders would
   * otherwise deadlock on each other's uncommitted rows (as two peers relaying the same entries do).
   * `channels` arrive sorted, so that locks are always taken in the same order.
   */
  lockChannelsForAppend(db: Kysely<Database>, channels: readonly string[]): Promise<void>;
  /**
   * Within a transaction that is about to append to the audit log, waits until no other
   * connection appends to it: each record chains to the last one, so appends take turns.
   */
  lockAuditForAppend(db: Kysely<Database>): Promise<void>;
  /**
   * Migration 0005: drops the keys on entry hashes, entries' UNIQUE (hash) and messages' PRIMARY
   * KEY (hash), which becomes (channel, author, seq). Hashes are random: every insert dirtied its
   * own page of those indexes. Indexes on a 12-digit prefix of the hash replace them (lookups).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  dropHashKeys(db: Kysely<any>): Promise<void>;
}

/**
 * The statements of the write path prepared once on the backend's own driver, for a backend where
 * building a query costs much more than running it (SQLite: about 40% of storing a message entry
 * went to building and binding one multi-row INSERT per batch, and the audit record of an officer's
 * send, read last and insert, cost a tenth of a sending terminal's time through Kysely). The store
 * calls them only inside one of its transactions, on that transaction's connection.
 */
export interface PreparedWritePath {
  /** Inserts each entry unless its (channel, author, seq) is taken; true for each row inserted. */
  entries(rows: ReadonlyArray<Omit<EntriesTable, 'pos'>>): boolean[];
  /** Inserts each message unless its (channel, author, seq) is taken. */
  messages(rows: ReadonlyArray<Omit<MessagesTable, 'escalation_level'> & { escalation_level: number }>): void;
  /** Hash of the entry held at (channel, author, seq), if any (the chain check of each commit). */
  entryHash(channel: string, author: string, seq: number): string | undefined;
  /** Stores a receipt unless one as high is held (putReceipt), with its receipt_marks row; true when it wrote. */
  receipt(row: ReceiptsTable): boolean;
  /** Marks the author's messages up to `uptoSeq` receipted at `at` (markReceipted); how many. */
  markReceipted(channel: string, author: string, uptoSeq: number, at: number): number;
  /** The audit log's last record (an officer's write appends one in the entry's transaction). */
  auditLast(): Selectable<AuditLogTable> | undefined;
  /** Appends one audit record; fails if its seq is taken. */
  auditInsert(row: Selectable<AuditLogTable>): void;
}

/** Standard SQL (SQL:2003 identity columns, binary-collated text by default). */
export class StandardStoreAdapter implements StoreAdapter {
  readonly name: string = 'SQL';
  readonly keyType: ColumnType = 'text';

  addSerialPrimaryKey<T extends string, C extends string>(
    table: CreateTableBuilder<T, C>,
    column: string,
  ): CreateTableBuilder<T, C> {
    return table.addColumn(column, 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey());
  }

  // Nothing to do where one connection serialises every transaction (SQLite: one writer at a time).
  async lockChannelsForAppend(_db: Kysely<Database>, _channels: readonly string[]): Promise<void> {}

  async lockAuditForAppend(_db: Kysely<Database>): Promise<void> {}

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async dropHashKeys(db: Kysely<any>): Promise<void> {
    // Constraint names are those PostgreSQL gave the constraints of migration 0001.
    await sql`alter table entries drop constraint if exists entries_hash_key`.execute(db);
    await sql`alter table messages drop constraint if exists messages_pkey`.execute(db);
    await sql`alter table messages add constraint messages_pkey primary key (channel, author, seq)`.execute(db);
    await sql`drop index if exists messages_channel_author_seq`.execute(db);
  }
}

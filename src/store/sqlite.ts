/**
 * The embedded backend: one SQLite file through better-sqlite3, the default for a terminal.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { KyselyStore } from './kysely-store.js';
import { Checkpointer } from './sqlite-checkpointer.js';
import { DurableSqliteDialect, WalSync } from './sqlite-durable.js';
import { migrateToLatest } from './migrations.js';
import { StoreError, storeErrorOf } from './errors.js';
import type { Database as Schema } from './schema.js';
import { StandardStoreAdapter, type PreparedWritePath, type StoreAdapter } from './store-adapter.js';
import type { Store } from './store.js';
import type { CreateTableBuilder, Dialect } from 'kysely';
import { slowQueryLog } from './query-log.js';

/** How a SQLite store makes its commits durable (see {@link SqliteStoreConfig.synchronous}). */
export type SqliteSynchronous = 'full' | 'full-async' | 'normal';

/** The values of {@link SqliteSynchronous}, for parsing settings. */
export const SQLITE_SYNCHRONOUS: readonly SqliteSynchronous[] = ['full', 'full-async', 'normal'];

/** Opens the SQLite backend. */
export interface SqliteStoreConfig {
  readonly kind: 'sqlite';
  /** Path of the database file (created with its directory if missing), or ":memory:". */
  readonly path: string;
  /**
   * FULL (default): every commit is fsynced inside COMMIT; a commit survives a power cut.
   * FULL-ASYNC: as durable, the fsync run on the thread pool while the event loop goes on
   * (sqlite-durable.ts); it pays only where an fsync takes milliseconds. NORMAL: in WAL mode a
   * commit survives a crash of the process (kill -9) but not of the operating system; it saves one
   * fsync per commit. See docs/operations.md "Durability".
   */
  readonly synchronous?: SqliteSynchronous;
  /**
   * Largest size the database file may grow to, in bytes (SQLite's max_page_count): beyond it
   * writes fail with STORE_FULL while the disk still has room for the WAL, the logs and a repair.
   */
  readonly maxBytes?: number;
}

/** How SQLite differs from standard SQL (its TEXT already compares bytewise, as keyType wants). */
export class SqliteStoreAdapter extends StandardStoreAdapter {
  override readonly name: string = 'SQLite';

  // SQLite has no identity columns; only an INTEGER PRIMARY KEY (an alias of the rowid) can
  // auto-increment, and AUTOINCREMENT guarantees a value is never reused, so `pos` stays monotonic.
  override addSerialPrimaryKey<T extends string, C extends string>(
    table: CreateTableBuilder<T, C>,
    column: string,
  ): CreateTableBuilder<T, C> {
    return table.addColumn(column, 'integer', (col) => col.primaryKey().autoIncrement());
  }

  // SQLite cannot drop a constraint: the two tables are rebuilt without them, the rows copied in
  // the order of their rowid (https://sqlite.org/lang_altertable.html#otheralter), and their other
  // indexes made again. `pos` values are kept, so arrival order and AUTOINCREMENT carry on.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override async dropHashKeys(db: Kysely<any>): Promise<void> {
    const run = (q: ReturnType<typeof sql>) => q.execute(db);
    await run(sql`create table entries_0005 (pos integer primary key autoincrement, channel text not null, author text not null, seq integer not null, hash text not null, kind text not null, time bigint not null, raw text not null, received_at bigint not null, constraint entries_log_key unique (channel, author, seq))`);
    await run(sql`insert into entries_0005 (pos, channel, author, seq, hash, kind, time, raw, received_at) select pos, channel, author, seq, hash, kind, time, raw, received_at from entries order by pos`);
    await run(sql`drop table entries`);
    await run(sql`alter table entries_0005 rename to entries`);
    await run(sql`create index entries_channel_kind on entries (channel, kind)`);
    await run(sql`create index entries_channel_pos on entries (channel, pos)`);
    await run(sql`create table messages_0005 (hash text not null, channel text not null, author text not null, seq integer not null, time bigint not null, precedence text not null, lang text not null, text text not null, reply_to text, drill integer default 0 not null, deadline_at bigint, acked_at bigint, acked_by text, receipted_at bigint, escalation_level integer default 0 not null, primary key (channel, author, seq))`);
    await run(sql`insert into messages_0005 select hash, channel, author, seq, time, precedence, lang, text, reply_to, drill, deadline_at, acked_at, acked_by, receipted_at, escalation_level from messages order by rowid`);
    await run(sql`drop table messages`);
    await run(sql`alter table messages_0005 rename to messages`);
    await run(sql`create index messages_channel_time on messages (channel, time)`);
    await run(sql`create index messages_deadline on messages (deadline_at)`);
    await run(sql`create index messages_unreceipted on messages (channel, author, seq) where receipted_at is null`);
  }
}

/** The schema adapter of the SQLite backend. */
export const sqliteAdapter: StoreAdapter = new SqliteStoreAdapter();

/** Page size of a new SQLite database, in bytes. */
export const SQLITE_PAGE_SIZE = 8192;

/** How long a statement waits for another process's write lock on the event loop, ms. */
export const SQLITE_BUSY_TIMEOUT_MS = 50;

/** Opens (creating if needed) a SQLite store at `config.path` and migrates it to the latest schema. */
/**
 * A file SQLite cannot read as a database (SQLITE_CORRUPT, SQLITE_NOTADB: a truncated file, a
 * zeroed header, another file in its place) refused at opening as STORE_DAMAGED, naming the file
 * and the way back (a backup), instead of SQLite's own words; any other error as it was.
 */
function damagedOr(error: unknown, path: string): unknown {
  const store = storeErrorOf(error);
  return store?.code === 'STORE_DAMAGED' ? new StoreError('STORE_DAMAGED', { ...store.details, where: path }, { cause: error }) : error;
}

export async function openSqliteStore(config: SqliteStoreConfig): Promise<Store> {
  if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
  const database = new Database(config.path);
  try {
    // WAL lets readers run beside the writer; synchronous=FULL fsyncs the WAL at every commit, so
    // a committed transaction survives a power cut and a receipt may be signed right after.
    // full-async is FULL in effect: NORMAL plus that fsync, which sqlite-durable.ts runs on the
    // thread pool; a write settles only after its sync.
    // 8 KiB pages for a new database (an existing one keeps its own: changing it means a VACUUM).
    // A commit writes each page it changed to the WAL, one write per page; entries are appended,
    // so half as many, twice as full pages cut COMMIT of a 256-entry batch by about 30% on a
    // 2-core VM (19-21 against 14-15 µs per entry), and a one-entry commit costs the same.
    database.pragma(`page_size = ${SQLITE_PAGE_SIZE}`);
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${(config.synchronous ?? 'full') === 'full' ? 'FULL' : 'NORMAL'}`);
    // Another process (e.g. a CLI command beside the terminal) may hold the write lock. SQLite
    // waits for it synchronously, the event loop stopped: briefly here, and the commits of entries
    // wait the rest between turns of the loop (kysely-store.ts retryWhileBusy). With 5 s here, a
    // process holding the lock for 20 s froze the terminal whole: no /healthz, no stall alarm.
    database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // A 64 MiB page cache (default 2 MiB) and memory-mapped reads keep a large channel's indexes
    // in memory instead of re-reading pages through the file system at every insert or lookup.
    database.pragma(`cache_size = -${64 * 1024}`);
    database.pragma(`mmap_size = ${256 * 1024 * 1024}`);
    if (config.maxBytes !== undefined) database.pragma(`max_page_count = ${Math.max(1, Math.floor(config.maxBytes / (database.pragma('page_size', { simple: true }) as number)))}`);
  } catch (error) {
    database.close();
    throw damagedOr(error, config.path);
  }
  const wal = config.synchronous === 'full-async' && config.path !== ':memory:' ? new WalSync(`${config.path}-wal`) : undefined;
  const dialectConfig = { database: withStatementCache(database) };
  const log = slowQueryLog();
  const db = new Kysely<Schema>({ dialect: keepingTheCause(wal ? new DurableSqliteDialect(dialectConfig, database, wal) : new SqliteDialect(dialectConfig)), ...(log ? { log } : {}) });
  let migrationsRun: string[];
  try {
    migrationsRun = await migrateToLatest(db, sqliteAdapter);
    await wal?.sync();
  } catch (error) {
    await db.destroy();
    throw damagedOr(error, config.path);
  }
  const checkpointer = config.path === ':memory:' ? undefined : new Checkpointer(config.path, database);
  return new KyselyStore(db, sqliteAdapter, {
    migrationsRun,
    writePath: sqliteWritePath(database),
    ...(wal ? { durability: wal } : {}),
    ...(checkpointer ? { beforeClose: () => checkpointer.close() } : {}),
    databaseBytes: () => (database.pragma('page_count', { simple: true }) as number) * (database.pragma('page_size', { simple: true }) as number),
    quickCheck: () => {
      const rows = database.pragma('quick_check') as Array<{ quick_check: string }>;
      return rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    },
  });
}

/**
 * The write path's inserts as statements prepared once on the same connection Kysely uses, one
 * row per run. The store runs them only inside its transactions, which hold that connection.
 */
function sqliteWritePath(database: InstanceType<typeof Database>): PreparedWritePath {
  const entry = database.prepare(
    'INSERT INTO entries (channel, author, seq, hash, kind, time, raw, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, author, seq) DO NOTHING',
  );
  const message = database.prepare(
    'INSERT INTO messages (hash, channel, author, seq, time, precedence, lang, text, reply_to, drill, deadline_at, acked_at, acked_by, receipted_at, escalation_level, escalation_due_at, formatted, folded, officer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, author, seq) DO NOTHING',
  );
  const entryHash = database.prepare('SELECT hash FROM entries WHERE channel = ? AND author = ? AND seq = ?').pluck();
  const receipt = database.prepare(
    'INSERT INTO receipts (channel, holder, author, seq, hash, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, holder, author) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at WHERE receipts.seq < excluded.seq',
  );
  const receiptMark = database.prepare('INSERT INTO receipt_marks (channel, author, holder, seq, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, author, holder, seq) DO NOTHING');
  const markReceipted = database.prepare('UPDATE messages SET receipted_at = ? WHERE channel = ? AND author = ? AND seq <= ? AND receipted_at IS NULL');
  const auditLast = database.prepare('SELECT seq, at, actor, action, detail, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const auditInsert = database.prepare('INSERT INTO audit_log (seq, at, actor, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
  return {
    entryHash: (channel, author, seq) => entryHash.get(channel, author, seq) as string | undefined,
    receipt: (r) => {
      if (receipt.run(r.channel, r.holder, r.author, r.seq, r.hash, r.at).changes === 0) return false;
      receiptMark.run(r.channel, r.author, r.holder, r.seq, r.at);
      return true;
    },
    markReceipted: (channel, author, uptoSeq, at) => markReceipted.run(at, channel, author, uptoSeq).changes,
    auditLast: () => auditLast.get() as ReturnType<PreparedWritePath['auditLast']>,
    auditInsert: (r) => void auditInsert.run(r.seq, r.at, r.actor, r.action, r.detail, r.prev_hash, r.hash),
    entries: (rows) => rows.map((r) => entry.run(r.channel, r.author, r.seq, r.hash, r.kind, r.time, r.raw, r.received_at).changes === 1),
    messages: (rows) => {
      for (const m of rows)
        message.run(m.hash, m.channel, m.author, m.seq, m.time, m.precedence, m.lang, m.text, m.reply_to, m.drill, m.deadline_at, m.acked_at, m.acked_by, m.receipted_at, m.escalation_level, m.escalation_due_at, m.formatted, m.folded, m.officer);
    },
  };
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running most of
 * ours. The narrow slice of better-sqlite3 the dialect uses (prepare, close), with prepared
 * statements cached by SQL text (bounded; statements are reusable once they finished running).
 */
function withStatementCache(database: InstanceType<typeof Database>): { prepare: (sql: string) => ReturnType<InstanceType<typeof Database>['prepare']>; close: () => void } {
  const cache = new Map<string, ReturnType<InstanceType<typeof Database>['prepare']>>();
  return {
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement === undefined || statement.busy) {
        statement = database.prepare(sql);
        if (cache.size >= 500) cache.clear();
        cache.set(sql, statement);
      }
      return statement;
    },
    close: () => database.close(),
  };
}

/**
 * SQLite ends a transaction by itself when a statement fails with SQLITE_FULL (or SQLITE_IOERR,
 * SQLITE_NOMEM, SQLITE_BUSY in some cases); Kysely's ROLLBACK then fails with "cannot rollback -
 * no transaction is active", and that error replaced the one that said why (the disk was full).
 * The dialect's driver here ignores exactly that rollback failure, so the cause is what surfaces.
 */
function keepingTheCause(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => {
      const driver = dialect.createDriver();
      const rollback = driver.rollbackTransaction.bind(driver);
      driver.rollbackTransaction = async (connection) => {
        try {
          await rollback(connection);
        } catch (e) {
          if (/no transaction is active/.test((e as Error)?.message ?? '')) return;
          throw e;
        }
      };
      return driver;
    },
  };
}

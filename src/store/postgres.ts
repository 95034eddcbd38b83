/**
 * The scale-out backend: PostgreSQL through a pg connection pool.
 */
import { Kysely, PostgresDialect, sql, type DatabaseIntrospector, type DatabaseMetadata, type SchemaMetadata, type TableMetadata } from 'kysely';
import pg from 'pg';
import { StoreError } from './errors.js';
import { KyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrations.js';
import type { Database as Schema } from './schema.js';
import { StandardStoreAdapter, type ColumnType, type StoreAdapter } from './store-adapter.js';
import type { Store } from './store.js';
import { slowQueryLog } from './query-log.js';

/** Opens the PostgreSQL backend. */
export interface PostgresStoreConfig {
  readonly kind: 'postgres';
  /** libpq connection string, e.g. "postgres://hotline@db.example:5432/hotline". */
  readonly connectionString: string;
  /**
   * Schema holding the tables (created if missing); the connection's search_path is set to it.
   * Lets several stores (e.g. test runs) share one database. Default: the server's current schema.
   */
  readonly schema?: string;
  /** Maximum connections in the pool (default 10). */
  readonly poolSize?: number;
  /** What pg_stat_activity shows for the connections (e.g. "hotline:PID:INSTANCE"), so an operator can tell them apart. */
  readonly applicationName?: string;
  /**
   * The server ends a connection left idle inside a transaction this long (high availability: a
   * process paused in the middle of a commit must not hold the lease row's lock, and so block the
   * takeover, for longer than its lease).
   */
  readonly idleInTransactionTimeoutMs?: number;
}

/** First key of our advisory locks ("HL"), so they cannot collide with another application's. */
const APPEND_LOCK_NAMESPACE = 0x484c;

/** How PostgreSQL differs from standard SQL. */
export class PostgresStoreAdapter extends StandardStoreAdapter {
  override readonly name: string = 'PostgreSQL';
  // The database's default collation is usually a locale (en_US...), which orders "-" and "_" of
  // base64url keys unlike bytes and cannot serve prefix ranges from an index. "C" is byte order.
  override readonly keyType: ColumnType = sql`text collate "C"`;

  // Many connections write at once: a transaction-scoped advisory lock per channel (released at
  // commit) makes appends to one channel take turns. The first key namespaces our locks.
  override async lockChannelsForAppend(db: Kysely<Schema>, channels: readonly string[]): Promise<void> {
    for (const channel of channels) {
      await sql`select pg_advisory_xact_lock(${APPEND_LOCK_NAMESPACE}, hashtext(${channel}))`.execute(db);
    }
  }

  // The audit chain is one sequence: the same namespace, the key of a name no channel id has.
  override async lockAuditForAppend(db: Kysely<Schema>): Promise<void> {
    await sql`select pg_advisory_xact_lock(${APPEND_LOCK_NAMESPACE}, hashtext('audit_log'))`.execute(db);
  }
}

/** The schema adapter of the PostgreSQL backend. */
export const postgresAdapter: StoreAdapter = new PostgresStoreAdapter();

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

/** Opens a PostgreSQL store and migrates it to the latest schema. */
export async function openPostgresStore(config: PostgresStoreConfig): Promise<Store> {
  if (config.schema !== undefined) checkSchemaName(config.schema);
  const pool = newPool(config);
  let schema: string;
  try {
    schema = config.schema ?? (await currentSchema(pool));
    if (config.schema !== undefined) await pool.query(`create schema if not exists "${schema}"`);
  } catch (error) {
    await pool.end();
    throw unreachable(config.connectionString, error);
  }
  const log = slowQueryLog();
  const db = new Kysely<Schema>({
    // The schema is the connection's search_path from its start-up options (newPool), not a query
    // run on each new connection: that query could fail on a connection cut at that moment, and
    // Kysely would then never give the connection back, so that closing the store hung forever.
    dialect: new SchemaScopedDialect({ pool }, schema),
    ...(log ? { log } : {}),
  });
  let migrationsRun: string[];
  try {
    // Pinning Kysely's bookkeeping tables to our schema: otherwise the Migrator would find another
    // schema's kysely_migration table and believe this one already migrated.
    migrationsRun = await migrateToLatest(db, postgresAdapter, schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyStore(db, postgresAdapter, { fence: { token: undefined }, migrationsRun });
}

/** Drops a schema and everything in it: for tests that gave each run its own schema. */
export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  checkSchemaName(schema);
  const pool = new pg.Pool({ connectionString, max: 1 });
  try {
    await pool.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await pool.end();
  }
}

/**
 * Creates the database a connection string names when the server has none by that name (error
 * 3D000), connecting to its `postgres` database to do so; a database that exists is left as it
 * is. For the HA demo, which keeps its tables out of the database the tests use.
 */
export async function ensureDatabase(connectionString: string): Promise<void> {
  const probe = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
  try {
    await probe.connect();
    return;
  } catch (e) {
    if ((e as { code?: string }).code !== '3D000') throw e;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`"${name}" is not a database name this can create (lowercase letters, digits and _); create it yourself`);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 10_000 });
  try {
    await admin.connect();
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

function newPool(config: PostgresStoreConfig): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    max: config.poolSize ?? 10,
    // A connection that cannot be opened (or a pool slot not freed) within this fails the query
    // in hand with STORE_UNREACHABLE instead of holding it for ever.
    connectionTimeoutMillis: 15_000,
    ...(config.applicationName !== undefined ? { application_name: config.applicationName } : {}),
    // `schema` passed checkSchemaName: a plain identifier, safe in the start-up options.
    ...startupOptions(config),
    // bigint columns (times in ms, counts) come back as numbers: all of ours are below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary'
          ? parseInt8
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection that dies (server restart) is dropped by the pool and replaced on the next
  // query; without a listener the 'error' event would crash the process.
  pool.on('error', () => {});
  // So is one in use (pg_terminate_backend, a failover of the database): the pool's listener covers
  // idle clients only, and a checked-out client's 'error' event would crash the process. The query
  // in hand fails with the connection's error (the transaction is not committed), the pool discards
  // the client when it is released (it is no longer queryable), and the next query connects anew.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}

/** The connections' start-up options: the schema's search_path, the idle-in-transaction timeout, no JIT. */
export function startupOptions(config: Pick<PostgresStoreConfig, 'schema' | 'idleInTransactionTimeoutMs'>): { options: string } {
  const parts = [
    ...(config.schema !== undefined ? [`-c search_path=${config.schema}`] : []),
    ...(config.idleInTransactionTimeoutMs !== undefined ? [`-c idle_in_transaction_session_timeout=${Math.max(1, Math.round(config.idleInTransactionTimeoutMs))}`] : []),
    // No JIT compilation: our queries are index lookups and page reads, and one the planner
    // misjudges (or a whole log read by an export) paid 50-200 ms of compiling before its first row.
    '-c jit=off',
  ];
  return { options: parts.join(' ') };
}

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${text} does not fit a JavaScript number`);
  return n;
}

async function currentSchema(pool: pg.Pool): Promise<string> {
  const result = await pool.query<{ schema: string | null }>('select current_schema() as schema');
  const schema = result.rows[0]?.schema;
  if (!schema) throw new Error('the search_path names no existing schema');
  return schema;
}

function checkSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new StoreError('STORE_BAD_INPUT', {
      field: 'schema',
      detail: `"${schema}" is not a lowercase SQL identifier (letters, digits, underscore)`,
    });
  }
}

function unreachable(connectionString: string, error: unknown): StoreError {
  return new StoreError(
    'STORE_UNREACHABLE',
    { backend: 'PostgreSQL', where: redact(connectionString), detail: describe(error) },
    { cause: error },
  );
}

/** The connection string without its password, fit for a log. */
function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable connection string)';
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

/**
 * Kysely's PostgreSQL dialect, with an introspector that looks at the store's own schema only.
 * The Migrator asks the introspector whether its tables exist; Kysely's own one reads every column
 * of every table of every schema and calls has_schema_privilege on each schema's name, which fails
 * with "schema … does not exist" when another application (or another terminal's test) drops a
 * schema meanwhile: a terminal then failed to start on a shared server.
 */
class SchemaScopedDialect extends PostgresDialect {
  constructor(
    config: ConstructorParameters<typeof PostgresDialect>[0],
    private readonly schema: string,
  ) {
    super(config);
  }

  override createIntrospector(db: Kysely<any>): DatabaseIntrospector { // eslint-disable-line @typescript-eslint/no-explicit-any
    return new SchemaIntrospector(db, this.schema);
  }
}

class SchemaIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
    private readonly schema: string,
  ) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const r = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace where nspname = ${this.schema}`.execute(this.db);
    return r.rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const r = await sql<{ name: string; kind: string }>`select c.relname as name, c.relkind as kind from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where n.nspname = ${this.schema} and c.relkind in ('r', 'p', 'v', 'm', 'f')`.execute(this.db);
    return r.rows.map((t) => ({ name: t.name, schema: this.schema, isView: t.kind === 'v' || t.kind === 'm', columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

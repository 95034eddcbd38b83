/**
 * Stable error codes of the store, declared with the protocol's registry mechanism: codes with
 * messages worded for the person who has to act. HTTP mapping happens at the edge
 * (src/terminal/errors.ts); docs/errors.md documents every code.
 */
import { defineErrors, type CodeOf, RegisteredError, type ErrorDetails } from '../protocol/index.js';

/** Every store error code with its message template. `{name}` placeholders come from details. */
export const STORE_ERRORS = defineErrors('store', {
  STORE_UNREACHABLE: {
    message:
      'Cannot connect to {backend} at {where}: {detail}. Check that the database server is running and that the connection string is right.',
  },
  STORE_MIGRATION_FAILED: {
    message:
      'Upgrading the {backend} database failed at migration {migration}: {detail}. Nothing after it was applied; restore the backup or fix the cause and start again.',
  },
  STORE_NEWER_SCHEMA: {
    message:
      'This {backend} database was upgraded by a newer version of Hotline: it has migration {migration}, which this version does not know. Run that version or a later one, or restore the backup made before the upgrade; nothing was changed.',
  },
  STORE_LOCKED: {
    message:
      'Another terminal already runs on {where}: {holder}. Two terminals on one database would both sign, and the peers would record that as equivocation against your party. Stop it first: `hotline doctor`, `hotline repair` and `hotline restore` run only on a stopped terminal, and a second terminal needs its own data directory.',
  },
  STORE_FENCED: {
    message:
      'This terminal process is no longer the active instance of its party (fencing token {token}; the database holds {current}); nothing was written. Another instance took over: send to the active one.',
  },
  STORE_LOCK_LOST: {
    message:
      'This terminal lost its lock on its database ({reason}): a second terminal could start on the same database and sign with the same numbers, so nothing is signed until the lock is taken again (tried every 2 s). Nothing was written; send again in a moment. If it lasts, look at the database server (restarted, failed over, or a session ended by an operator).',
  },
  STORE_LOG_DIVERGED: {
    message:
      'The database and this process\'s log in memory disagree at {where}: another instance of the party wrote there, a commit whose answer was lost did land, or the entry follows one whose commit failed; nothing was written. The channel is reloaded from the database: send again.',
  },
  STORE_BAD_INPUT: {
    message: 'The store refused {field}: {detail}. This is a bug in the caller; nothing was written.',
  },
  STORE_BUSY: {
    message:
      'The {backend} database is busy with another writer ({detail}); nothing was written. Retry in a moment; if it lasts, look for another process holding the database.',
  },
  STORE_CONFLICT: {
    message:
      'The {backend} database refused the write because it conflicts with a stored row ({detail}); nothing was written. Reload and try again.',
  },
  STORE_FULL: {
    message:
      'The {backend} database has no room left ({detail}); nothing was written. Free disk space on the database host, then retry.',
  },
  STORE_DAMAGED: {
    message:
      'The {backend} database at {where} cannot be read ({detail}): it is damaged beyond what `hotline repair` mends, and nothing was written to it. Keep the damaged file for analysis, then restore the database from a backup (docs/operations.md "Backup and restore"): the peers give back what they hold of its channels.',
  },
});

/** A stable store error code. */
export type StoreErrorCode = CodeOf<typeof STORE_ERRORS>;

/** Details that fill the message template and stay available to machines. */
export type StoreErrorDetails = ErrorDetails;

/** An error raised by the store, carrying its stable `code` and `details`. */
export class StoreError extends RegisteredError<StoreErrorCode> {
  constructor(code: StoreErrorCode, details: StoreErrorDetails = {}, options?: { readonly cause?: unknown }) {
    super(STORE_ERRORS, code, details, options);
    this.name = 'StoreError';
  }
}

/** SQLite result codes (better-sqlite3's `code`) and the store code each stands for. */
const SQLITE_CODES: ReadonlyArray<readonly [RegExp, StoreErrorCode]> = [
  [/^SQLITE_(BUSY|LOCKED)/, 'STORE_BUSY'],
  [/^SQLITE_CONSTRAINT/, 'STORE_CONFLICT'],
  [/^SQLITE_FULL/, 'STORE_FULL'],
  [/^SQLITE_(CORRUPT|NOTADB)/, 'STORE_DAMAGED'], // "database disk image is malformed", "file is not a database"
];

/** PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html) and the store code each stands for. */
const PG_CODES: ReadonlyArray<readonly [RegExp, StoreErrorCode]> = [
  [/^(40001|40P01|55P03)$/, 'STORE_BUSY'], // serialization failure, deadlock, lock not available
  [/^23/, 'STORE_CONFLICT'], // integrity constraint violation
  [/^(53100|53200)$/, 'STORE_FULL'], // disk full, out of memory
  [/^(08|57P0[1-3])/, 'STORE_UNREACHABLE'], // connection exception, server shutting down
  [/^XX00[12]$/, 'STORE_DAMAGED'], // data corrupted, index corrupted
];

/**
 * node-postgres's and Kysely's messages for a connection that ended or could not be made: they
 * carry no SQLSTATE, and their words are theirs alone (a socket error of another client, a peer
 * link or a mail server, is never taken for the database's).
 */
const PG_CONNECTION_LOST = /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|Postgres connection has been discarded)/;

/**
 * The StoreError a thrown value stands for: itself if it is one, or the store code of a database
 * driver's error (busy, constraint, full, connection lost); undefined for anything else. The edge
 * calls it so that a database failure answers with its own code, not a generic internal error.
 * Only the drivers' own error shapes are recognised (better-sqlite3's SqliteError, pg's
 * DatabaseError with its severity), so a socket error of some other client is never taken for one.
 */
export function storeErrorOf(error: unknown): StoreError | undefined {
  if (error instanceof StoreError) return error;
  if (!(error instanceof Error)) return undefined;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  // The PostgreSQL client's own errors when its connection ends or cannot be made (a server
  // restart, a failover, pg_terminate_backend, the network): the database is unreachable for
  // now, which is not a bug of the caller's.
  if (PG_CONNECTION_LOST.test(error.message))
    return new StoreError('STORE_UNREACHABLE', { backend: 'PostgreSQL', where: 'the configured server', detail: error.message.split('\n')[0]!.slice(0, 200) }, { cause: error });
  if (typeof code !== 'string') return undefined;
  const sqlite = error.name === 'SqliteError' && code.startsWith('SQLITE_');
  const pg = typeof severity === 'string' && /^[0-9A-Z]{5}$/.test(code);
  if (!sqlite && !pg) return undefined;
  const match = (sqlite ? SQLITE_CODES : PG_CODES).find(([pattern]) => pattern.test(code));
  if (!match) return undefined;
  const detail = `${code}: ${error.message.split('\n')[0]!.slice(0, 200)}`;
  return new StoreError(
    match[1],
    { backend: sqlite ? 'SQLite' : 'PostgreSQL', where: 'the configured database', detail },
    { cause: error },
  );
}

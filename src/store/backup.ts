/**
 * The SQLite side of `hotline backup` and `hotline restore` (docs/operations.md "Backup and
 * restore"): SQLite's online backup of a running terminal's database, and what a copy holds.
 *
 * The copy is made page by page (better-sqlite3's `backup()`, SQLite's backup API), between turns
 * of the event loop, from a connection that holds one read transaction from the first page to the
 * last: in WAL mode that is a fixed snapshot, so the copy is consistent and the terminal's commits
 * meanwhile (another process) neither block it nor restart it. The terminal's checkpoints cannot
 * pass that snapshot until the copy ends; its WAL grows meanwhile and shrinks at the next one.
 */
import Database from 'better-sqlite3';
import { migrations } from './migrations.js';
import { sqliteAdapter } from './sqlite.js';

/** Pages copied per step of the online backup (8 KiB pages: 8 MiB a step). */
export const BACKUP_PAGES_PER_STEP = 1024;

/** Copies the SQLite database `from` (which a terminal may be writing) into the SQLite file `to`, consistently. */
export async function copySqliteOnline(from: string, to: string, onProgress?: (done: number, total: number) => void): Promise<void> {
  const source = new Database(from, { fileMustExist: true });
  try {
    // Another process holds the write lock for a moment at most (the terminal's commits).
    source.pragma('busy_timeout = 5000');
    source.exec('begin');
    // A first read starts the transaction: its snapshot is what the copy holds.
    source.prepare('select count(*) from sqlite_master').get();
    const done = await source.backup(to, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        return BACKUP_PAGES_PER_STEP;
      },
    });
    onProgress?.(done.totalPages, done.totalPages);
    source.exec('commit');
  } finally {
    source.close();
  }
}

/** What a SQLite file holds, as far as a backup or a restore needs to know. */
export interface SqliteCopySummary {
  /** The engine's full check (`PRAGMA integrity_check`): its problems, none when sound. */
  readonly problems: readonly string[];
  /** Whether it has the tables of a Hotline database (meta, channels, entries and the migrations' record). */
  readonly hotline: boolean;
  /** The last migration it records (its schema version), if any. */
  readonly schema: string | undefined;
  /** Migrations it records that this version of Hotline does not know (a newer version wrote it). */
  readonly unknownMigrations: readonly string[];
  readonly channels: number;
  readonly entries: number;
  /** Entries signed by `party`, channels it proposed, and charters naming it. */
  readonly ownEntries: number;
  readonly channelsNamingParty: number;
  /** Whether `party` is among the file's peers: then it is a peer's database, not this party's. */
  readonly partyIsPeer: boolean;
}

/**
 * Opens the SQLite file `path` (which no one else uses) and reads what it holds; `party` is the
 * key of the party whose database it should be. Switches the file to a rollback journal first
 * (`journalMode: 'delete'`) when asked, so that the copy is one self-contained file. Throws the
 * driver's error (SQLITE_NOTADB, SQLITE_CORRUPT) for a file SQLite cannot read at all.
 */
export function inspectSqliteFile(path: string, party: string, options: { journalMode?: 'delete' } = {}): SqliteCopySummary {
  const db = new Database(path, { fileMustExist: true });
  try {
    if (options.journalMode === 'delete') db.pragma('journal_mode = DELETE');
    const problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).filter((r) => r !== 'ok');
    const tables = new Set((db.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
    const hotline = ['meta', 'peers', 'channels', 'entries', 'kysely_migration'].every((t) => tables.has(t));
    if (!hotline) return { problems, hotline, schema: undefined, unknownMigrations: [], channels: 0, entries: 0, ownEntries: 0, channelsNamingParty: 0, partyIsPeer: false };
    const count = (query: string, ...params: unknown[]) => (db.prepare(query).get(...params) as { n: number }).n;
    const applied = (db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((r) => r.name);
    const known = new Set(Object.keys(migrations(sqliteAdapter)));
    const charters = db.prepare('select proposer, charter from channels').all() as Array<{ proposer: string; charter: string }>;
    return {
      problems,
      hotline,
      schema: applied.at(-1),
      unknownMigrations: applied.filter((m) => !known.has(m)),
      channels: charters.length,
      entries: count('select count(*) as n from entries'),
      ownEntries: count('select count(*) as n from entries where author = ?', party),
      channelsNamingParty: charters.filter((c) => c.proposer === party || namesParty(c.charter, party)).length,
      partyIsPeer: count('select count(*) as n from peers where party = ?', party) > 0,
    };
  } finally {
    db.close();
  }
}

/** Whether a stored charter (JSON text) lists `party` among its parties. */
function namesParty(charter: string, party: string): boolean {
  try {
    const parties = (JSON.parse(charter) as { parties?: Array<{ party?: unknown }> }).parties;
    return Array.isArray(parties) && parties.some((p) => p?.party === party);
  } catch {
    return false;
  }
}

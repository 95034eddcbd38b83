/**
 * The first part of a terminal's start (terminal.ts): the database under the terminal lock, the
 * check workers, the start-up storage check, the escalation settings and the officer token.
 */
import type { Logger } from 'pino';
import { acquireTerminalLock, openStore, SQLITE_SYNCHRONOUS, type SqliteSynchronous } from '../store/index.js';
import { entryChecker } from './channels/check-pool.js';
import { EscalationSettingsFiles } from './escalation/settings-files.js';
import { wholeSetting } from './env-settings.js';
import { TerminalError } from './errors.js';
import type { TerminalIdentity } from './identity/index.js';
import { refuseDamagedStorage, refuseEmptyDatabase } from './integrity/doctor.js';
import { metricsToken, officerToken } from './identity/officer-token.js';
import type { StartupTimings } from './startup-timings.js';
import type { ActiveInstance } from './terminal.js';

/** Steps to undo in reverse order (terminal.ts Teardown). */
export interface TeardownSteps {
  add(step: () => unknown): void;
}

/** The database (under the terminal lock), the check workers and the escalation settings. */
export async function openData(identity: TerminalIdentity, log: Logger, down: TeardownSteps, ha: ActiveInstance | undefined, timings: StartupTimings) {
  // HOTLINE_SQLITE_SYNCHRONOUS: full-async (default), full (both durable), or normal, which trades
  // power-cut durability for latency (docs/operations.md "Durability").
  const sync = sqliteSynchronous(process.env.HOTLINE_SQLITE_SYNCHRONOUS);
  const workers = checkWorkers(process.env.HOTLINE_CHECK_WORKERS);
  // HOTLINE_SQLITE_MAX_BYTES: a cap on the database file (docs/operations.md "Disk full").
  const maxBytes = wholeSetting(process.env.HOTLINE_SQLITE_MAX_BYTES, { name: 'HOTLINE_SQLITE_MAX_BYTES', unit: 'bytes', min: 1, fallback: undefined });
  // pg_stat_activity names the connections by process (and instance), for the operator.
  const config = identity.database.kind === 'sqlite' ? { ...identity.database, synchronous: sync, ...(maxBytes ? { maxBytes } : {}) } : { ...identity.database, applicationName: `hotline:${process.pid}${ha ? `:${ha.instance}` : ''}`, ...(ha ? { idleInTransactionTimeoutMs: ha.leaseMs } : {}) };
  // One terminal process per database: a second one would sign with the same sequence numbers.
  // A highly available party has several, of which the lease holder alone commits (fenced below).
  const lock = ha ? undefined : await acquireTerminalLock(config);
  timings.mark('terminal lock');
  if (lock) down.add(() => lock.release());
  // Received entries' signatures are checked on worker threads (HOTLINE_CHECK_WORKERS, default one
  // per core; 0 keeps them on the main thread). Threads start while the store opens and the channel
  // logs load: a terminal coming back to a backlog uses them at once.
  const checker = entryChecker(workers, (e) => log.error({ err: (e as Error).message }, 'entry check workers failed; checking on the main thread'));
  down.add(() => checker.close());
  checker.warm();
  timings.mark('check workers');
  // A zero-length database in place of a terminal's data, and damaged entries or rows, stop the
  // start with the recovery to run (#14 A2, integrity/doctor.ts).
  await refuseEmptyDatabase(identity);
  const store = await openStore(config);
  timings.mark('store open and migrations');
  down.add(() => store.close());
  // An upgrade: the operator sees what it did to the database (docs/operations.md "Upgrading").
  // A new database (its first start) is no news: at debug level, as the start-up timings.
  const run = store.migrationsRun;
  if (run[0] === '0001_initial') log.debug({ migrations: run }, `database created at schema ${run.at(-1)}`);
  else if (run.length > 0) log.info({ migrations: run }, `database migrated to ${run.at(-1)} (${run.length} migration(s) run: ${run.join(', ')})`);
  if (ha) store.fenceWrites(ha.token);
  // The whole check reads every entry: a highly available party runs it with `hotline doctor`, not
  // on each failover (docs/operations.md "High availability").
  // Its signatures are verified on the check workers, started above: every core at once.
  else if ((await refuseDamagedStorage(store, identity, timings, checker)).engineCheckSkipped) log.info('database larger than 256 MiB: its engine check is left to `hotline doctor` (docs/operations.md "Damaged storage")');
  // Escalation policies and roster: a bad file stops the start with an error naming the field.
  const escalationFiles = await EscalationSettingsFiles.load(identity.dir, { smtp: !!identity.config.smtp });
  const token = await officerToken(identity.dir);
  const scrapeToken = await metricsToken(identity.dir);
  timings.mark('escalation settings, officer token');
  return { store, checker, escalationFiles, lock, token, metricsToken: scrapeToken };
}

/** HOTLINE_SQLITE_SYNCHRONOUS: one of SQLITE_SYNCHRONOUS, or unset for full-async (durable as FULL, sqlite-durable.ts). */
function sqliteSynchronous(value: string | undefined): SqliteSynchronous {
  if (value === undefined || value.trim() === '') return 'full-async';
  const mode = SQLITE_SYNCHRONOUS.find((m) => m === value.trim().toLowerCase());
  if (!mode) throw new TerminalError('BAD_REQUEST', { detail: `HOTLINE_SQLITE_SYNCHRONOUS must be one of ${SQLITE_SYNCHRONOUS.join(', ')}, not "${value}".` });
  return mode;
}

/** HOTLINE_CHECK_WORKERS: a whole number of threads, or unset for the default. */
function checkWorkers(value: string | undefined): number | undefined {
  return wholeSetting(value, { name: 'HOTLINE_CHECK_WORKERS', min: 0, max: 64, fallback: undefined });
}

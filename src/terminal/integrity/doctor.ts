/**
 * `hotline doctor` and `hotline repair` (#14 A2), and the start-up check of a terminal: the
 * database must not be a blank file in place of the terminal's data, and the stored entries and
 * their projections must agree (storage-check.ts). Doctor and repair work on a stopped terminal:
 * they take the terminal lock, so a running terminal is named instead of raced.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireTerminalLock, openStore, thisProcess, type Store } from '../../store/index.js';
import { TerminalError } from '../errors.js';
import { exists } from '../identity/files.js';
import { forgetOwnFork } from '../channels/own-heads.js';
import type { TerminalIdentity } from '../identity/index.js';
import { checkStorage, repairStorage, type RepairOutcome, type StorageCheckOptions, type StorageProblem, type StorageReport } from './storage-check.js';

/** Entries per author and message rows per channel checked in full at start-up (doctor checks all). */
export const START_CHECK_TAIL = 1000;

/** Largest database whose engine check (SQLite quick_check reads the whole file) runs at start-up. */
export const START_ENGINE_CHECK_BYTES = 256 * 2 ** 20;

/** The file created at a terminal's first start (terminal.ts TOKEN_FILE): it has run before. */
const FIRST_START_MARK = 'officer.token';

/**
 * Refuses a SQLite database file of zero length in the data directory of a terminal that has run
 * before: a blank terminal (no peers, no channels, ready) in place of its data would be worse than
 * none (STORAGE_EMPTY, with the recovery to follow).
 */
export async function refuseEmptyDatabase(identity: TerminalIdentity): Promise<void> {
  const db = identity.database;
  if (db.kind !== 'sqlite' || db.path === ':memory:') return;
  const size = await stat(db.path).then((s) => s.size, () => undefined);
  if (size === 0 && (await exists(join(identity.dir, FIRST_START_MARK)))) throw new TerminalError('STORAGE_EMPTY', { path: db.path, dir: identity.dir });
}

/** The start-up check: refuses to start (STORAGE_DAMAGED, naming the recovery command) on any problem. */
export async function refuseDamagedStorage(store: Store, identity: TerminalIdentity, timings?: { mark(phase: string): void }, checker?: StorageCheckOptions['checker']): Promise<StorageReport> {
  const report = await checkStorage(store, { tail: START_CHECK_TAIL, engineCheckUpToBytes: START_ENGINE_CHECK_BYTES, ...(timings ? { mark: (p: string) => timings.mark(p) } : {}), ...(checker ? { checker } : {}) });
  if (report.problems.length) throw damaged(report.problems, identity.dir);
  return report;
}

function damaged(problems: readonly StorageProblem[], dir: string): TerminalError {
  return new TerminalError('STORAGE_DAMAGED', { count: problems.length, first: describeProblem(problems[0]!), dir });
}

/** One line naming a problem and where it is. */
export function describeProblem(p: StorageProblem): string {
  const where = p.channel ? ` (channel ${p.channel.slice(0, 12)}${p.author ? `, author ${p.author.slice(0, 8)}, seq ${p.seq}` : ''})` : '';
  return `${p.kind}${where}: ${p.detail}`;
}

/** Options of {@link doctor} and {@link repair}. */
export interface DoctorOptions {
  readonly onProgress?: (done: number, total: number, channel: string) => void;
}

/** Checks everything of a stopped terminal's storage. */
export async function doctor(identity: TerminalIdentity, options: DoctorOptions = {}): Promise<StorageReport> {
  return withStore(identity, 'hotline doctor', (store) => checkStorage(store, { onProgress: options.onProgress }));
}

/** Checks, repairs what can be repaired from the entries, and checks again. */
export async function repair(identity: TerminalIdentity, options: DoctorOptions = {}): Promise<{ before: StorageReport; outcome: RepairOutcome; after: StorageReport }> {
  return withStore(identity, 'hotline repair', async (store) => {
    const before = await checkStorage(store, { onProgress: options.onProgress });
    const outcome = await repairStorage(store, before.problems);
    const after = await checkStorage(store);
    return { before, outcome, after };
  });
}

/**
 * `hotline repair --forked CHANNEL --from N` (terminal stopped): this terminal's own log of a
 * channel forked at #N (CHANNEL_OWN_LOG_FORKED, docs/operations.md "Backup and restore"). Its own
 * entries from #N on, which no peer took, are removed with their rows, and the fork is forgotten
 * in `own-heads.json`; that file still remembers the higher number, so at the next start the terminal waits for every peer to say what
 * it holds and fetches the peers' copies back before signing there again.
 */
export async function repairForked(identity: TerminalIdentity, channelOrPrefix: string, fromSeq: number): Promise<{ channel: string; removed: number }> {
  return withStore(identity, 'hotline repair --forked', async (store) => {
    const ids = (await store.listChannels()).map((c) => c.id).filter((id) => id.startsWith(channelOrPrefix.toLowerCase()));
    if (ids.length === 0) throw new TerminalError('CHANNEL_NOT_FOUND', { channel: channelOrPrefix });
    if (ids.length > 1) throw new TerminalError('CHANNEL_AMBIGUOUS', { channel: channelOrPrefix });
    const channel = ids[0]!;
    const removed = await store.removeEntriesFrom(channel, identity.party, fromSeq);
    // The hard stop remembered across restarts is lifted: the next start fetches the peers' copies.
    await forgetOwnFork(identity.dir, channel);
    return { channel, removed };
  });
}

async function withStore<T>(identity: TerminalIdentity, what: string, fn: (store: Store) => Promise<T>): Promise<T> {
  await refuseEmptyDatabase(identity);
  const lock = await acquireTerminalLock(identity.database);
  try {
    await lock.describe(thisProcess(what, Date.now()));
    const store = await openStore(identity.database);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    await lock.release();
  }
}

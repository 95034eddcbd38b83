/**
 * `hotline doctor` and `hotline repair` (#14 A2), and the start-up check of a terminal: the
 * database must not be a blank file in place of the terminal's data, and the stored entries and
 * their projections must agree (storage-check.ts). Doctor and repair work on a stopped terminal:
 * they take the terminal lock, so a running terminal is named instead of raced.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireTerminalLock, Leadership, openStore, StoreError, thisProcess, type Store } from '../../store/index.js';
import { TerminalError } from '../errors.js';
import { exists } from '../identity/files.js';
import { forgetOwnFork, rememberOwnHead } from '../channels/own-heads.js';
import type { Head } from '../../protocol/index.js';
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
    const heads = await store.heads(channel);
    const own = heads[identity.party]?.seq ?? 0;
    if (own < fromSeq) {
      // Nothing from #N on (removed by an earlier run): the remembered stop is lifted all the same.
      await forgetOwnFork(identity.dir, channel);
      return { channel, removed: 0 };
    }
    await refuseHeldOwnEntries(store, channel, identity.party, fromSeq, heads);
    // Whatever own-heads.json said, the next start waits for every peer and fetches back what one
    // holds of the removed numbers (one that took an entry whose receipt never arrived here).
    await rememberOwnHead(identity.dir, channel, own);
    const removed = await store.removeEntriesFrom(channel, identity.party, fromSeq);
    // The hard stop remembered across restarts is lifted: the next start fetches the peers' copies.
    await forgetOwnFork(identity.dir, channel);
    return { channel, removed };
  });
}

/**
 * The guard of `hotline repair --forked`: own entries a peer is known to hold are never removed
 * (that would fork this terminal's own log: the peers would refuse every later entry, and keep two
 * versions signed by this party). Heads never go back (docs/protocol.md §7), so each other
 * party's last entry names the furthest own entry that party has seen; when it names #M (M at
 * or after `fromSeq`) with the hash this database holds at #M, that party holds #1..#M as they are
 * here, and the removal is refused (REPAIR_OWN_ENTRIES_HELD). Another hash there is a fork (the
 * party holds other entries at those numbers, CHANNEL_OWN_LOG_FORKED): removing ours is the repair.
 */
export async function refuseHeldOwnEntries(store: Store, channel: string, self: string, fromSeq: number, heads: Readonly<Record<string, Head>>): Promise<void> {
  for (const [party, head] of Object.entries(heads)) {
    if (party === self) continue;
    const last = await store.getEntry(channel, party, head.seq);
    if (!last) continue;
    const cited = (JSON.parse(last.raw) as { heads?: Record<string, Head> }).heads?.[self];
    if (!cited || cited.seq < fromSeq) continue;
    const ours = await store.getEntry(channel, self, cited.seq);
    if (ours?.hash !== cited.hash) continue;
    const code = (await store.getPeer(party))?.code ?? party.slice(0, 8);
    throw new TerminalError('REPAIR_OWN_ENTRIES_HELD', {
      peer: code,
      channel: channel.slice(0, 12),
      held: cited.seq,
      peerSeq: head.seq,
      from: fromSeq,
      hint: `Those entries are part of the record: give --from ${cited.seq + 1} or later to remove only entries no peer is known to hold (if their clock ran ahead, they are the ones dated after now: \`hotline status\` and the alarm CLOCK_BEHIND_LOG name the first).`,
    });
  }
}

async function withStore<T>(identity: TerminalIdentity, what: string, fn: (store: Store) => Promise<T>): Promise<T> {
  await refuseEmptyDatabase(identity);
  const lock = await acquireTerminalLock(identity.database);
  try {
    await lock.describe(thisProcess(what, Date.now()));
    const store = await openStore(identity.database);
    try {
      await refuseActiveInstance(identity);
      return await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    await lock.release();
  }
}

/**
 * The instances of a highly available party (docs/operations.md "High availability") share one
 * PostgreSQL schema and hold no terminal lock: leadership is a lease. Doctor and repair work on a
 * stopped terminal, so a lease held now by a connected instance refuses them (STORE_LOCKED, naming
 * it), as the terminal lock refuses them beside a running single terminal.
 */
async function refuseActiveInstance(identity: TerminalIdentity): Promise<void> {
  const db = identity.database;
  if (db.kind !== 'postgres') return;
  const leadership = await Leadership.connect(db);
  try {
    const lease = await leadership.lease().catch(() => undefined); // no lease table: never highly available
    if (lease && lease.holderConnected && lease.expiresAt > lease.now)
      throw new StoreError('STORE_LOCKED', { where: `the PostgreSQL schema ${db.schema ?? 'public'}`, holder: `instance ${lease.instance} (${lease.holder}), active since ${new Date(lease.since).toISOString()}` });
  } finally {
    await leadership.close();
  }
}

/**
 * The terminal lock on PostgreSQL is a session advisory lock held by one connection: when that
 * connection ends (a server restart, a failover, `pg_terminate_backend`), the lock is gone and a
 * second terminal could start on the same database. The lock hears it (`lost`), takes the lock
 * again (`regained`), or names the process that took it meanwhile (`taken`); the terminal's guard
 * refuses appends of entries meanwhile (STORE_LOCK_LOST) and raises the alarms.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireTerminalLock, dropSchema, openStore, storeErrorOf, thisProcess, type LockChange, type StoreConfig, type TerminalLock } from '../../src/store/index.js';
import { ManualClock } from '../../src/terminal/clock.js';
import { LockGuard } from '../../src/terminal/lock-guard.js';
import { PG_URL } from './backends.js';

const schema = `hotline_lock_${randomBytes(4).toString('hex')}`;
const config: StoreConfig = { kind: 'postgres', connectionString: PG_URL, schema };
const held: TerminalLock[] = [];

afterEach(async () => {
  for (const l of held.splice(0)) await l.release();
  await dropSchema(PG_URL, schema);
});

/** Ends the server session holding this schema's terminal lock, as an operator or a failover would. */
async function terminateLockHolder(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    const r = await admin.query<{ n: number }>(
      `select count(pg_terminate_backend(pid))::int as n from pg_locks where locktype = 'advisory' and classid = $1 and objid = hashtext($2)::oid and granted`,
      [0x484c, `terminal:${schema}`],
    );
    expect(r.rows[0]!.n).toBe(1);
  } finally {
    await admin.end();
  }
}

/** The next change the lock reports. */
function next(changes: LockChange[], type: LockChange['type']): Promise<LockChange> {
  return new Promise((resolve) => {
    const poll = () => {
      const found = changes.find((c) => c.type === type);
      if (found) resolve(found);
      else setTimeout(poll, 20);
    };
    poll();
  });
}

describe('the terminal lock on PostgreSQL', () => {
  it('hears its connection ended, takes the lock again, and a second terminal is refused again after', async () => {
    const lock = await acquireTerminalLock(config);
    held.push(lock);
    await lock.describe(thisProcess('officer API 127.0.0.1:1', Date.now()));
    const changes: LockChange[] = [];
    lock.watch((c) => changes.push(c));

    await terminateLockHolder();
    expect(await next(changes, 'lost')).toMatchObject({ type: 'lost', reason: expect.stringMatching(/terminat|ended/) });
    await next(changes, 'regained');
    // Held again: a second terminal on the same database is refused, naming the first.
    await expect(acquireTerminalLock(config)).rejects.toThrow(/Another terminal already runs on PostgreSQL schema .*officer API 127\.0\.0\.1:1/);
  });

  it('names the process that took the lock while it was lost, and takes it back once that one stops', async () => {
    const lock = await acquireTerminalLock(config);
    held.push(lock);
    const changes: LockChange[] = [];
    lock.watch((c) => changes.push(c));
    await terminateLockHolder();
    await next(changes, 'lost');
    // A second terminal starts in the gap (before the first takes the lock back).
    const second = await acquireTerminalLock(config).catch(() => undefined);
    if (!second) return void expect(changes.map((c) => c.type)).toContain('regained'); // the first was quicker: nothing to see
    await second.describe(thisProcess('officer API 127.0.0.1:2', Date.now()));
    expect(await next(changes, 'taken')).toMatchObject({ type: 'taken', holder: expect.stringContaining('officer API 127.0.0.1:2') });
    await second.release();
    await next(changes, 'regained');
  });
});

describe('the lock guard', () => {
  it('refuses appends of entries while the lock is lost, with alarms on both edges', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    let listener!: (c: LockChange) => void;
    const fake: TerminalLock = { describe: async () => {}, release: async () => {}, watch: (l) => void (listener = l) };
    const alarms: string[] = [];
    const clock = new ManualClock(1_000);
    const guard = new LockGuard({ lock: fake, store, events: { emit: (e) => void (e.type === 'alarm' && alarms.push(e.code)) }, clock, log: { warn: () => {}, error: () => {} } });
    const row = { channel: 'c'.repeat(64), author: 'A'.repeat(43), seq: 1, hash: 'e'.repeat(64), kind: 'message', time: 1, raw: '{}', receivedAt: 1, prev: null };

    listener({ type: 'lost', reason: 'terminating connection due to administrator command' });
    expect(guard.lostSince).toBe(1_000);
    const refused = await store.appendEntries([row]).catch((e: unknown) => e);
    expect(storeErrorOf(refused)?.code).toBe('STORE_LOCK_LOST');
    expect((refused as Error).message).toMatch(/lost its lock on its database \(terminating connection due to administrator command\).*nothing is signed until the lock is taken again/);
    expect(await store.getEntry(row.channel, row.author, 1)).toBeUndefined();

    listener({ type: 'taken', holder: 'process 42 on host' });
    expect(guard.takenBy).toBe('process 42 on host');
    listener({ type: 'regained' });
    expect(guard.lostSince).toBeUndefined();
    await store.appendEntries([row]);
    expect((await store.getEntry(row.channel, row.author, 1))?.hash).toBe(row.hash);
    expect(alarms).toEqual(['TERMINAL_LOCK_LOST', 'TERMINAL_LOCK_TAKEN', 'TERMINAL_LOCK_REGAINED']);
    await store.close();
  });
});

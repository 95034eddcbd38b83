/**
 * A full database (#14 B6): the write fails with STORE_FULL, its real cause, never SQLite's
 * "cannot rollback - no transaction is active"; nothing of the failed write is stored; the log
 * destination drops lines it cannot write instead of killing or freezing the terminal.
 */
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openStore, storeErrorOf, type Store } from '../../src/store/index.js';
import { SafeLogDestination } from '../../src/terminal/log-destination.js';
import { channelId, entry, partyId } from './factories.js';

const dirs: string[] = [];
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('answers STORE_FULL when the database reaches its cap, and stores nothing of that write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-full-'));
  dirs.push(dir);
  store = await openStore({ kind: 'sqlite', path: join(dir, 't.db'), maxBytes: 512 * 1024 });
  const channel = channelId();
  const author = partyId();
  const text = 'x'.repeat(4000);
  let seq = 0;
  let failure: unknown;
  for (let batch = 0; batch < 200 && failure === undefined; batch++) {
    const rows = Array.from({ length: 20 }, () => entry({ channel, author, seq: ++seq, body: { text } }));
    try {
      await store.transaction(async (tx) => {
        await tx.appendEntries(rows);
      });
    } catch (e) {
      failure = e;
      seq -= rows.length;
    }
  }
  expect(failure).toBeDefined();
  expect((failure as Error).message).not.toMatch(/no transaction is active/);
  expect(storeErrorOf(failure)?.code).toBe('STORE_FULL');
  expect(storeErrorOf(failure)?.message).toMatch(/no room left/);
  // The failed transaction left nothing behind; what came before is intact.
  const held = await store.listRawEntries(channel, author, 1, seq + 100);
  expect(held).toHaveLength(seq);
});

it('drops log lines it cannot write (a full disk) and goes on', () => {
  const fd = openSync('/dev/full', 'w');
  try {
    const dest = new SafeLogDestination(fd);
    for (let i = 0; i < 100; i++) expect(dest.write(`{"msg":"line ${i}"}\n`)).toBe(true);
    expect(dest.dropped).toBe(100);
    expect(dest.lastError).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
});

it('a terminal whose database is full says so once (STORE_FULL alarm, readiness) and again when commits succeed', async () => {
  const { TestWing } = await import('../terminal/test-wing.js');
  const { ManualClock } = await import('../../src/terminal/clock.js');
  const { makeParty, T0 } = await import('../../src/testkit/scenario.js');
  const { fingerprint } = await import('../../src/protocol/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'hotline-full-'));
  dirs.push(dir);
  store = await openStore({ kind: 'sqlite', path: join(dir, 'US.db'), maxBytes: 512 * 1024 });
  const us = makeParty('US', { en: 'United States' });
  const cn = makeParty('CN', { en: 'China' });
  const clock = new ManualClock(T0 + 1000);
  const wing = new TestWing({ store, self: { party: us.id, code: us.code, signer: us.terminal, card: us.card }, clock });
  await wing.load();
  await wing.addPeer(cn.card, fingerprint(cn.id));
  const alarms: string[] = [];
  wing.events.on('alarm', (e) => alarms.push(e.code));
  let refused: unknown;
  for (let i = 0; i < 500 && refused === undefined; i++)
    await wing.propose({ title: { en: `Line ${i}` }, tier: 'military', parties: ['CN'], note: 'n'.repeat(3900) }).catch((e: unknown) => (refused = e));
  expect(storeErrorOf(refused)?.code).toBe('STORE_FULL');
  expect(wing.wing.committer.fullSince).toBe(T0 + 1000);
  await wing.propose({ title: { en: 'Again' }, tier: 'military', parties: ['CN'], note: 'n'.repeat(3900) }).catch(() => undefined);
  expect(alarms.filter((a) => a === 'STORE_FULL')).toHaveLength(1);

  // Room freed by the operator on a quiet terminal (no entry to commit): readiness probes with one
  // small write, at most once nothing has failed for 30 s, and says so when it fits.
  const committer = wing.wing.committer;
  const sqliteFull = () => Object.assign(new Error('database or disk is full'), { name: 'SqliteError', code: 'SQLITE_FULL' });
  let room = false;
  store.setMeta = async () => {
    if (!room) throw sqliteFull();
  };
  await committer.probeWritable();
  expect(committer.fullSince).toBe(T0 + 1000); // too soon after the last failure: no probe
  clock.advance(30_000);
  await committer.probeWritable();
  expect(committer.fullSince).toBe(T0 + 1000); // probed: still full
  room = true;
  await committer.probeWritable();
  expect(committer.fullSince).toBe(T0 + 1000); // that probe's failure counts: 30 s again
  clock.advance(30_000);
  await committer.probeWritable();
  expect(committer.fullSince).toBeUndefined();
  expect(alarms.filter((a) => a === 'STORE_WRITABLE')).toHaveLength(1);
});

/**
 * A terminal offers a peer its own entries only once they are durable. SQLite commits become
 * durable a moment after they are visible (src/store/sqlite-durable.ts); an own entry that reached
 * a peer but not the disk could be sealed again, differently, after a crash of the machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { fingerprint } from '../../src/protocol/index.js';
import { KyselyStore } from '../../src/store/kysely-store.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import type { Database as Schema } from '../../src/store/schema.js';
import { sqliteAdapter } from '../../src/store/sqlite.js';
import { DurableSqliteDialect, WalSync } from '../../src/store/sqlite-durable.js';
import { TestWing } from './test-wing.js';
import { ManualClock } from '../../src/terminal/clock.js';
import { makeParty, T0 } from '../../src/testkit/scenario.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('answers a peer asking for own entries only with those already durable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-durable-relay-'));
  dirs.push(dir);
  const path = join(dir, 'US.db');
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  const db = new Kysely<Schema>({ dialect: new DurableSqliteDialect({ database: raw }, raw, new WalSync(`${path}-wal`)) });
  await migrateToLatest(db, sqliteAdapter);
  // Transactions' syncs complete only when the test says so.
  const gates: Array<() => void> = [];
  const store = new KyselyStore(db, sqliteAdapter, { durability: { sync: () => new Promise<void>((r) => gates.push(r)) } });
  const us = makeParty('US', { en: 'United States' });
  const cn = makeParty('CN', { en: 'China' });
  const service = new TestWing({ store, self: { party: us.id, code: us.code, signer: us.terminal, card: us.card }, clock: new ManualClock(T0 + 1000) });
  await service.load();
  await service.addPeer(cn.card, fingerprint(cn.id));

  const proposing = service.propose({ title: { en: 'Maritime line' }, tier: 'military', parties: ['CN'] });
  while (gates.length === 0) await new Promise((r) => setImmediate(r));
  const [channel] = await store.listChannels();
  expect(await store.listEntries(channel!.id, { author: us.id })).toHaveLength(1); // committed, visible
  expect(await service.entriesFor(channel!.id, us.id, 1, 10)).toEqual([]); // not yet durable

  for (const release of gates.splice(0)) release();
  const view = await proposing;
  expect(view.id).toBe(channel!.id);
  expect(await service.entriesFor(channel!.id, us.id, 1, 10)).toHaveLength(1);
  await store.close();
});

it('shows a received entry while its commit runs, and receipts it only once durable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-durable-relay-'));
  dirs.push(dir);
  // CN's syncs complete only when the test says so while `gated` is set.
  let gated = false;
  const gates: Array<() => void> = [];
  const open = async (name: string) => {
    const path = join(dir, `${name}.db`);
    const raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    const db = new Kysely<Schema>({ dialect: new DurableSqliteDialect({ database: raw }, raw, new WalSync(`${path}-wal`)) });
    await migrateToLatest(db, sqliteAdapter);
    const sync = () => (gated && name === 'CN' ? new Promise<void>((r) => gates.push(r)) : Promise.resolve());
    return new KyselyStore(db, sqliteAdapter, { durability: { sync } });
  };
  const us = makeParty('US', { en: 'United States' });
  const cn = makeParty('CN', { en: 'China' });
  const clock = new ManualClock(T0 + 1000);
  const usStore = await open('US');
  const cnStore = await open('CN');
  const usWing = new TestWing({ store: usStore, self: { party: us.id, code: us.code, signer: us.terminal, card: us.card }, clock });
  const cnWing = new TestWing({ store: cnStore, self: { party: cn.id, code: cn.code, signer: cn.terminal, card: cn.card }, clock });
  await usWing.load();
  await cnWing.load();
  await usWing.addPeer(cn.card, fingerprint(cn.id));
  await cnWing.addPeer(us.card, fingerprint(us.id));

  const view = await usWing.propose({ title: { en: 'Maritime line' }, tier: 'military', parties: ['CN'] });
  const [proposal] = await usWing.entriesFor(view.id, us.id, 1, 1);
  const shown: string[] = [];
  cnWing.events.on('entry', (e) => shown.push(`${e.kind}:${e.own ? 'own' : 'received'}`));

  gated = true;
  const receiving = cnWing.receive([proposal!], us.id);
  while (gates.length === 0) await new Promise((r) => setImmediate(r));
  // Committed, not yet durable: CN's officers see the proposal, CN claims to hold nothing yet.
  expect(shown).toEqual(['charter.propose:received']);
  expect(cnWing.wing.committer.committedSeq(view.id, us.id)).toBe(0);

  gated = false;
  for (const release of gates.splice(0)) release();
  await receiving;
  expect(cnWing.wing.committer.committedSeq(view.id, us.id)).toBe(1);
  await Promise.all([usWing.idle(), cnWing.idle()]);
  await usStore.close();
  await cnStore.close();
});

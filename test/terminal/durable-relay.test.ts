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

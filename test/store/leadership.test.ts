/**
 * Leadership and fencing of a highly available terminal (#19), on the real PostgreSQL: one lease,
 * taken only when free, expired or its holder's connection gone; every commit of entries fenced by
 * the token, so a process that lost the lease can never commit an entry after the takeover, not
 * even one whose transaction was already running (the takeover waits for it).
 */
import pg from 'pg';
import { startupOptions } from '../../src/store/postgres.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Leadership, storeErrorOf, type Store, type StoreConfig } from '../../src/store/index.js';
import { BACKENDS, open, type TestDatabase } from './backends.js';
import { channelId, entry, partyId } from './factories.js';

const postgres = BACKENDS.find((b) => b.name === 'postgres')!;

describe('leadership on PostgreSQL', () => {
  let db: TestDatabase;
  let config: Extract<StoreConfig, { kind: 'postgres' }>;
  const opened: Array<{ close(): Promise<void> }> = [];
  beforeEach(async () => {
    db = await postgres.create();
    config = db.config as typeof config;
    opened.push(await open(config)); // migrations: the lease tables
  });
  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) await o.close();
    await db.remove();
  });
  const connect = async (): Promise<Leadership> => {
    const l = await Leadership.connect(config);
    opened.push(l);
    return l;
  };
  const store = async (): Promise<Store> => {
    const s = await open(config);
    opened.push(s);
    return s;
  };

  it('keeps the newest party card an instance published, for the others to take up (ha_card)', async () => {
    const [a, b] = [await connect(), await connect()];
    expect(await b.card()).toBeUndefined();
    await a.publishCard('{"issued":5}', 5);
    await b.publishCard('{"issued":3}', 3); // an instance with an older card.json does not replace it
    expect(await a.card()).toBe('{"issued":5}');
    await b.publishCard('{"issued":7}', 7);
    expect(await a.card()).toBe('{"issued":7}');
  });

  it('gives the lease to one process at a time, and to another once the holder is gone', async () => {
    const a = await connect();
    const b = await connect();
    expect(await a.lease()).toBeUndefined();
    const first = await a.acquire({ instance: 'a1', holder: 'a1/x', ttlMs: 60_000 });
    expect(first).toMatchObject({ token: 1, failovers: 0, previous: undefined });
    expect(await b.acquire({ instance: 'a2', holder: 'a2/y', ttlMs: 60_000 })).toBeUndefined();
    expect(await b.lease()).toMatchObject({ token: 1, instance: 'a1', holderConnected: true });

    // The holder's connection ends (its process died): the lease is free before it expires.
    await a.close();
    const second = await b.acquire({ instance: 'a2', holder: 'a2/y', ttlMs: 60_000 });
    expect(second).toMatchObject({ token: 2, failovers: 1, previous: 'a1' });
    expect(await a.renew(1, 60_000).catch(() => undefined)).toBeUndefined();
  });

  it('names the backend that holds the lease row when a standby gives up waiting for it (an orphaned transaction)', async () => {
    const a = await connect();
    expect(await a.acquire({ instance: 'a1', holder: 'a1/x', ttlMs: 60_000 })).toBeDefined();
    // A dead instance's backend left inside a transaction holding the row.
    const orphan = new pg.Client({ connectionString: config.connectionString, application_name: 'hotline:4711:db', ...startupOptions({ schema: config.schema }) });
    await orphan.connect();
    opened.push({ close: () => orphan.end() });
    await orphan.query('begin');
    await orphan.query('select * from ha_lease where id = 1 for update');
    const orphanPid = (await orphan.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    await a.close();
    const b = await connect();
    expect(await b.acquire({ instance: 'a2', holder: 'a2/y', ttlMs: 300 })).toBeUndefined();
    expect(b.blockedBy()).toEqual([expect.objectContaining({ pid: orphanPid, applicationName: 'hotline:4711:db', state: 'idle in transaction' })]);
    await orphan.query('rollback');
    expect(await b.acquire({ instance: 'a2', holder: 'a2/y', ttlMs: 60_000 })).toMatchObject({ previous: 'a1' });
    expect(b.blockedBy()).toEqual([]);
  });

  it('gives a never-held lease to one of several processes starting at once, with one token', async () => {
    const all = await Promise.all(Array.from({ length: 6 }, () => connect()));
    const got = await Promise.all(all.map((l, i) => l.acquire({ instance: `i${i}`, holder: `i${i}/x`, ttlMs: 60_000 })));
    const winners = got.filter((g) => g !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ token: 1, failovers: 0, previous: undefined });
  });

  it('lets the lease be taken from a live holder once it expired, and the old holder can no longer renew', async () => {
    const a = await connect();
    const b = await connect();
    const first = (await a.acquire({ instance: 'a1', holder: 'a1/x', ttlMs: 0 }))!;
    const second = await b.acquire({ instance: 'a2', holder: 'a2/y', ttlMs: 60_000 });
    expect(second?.token).toBe(first.token + 1);
    expect(await a.renew(first.token, 60_000)).toBeUndefined();
    expect(await b.renew(second!.token, 60_000)).toBeGreaterThan(0);
    // A clean stop releases it: the other takes it at once.
    await b.release(second!.token);
    expect((await a.acquire({ instance: 'a1', holder: 'a1/z', ttlMs: 60_000 }))?.token).toBe(second!.token + 1);
  });

  it('refuses every commit of entries under an old token, and writes nothing of it', async () => {
    const [a, b] = [await connect(), await connect()];
    const [old, current] = [await store(), await store()];
    const channel = channelId();
    const author = partyId();
    const t1 = (await a.acquire({ instance: 'a1', holder: 'a1/x', ttlMs: 0 }))!.token;
    old.fenceWrites(t1);
    await old.appendEntries([entry({ channel, author, seq: 1 })]);

    const t2 = (await b.acquire({ instance: 'a2', holder: 'a2/y', ttlMs: 60_000 }))!.token;
    current.fenceWrites(t2);
    const refused = await old.appendEntries([entry({ channel, author, seq: 2, body: { text: 'from the old holder' } })]).catch((e: unknown) => e);
    expect(storeErrorOf(refused)?.code).toBe('STORE_FENCED');
    expect(storeErrorOf(refused)?.message).toMatch(/no longer the active instance/);
    await current.appendEntries([entry({ channel, author, seq: 2, body: { text: 'from the new holder' } })]);
    const held = await current.listEntries(channel);
    expect(held.map((e) => e.seq)).toEqual([1, 2]);
    expect(JSON.stringify(held[1])).toContain('from the new holder');
  });

  it('refuses every commit at once, the lease still its own, once the process stepped down (token 0)', async () => {
    const a = await connect();
    const st = await store();
    const channel = channelId();
    const author = partyId();
    st.fenceWrites((await a.acquire({ instance: 'a1', holder: 'a1/s', ttlMs: 60_000 }))!.token);
    await st.appendEntries([entry({ channel, author, seq: 1 })]);
    st.fenceWrites(0);
    const refused = await st.appendEntries([entry({ channel, author, seq: 2 })]).catch((e: unknown) => e);
    expect(storeErrorOf(refused)?.code).toBe('STORE_FENCED');
    expect((await st.listEntries(channel)).map((e) => e.seq)).toEqual([1]);
  });

  it('makes a takeover wait for a commit already running under the old token, and fences the next one', async () => {
    const [a, b] = [await connect(), await connect()];
    const old = await store();
    const channel = channelId();
    const author = partyId();
    const t1 = (await a.acquire({ instance: 'a1', holder: 'a1/x', ttlMs: 0 }))!.token;
    old.fenceWrites(t1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const order: string[] = [];
    const running = old.transaction(async (tx) => {
      await tx.appendEntries([entry({ channel, author, seq: 1 })]);
      entered();
      await gate;
      order.push('old commit');
    });
    await inside;
    const takeover = b.acquire({ instance: 'a2', holder: 'a2/y', ttlMs: 60_000 }).then((l) => {
      order.push('takeover');
      return l;
    });
    // The takeover cannot finish while the fenced transaction holds the row.
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    release();
    await running;
    expect((await takeover)?.token).toBe(t1 + 1);
    expect(order).toEqual(['old commit', 'takeover']);
    const next = await old.appendEntries([entry({ channel, author, seq: 2 })]).catch((e: unknown) => e);
    expect(storeErrorOf(next)?.code).toBe('STORE_FENCED');
    expect((await old.listEntries(channel)).map((e) => e.seq)).toEqual([1]);
  });

  it('does not let a holder paused inside a commit block the takeover: the server ends its idle transaction', async () => {
    const a = await connect();
    const b = await connect();
    const paused = await open({ ...config, idleInTransactionTimeoutMs: 300 });
    opened.push(paused);
    const t1 = (await a.acquire({ instance: 'a1', holder: 'a1/x', ttlMs: 0 }))!.token;
    paused.fenceWrites(t1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const stuck = paused
      .transaction(async (tx) => {
        await tx.appendEntries([entry({ channel: channelId(), author: partyId(), seq: 1 })]);
        entered();
        await gate; // the process is paused here, its transaction open
      })
      .catch((e: unknown) => e);
    await inside;
    const got = await b.acquire({ instance: 'a2', holder: 'a2/y', ttlMs: 10_000 });
    expect(got?.token).toBe(t1 + 1);
    release();
    expect(await stuck).toBeInstanceOf(Error); // its commit never happened
  });

  it('renews the lease without waiting for a commit in flight', async () => {
    const a = await connect();
    const s = await store();
    const t1 = (await a.acquire({ instance: 'a1', holder: 'a1/x', ttlMs: 60_000 }))!.token;
    s.fenceWrites(t1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const running = s.transaction(async (tx) => {
      await tx.appendEntries([entry({ channel: channelId(), author: partyId(), seq: 1 })]);
      entered();
      await gate;
    });
    await inside;
    expect(await a.renew(t1, 60_000)).toBeGreaterThan(0); // would hang here if it waited
    release();
    await running;
  });

  it('lists the instances as they announce themselves', async () => {
    const a = await connect();
    await a.announce({ instance: 'a1', officerUrl: 'http://127.0.0.1:1', federationUrl: 'https://127.0.0.1:2', host: 'h', pid: 1, role: 'active' });
    await a.announce({ instance: 'a2', officerUrl: 'http://127.0.0.1:3', federationUrl: 'https://127.0.0.1:4', host: 'h', pid: 2, role: 'standby' });
    const { instances } = await a.instances();
    expect(instances.map((i) => [i.instance, i.role])).toEqual([['a1', 'active'], ['a2', 'standby']]);
  });
});

it('refuses fencing on SQLite, which has no shared leadership', async () => {
  const sqlite = await BACKENDS[0]!.create();
  const s = await open(sqlite.config);
  try {
    expect(() => s.fenceWrites(1)).toThrow(/PostgreSQL/);
  } finally {
    await s.close();
    await sqlite.remove();
  }
});

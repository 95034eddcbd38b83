/**
 * Per-party receipts in the officer API (messages-routes.ts, escalation-routes.ts): three
 * terminals in one process (US serves the API; CN and XX are its peers) on one ManualClock, own
 * entries delivered by hand to both others. A message to two parties is `receiptedAt` only once
 * both hold it, and `receipts` says which one does and when.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/protocol/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/terminal/clock.js';
import { EscalationSettingsFiles } from '../../src/terminal/escalation/settings-files.js';
import type { Message, Overdue } from '../../src/terminal/officer-api/api-schemas.js';
import { buildOfficerServer } from '../../src/terminal/officer-api/officer-server.js';
import { DrillScheduler } from '../../src/terminal/schedulers/drill-scheduler.js';
import { AuditLog } from '../../src/terminal/officers/audit-log.js';
import { OfficerService } from '../../src/terminal/officers/officer-service.js';
import { makeParty, T0 } from '../../src/testkit/scenario.js';
import { AckSettler } from '../../src/terminal/channels/ack-settler.js';
import { TestWing } from '../terminal/test-wing.js';
import { portsOf } from '../terminal/back-to-back.js';
import { apiPorts, TOKEN } from './fixture.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function threeParties() {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-three-'));
  const clock = new ManualClock(T0 + 1000);
  const parties = [makeParty('US', { en: 'United States' }), makeParty('CN', { en: 'China' }), makeParty('XX', { en: 'Third' })];
  const stores: Store[] = [];
  const wings: TestWing[] = [];
  for (const p of parties) {
    const store = await openStore({ kind: 'sqlite', path: join(dir, `${p.code}.db`) });
    stores.push(store);
    const w = new TestWing({ store, self: { party: p.id, code: p.code, signer: p.terminal, card: p.card }, clock });
    await w.load();
    wings.push(w);
  }
  for (const w of wings) for (const p of parties) if (p.id !== w.self.party) await w.addPeer(p.card, fingerprint(p.id));
  // Deliveries to a party can be held (its line cut) and let through later.
  const cut = new Set<string>();
  const held: Array<{ to: TestWing; run: () => Promise<unknown> }> = [];
  const queue: Array<Promise<unknown>> = [];
  for (const from of wings)
    from.events.on('entry', (e) => {
      if (!e.own) return;
      for (const to of wings) {
        if (to === from) continue;
        const run = () => from.store.getEntry(e.channel, e.author, e.seq).then((row) => to.receive([row!.raw], from.self.party));
        if (cut.has(to.self.code) || cut.has(from.self.code)) held.push({ to, run });
        else queue.push(run());
      }
    });
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r));
      await Promise.all(wings.map((w) => w.idle()));
      while (queue.length) await queue.shift();
    }
  };
  const [us, cn, xx] = wings as [TestWing, TestWing, TestWing];
  const app = await buildOfficerServer({
    ports: apiPorts(us),
    store: us.store,
    token: TOKEN,
    logger: pino({ level: 'silent' }),
    links: () => [],
    defaultOfficer: { name: 'US duty officer', title: 'Duty Officer', role: 'duty-officer' },
    signingKey: () => us.self.signer.publicKey,
    version: 'test',
    officers: new OfficerService(us.store.officers, clock, new AuditLog(us.store.officers, clock), { issuer: 'Hotline US' }),
    operations: { drills: new DrillScheduler(portsOf(us)) },
    escalation: await EscalationSettingsFiles.load(await mkdtemp(join(tmpdir(), 'hotline-officers-')), { smtp: false }),
  });
  cleanups.push(async () => {
    await app.close();
    await settle();
    for (const s of stores) await s.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  const c = await us.propose({ title: { en: 'Three parties' }, tier: 'military', parties: ['CN', 'XX'], linkTestIntervalSec: 3600 });
  await settle();
  await cn.accept(c.id);
  await xx.accept(c.id);
  await settle();
  const get = async <T>(url: string) => (await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } })).json() as T;
  return {
    us, cn, xx, clock, channel: c.id, settle, get,
    cut: (code: string) => void cut.add(code),
    restore: (code: string) => {
      cut.delete(code);
      for (const h of held.splice(0)) queue.push(h.run());
    },
  };
}

describe('receipts per party', () => {
  it('shows which of two parties holds a message, and receiptedAt only once both do', async () => {
    const t = await threeParties();
    t.cut('XX');
    const sent = await t.us.send(t.channel, { text: 'FLASH to CN and XX', lang: 'en', precedence: 'FLASH' });
    await t.settle();
    const shown = async () => (await t.get<Message[]>(`/api/v1/channels/${t.channel}/messages`)).find((m) => m.id === sent.hash)!;
    const before = await shown();
    expect(before.receipts).toEqual([
      { party: t.cn.self.party, code: 'CN', at: expect.any(Number) },
      { party: t.xx.self.party, code: 'XX', at: null },
    ]);
    expect(before.receiptedAt).toBeNull();
    // Overdue at its deadline: the list says who has not received it.
    t.clock.advance(3_600_000);
    const overdue = (await t.get<Overdue[]>('/api/v1/overdue')).find((m) => m.id === sent.hash)!;
    expect(overdue.receiptedAt).toBeNull();
    expect(overdue.receipts?.map((r) => [r.code, r.at === null])).toEqual([['CN', false], ['XX', true]]);

    t.restore('XX');
    await t.settle();
    const after = await shown();
    const cnAt = before.receipts![0]!.at!;
    const xxAt = after.receipts![1]!.at!;
    expect(after.receipts).toEqual([
      { party: t.cn.self.party, code: 'CN', at: cnAt },
      { party: t.xx.self.party, code: 'XX', at: expect.any(Number) },
    ]);
    expect(xxAt).toBeGreaterThan(cnAt);
    expect(after.receiptedAt).toBe(xxAt);
    // A message of CN: addressed to US and XX, each receipting it for itself.
    const theirs = await t.cn.send(t.channel, { text: 'CN to all', lang: 'en', precedence: 'ROUTINE' });
    await t.settle();
    const cnMessage = (await t.get<Message[]>(`/api/v1/channels/${t.channel}/messages`)).find((m) => m.id === theirs.hash)!;
    expect(cnMessage.receipts?.map((r) => r.code)).toEqual(['US', 'XX']);
    expect(cnMessage.receipts?.every((r) => r.at !== null)).toBe(true);
    expect(cnMessage.receiptedAt).toBe(Math.max(...cnMessage.receipts!.map((r) => r.at!)));
    // The OpenAPI document describes them.
    const doc = JSON.stringify(await t.get<unknown>('/openapi.json'));
    expect(doc).toContain('"description":"per party the message is addressed to');
  });

  it('keeps our message unacknowledged until every party it is addressed to has acknowledged it, and says who has not', async () => {
    const t = await threeParties();
    const sent = await t.us.send(t.channel, { text: 'FLASH to CN and XX', lang: 'en', precedence: 'FLASH' });
    await t.settle();
    await t.cn.acknowledge(sent.hash, { name: 'Lt Cdr Wang', title: 'Duty Officer', role: 'duty-officer' });
    await t.settle();
    const shown = async () => (await t.get<Message[]>(`/api/v1/channels/${t.channel}/messages`)).find((m) => m.id === sent.hash)!;
    const one = await shown();
    expect(one.acks?.map((a) => a.code)).toEqual(['CN']);
    expect(one.ackedAt).toBeNull();
    expect(one.ackAwaited).toEqual(['XX']);
    // Its deadline passes: overdue, acknowledged by CN and not by XX.
    t.clock.advance(3_600_000);
    const overdue = (await t.get<Overdue[]>('/api/v1/overdue')).find((m) => m.id === sent.hash)!;
    expect(overdue.acknowledgedBy).toEqual(['CN']);
    expect(overdue.to).toEqual(['CN', 'XX']);
    // A proof made meanwhile carries CN's acknowledgement.
    const proof = await t.get<{ acks: unknown[] }>(`/api/v1/messages/${sent.hash}/proof`);
    expect(proof.acks).toHaveLength(1);
    await t.xx.acknowledge(sent.hash, { name: 'Capt Ivanov', title: 'Duty Officer', role: 'duty-officer' });
    await t.settle();
    const both = await shown();
    expect(both.acks?.map((a) => a.code).sort()).toEqual(['CN', 'XX']);
    expect(both.ackedAt).not.toBeNull();
    expect(both.ackedBy?.code).toBe('XX');
    expect((await t.get<Overdue[]>('/api/v1/overdue')).find((m) => m.id === sent.hash)).toBeUndefined();
    // The proof now carries each party's acknowledgement.
    expect((await t.get<{ acks: unknown[] }>(`/api/v1/messages/${sent.hash}/proof`)).acks).toHaveLength(2);
  });

  it('counts our message as acknowledged once the only party that had not acknowledged it is removed by amendment', async () => {
    const t = await threeParties();
    const settler = new AckSettler({ events: t.us.events, store: t.us.store, directory: t.us.wing.registry, self: t.us.self, now: () => t.clock.now() });
    settler.start();
    cleanups.push(async () => settler.stop());
    const sent = await t.us.send(t.channel, { text: 'FLASH to CN and XX', lang: 'en', precedence: 'FLASH' });
    await t.settle();
    await t.cn.acknowledge(sent.hash, { name: 'Lt Cdr Wang', title: 'Duty Officer', role: 'duty-officer' });
    await t.settle();
    await settler.idle();
    const row = async () => (await t.us.store.listMessages(t.channel)).find((m) => m.hash === sent.hash)!;
    expect((await row()).ackedAt).toBeNull();
    // XX leaves the channel before acknowledging: an amendment every party accepts removes it.
    const charter = t.us.channel(t.channel).state(t.clock.now()).charter;
    await t.us.write(t.channel, 'charter.amend', { charter: { ...charter, parties: charter.parties.filter((p) => p.party !== t.xx.self.party) }, reason: 'XX leaves the talks' });
    await t.settle();
    await t.cn.accept(t.channel);
    await t.settle();
    expect((await row()).ackedAt).toBeNull();
    await t.xx.accept(t.channel);
    await t.settle();
    await settler.idle();
    const after = await row();
    expect(after.ackedAt).not.toBeNull();
    expect(JSON.parse(after.ackedBy!)).toMatchObject({ code: 'CN', officer: { name: 'Lt Cdr Wang' } });
    // The message went to CN and XX: both receipts stay listed, XX's too, once XX has left.
    const listed = (await t.get<Message[]>(`/api/v1/channels/${t.channel}/messages`)).find((m) => m.id === sent.hash)!;
    expect(listed.receipts?.map((r) => r.code)).toEqual(['CN', 'XX']);
    // A message written after XX left goes to CN only.
    const later = await t.us.send(t.channel, { text: 'to CN only now', lang: 'en', precedence: 'ROUTINE' });
    await t.settle();
    expect((await t.get<Message[]>(`/api/v1/channels/${t.channel}/messages`)).find((m) => m.id === later.hash)!.receipts?.map((r) => r.code)).toEqual(['CN']);
    expect((await t.get<Overdue[]>('/api/v1/overdue')).find((m) => m.id === sent.hash)).toBeUndefined();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/protocol/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { ChannelService, type TerminalEvent } from '../../src/terminal/channels/channel-service.js';
import { ManualClock } from '../../src/terminal/clock.js';
import { LinkTester } from '../../src/terminal/schedulers/link-tester.js';
import { makeParty, T0 } from '../../src/testkit/scenario.js';

/** Two terminals in one process, wired back to back: own entries are delivered by hand. */
async function pair() {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-link-'));
  const clock = new ManualClock(T0 + 1000);
  const us = makeParty('US', { en: 'United States' });
  const cn = makeParty('CN', { en: 'China' });
  const stores: Store[] = [];
  const make = async (p: typeof us) => {
    const store = await openStore({ kind: 'sqlite', path: join(dir, `${p.code}.db`) });
    stores.push(store);
    const s = new ChannelService({ store, self: { party: p.id, code: p.code, signer: p.terminal, card: p.card }, clock });
    await s.load();
    return s;
  };
  const a = await make(us);
  const b = await make(cn);
  await a.addPeer(cn.card, fingerprint(cn.id));
  await b.addPeer(us.card, fingerprint(us.id));
  let connected = true;
  const queue: Array<Promise<unknown>> = [];
  // While the link is cut, entries wait (as the sync engine keeps them) and catch up on restore.
  const held: Array<() => Promise<unknown>> = [];
  const wire = (from: ChannelService, to: ChannelService) =>
    from.events.on('event', (e: TerminalEvent) => {
      if (e.type !== 'entry' || !e.own) return;
      const deliver = () => from.store.getEntryByHash(e.hash).then((row) => to.receive([row!.raw], from.self.party));
      if (connected) queue.push(deliver());
      else held.push(deliver);
    });
  wire(a, b);
  wire(b, a);
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r));
      while (queue.length) await queue.shift();
    }
  };
  const cleanup = async () => {
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { a, b, clock, settle, cleanup, cut: () => (connected = false), restore: () => {
      connected = true;
      for (const d of held.splice(0)) queue.push(d());
    } };
}

describe('link tests', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => cleanup?.());

  it('measures round-trip time and offset, and goes degraded then down when echoes stop', async () => {
    const t = await pair();
    cleanup = t.cleanup;
    const channel = await t.a.propose({ title: { en: 'Line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60 });
    await t.settle();
    await t.b.accept(channel.id);
    await t.settle();
    const tester = new LinkTester(t.a);
    const echoer = new LinkTester(t.b);
    tester.start();
    echoer.start();
    const alarms: string[] = [];
    t.a.events.on('event', (e: TerminalEvent) => e.type === 'alarm' && alarms.push(e.code));

    await tester.tick();
    await t.settle();
    let h = tester.health().find((x) => x.code === 'CN')!;
    expect(h.state).toBe('up');
    expect(h.lastRttMs).toBe(0);
    const samples = await t.a.store.listLinkSamples(channel.id, t.b.self.party, 0);
    expect(samples).toHaveLength(1);

    // The peer stops answering: after one missed interval degraded, after three down.
    t.cut();
    t.clock.advance(60_000);
    await tester.tick();
    t.clock.advance(60_000);
    await tester.tick();
    h = tester.health().find((x) => x.code === 'CN')!;
    expect(h.state).toBe('degraded');
    t.clock.advance(120_000);
    await tester.tick();
    h = tester.health().find((x) => x.code === 'CN')!;
    expect(h.state).toBe('down');
    expect(alarms).toEqual(expect.arrayContaining(['LINK_TEST_DEGRADED', 'LINK_TEST_DOWN']));

    // Restored: the next exchange brings it back up, with an alarm saying so.
    t.restore();
    t.clock.advance(60_000);
    await tester.tick();
    await t.settle();
    expect(tester.health().find((x) => x.code === 'CN')!.state).toBe('up');
    expect(alarms).toContain('LINK_TEST_UP');
  });

  it('keeps testing a suspended channel so that a resumption finds a working line', async () => {
    const t = await pair();
    cleanup = t.cleanup;
    const channel = await t.a.propose({ title: { en: 'Line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 10 });
    await t.settle();
    await t.b.accept(channel.id);
    await t.settle();
    await t.b.write(channel.id, 'channel.suspend', { reason: 'consultations' });
    await t.settle();
    expect(t.a.view(channel.id).state).toBe('suspended');
    const tester = new LinkTester(t.a);
    const echoer = new LinkTester(t.b);
    tester.start();
    echoer.start();
    await tester.tick();
    await t.settle();
    expect(tester.health().find((x) => x.code === 'CN')!.state).toBe('up');
  });
});

/**
 * Two terminals (US, CN) in one process, wired back to back on one ManualClock: own entries are
 * delivered to the other side by hand. cut() holds deliveries (as the sync engine would) and
 * restore() delivers them. For scheduler, readiness and metrics tests without sockets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '../../src/protocol/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { TestWing } from './test-wing.js';
import { ManualClock } from '../../src/terminal/clock.js';
import { makeParty, T0 } from '../../src/testkit/scenario.js';

export interface BackToBack {
  a: TestWing;
  b: TestWing;
  clock: ManualClock;
  dir: string;
  /** Lets queued deliveries (and receipts) run to completion. */
  settle(): Promise<void>;
  cut(): void;
  restore(): void;
  /** An active channel between US (a) and CN (b), proposed by US. */
  activeChannel(options?: { linkTestIntervalSec?: number; title?: string; ackDeadlineSec?: { FLASH?: number; IMMEDIATE?: number } }): Promise<string>;
  cleanup(): Promise<void>;
}

/** `options` go to both terminals' TestWing (e.g. receiptSpacingMs). */
export async function backToBack(start = T0 + 1000, options: { receiptSpacingMs?: number; skewOfB?: () => number } = {}): Promise<BackToBack> {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-b2b-'));
  const clock = new ManualClock(start);
  const us = makeParty('US', { en: 'United States' });
  const cn = makeParty('CN', { en: 'China' });
  const stores: Store[] = [];
  const make = async (p: typeof us) => {
    const store = await openStore({ kind: 'sqlite', path: join(dir, `${p.code}.db`) });
    stores.push(store);
    // CN's clock may run off the shared one by skewOfB() ms (a wrong clock on one side).
    const own = p === cn && options.skewOfB ? { now: () => clock.now() + options.skewOfB!() } : clock;
    const s = new TestWing({ store, self: { party: p.id, code: p.code, signer: p.terminal, card: p.card }, clock: own, receiptSpacingMs: options.receiptSpacingMs });
    await s.load();
    return s;
  };
  const a = await make(us);
  const b = await make(cn);
  await a.addPeer(cn.card, fingerprint(cn.id));
  await b.addPeer(us.card, fingerprint(us.id));
  let connected = true;
  const queue: Array<Promise<unknown>> = [];
  const held: Array<() => Promise<unknown>> = [];
  const wire = (from: TestWing, to: TestWing) =>
    from.events.on('entry', (e) => {
      if (!e.own) return;
      const deliver = () => from.store.getEntry(e.channel, e.author, e.seq).then((row) => to.receive([row!.raw], from.self.party));
      if (connected) queue.push(deliver());
      else held.push(deliver);
    });
  wire(a, b);
  wire(b, a);
  // Until both sides have nothing left to write or deliver: commits settle after an fsync on the
  // thread pool, so turns of the event loop alone do not mean the work is done.
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r));
      await Promise.all([a.idle(), b.idle()]);
      while (queue.length) await queue.shift();
    }
  };
  return {
    a,
    b,
    clock,
    dir,
    settle,
    cut: () => (connected = false),
    restore: () => {
      connected = true;
      for (const d of held.splice(0)) queue.push(d());
    },
    async activeChannel(options = {}) {
      const c = await a.propose({ title: { en: options.title ?? 'Maritime line' }, tier: 'military', parties: ['CN'], linkTestIntervalSec: options.linkTestIntervalSec ?? 60, ...(options.ackDeadlineSec ? { ackDeadlineSec: options.ackDeadlineSec } : {}) });
      await settle();
      await b.accept(c.id);
      await settle();
      return c.id;
    },
    async cleanup() {
      await settle();
      for (const s of stores) await s.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The ports of a channel wing, as the composition root hands them to the schedulers (named as
 * their options name them).
 */
export function portsOf(s: TestWing) {
  const w = s.wing;
  return { directory: w.registry, actions: w.writer, messages: w.messages, entries: w.committer, store: s.store, samples: s.store, clock: { now: () => s.now(), elapsed: () => s.elapsed() }, events: s.events, self: s.self };
}

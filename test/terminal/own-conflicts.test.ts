/**
 * The receiver reports what contradicts the log it holds (ReceiveOutcome.conflicts), which is how
 * a terminal restored from an old backup learns that its own log forked (channels/reconciler.ts):
 * its own entry relayed back by a peer, another at a seq held here (equivocation), or one whose
 * chain parts from the one held here (previous hash). The relaying peer is not blamed for it.
 */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { fingerprint } from '../../src/protocol/index.js';
import { openStore } from '../../src/store/index.js';
import type { TerminalEvent } from '../../src/terminal/events/event-bus.js';
import { backToBack, type BackToBack } from './back-to-back.js';
import { TestWing } from './test-wing.js';

let pair: BackToBack | undefined;
afterEach(async () => {
  await pair?.cleanup();
  pair = undefined;
});

it('reports an own entry relayed back that differs, or does not chain on ours, as a conflict, without blaming the peer', async () => {
  pair = await backToBack();
  const { a: us, b: cn, clock } = pair;
  const channel = await pair.activeChannel();
  await us.send(channel, { text: 'before the backup', lang: 'en', precedence: 'ROUTINE' });
  await pair.settle();

  // US restored from a copy of this moment: another terminal of the same party, same keys.
  const store = await openStore({ kind: 'sqlite', path: join(pair.dir, 'US-restored.db') });
  const restored = new TestWing({ store, self: us.self, clock });
  await restored.load();
  await restored.addPeer(cn.self.card, fingerprint(cn.self.party));
  const backup = (await us.store.listEntries(channel)).map((r) => r.raw);
  expect((await restored.receive(backup, cn.self.party)).rejected).toEqual([]);
  const alarms: TerminalEvent[] = [];
  restored.events.onAny((e) => {
    if (e.type === 'alarm') alarms.push(e);
  });

  // The original goes on; the restored copy signs the same numbers with other content.
  const backupHead = restored.committedHead(channel);
  for (let i = 0; i < 3; i++) await us.send(channel, { text: `original ${i}`, lang: 'en', precedence: 'ROUTINE' });
  await restored.send(channel, { text: 'forked', lang: 'en', precedence: 'ROUTINE' });
  await Promise.all([pair.settle(), restored.idle()]);
  const h = restored.committedHead(channel);
  expect(h).toBeGreaterThan(backupHead);
  expect(us.committedHead(channel)).toBeGreaterThan(h);

  // CN relays the original's entries: #h+1 parts from our chain (previous), #h differs (equivocation).
  const raw = async (seq: number) => (await us.store.getEntry(channel, us.self.party, seq))!.raw;
  const second = await restored.receive([await raw(h + 1)], cn.self.party);
  expect(second.conflicts).toEqual([{ channel, author: us.self.party, seq: h + 1, kind: 'previous' }]);
  const first = await restored.receive([await raw(h)], cn.self.party);
  expect(first.conflicts).toEqual([{ channel, author: us.self.party, seq: h, kind: 'equivocation' }]);
  // No alarm blames CN for relaying them: only the equivocation of US's own log is raised.
  expect(alarms.filter((e) => e.type === 'alarm' && 'peer' in e && e.peer === cn.self.party)).toEqual([]);
  expect(alarms.map((e) => (e.type === 'alarm' ? e.code : ''))).toEqual(['ENTRY_EQUIVOCATION']);
  await restored.idle();
  await store.close();
});

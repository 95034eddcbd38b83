/**
 * A stalled database (docs/operations.md "A stalled database"): a commit that waits far longer
 * than commits take (another session's lock, an unanswering server, a disk) raises STORE_STALLED
 * once, shows in `stalledSince` (readiness answers 503 from it), and STORE_RESUMED when it
 * completes. Time is the terminal's injected clock; the commit is held by a gate.
 */
import { afterEach, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/terminal/clock.js';
import { STORE_STALL_MS } from '../../src/terminal/channels/channel-committer.js';
import { makeParty, T0 } from '../../src/testkit/scenario.js';
import { fingerprint } from '../../src/protocol/index.js';
import { TestWing } from './test-wing.js';

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

it('raises STORE_STALLED once when a commit waits past the allowance, and STORE_RESUMED when it completes', async () => {
  store = await openStore({ kind: 'sqlite', path: ':memory:' });
  const us = makeParty('US', { en: 'United States' });
  const cn = makeParty('CN', { en: 'China' });
  const clock = new ManualClock(T0 + 1000);
  const wing = new TestWing({ store, self: { party: us.id, code: us.code, signer: us.terminal, card: us.card }, clock });
  await wing.load();
  await wing.addPeer(cn.card, fingerprint(cn.id));
  const alarms: Array<{ code: string; message: string }> = [];
  wing.events.on('alarm', (e) => alarms.push({ code: e.code, message: e.message }));
  const committer = wing.wing.committer;

  // Every transaction waits at a gate until the test opens it: the database "stalls".
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const s = store;
  const pipelined = s.pipelinedTransaction.bind(s);
  let waiting = 0;
  s.pipelinedTransaction = async (fn, options) => {
    waiting++;
    await gate;
    return pipelined(fn, options);
  };
  const proposing = wing.propose({ title: { en: 'Stalled line' }, tier: 'military', parties: ['CN'] });
  while (waiting === 0) await new Promise((r) => setImmediate(r));
  committer.checkStall();
  expect(committer.stalledSince).toBeUndefined();
  clock.advance(STORE_STALL_MS - 1);
  committer.checkStall();
  expect(committer.stalledSince).toBeUndefined();
  expect(alarms).toEqual([]);
  clock.advance(1);
  committer.checkStall();
  expect(committer.stalledSince).toBe(T0 + 1000);
  committer.checkStall(); // once, not at every check
  expect(alarms.map((a) => a.code)).toEqual(['STORE_STALLED']);
  expect(alarms[0]!.message).toMatch(/^The database has not completed a commit for 30 s \(1 waiting\)/);

  open();
  await proposing;
  expect(committer.stalledSince).toBeUndefined();
  expect(alarms.map((a) => a.code)).toEqual(['STORE_STALLED', 'STORE_RESUMED']);
});

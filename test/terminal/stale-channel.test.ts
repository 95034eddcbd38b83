/**
 * A channel whose commit failed while the database could not be read either (its connection lost,
 * the server restarting): the entries taken into its log in memory were never stored, and the log
 * could not be reloaded. Nothing is written on it, received or own, until a reload succeeds; a
 * received entry sent again is then stored, not answered `duplicate` against the stale log (the
 * peer would never send it again), and an own entry does not chain on what was never stored.
 */
import { afterEach, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { backToBack, type BackToBack } from './back-to-back.js';

let pair: BackToBack | undefined;
afterEach(async () => {
  await pair?.cleanup();
  pair = undefined;
});

/** Makes `store` refuse every transaction and every read a reload makes, until the returned function is called. */
function takeDown(store: Store): () => void {
  const saved = { pipelinedTransaction: store.pipelinedTransaction, streamRawEntries: store.streamRawEntries, listLastingRawEntries: store.listLastingRawEntries };
  const down = () => {
    throw Object.assign(new Error('connection terminated unexpectedly'), { code: 'ECONNRESET' });
  };
  store.pipelinedTransaction = async () => down();
  store.streamRawEntries = async function* () {
    yield down();
  };
  store.listLastingRawEntries = async () => down();
  return () => Object.assign(store, saved);
}

it('takes nothing into a stale channel until it reloads: a received entry sent again is stored, not answered duplicate', async () => {
  pair = await backToBack();
  const { a, b } = pair;
  const channel = await pair.activeChannel();
  pair.cut(); // deliveries by hand from here
  const m = await a.send(channel, { text: 'course 270, speed 12', lang: 'en', precedence: 'FLASH' });
  const committer = b.wing.committer;

  const bringBack = takeDown(b.store);
  await expect(b.receive([m.raw], a.self.party)).rejects.toThrow(/connection terminated/);
  // The commit failed and so did the reload: the log in memory holds M, the database does not.
  expect(committer.isStale(channel)).toBe(true);
  expect(b.channel(channel).head(a.self.party)?.seq).toBe(m.entry.seq);
  // Still down: nothing is written on the channel, own or received.
  await expect(b.send(channel, { text: 'while down', lang: 'en', precedence: 'ROUTINE' })).rejects.toThrow(/connection terminated/);
  await expect(b.receive([m.raw], a.self.party)).rejects.toThrow(/connection terminated/);
  expect(await b.store.getEntry(channel, a.self.party, m.entry.seq)).toBeUndefined();

  // The database is back. The peer sends M again (it has no receipt for it): stored this time.
  bringBack();
  const again = await b.receive([m.raw], a.self.party);
  expect(again).toMatchObject({ accepted: 1, duplicate: 0 });
  expect(committer.isStale(channel)).toBe(false);
  expect((await b.store.getEntry(channel, a.self.party, m.entry.seq))?.hash).toBe(m.hash);
  expect(committer.committedSeq(channel, a.self.party)).toBe(m.entry.seq);
});

it('reloads a stale channel before an own entry is sealed on it, and on the job that retries every second', async () => {
  pair = await backToBack();
  const { a, b } = pair;
  const channel = await pair.activeChannel();
  pair.cut();
  const m = await a.send(channel, { text: 'unstored', lang: 'en', precedence: 'ROUTINE' });
  const committer = b.wing.committer;
  const bringBack = takeDown(b.store);
  await expect(b.receive([m.raw], a.self.party)).rejects.toThrow();
  expect(committer.isStale(channel)).toBe(true);
  bringBack();

  // An own entry now chains on what the database holds: M, never stored, is not in its causal past.
  const own = await b.send(channel, { text: 'after the outage', lang: 'en', precedence: 'ROUTINE' });
  expect(committer.isStale(channel)).toBe(false);
  expect(b.channel(channel).head(a.self.party)?.seq).toBe(m.entry.seq - 1);
  expect(own.raw).not.toContain(m.hash);
  expect((await b.store.getEntry(channel, b.self.party, own.entry.seq))?.hash).toBe(own.hash);

  // The job's retry reloads a stale channel with no write waiting on it.
  const down = takeDown(b.store);
  await expect(b.receive([m.raw], a.self.party)).rejects.toThrow();
  expect(committer.isStale(channel)).toBe(true);
  await committer.reloadStale();
  expect(committer.isStale(channel)).toBe(true); // still down
  down();
  await committer.reloadStale();
  expect(committer.isStale(channel)).toBe(false);
  expect(b.channel(channel).head(a.self.party)?.seq).toBe(m.entry.seq - 1);
});

/**
 * What held entries wait for is asked for again as soon as some of it came (docs/protocol.md §12,
 * "Pending entries"): entries let in by a relayed batch may leave the entries held behind them
 * waiting for other entries of a third author, which that author may never push here (a party
 * removed before this one was added). The batch's outcome names them (`missing`: the `want`s its
 * `stored` is followed by), not only the next entry of the sender that arrives.
 */
import { afterEach, expect, it } from 'vitest';
import { backToBack, type BackToBack } from '../back-to-back.js';
import { ru, thirdParty, type ThirdParty } from './third-party.js';

let pair: BackToBack | undefined;
let third: ThirdParty | undefined;
afterEach(async () => {
  await pair?.cleanup();
  await third?.close();
  pair = third = undefined;
});

it('asks at once for what entries still held wait for once a batch let some of them in', async () => {
  const p = (pair = await backToBack());
  third = await thirdParty(p);
  const { wing } = third;
  const channel = await p.activeChannel();
  const all = (w: typeof wing, party: string) => w.entriesFor(channel, party, 1, 100_000);
  const exchange = async () => {
    p.clock.advance(1000);
    for (const side of [p.a, p.b]) await wing.receive(await all(side, side.self.party), side.self.party);
    for (const side of [p.a, p.b]) await side.receive(await all(wing, ru.id), ru.id);
    await p.settle();
    for (const side of [p.a, p.b]) await wing.receive(await all(side, side.self.party), side.self.party);
    await wing.idle();
  };
  const c0 = p.a.view(channel).charter;
  await p.a.write(channel, 'charter.amend', { charter: { ...c0, parties: [...c0.parties, { party: ru.id, code: 'RU', roles: ['duty-officer'] }] }, reason: 'Exercise' });
  await exchange();
  await p.b.accept(channel);
  await exchange();
  await wing.accept(channel);
  await exchange();
  expect(p.b.view(channel).charter.parties.map((x) => x.code)).toEqual(['US', 'CN', 'RU']);

  // From now on CN hears nothing by itself: US writes after each of two entries of RU's.
  p.cut();
  const cnHolds = (author: string) => p.b.channel(channel).head(author)?.seq ?? 0;
  const [usFrom, ruFrom] = [cnHolds(p.a.self.party) + 1, cnHolds(ru.id) + 1];
  await wing.send(channel, { text: 'RU one', lang: 'en', precedence: 'ROUTINE' });
  await p.a.receive(await wing.entriesFor(channel, ru.id, ruFrom, 100_000), ru.id);
  await p.a.send(channel, { text: 'US after RU one', lang: 'en', precedence: 'ROUTINE' });
  const ruOne = (await wing.entriesFor(channel, ru.id, ruFrom, 100_000)).length;
  await wing.send(channel, { text: 'RU two', lang: 'en', precedence: 'ROUTINE' });
  await p.a.receive(await wing.entriesFor(channel, ru.id, ruFrom + ruOne, 100_000), ru.id);
  await p.a.send(channel, { text: 'US after RU two', lang: 'en', precedence: 'ROUTINE' });
  const ruHead = p.a.channel(channel).head(ru.id)!.seq;

  // US's entries reach CN: held, waiting for RU's first.
  const first = await p.b.receive(await p.a.entriesFor(channel, p.a.self.party, usFrom, 100_000), p.a.self.party);
  expect(first.pending).toBeGreaterThan(0);
  expect(first.missing).toContainEqual(expect.objectContaining({ channel, author: ru.id, fromSeq: ruFrom }));
  // US relays RU's first entries only: what US's held entries wait for now, RU's later ones, is asked at once.
  const relayed = await p.b.receive(await p.a.entriesFor(channel, ru.id, ruFrom, ruFrom + ruOne - 1), p.a.self.party);
  expect(relayed.accepted).toBeGreaterThan(ruOne);
  const asked = relayed.missing.filter((m) => m.author === ru.id);
  expect(asked.length).toBeGreaterThan(0);
  expect(asked.every((m) => m.fromSeq === ruFrom + ruOne && m.toSeq <= ruHead)).toBe(true);
  // Answered, everything comes in.
  const rest = await p.b.receive(await p.a.entriesFor(channel, ru.id, ruFrom + ruOne, ruHead), p.a.self.party);
  expect(rest.missing).toEqual([]);
  expect(cnHolds(p.a.self.party)).toBe(p.a.channel(channel).head(p.a.self.party)!.seq);
});

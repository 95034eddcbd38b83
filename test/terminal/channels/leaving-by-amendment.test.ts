/**
 * A party removed from a channel by an adopted amendment (docs/protocol.md §5.3): its terminal keeps
 * the record, read-only, shows that it left (when, proposed by whom, why), and writes nothing more
 * there: its officers get CHANNEL_LEFT, not a protocol refusal of an entry it should never have signed.
 */
import { afterEach, expect, it } from 'vitest';
import { TerminalError } from '../../../src/terminal/errors.js';
import { backToBack, type BackToBack } from '../back-to-back.js';
import type { TestWing } from '../test-wing.js';
import { ru, thirdParty, type ThirdParty } from './third-party.js';

let pair: BackToBack | undefined;
let third: ThirdParty | undefined;
afterEach(async () => {
  await pair?.cleanup();
  await third?.close();
  pair = third = undefined;
});

/** US and CN on an active channel, and RU's terminal beside them; `exchange` does the streams' work by hand. */
async function threeOnALine() {
  const p = (pair = await backToBack());
  third = await thirdParty(p);
  const { wing, store } = third;
  const channel = await p.activeChannel();
  const all = (w: TestWing, party: string) => w.entriesFor(channel, party, 1, 100_000);
  // Everyone's own log to everyone.
  const exchange = async () => {
    p.clock.advance(1000);
    for (const side of [p.a, p.b]) await wing.receive(await all(side, side.self.party), side.self.party);
    for (const side of [p.a, p.b]) await side.receive(await all(wing, ru.id), ru.id);
    await p.settle();
    for (const side of [p.a, p.b]) await wing.receive(await all(side, side.self.party), side.self.party);
    await wing.idle();
  };
  return { p, wing, store, channel, all, exchange };
}

it('shows the removed party that it left, keeps its record, and refuses its writes with CHANNEL_LEFT', async () => {
  const { p, wing: leaver, store, channel, all, exchange } = await threeOnALine();
  const c0 = p.a.view(channel).charter;
  await p.a.write(channel, 'charter.amend', { charter: { ...c0, parties: [...c0.parties, { party: ru.id, code: 'RU', roles: ['duty-officer'] }] }, reason: 'Exercise in the strait' });
  await exchange();
  await p.b.accept(channel);
  await exchange();
  await leaver.accept(channel);
  await exchange();
  const said = await leaver.send(channel, { text: 'RU on the line', lang: 'en', precedence: 'ROUTINE' });
  const usSaid = await p.a.send(channel, { text: 'US to all: hold clear of the box', lang: 'en', precedence: 'PRIORITY' });
  await exchange();
  expect(leaver.view(channel).left).toBeUndefined();

  const c1 = p.a.view(channel).charter;
  await p.a.write(channel, 'charter.amend', { charter: { ...c1, parties: c1.parties.filter((x) => x.party !== ru.id), note: 'After the exercise' }, reason: 'Exercise over' });
  await exchange();
  await p.b.accept(channel);
  await exchange();
  // RU consents to its removal (§5.3); its accept, its last entry there, still reaches the others.
  await leaver.accept(channel);
  await exchange();
  for (const side of [p.a, p.b, leaver]) expect(side.view(channel).charter.parties.map((x) => x.code)).toEqual(['US', 'CN']);
  expect(p.a.view(channel).left).toBeUndefined();
  const view = leaver.view(channel);
  expect(view.state).toBe('active');
  expect(view.left).toMatchObject({ by: 'US', reason: 'Exercise over' });

  const entries = (await store.listEntries(channel)).length;
  for (const attempt of [
    () => leaver.send(channel, { text: 'still here?', lang: 'en', precedence: 'FLASH' }),
    () => leaver.acknowledge(usSaid.hash, { name: 'Capt Petrov', title: 'Duty officer', role: 'duty-officer' }),
    () => leaver.write(channel, 'link.test', { nonce: '0011223344556677', t1: p.clock.now() }),
  ]) {
    const e = await attempt().then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(TerminalError);
    expect((e as TerminalError).code).toBe('CHANNEL_LEFT');
    expect((e as TerminalError).message).toMatch(/This party \(RU\) is no longer in channel .*proposed by US \("Exercise over"\).*Nothing was signed\./);
  }
  expect((await store.listEntries(channel)).length).toBe(entries);
  // The record stays, read-only: RU's own message of before is still there.
  expect((await store.listEntries(channel)).some((e) => e.hash === said.hash)).toBe(true);

  // What US writes from now on is not for RU (§12): its links send RU its entries up to the last
  // one written before US learnt of the removal, and nothing after, whatever RU still holds.
  // RU's accept adopted its removal: US's first entry naming it in its heads (a receipt, say) is
  // the first written after US learnt of it.
  const ruAccept = (await all(leaver, ru.id)).length;
  const usLog = (await all(p.a, p.a.self.party)).map((raw) => JSON.parse(raw) as { seq: number; heads: Record<string, { seq: number }> });
  const cut = (usLog.find((e) => (e.heads[ru.id]?.seq ?? 0) >= ruAccept)?.seq ?? usLog.length + 1) - 1;
  expect(cut).toBeGreaterThan(1);
  expect(p.a.sendableUpTo(channel, ru.id, 0, cut)).toBe(cut);
  await p.a.send(channel, { text: 'US and CN only from now on', lang: 'en', precedence: 'ROUTINE' });
  const head = p.a.view(channel).parties.find((x) => x.code === 'US')!.entries;
  expect(head).toBeGreaterThan(cut);
  expect(p.a.sendableUpTo(channel, ru.id, 0, head)).toBe(cut);
  expect(p.a.sendableUpTo(channel, ru.id, cut, head)).toBe(cut);
  expect(p.a.sendableUpTo(channel, p.b.self.party, 0, head)).toBe(head);
  // A party no charter of the channel ever named is sent nothing of it.
  expect(p.a.sendableUpTo(channel, 'X'.repeat(43), 0, head)).toBe(0);
});

it('shows a party whose addition was declined why it holds the channel, and refuses its writes with CHANNEL_LEFT', async () => {
  const { p, wing: offered, store, channel, exchange } = await threeOnALine();
  const c0 = p.a.view(channel).charter;
  await p.a.write(channel, 'charter.amend', { charter: { ...c0, parties: [...c0.parties, { party: ru.id, code: 'RU', roles: ['duty-officer'] }] }, reason: 'Exercise in the strait' });
  await exchange();
  // Offered the amendment, RU may answer it: not yet "left".
  expect(offered.view(channel).left).toBeUndefined();
  expect(offered.view(channel).pendingAmendment?.awaiting).toContain('RU');
  await p.b.write(channel, 'charter.decline', { charter: p.b.view(channel).pendingAmendment!.hash, reason: 'Not this month' });
  await exchange();
  expect(p.a.view(channel).pendingAmendment).toBeUndefined();
  const view = offered.view(channel);
  expect(view.left).toMatchObject({ by: 'US', reason: 'Exercise in the strait', outcome: 'declined' });
  expect(p.a.view(channel).left).toBeUndefined();

  const entries = (await store.listEntries(channel)).length;
  const e = await offered.send(channel, { text: 'RU here', lang: 'en', precedence: 'ROUTINE' }).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(TerminalError);
  expect((e as TerminalError).code).toBe('CHANNEL_LEFT');
  expect((e as TerminalError).message).toMatch(/This party \(RU\) is not in channel .*proposed by US \("Exercise in the strait"\) that would have added it was declined\..*Nothing was signed\./);
  expect((await store.listEntries(channel)).length).toBe(entries);

  // CN's decline is the last of CN's entries RU is sent; US's entries after it are not for RU.
  const cn = p.b.view(channel).parties.find((x) => x.code === 'CN')!.entries;
  expect(p.b.sendableUpTo(channel, ru.id, 0, cn)).toBe(cn);
  await p.b.send(channel, { text: 'CN to US only', lang: 'en', precedence: 'ROUTINE' });
  expect(p.b.sendableUpTo(channel, ru.id, 0, cn + 1)).toBe(cn);
});

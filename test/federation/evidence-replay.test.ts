/**
 * Evidence of equivocation is kept once per distinct second entry (docs/protocol.md §4.2, §12.2
 * "Outcomes"): a paired party's equivocating entry sent again and again, in one frame and across
 * frames, adds one row, so a peer cannot grow the evidence table (and every officer's channel
 * view, which lists it) by replaying it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sealEntry, type Entry } from '../../src/protocol/index.js';
import { frames, message, startFixture, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await startFixture();
}, 60_000);
afterAll(async () => {
  await f?.close();
});

it('keeps a replayed equivocation once', async () => {
  // US's entry at a seq CN holds, with other content: authentic, an equivocation.
  const held = (await f.store.listEntries(f.channel)).map((r) => JSON.parse(r.raw) as Entry<'message'>).find((e) => e.author === f.us.party && e.kind === 'message')!;
  const { sig: _s, v: _v, ...fields } = held;
  const twin = sealEntry({ ...fields, body: message('said otherwise') }, f.us.terminal).raw;
  const ws = await f.ws();
  const got = frames(ws);
  const before = (await f.store.listEvidence(f.channel)).length;
  for (let id = 1; id <= 5; id++) {
    ws.send(JSON.stringify({ t: 'entries', id, entries: Array(50).fill(twin) }));
    const stored = await got.next((x) => x.t === 'stored' && x.id === id, 60_000);
    // Each copy is still refused as what it is.
    expect((stored.rejected as Array<{ code: string }>)[0]?.code).toBe('ENTRY_EQUIVOCATION');
  }
  const kept = await f.store.listEvidence(f.channel);
  expect(kept.length - before).toBe(1);
  expect(kept.at(-1)).toMatchObject({ author: f.us.party, seq: held.seq, secondRaw: twin });
  ws.close();
}, 120_000);

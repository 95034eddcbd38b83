/**
 * The counts a batch is answered with (docs/protocol.md §12 `stored`): `pending` counts the batch's
 * own entries still held; an entry held from an earlier batch that this one lets in counts as
 * `accepted` here, and takes nothing off this batch's `pending`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backToBack, type BackToBack } from '../back-to-back.js';

let pair: BackToBack | undefined;
afterEach(async () => {
  await pair?.cleanup();
  pair = undefined;
});

describe('stored counts', () => {
  it('an entry of an earlier batch let in does not take one off this batch\'s pending', async () => {
    const p = (pair = await backToBack());
    const channel = await p.activeChannel();
    p.cut();
    for (let i = 0; i < 5; i++) await p.a.send(channel, { text: `m${i}`, lang: 'en', precedence: 'ROUTINE' });
    const raws = (await p.a.store.listEntries(channel, { author: p.a.self.party })).map((r) => r.raw).filter((r) => r.includes('"kind":"message"'));
    expect(raws).toHaveLength(5);
    expect(await p.b.receive([raws[0]!], 'test')).toMatchObject({ accepted: 1, pending: 0, rejected: [] });
    // m2 waits for m1.
    expect(await p.b.receive([raws[2]!], 'test')).toMatchObject({ accepted: 0, pending: 1, rejected: [] });
    // m4 waits for m3; m1 comes and lets m2 (of the batch before) in: m4 is still pending here.
    expect(await p.b.receive([raws[4]!, raws[1]!], 'test')).toMatchObject({ accepted: 2, duplicate: 0, pending: 1, rejected: [] });
    // m3 lets m4 (of the batch before) in.
    expect(await p.b.receive([raws[3]!], 'test')).toMatchObject({ accepted: 2, pending: 0, rejected: [] });
    expect(p.b.channel(channel).head(p.a.self.party)?.seq).toBe(p.a.channel(channel).head(p.a.self.party)?.seq);
  });

  it('within one batch, an entry held until a later one of the batch comes counts as accepted, not pending', async () => {
    const p = (pair = await backToBack());
    const channel = await p.activeChannel();
    p.cut();
    for (let i = 0; i < 3; i++) await p.a.send(channel, { text: `m${i}`, lang: 'en', precedence: 'ROUTINE' });
    const raws = (await p.a.store.listEntries(channel, { author: p.a.self.party })).map((r) => r.raw).filter((r) => r.includes('"kind":"message"'));
    expect(await p.b.receive([raws[2]!, raws[1]!, raws[0]!], 'test')).toMatchObject({ accepted: 3, duplicate: 0, pending: 0, rejected: [] });
  });

  it('entries held past a gap cost a later batch no ingest each; the gap filled, all come in', async () => {
    const p = (pair = await backToBack());
    const channel = await p.activeChannel();
    p.cut();
    for (let i = 0; i < 60; i++) await p.a.send(channel, { text: `m${i}`, lang: 'en', precedence: 'ROUTINE' });
    const raws = (await p.a.store.listEntries(channel, { author: p.a.self.party })).map((r) => r.raw).filter((r) => r.includes('"kind":"message"'));
    // The last 50 first: held, each past the gap.
    expect(await p.b.receive(raws.slice(10), 'test')).toMatchObject({ accepted: 0, pending: 50 });
    const ingest = vi.spyOn(p.b.wing.registry.memory, 'ingest');
    for (let i = 0; i < 9; i++) {
      ingest.mockClear();
      expect(await p.b.receive([raws[i]!], 'test')).toMatchObject({ accepted: 1, pending: 0 });
      // The entry itself, and at most the one held entry that could follow it: not the 50.
      expect(ingest.mock.calls.length).toBeLessThanOrEqual(3);
    }
    ingest.mockRestore();
    expect(await p.b.receive([raws[9]!], 'test')).toMatchObject({ accepted: 51, pending: 0 });
    expect(p.b.channel(channel).head(p.a.self.party)?.seq).toBe(p.a.channel(channel).head(p.a.self.party)?.seq);
  });
});

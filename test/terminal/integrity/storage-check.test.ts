/**
 * The storage check (#14 A2) on a real SQLite store written by a real channel wing: a sound store
 * has no problems; an altered entry is found by its hash even outside the fully checked tail; a
 * message row that differs from its signed entry is found, and repair rewrites it and removes the
 * altered entry with the later ones of its author, leaving a store that checks sound.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CheckPool } from '../../../src/terminal/channels/check-pool.js';
import { checkStorage, repairStorage } from '../../../src/terminal/integrity/storage-check.js';
import { backToBack, type BackToBack } from '../back-to-back.js';

let t: BackToBack | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

describe('storage check', () => {
  it('finds altered entries and rows, and repair leaves a sound store', async () => {
    t = await backToBack();
    const channel = await t.activeChannel();
    for (let i = 0; i < 12; i++) await t.b.send(channel, { text: `CN report ${i}`, lang: 'en', precedence: 'ROUTINE' });
    for (let i = 0; i < 3; i++) await t.a.send(channel, { text: `US report ${i}`, lang: 'en', precedence: 'ROUTINE' });
    await t.settle();
    const store = t.a.store;
    const cn = t.b.self.party;
    expect((await checkStorage(store, { tail: 3 })).problems).toEqual([]);

    // CN's entry 3, far outside a tail of 3: its text altered, its stored hash kept.
    const rows = await store.listEntries(channel, { author: cn, fromSeq: 3 });
    await store.removeEntriesFrom(channel, cn, 3);
    await store.appendEntries(rows.map((r) => (r.seq === 3 ? { ...r, raw: r.raw.replace('CN report', 'CN rep0rt') } : r)));
    // And the newest message row shown with a text nobody signed.
    const us = t.a.self.party;
    const last = (await store.listMessages(channel)).filter((m) => m.author === us).at(-1)!;
    await store.rewriteMessage({ ...last, text: 'ALTERED' });

    // The start-up check reads only each log's tail (it must not grow with the logs, #18): it finds
    // the altered row; `hotline doctor` (no tail) reads everything and finds both.
    const atStart = (await checkStorage(store, { tail: 3 })).problems;
    expect(atStart).toEqual([expect.objectContaining({ kind: 'message', author: us, seq: last.seq, detail: expect.stringContaining('(text)') })]);
    const found = (await checkStorage(store)).problems;
    expect(found).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'entry', author: cn, seq: 3, detail: expect.stringContaining('does not match the hash') }),
      expect.objectContaining({ kind: 'message', author: us, seq: last.seq, detail: expect.stringContaining('(text)') }),
    ]));

    const outcome = await repairStorage(store, found);
    expect(outcome.entriesRemoved).toBe(rows.length);
    expect((await checkStorage(store)).problems).toEqual([]);
    expect((await store.heads(channel))[cn]?.seq).toBe(2);
    expect((await store.listMessages(channel)).find((m) => m.seq === last.seq && m.author === us)?.text).toBe('US report 2');
  });

  it('finds the same problems with the check workers as on one thread (the start-up check)', async () => {
    t = await backToBack();
    const channel = await t.activeChannel();
    for (let i = 0; i < 30; i++) await t.b.send(channel, { text: `CN report ${i}`, lang: 'en', precedence: 'ROUTINE' });
    for (let i = 0; i < 5; i++) await t.a.send(channel, { text: `US report ${i}`, lang: 'en', precedence: 'ROUTINE' });
    await t.settle();
    const store = t.a.store;
    const cn = t.b.self.party;
    const us = t.a.self.party;
    // Every batch on the workers (minBatch 1), as a start-up check of long tails would be.
    const pool = new CheckPool({ workers: 2, minBatch: 1 });
    try {
      expect((await checkStorage(store, { tail: 20, checker: pool })).problems).toEqual([]);
      // Inside CN's tail: one entry's text altered (its stored hash kept), one no longer an entry at all.
      const head = (await store.heads(channel))[cn]!.seq;
      const rows = await store.listEntries(channel, { author: cn, fromSeq: head - 4 });
      await store.removeEntriesFrom(channel, cn, head - 4);
      await store.appendEntries(rows.map((r) => (r.seq === head - 4 ? { ...r, raw: r.raw.replace('CN report', 'CN rep0rt') } : r.seq === head - 2 ? { ...r, raw: '{"not":"an entry"}' } : r)));
      // A message row before US's tail of 2, shown with a text nobody signed.
      const first = (await store.listMessages(channel)).filter((m) => m.author === us)[0]!;
      await store.rewriteMessage({ ...first, text: 'ALTERED' });
      const onThread = (await checkStorage(store, { tail: 20 })).problems;
      const onWorkers = (await checkStorage(store, { tail: 20, checker: pool })).problems;
      expect(onWorkers).toEqual(onThread);
      expect(onWorkers).toEqual(expect.arrayContaining([
        expect.objectContaining({ kind: 'entry', author: cn, seq: head - 4, detail: expect.stringContaining('does not match the hash') }),
        expect.objectContaining({ kind: 'entry', author: cn, seq: head - 2, detail: expect.stringContaining('does not parse') }),
      ]));
    } finally {
      await pool.close();
    }
  });

  it("checks a recent message row whose entry is no longer in its author's tail, read by position", async () => {
    t = await backToBack();
    const channel = await t.activeChannel();
    for (let i = 0; i < 3; i++) await t.a.send(channel, { text: `US report ${i}`, lang: 'en', precedence: 'ROUTINE' });
    await t.settle();
    const reply = await t.b.send(channel, { text: 'CN answer', lang: 'en', precedence: 'ROUTINE' });
    await t.settle();
    await t.a.acknowledge(reply.hash, { name: 'Lt Smith', title: 'Duty Officer', role: 'duty-officer' });
    await t.settle();
    const store = t.a.store;
    const us = t.a.self.party;
    // The two newest messages are US's last and CN's answer; US's tail of 2 is its receipt and its
    // acknowledgement of the answer, so US's last message is checked through the read by position.
    const newest = await store.listMessages(channel, { limit: 2 });
    const usLast = newest.find((m) => m.author === us)!;
    const usTail = await store.listEntries(channel, { author: us, fromSeq: (await store.heads(channel))[us]!.seq - 1 });
    expect(usTail.map((e) => e.kind).sort()).toEqual(['ack', 'receipt']);
    expect((await checkStorage(store, { tail: 2 })).problems).toEqual([]);
    await store.rewriteMessage({ ...usLast, text: 'ALTERED' });
    expect((await checkStorage(store, { tail: 2 })).problems).toEqual([expect.objectContaining({ kind: 'message', author: us, seq: usLast.seq, detail: expect.stringContaining('(text)') })]);
  });
});

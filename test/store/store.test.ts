/**
 * The Store contract, one body for every backend (SQLite and PostgreSQL).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EVIDENCE_PER_PLACE, StoreError, type EntryRow, type MessageInput, type Store, type StoredEntry } from '../../src/store/index.js';
import { BACKENDS, useStore } from './backends.js';
import { channelId, entry, hashOf, log, message, partyId } from './factories.js';

/** What was written, without the store's own `pos`. */
function written(e: StoredEntry | undefined): EntryRow | undefined {
  if (e === undefined) return undefined;
  const { pos: _pos, ...row } = e;
  return row;
}

describe.each(BACKENDS)('store on $name', (backend) => {
  const ctx = useStore(backend);

  describe('meta', () => {
    it('returns undefined for an unknown key and the last JSON value set', async () => {
      const { store } = ctx;
      expect(await store.getMeta('identity')).toBeUndefined();
      await store.setMeta('identity', { code: 'US', keys: [1, 2], active: true });
      await store.setMeta('identity', { code: 'CN', keys: [], active: false, note: null });
      expect(await store.getMeta('identity')).toEqual({ code: 'CN', keys: [], active: false, note: null });
    });
  });

  describe('peers and channels', () => {
    it('upserts a peer, keeping when it was first added', async () => {
      const { store } = ctx;
      const party = partyId();
      await store.putPeer({ party, code: 'US', card: '{"v":1}', fingerprint: 'abcd', addedAt: 1, updatedAt: 1 });
      await store.putPeer({ party, code: 'US', card: '{"v":2}', fingerprint: 'abcd', addedAt: 9, updatedAt: 9 });
      await store.putPeer({ party: partyId(), code: 'CN', card: '{}', fingerprint: 'ef', addedAt: 3, updatedAt: 3 });
      expect(await store.getPeer(party)).toEqual({
        party,
        code: 'US',
        card: '{"v":2}',
        fingerprint: 'abcd',
        addedAt: 1,
        updatedAt: 9,
      });
      expect((await store.listPeers()).map((p) => p.code)).toEqual(['CN', 'US']);
      expect(await store.getPeer(partyId())).toBeUndefined();
    });

    it('upserts a channel, keeping when it was created', async () => {
      const { store } = ctx;
      const id = channelId();
      const proposer = partyId();
      await store.putChannel({ id, proposer, state: 'proposed', charter: '{"a":1}', createdAt: 10, updatedAt: 10 });
      await store.putChannel({ id, proposer, state: 'active', charter: '{"a":1}', createdAt: 99, updatedAt: 20 });
      expect(await store.getChannel(id)).toEqual({
        id,
        proposer,
        state: 'active',
        charter: '{"a":1}',
        createdAt: 10,
        updatedAt: 20,
      });
      expect(await store.listChannels()).toHaveLength(1);
    });
  });

  describe('appendEntries', () => {
    it('inserts new entries and treats a replay as an idempotent duplicate', async () => {
      const { store } = ctx;
      const channel = channelId();
      const rows = log(channel, partyId(), 3);
      expect(await store.appendEntries(rows)).toEqual([
        { status: 'inserted' },
        { status: 'inserted' },
        { status: 'inserted' },
      ]);
      const before = await store.listEntries(channel);

      expect((await store.appendEntries(rows)).map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
      expect(await store.countEntries(channel)).toBe(3);
      expect(await store.listEntries(channel)).toEqual(before);
    });

    it('reports a different entry at a held position as a conflict and keeps the first', async () => {
      const { store } = ctx;
      const channel = channelId();
      const author = partyId();
      const first = entry({ channel, author, seq: 1, body: 'original' });
      const forged = entry({ channel, author, seq: 1, body: 'equivocation' });
      await store.appendEntries([first]);

      const [result] = await store.appendEntries([forged]);

      expect(result).toEqual({ status: 'conflict', existingHash: first.hash });
      expect(written(await store.getEntry(channel, author, 1))).toEqual(first);
      expect((await store.listEntries(channel)).map((e) => e.hash)).toEqual([first.hash]);
      expect(await store.countEntries(channel)).toBe(1);
    });

    it('refuses, writing nothing, a row that does not follow what the store holds of its author (STORE_LOG_DIVERGED)', async () => {
      const { store } = ctx;
      const channel = channelId();
      const author = partyId();
      const e1 = entry({ channel, author, seq: 1 });
      const e2 = { ...entry({ channel, author, seq: 2 }), prev: e1.hash };
      const e3 = { ...entry({ channel, author, seq: 3 }), prev: e2.hash };
      const e4 = { ...entry({ channel, author, seq: 4 }), prev: e3.hash };
      await store.appendEntries([{ ...e1, prev: null }]);
      // #3 follows a #2 the store never got (its commit failed): refused, with the batch around it.
      const other = entry({ channel, author: partyId(), seq: 1 });
      await expect(store.appendEntries([other, e3, e4])).rejects.toMatchObject({ code: 'STORE_LOG_DIVERGED' });
      expect(await store.countEntries(channel)).toBe(1);
      // #2 on another predecessor than the held #1: refused.
      await expect(store.appendEntries([{ ...e2, prev: hashOf('another #1') }])).rejects.toMatchObject({ code: 'STORE_LOG_DIVERGED' });
      // In order, in one batch or on what is held: stored.
      expect(await store.appendEntries([e2, e3])).toEqual([{ status: 'inserted' }, { status: 'inserted' }]);
      expect(await store.appendEntries([e3, e4])).toEqual([{ status: 'duplicate' }, { status: 'inserted' }]);
      expect(await store.countEntries(channel)).toBe(4);
    });

    it('answers per row, in input order, for a batch mixing new, replayed and conflicting rows', async () => {
      const { store } = ctx;
      const channel = channelId();
      const author = partyId();
      const [e1, e2, e3] = log(channel, author, 3);
      await store.appendEntries([e1!]);
      const e1b = entry({ channel, author, seq: 1, body: 'other' });
      const e3b = entry({ channel, author, seq: 3, body: 'other' });

      const results = await store.appendEntries([e2!, e1!, e1b, e3!, e3b, e2!]);

      expect(results).toEqual([
        { status: 'inserted' },
        { status: 'duplicate' },
        { status: 'conflict', existingHash: e1!.hash },
        { status: 'inserted' },
        { status: 'conflict', existingHash: e3!.hash },
        { status: 'duplicate' },
      ]);
      expect((await store.listEntries(channel, { author })).map((e) => e.hash)).toEqual([e1, e2, e3].map((e) => e!.hash));
    });

    it('lets concurrent appends of the same entries in opposite orders both succeed', async () => {
      // On PostgreSQL such transactions can deadlock on each other's rows; the store retries them.
      const { store } = ctx;
      for (let round = 0; round < 3; round += 1) {
        const channel = channelId();
        const rows = [...log(channel, partyId(), 1000), ...log(channel, partyId(), 1000)];
        const [forward, backward] = await Promise.all([
          store.appendEntries(rows),
          store.appendEntries([...rows].reverse()),
        ]);
        const statuses = [...forward, ...backward].map((r) => r.status);
        expect(statuses.filter((s) => s === 'inserted')).toHaveLength(rows.length);
        expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(rows.length);
        expect(await store.countEntries(channel)).toBe(rows.length);
      }
    });

    it('refuses malformed rows with a StoreError naming the field, writing nothing', async () => {
      const { store } = ctx;
      const channel = channelId();
      const good = entry({ channel, author: partyId(), seq: 1 });
      const bad = { ...entry({ channel, author: partyId(), seq: 2 }), hash: 'NOT-HEX' };
      const error = await store.appendEntries([good, bad]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('STORE_BAD_INPUT');
      expect((error as StoreError).message).toContain('entry 1 hash');
      expect(await store.countEntries(channel)).toBe(0);
    });

    it('returns raw text byte-identical, non-ASCII included', async () => {
      const { store } = ctx;
      const channel = channelId();
      const author = partyId();
      const texts = [
        '{"text":"热线：请确认收到。"}',
        '{"text":"🚨 FLASH 🛰️ 👩🏽‍✈️ 🇺🇸🇨🇳"}',
        '{"text":"Ça va? Привет! مرحبا e\u0301\u2028\u2029 \\u0000 \\"quoted\\" \\\\ \\n"}',
        '{ "spaces" :  [1 , 2.50, -0, 1e3] }',
      ];
      const rows = texts.map((raw, i) => entry({ channel, author, seq: i + 1, raw }));
      await store.appendEntries(rows);

      for (const row of rows) {
        expect((await store.getEntry(channel, author, row.seq))?.raw).toBe(row.raw);
        expect(Buffer.from((await store.getEntry(channel, author, row.seq))!.raw, 'utf8')).toEqual(Buffer.from(row.raw, 'utf8'));
      }
      expect((await store.listEntries(channel)).map((e) => e.raw)).toEqual(texts);
    });

    it('round-trips any JSON text unchanged (property)', async () => {
      const { store } = ctx;
      const channel = channelId();
      const author = partyId();
      let seq = 0;
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (text) => {
          seq += 1;
          const raw = JSON.stringify({ seq, text });
          const row = entry({ channel, author, seq, raw });
          await store.appendEntries([row]);
          expect((await store.getEntry(channel, author, seq))?.raw).toBe(raw);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('reading entries', () => {
    it('gives the head of every author, and nothing for an empty channel', async () => {
      const { store } = ctx;
      const channel = channelId();
      const [a, b] = [partyId(), partyId()];
      const aLog = log(channel, a, 5);
      const bLog = [entry({ channel, author: b, seq: 1 }), entry({ channel, author: b, seq: 4 })];
      await store.appendEntries([...bLog, ...aLog.slice(2), ...aLog.slice(0, 2)]);
      await store.appendEntries(log(channelId(), a, 9));

      expect(await store.heads(channel)).toEqual({
        [a]: { seq: 5, hash: aLog[4]!.hash },
        [b]: { seq: 4, hash: bLog[1]!.hash },
      });
      expect(await store.heads(channelId())).toEqual({});
    });

    it('lists one author by seq, or the channel in arrival order, with filters', async () => {
      const { store } = ctx;
      const channel = channelId();
      const [a, b] = [partyId(), partyId()];
      const aLog = log(channel, a, 6);
      const bLog = log(channel, b, 3);
      const arrival = [aLog[3]!, bLog[0]!, aLog[0]!, bLog[1]!, aLog[1]!, aLog[2]!, bLog[2]!, aLog[5]!, aLog[4]!];
      await store.appendEntries(arrival.slice(0, 4));
      await store.appendEntries(arrival.slice(4));
      const charter = entry({ channel, author: b, seq: 4, kind: 'charter.accept' });
      await store.appendEntries([charter]);

      const seqs = (rows: StoredEntry[]): string[] => rows.map((e) => `${e.author === a ? 'a' : 'b'}${e.seq}`);
      expect(seqs(await store.listEntries(channel, { author: a }))).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
      expect(seqs(await store.listEntries(channel))).toEqual([
        'a4', 'b1', 'a1', 'b2', 'a2', 'a3', 'b3', 'a6', 'a5', 'b4',
      ]);
      expect(seqs(await store.listEntries(channel, { author: a, fromSeq: 2, toSeq: 5, limit: 3 }))).toEqual([
        'a2', 'a3', 'a4',
      ]);
      expect(seqs(await store.listEntries(channel, { kinds: ['charter.accept'] }))).toEqual(['b4']);
      // The raw text alone, by seq (what a peer is sent).
      expect(await store.listRawEntries(channel, a, 2, 4)).toEqual((await store.listEntries(channel, { author: a, fromSeq: 2, toSeq: 4 })).map((e) => e.raw));
      expect(await store.listRawEntries(channel, a, 5, 4)).toEqual([]);
      expect(seqs(await store.listEntries(channel, { author: b, kinds: ['message'] }))).toEqual(['b1', 'b2', 'b3']);
      expect(await store.listEntries(channel, { kinds: [] })).toEqual([]);
      expect(await store.countEntries(channel)).toBe(10);

      const all = await store.listEntries(channel);
      expect(all.map((e) => e.pos)).toEqual([...all.map((e) => e.pos)].sort((x, y) => x - y));
    });

    it('streams a whole channel in arrival order, page by page', async () => {
      const { store } = ctx;
      const channel = channelId();
      const authors = [partyId(), partyId(), partyId()];
      const rows: EntryRow[] = [];
      for (let seq = 1; seq <= 700; seq += 1) for (const author of authors) rows.push(entry({ channel, author, seq }));
      await store.appendEntries(rows);
      await store.appendEntries(log(channelId(), authors[0]!, 50));

      const streamed: string[] = [];
      for await (const e of store.streamEntries(channel, { pageSize: 97 })) streamed.push(e.hash);

      expect(streamed).toEqual(rows.map((r) => r.hash));
      const exact: string[] = [];
      for await (const e of store.streamEntries(channel, { pageSize: 700 })) exact.push(e.hash);
      expect(exact).toHaveLength(2100);
      for await (const _ of store.streamEntries(channelId())) throw new Error('an empty channel streams nothing');
      // The raw texts alone, a page at a time (what reloading a log reads).
      const pages: number[] = [];
      const raws: string[] = [];
      for await (const page of store.streamRawEntries(channel, { pageSize: 1000 })) {
        pages.push(page.length);
        raws.push(...page);
      }
      expect(pages).toEqual([1000, 1000, 100]);
      expect(raws).toEqual(rows.map((r) => r.raw));
      for await (const _ of store.streamRawEntries(channelId())) throw new Error('an empty channel streams nothing');
    });
  });

  describe('evidence', () => {
    it('keeps both versions of an equivocation', async () => {
      const { store } = ctx;
      const channel = channelId();
      const author = partyId();
      const first = entry({ channel, author, seq: 7, body: 'yes' });
      const second = entry({ channel, author, seq: 7, body: 'no' });
      const id1 = await store.putEvidence({ channel, author, seq: 7, firstRaw: first.raw, secondRaw: second.raw, detectedAt: 5 });
      const id2 = await store.putEvidence({ channel, author, seq: 8, firstRaw: 'x', secondRaw: 'y', detectedAt: 6 });
      await store.putEvidence({ channel: channelId(), author, seq: 1, firstRaw: 'x', secondRaw: 'y', detectedAt: 6 });

      expect(id2).toBeGreaterThan(id1!);
      expect(await store.listEvidence(channel)).toEqual([
        { id: id1, channel, author, seq: 7, firstRaw: first.raw, secondRaw: second.raw, detectedAt: 5 },
        { id: id2, channel, author, seq: 8, firstRaw: 'x', secondRaw: 'y', detectedAt: 6 },
      ]);
    });

    it('keeps a second entry received again once, and at most a bounded number of distinct ones per place', async () => {
      const { store } = ctx;
      const channel = channelId();
      const author = partyId();
      const first = entry({ channel, author, seq: 3, body: 'yes' });
      const second = entry({ channel, author, seq: 3, body: 'no' });
      const id = await store.putEvidence({ channel, author, seq: 3, firstRaw: first.raw, secondRaw: second.raw, detectedAt: 5 });
      for (let i = 0; i < 20; i++) expect(await store.putEvidence({ channel, author, seq: 3, firstRaw: first.raw, secondRaw: second.raw, detectedAt: 6 + i })).toBe(id);
      expect(await store.listEvidence(channel)).toHaveLength(1);
      const others = Array.from({ length: MAX_EVIDENCE_PER_PLACE + 3 }, (_, i) => entry({ channel, author, seq: 3, body: `other ${i}` }));
      const ids = [];
      for (const o of others) ids.push(await store.putEvidence({ channel, author, seq: 3, firstRaw: first.raw, secondRaw: o.raw, detectedAt: 30 }));
      expect(ids.filter((x) => x !== undefined)).toHaveLength(MAX_EVIDENCE_PER_PLACE - 1);
      expect(await store.listEvidence(channel)).toHaveLength(MAX_EVIDENCE_PER_PLACE);
    });
  });

  describe('messages', () => {
    /** Stores a message as a terminal does: its entry, then the entry's projection. */
    async function project(store: Store, fields: Parameters<typeof message>[0]): Promise<MessageInput> {
      const stored = entry({ channel: fields.channel, author: fields.author, seq: fields.seq });
      await store.appendEntries([stored]);
      const m = message({ ...fields, hash: stored.hash });
      await store.putMessage(m);
      return m;
    }

    it('stores a message once, however often it is projected', async () => {
      const { store } = ctx;
      const channel = channelId();
      const author = partyId();
      const m = await project(store, { channel, author, seq: 1, precedence: 'FLASH', lang: 'zh', text: '请确认 🚨', drill: true, deadlineAt: 5000 });
      await store.putMessage({ ...m, text: 'changed' });

      expect(await store.getMessage(m)).toEqual({
        ...m,
        ackedAt: null,
        ackedBy: null,
        receiptedAt: null,
        escalationLevel: 0,
        // Unless the writer says, the earliest any policy could act: here the deadline.
        escalationDueAt: 5000,
      });
      expect(await store.listMessages(channel)).toHaveLength(1);
    });

    it('keeps a formatted message\'s format and fields (migration 0018_formats), in a transaction too', async () => {
      const { store } = ctx;
      const channel = channelId();
      const formatted = '{"fields":{"phrase":"pass-astern"},"format":{"hash":"' + 'ab'.repeat(32) + '","id":"standard-phrase","version":1}}';
      const m = await project(store, { channel, author: partyId(), seq: 1, formatted });
      expect(await store.getMessage(m)).toMatchObject({ formatted });
      const stored = entry({ channel, author: m.author, seq: 2 });
      await store.transaction(async (tx) => {
        await tx.appendEntries([stored]);
        await tx.putMessages([message({ channel, author: m.author, seq: 2, hash: stored.hash, formatted })]);
      });
      expect((await store.listMessages(channel)).map((x) => x.formatted)).toEqual([formatted, formatted]);
    });

    it('records the first acknowledgement only', async () => {
      const { store } = ctx;
      const channel = channelId();
      const m = await project(store, { channel, author: partyId(), seq: 1, deadlineAt: 100 });

      expect(await store.markAcked(m, 50, '{"officer":"duty-1"}')).toBe(true);
      expect(await store.markAcked(m, 60, '{"officer":"duty-2"}')).toBe(false);
      expect(await store.markAcked({ channel, author: partyId(), seq: 1 }, 60, '{}')).toBe(false);
      expect(await store.getMessage(m)).toMatchObject({ ackedAt: 50, ackedBy: '{"officer":"duty-1"}' });
    });

    it('counts messages, and the other side\'s that await acknowledgement', async () => {
      const { store } = ctx;
      const channel = channelId();
      const self = partyId();
      const peer = partyId();
      const theirs: MessageInput[] = [];
      for (const seq of [1, 2, 3]) theirs.push(await project(store, { channel, author: peer, seq, deadlineAt: 100 }));
      await project(store, { channel, author: self, seq: 1, deadlineAt: 100 });
      await store.markAcked(theirs[0]!, 50, '{}');

      expect(await store.countMessages(channel, self)).toEqual({ total: 4, unacknowledged: 2 });
      expect(await store.countMessages(channelId(), self)).toEqual({ total: 0, unacknowledged: 0 });
    });

    it('marks messages receipted up to a seq, keeping earlier receipt times', async () => {
      const { store } = ctx;
      const channel = channelId();
      const [a, b] = [partyId(), partyId()];
      for (let seq = 1; seq <= 5; seq += 1) await store.putMessage(message({ channel, author: a, seq }));
      await store.putMessage(message({ channel, author: b, seq: 1, time: 1_700_000_001_500 }));

      expect(await store.markReceipted(channel, a, 2, 100)).toBe(2);
      expect(await store.markReceipted(channel, a, 4, 200)).toBe(2);
      expect(await store.markReceipted(channel, a, 4, 300)).toBe(0);

      const receipted = (await store.listMessages(channel)).map((m) => [m.author === a ? 'a' : 'b', m.seq, m.receiptedAt]);
      expect(receipted).toEqual([
        ['a', 1, 100],
        ['b', 1, null],
        ['a', 2, 100],
        ['a', 3, 200],
        ['a', 4, 200],
        ['a', 5, null],
      ]);
    });

    it('moves the deadlines and escalation looks of unacknowledged messages by a clock step, and nothing else', async () => {
      const { store } = ctx;
      const channel = channelId();
      const author = partyId();
      const pending = await project(store, { channel, author, seq: 1, deadlineAt: 700_000, precedence: 'FLASH' });
      const acked = await project(store, { channel, author, seq: 2, deadlineAt: 700_000 });
      const none = await project(store, { channel, author, seq: 3 });
      await store.markAcked(acked, 650_000, '{}');
      await store.setEscalation(pending, { level: 1, dueAt: 760_000 });
      expect(await store.shiftDeadlines(-600_000)).toBe(1);
      expect(await store.getMessage(pending)).toMatchObject({ deadlineAt: 100_000, escalationDueAt: 160_000, escalationLevel: 1 });
      expect(await store.getMessage(acked)).toMatchObject({ deadlineAt: 700_000 });
      expect(await store.getMessage(none)).toMatchObject({ deadlineAt: null });
    });

    it('lists what awaits acknowledgement, earliest deadline first, across channels', async () => {
      const { store } = ctx;
      const [c1, c2] = [channelId(), channelId()];
      const author = partyId();
      const late = await project(store, { channel: c1, author, seq: 1, deadlineAt: 9000, precedence: 'PRIORITY' });
      const soon = await project(store, { channel: c2, author, seq: 1, deadlineAt: 1000, precedence: 'FLASH' });
      const acked = await project(store, { channel: c1, author, seq: 2, deadlineAt: 500 });
      const noDeadline = await project(store, { channel: c1, author, seq: 3 });
      await store.markAcked(acked, 400, '{}');
      await store.setEscalation(soon, { level: 2, dueAt: 1500 });

      expect((await store.listUnacked()).map((m) => m.hash)).toEqual([soon.hash, late.hash]);
      expect(await store.listUnacked({ deadlineBefore: 1000 })).toEqual([
        { ...soon, ackedAt: null, ackedBy: null, receiptedAt: null, escalationLevel: 2, escalationDueAt: 1500 },
      ]);
      // The same, counted by precedence and direction (metrics).
      const counted = async (self: string, options?: { deadlineBefore?: number }) => (await store.countUnacked(self, options)).sort((x, y) => x.precedence.localeCompare(y.precedence));
      expect(await counted(author)).toEqual([
        { precedence: 'FLASH', own: true, count: 1 },
        { precedence: 'PRIORITY', own: true, count: 1 },
      ]);
      expect(await counted(partyId(), { deadlineBefore: 1000 })).toEqual([{ precedence: 'FLASH', own: false, count: 1 }]);
      // The other side's only, ours only, the earliest few, and per channel.
      const other = partyId();
      const theirs = await project(store, { channel: c2, author: other, seq: 1, deadlineAt: 5000 });
      const theirsToo = await project(store, { channel: c2, author: other, seq: 2, deadlineAt: 5000 });
      const hashes = async (options: Parameters<typeof store.listUnacked>[0]) => (await store.listUnacked(options)).map((m) => m.hash);
      expect(await hashes({ notFrom: author })).toEqual([theirs.hash, theirsToo.hash]);
      expect(await hashes({ from: author })).toEqual([soon.hash, late.hash]);
      expect(await hashes({ limit: 2 })).toEqual([soon.hash, theirs.hash]);
      expect(await hashes({ notFrom: author, limit: 1 })).toEqual([theirs.hash]);
      expect(await store.countUnackedByChannel(author)).toEqual([{ channel: c2, count: 2 }]);
      expect(await store.countUnackedByChannel(other)).toEqual([c1, c2].sort().map((channel) => ({ channel, count: 1 })));
      await store.markAcked(theirs, 600, '{}');
      expect(await store.countUnackedByChannel(author)).toEqual([{ channel: c2, count: 1 }]);
      expect((await store.listMessages(c1, { unackedOnly: true })).map((m) => m.hash)).toEqual([late.hash, noDeadline.hash]);
      // A limit keeps the latest, oldest first.
      expect((await store.listMessages(c1, { limit: 1 })).map((m) => m.hash)).toEqual([noDeadline.hash]);
      expect((await store.listMessages(c1, { limit: 2 })).map((m) => m.hash)).toEqual([acked.hash, noDeadline.hash]);
    });

    it('lists only the unacknowledged messages whose escalation is due, earliest first, and plans them again', async () => {
      const { store } = ctx;
      const channel = channelId();
      const [self, peer] = [partyId(), partyId()];
      const a = await project(store, { channel, author: peer, seq: 1, deadlineAt: 1000 });
      const b = await project(store, { channel, author: peer, seq: 2, deadlineAt: 9000, escalationDueAt: 3000 });
      const acked = await project(store, { channel, author: peer, seq: 3, deadlineAt: 500 });
      await project(store, { channel, author: peer, seq: 4 }); // no deadline: never due
      const done = await project(store, { channel, author: peer, seq: 5, deadlineAt: 700 });
      const mine = await project(store, { channel, author: self, seq: 1, deadlineAt: 7000, escalationDueAt: null });
      await store.markAcked(acked, 400, '{}');
      await store.setEscalation(done, { level: 3, dueAt: null });

      const due = async (at: number, limit = 10) => (await store.listEscalationsDue(at, limit)).map((m) => m.hash);
      expect(await due(999)).toEqual([]);
      expect(await due(2000)).toEqual([a.hash]);
      expect(await due(5000)).toEqual([a.hash, b.hash]);
      expect(await due(5000, 1)).toEqual([a.hash]);
      expect((await store.listEscalationsDue(5000, 10))[1]).toMatchObject({ hash: b.hash, escalationDueAt: 3000, escalationLevel: 0 });

      // A step taken: the level and the next look, in one write.
      expect(await store.setEscalation(a, { level: 1, dueAt: 4000 })).toBe(true);
      expect(await due(3500)).toEqual([b.hash]);
      expect((await store.getMessage(a))).toMatchObject({ escalationLevel: 1, escalationDueAt: 4000 });
      // An acknowledged message takes no step (an acknowledgement that raced the tick wins).
      expect(await store.setEscalation(acked, { level: 1, dueAt: 4000 })).toBe(false);
      expect((await store.getMessage(acked))).toMatchObject({ escalationLevel: 0 });

      // New policies: every unacknowledged message with a deadline is looked at again, at the
      // earliest any policy could act (our own at its deadline); acknowledged ones stay out.
      expect(await store.replanEscalations(self)).toBe(4);
      expect(await due(Number.MAX_SAFE_INTEGER)).toEqual([done.hash, a.hash, mine.hash, b.hash]);
      expect((await store.getMessage(mine))?.escalationDueAt).toBe(7000);
      expect((await store.getMessage(a))?.escalationLevel).toBe(1);
    });
  });

  describe('idempotent answers', () => {
    it('takes the same answer again (a retried commit that did land) and refuses another answer under the key', async () => {
      const { store } = ctx;
      const answer = { key: `k-${Math.random()}`, request: 'req', status: 201, response: '{"id":"a"}', at: 1 };
      await store.putIdempotent(answer);
      await store.putIdempotent(answer);
      await expect(store.putIdempotent({ ...answer, response: '{"id":"b"}' })).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
      expect(await store.getIdempotent(answer.key)).toEqual(answer);
    });
  });

  describe('receipts', () => {
    it('keeps the highest receipt per holder and author', async () => {
      const { store } = ctx;
      const channel = channelId();
      const [holder, author, other] = [partyId(), partyId(), partyId()];
      const receipt = (seq: number, at: number) => ({ channel, holder, author, seq, hash: hashOf(`h${seq}`), at });

      expect(await store.putReceipt(receipt(5, 10))).toBe(true);
      expect(await store.putReceipt(receipt(3, 20))).toBe(false);
      expect(await store.putReceipt(receipt(5, 30))).toBe(false);
      expect(await store.putReceipt(receipt(7, 40))).toBe(true);
      expect(await store.putReceipt({ ...receipt(2, 50), author: other })).toBe(true);

      const expected = [receipt(7, 40), { ...receipt(2, 50), author: other }].sort((x, y) =>
        x.author < y.author ? -1 : 1,
      );
      expect(await store.listReceipts(channel)).toEqual(expected);
      expect(await store.listReceipts(channelId())).toEqual([]);
    });

    it('says per party when its receipts first covered each message (migration 0022)', async () => {
      const { store } = ctx;
      const channel = channelId();
      const [us, cn, xx] = [partyId(), partyId(), partyId()];
      const r = (holder: string, seq: number, at: number, author = us) => ({ channel, holder, author, seq, hash: hashOf(`${holder}${seq}`), at });
      // CN's receipts: up to 2 at 100, up to 5 at 200, an older one (3) at 250 that changes nothing, up to 9 at 300.
      await store.putReceipt(r(cn, 2, 100));
      // Inside a transaction too (SQLite's prepared write path).
      await store.transaction(async (tx) => {
        await tx.putReceipt(r(cn, 5, 200));
        await tx.putReceipt(r(cn, 3, 250));
      });
      await store.putReceipt(r(cn, 9, 300));
      // XX's: up to 4 at 150. CN's receipt of XX's log is not about US's messages.
      await store.putReceipt(r(xx, 4, 150));
      await store.putReceipt(r(cn, 50, 120, xx));
      const at = (seqs: number[]) => seqs.map((seq) => ({ channel, author: us, seq }));
      const times = await store.listReceiptTimes(channel, at([1, 2, 3, 5, 6, 9, 10]));
      const byParty = (holder: string) => Object.fromEntries(times.filter((t) => t.holder === holder).map((t) => [t.seq, t.at]));
      expect(times.every((t) => t.author === us)).toBe(true);
      expect(byParty(cn)).toEqual({ 1: 100, 2: 100, 3: 200, 5: 200, 6: 300, 9: 300 });
      expect(byParty(xx)).toEqual({ 1: 150, 2: 150, 3: 150 });
      // A page far back reads the same (the first mark above its newest message included).
      expect((await store.listReceiptTimes(channel, at([6]))).map((t) => [t.holder === cn ? 'cn' : 'xx', t.at])).toEqual([['cn', 300]]);
      expect(await store.listReceiptTimes(channel, [])).toEqual([]);
      expect(await store.listReceiptTimes(channelId(), at([1]))).toEqual([]);
    });
  });

  describe('link samples', () => {
    it('lists recent samples towards a peer, newest first, with fractional milliseconds', async () => {
      const { store } = ctx;
      const channel = channelId();
      const [peer, other] = [partyId(), partyId()];
      for (let i = 0; i < 10; i += 1) {
        await store.addLinkSample({ channel, peer, at: 1000 + i, rttMs: 12.345678 + i, offsetMs: -0.125 * i });
      }
      await store.addLinkSample({ channel, peer: other, at: 2000, rttMs: 1, offsetMs: 0 });

      const samples = await store.listLinkSamples(channel, peer, 1005, 3);
      expect(samples).toEqual([
        { channel, peer, at: 1009, rttMs: 12.345678 + 9, offsetMs: -1.125 },
        { channel, peer, at: 1008, rttMs: 12.345678 + 8, offsetMs: -1 },
        { channel, peer, at: 1007, rttMs: 12.345678 + 7, offsetMs: -0.875 },
      ]);
      expect(await store.listLinkSamples(channel, peer, 1005)).toHaveLength(5);
    });
  });

  describe('transactions', () => {
    it('commits all writes of a transaction together', async () => {
      const { store } = ctx;
      const channel = channelId();
      const author = partyId();
      const result = await store.transaction(async (tx) => {
        await tx.appendEntries(log(channel, author, 2));
        await tx.putMessage(message({ channel, author, seq: 2 }));
        // A nested call joins the outer transaction.
        await tx.transaction((inner) => inner.setMeta('last', 2));
        return 'done';
      });
      expect(result).toBe('done');
      expect(await store.countEntries(channel)).toBe(2);
      expect(await store.listMessages(channel)).toHaveLength(1);
      expect(await store.getMeta('last')).toBe(2);
    });

    it('writes nothing when the transaction fails', async () => {
      const { store } = ctx;
      const channel = channelId();
      const author = partyId();
      await expect(
        store.transaction(async (tx) => {
          await tx.appendEntries(log(channel, author, 2));
          await tx.setMeta('last', 2);
          throw new Error('signature check failed');
        }),
      ).rejects.toThrow('signature check failed');
      expect(await store.countEntries(channel)).toBe(0);
      expect(await store.getMeta('last')).toBeUndefined();
    });
  });

  describe('durability', () => {
    it('keeps everything across close and reopen, and migrating again changes nothing', async () => {
      const channel = channelId();
      const author = partyId();
      const rows = log(channel, author, 3);
      await ctx.store.appendEntries(rows);
      await ctx.store.setMeta('party', 'US');
      await ctx.store.putReceipt({ channel, holder: partyId(), author, seq: 3, hash: rows[2]!.hash, at: 1 });

      await ctx.reopen();
      const store = await ctx.reopen();

      expect((await store.listEntries(channel)).map(written)).toEqual(rows);
      expect(await store.getMeta('party')).toBe('US');
      expect(await store.listReceipts(channel)).toHaveLength(1);
      expect(await store.heads(channel)).toEqual({ [author]: { seq: 3, hash: rows[2]!.hash } });
      expect((await store.appendEntries([entry({ channel, author, seq: 4 })]))[0]!.status).toBe('inserted');
    });
  });
});

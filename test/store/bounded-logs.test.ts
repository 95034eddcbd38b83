/**
 * What bounded channel logs read from the store (#18, migration 0019), on every backend: the
 * lasting entries, log lengths, and referents found again by hash or typed prefix once indexed.
 */
import { describe, expect, it } from 'vitest';
import { BACKENDS, useStore } from './backends.js';
import { channelId, entry, partyId } from './factories.js';

describe.each(BACKENDS)('bounded logs on $name', (backend) => {
  const ctx = useStore(backend);

  it('lists lasting entries in arrival order, and the length of each log by its index', async () => {
    const { store } = ctx;
    const channel = channelId();
    const us = partyId();
    const cn = partyId();
    const kinds = ['charter.propose', 'message', 'link.test', 'receipt', 'channel.suspend', 'ack', 'link.echo', 'issue.raise'];
    await store.appendEntries(kinds.map((kind, i) => entry({ channel, author: us, seq: i + 1, kind })));
    await store.appendEntries([entry({ channel, author: cn, seq: 1, kind: 'charter.accept' }), entry({ channel, author: cn, seq: 2, kind: 'message' })]);
    const lasting = (await store.listLastingRawEntries(channel)).map((r) => (JSON.parse(r) as { kind: string }).kind);
    expect(lasting).toEqual(['charter.propose', 'channel.suspend', 'issue.raise', 'charter.accept']);
    expect(await store.logLength(channel, us)).toBe(8);
    expect(await store.logLength(channel, cn)).toBe(2);
    expect(await store.logLength(channel, partyId())).toBe(0);
    // A repair removes entries from a seq on: their places leave the lasting list with them, and
    // entries stored again in their places are listed again.
    expect(await store.removeEntriesFrom(channel, us, 5)).toBe(4);
    const kindsOf = async () => (await store.listLastingRawEntries(channel)).map((r) => (JSON.parse(r) as { kind: string }).kind);
    expect(await kindsOf()).toEqual(['charter.propose', 'charter.accept']);
    await store.appendEntries([entry({ channel, author: us, seq: 5, kind: 'issue.raise' }), entry({ channel, author: us, seq: 6, kind: 'receipt' })]);
    expect(await kindsOf()).toEqual(['charter.propose', 'charter.accept', 'issue.raise']);
  });

  it('indexes referents by a 48-bit hash prefix, finds them by hash and by typed prefix, and keeps the highest mark', async () => {
    const { store } = ctx;
    const channel = channelId();
    const us = partyId();
    const rows = Array.from({ length: 6 }, (_, i) => entry({ channel, author: us, seq: i + 1, kind: i % 2 ? 'link.test' : 'message' }));
    await store.appendEntries(rows);
    expect(await store.listReferentRows(channel, us, 2, 5)).toEqual(rows.slice(1, 5).map((r) => ({ hash: r.hash, author: us, seq: r.seq })));
    expect(await store.referentMark(channel, us)).toBe(0);
    await store.indexReferents(channel, rows.slice(0, 4).map((r) => ({ hash: r.hash, author: us, seq: r.seq })), [{ author: us, seq: 4 }]);
    // Idempotent; a lower mark never lowers it.
    await store.indexReferents(channel, rows.slice(0, 2).map((r) => ({ hash: r.hash, author: us, seq: r.seq })), [{ author: us, seq: 2 }]);
    expect(await store.referentMark(channel, us)).toBe(4);
    expect(await store.findReferentPositions(channel, rows[2]!.hash)).toEqual([{ author: us, seq: 3 }]);
    expect(await store.findReferentPositions(channel, rows[5]!.hash)).toEqual([]);
    expect(await store.findReferentPositions(channelId(), rows[2]!.hash)).toEqual([]);
    for (const length of [6, 9, 12, 20]) expect(await store.findReferentPositionsByPrefix(channel, rows[1]!.hash.slice(0, length), 5)).toContainEqual({ author: us, seq: 2 });
  });
});

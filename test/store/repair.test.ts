/**
 * What `hotline doctor` and `hotline repair` ask of the store (#14 A2), on both backends: the
 * engine's consistency check, removing an author's entries from a place on (with their message
 * rows), and rewriting a message row's signed fields from its entry.
 */
import { describe, expect, it } from 'vitest';
import { BACKENDS, useStore } from './backends.js';
import { channelId, log, message, partyId } from './factories.js';

describe.each(BACKENDS)('store repair on $name', (backend) => {
  const ctx = useStore(backend);

  it('reports a sound database as sound', async () => {
    expect(await ctx.store.quickCheck()).toEqual([]);
  });

  it('removes an author\'s entries from a sequence number on, with their message rows, and only those', async () => {
    const { store } = ctx;
    const channel = channelId();
    const [a, b] = [partyId(), partyId()];
    await store.appendEntries([...log(channel, a, 5), ...log(channel, b, 3)]);
    for (let seq = 1; seq <= 5; seq++) await store.putMessage(message({ channel, author: a, seq }));
    expect(await store.removeEntriesFrom(channel, a, 3)).toBe(3);
    expect((await store.heads(channel))[a]?.seq).toBe(2);
    expect((await store.heads(channel))[b]?.seq).toBe(3);
    expect((await store.listMessages(channel)).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('rewrites a message row\'s signed fields, keeping what the terminal recorded about it', async () => {
    const { store } = ctx;
    const channel = channelId();
    const a = partyId();
    const m = message({ channel, author: a, seq: 1 });
    await store.putMessage({ ...m, text: 'ALTERED', precedence: 'FLASH', ackedAt: 5, ackedBy: '"x"' });
    expect(await store.rewriteMessage({ channel, author: a, seq: 1, hash: m.hash, time: m.time, precedence: 'ROUTINE', lang: 'en', text: 'as signed', replyTo: null, drill: false })).toBe(true);
    const [row] = await store.listMessages(channel);
    expect(row).toMatchObject({ text: 'as signed', precedence: 'ROUTINE', ackedAt: 5 });
    expect(await store.rewriteMessage({ channel, author: a, seq: 9, hash: m.hash, time: 1, precedence: 'ROUTINE', lang: 'en', text: 'x', replyTo: null, drill: false })).toBe(false);
  });
});

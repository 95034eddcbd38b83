/**
 * The timeline a page at a time, its search, and a page's acknowledgements (#15), on every
 * backend: pages go back from a cursor without gaps or repeats, a search matches any script
 * case-insensitively, and a page's acknowledgements are read through message_acks.
 */
import { describe, expect, it } from 'vitest';
import type { MessageRow } from '../../src/store/index.js';
import { BACKENDS, useStore } from './backends.js';
import { channelId, entry, message, partyId } from './factories.js';

const cursor = (m: MessageRow) => ({ time: m.time, author: m.author, seq: m.seq });

describe.each(BACKENDS)('message pages on $name', (backend) => {
  const ctx = useStore(backend);

  it('pages back from a cursor through equal times without gaps or repeats', async () => {
    const { store } = ctx;
    const channel = channelId();
    const [a, b] = [partyId(), partyId()];
    // Two authors, three messages per second: ties on time are settled by (author, seq).
    const all = [];
    for (let seq = 1; seq <= 30; seq += 1) all.push(message({ channel, author: seq % 2 ? a : b, seq, time: 1_700_000_000_000 + Math.floor(seq / 3) * 1000 }));
    await store.putMessages(all);
    const seen: string[] = [];
    let page = await store.listMessages(channel, { limit: 7 });
    while (page.length > 0) {
      seen.unshift(...page.map((m) => m.hash));
      page = await store.listMessages(channel, { limit: 7, before: cursor(page[0]!) });
    }
    expect(seen).toEqual((await store.listMessages(channel)).map((m) => m.hash));
    expect(new Set(seen).size).toBe(30);
  });

  it('searches text in any script, case-insensitively where it has case, with precedence, officer and time', async () => {
    const { store } = ctx;
    const channel = channelId();
    const author = partyId();
    const texts = ['Vessel turning NORTH', 'Судно поворачивает на СЕВЕР', '船只向北转向', 'ROUTINE check 100%', 'север и юг'];
    await store.putMessages(texts.map((text, i) => message({ channel, author, seq: i + 1, text, precedence: i === 1 ? 'FLASH' : 'ROUTINE', officer: i === 4 ? 'Анна Петрова' : 'Li Wei' })));
    const texts_ = async (o: Parameters<typeof store.searchMessages>[1]) => (await store.searchMessages(channel, o)).map((m) => m.text);
    expect(await texts_({ text: 'north', limit: 10 })).toEqual(['Vessel turning NORTH']);
    expect(await texts_({ text: 'СЕВЕР', limit: 10 })).toEqual(['север и юг', 'Судно поворачивает на СЕВЕР']);
    expect(await texts_({ text: '向北', limit: 10 })).toEqual(['船只向北转向']);
    expect(await texts_({ text: '100%', limit: 10 })).toEqual(['ROUTINE check 100%']);
    expect(await texts_({ text: '0%', limit: 10 })).toEqual(['ROUTINE check 100%']);
    expect(await texts_({ text: '_', limit: 10 })).toEqual([]);
    expect(await texts_({ text: 'север', precedences: ['FLASH'], limit: 10 })).toEqual(['Судно поворачивает на СЕВЕР']);
    expect(await texts_({ officer: 'анна', limit: 10 })).toEqual(['север и юг']);
    expect(await texts_({ since: 1_700_000_002_000, until: 1_700_000_003_000, limit: 10 })).toEqual(['船只向北转向', 'Судно поворачивает на СЕВЕР']);
    const first = await store.searchMessages(channel, { limit: 2 });
    expect((await store.searchMessages(channel, { limit: 10, before: cursor(first[1]!) })).map((m) => m.seq)).toEqual([3, 2, 1]);
  });

  it('reads the entries of a page and of every acknowledgement of it, and nothing else', async () => {
    const { store } = ctx;
    const channel = channelId();
    const [us, them] = [partyId(), partyId()];
    const messages = [1, 2, 3].map((seq) => entry({ channel, author: us, seq, body: { text: `m${seq}` } }));
    const acks = [1, 2, 3].map((seq) => entry({ channel, author: them, seq, kind: 'ack', body: { message: messages[seq === 3 ? 0 : seq]!.hash } }));
    await store.appendEntries([...messages, ...acks]);
    await store.putMessages(messages.map((m) => message({ channel, author: us, seq: m.seq, hash: m.hash })));
    // Ack 1 acknowledges message 2, ack 2 message 3, ack 3 message 1 (recorded twice: idempotent).
    await store.putAckEntry({ channel, author: us, seq: 2 }, { author: them, seq: 1 });
    await store.putAckEntry({ channel, author: us, seq: 3 }, { author: them, seq: 2 });
    await store.putAckEntry({ channel, author: us, seq: 1 }, { author: them, seq: 3 });
    await store.putAckEntry({ channel, author: us, seq: 1 }, { author: them, seq: 3 });
    const got = await store.listPageEntries(channel, [{ channel, author: us, seq: 1 }]);
    expect(got.map((e) => `${e.kind}:${e.seq}`)).toEqual(['message:1', 'ack:3']);    // Who has acknowledged a message: each party once, however many of its entries acknowledge it.
    const third = partyId();
    await store.putAckEntry({ channel, author: us, seq: 1 }, { author: third, seq: 7 });
    await store.putAckEntry({ channel, author: us, seq: 1 }, { author: third, seq: 8 });
    expect((await store.ackersOf({ channel, author: us, seq: 1 })).sort()).toEqual([them, third].sort());
    expect(await store.ackersOf({ channel, author: us, seq: 9 })).toEqual([]);
  });

  it('reads a page of 100,000 positions (the officer API\'s largest) within the engine\'s bound-parameter limit', async () => {
    const { store } = ctx;
    const channel = channelId();
    const [us, them] = [partyId(), partyId()];
    // Messages at seqs 1, 50,000 and 99,999 (the rest of the positions asked for hold nothing).
    const seqs = [1, 50_000, 99_999];
    const messages = seqs.map((seq) => entry({ channel, author: us, seq, body: { text: `m${seq}` } }));
    const ack = entry({ channel, author: them, seq: 1, kind: 'ack', body: { message: messages[2]!.hash } });
    await store.appendEntries([...messages, ack]);
    await store.putAckEntry({ channel, author: us, seq: 99_999 }, { author: them, seq: 1 });
    const positions = Array.from({ length: 100_000 }, (_, i) => ({ channel, author: us, seq: i + 1 }));
    const got = await store.listPageEntries(channel, positions);
    expect(got.map((e) => `${e.kind}:${e.seq}`)).toEqual(['message:1', 'message:50000', 'message:99999', 'ack:1']);
  });
});

/**
 * A pinned peer flooding this terminal. Forged entries (the US terminal's key id, another key's
 * signatures): each is refused in the answer, but the officers' consoles hear one alarm, not one
 * per entry (the rest of the window is summed up later, events/repeated-alarms.ts), and the log one
 * line. Proposals, genuine ones, channel after channel: at most MAX_OPEN_PROPOSALS await an answer
 * from one party; the rest are refused until some are answered. Its own entries of channels nobody
 * else holds (authentic, waiting for nothing that will come): they take at most its share of the
 * memory for held entries, and another party's entry ahead of its log is still held.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { KeySigner, proposeChannel, sealEntry, type Charter } from '../../src/protocol/index.js';
import { MAX_OPEN_PROPOSALS } from '../../src/terminal/channels/receiver.js';
import type { EventOf } from '../../src/terminal/events/event-bus.js';
import { message, startFixture, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => {
  await f?.close();
});

it('answers every forged entry of a flood, and raises one alarm for it', async () => {
  const alarms: EventOf<'alarm'>[] = [];
  f.service.events.on('alarm', (a) => alarms.push(a));
  const forger = KeySigner.generate();
  const signer = { publicKey: f.us.terminal.publicKey, sign: (m: Uint8Array) => forger.sign(m) };
  for (let round = 0; round < 3; round++) {
    const forged = Array.from({ length: 500 }, (_, i) => f.usEntry('message', message(`forged ${round}/${i}`), Date.now(), signer).raw);
    const r = await f.post(JSON.stringify({ entries: forged }));
    expect(r.status).toBe(200);
    const out = r.json as unknown as { accepted: number; rejected: Array<{ code: string }> };
    expect(out.accepted).toBe(0);
    expect(out.rejected).toHaveLength(500);
    expect(new Set(out.rejected.map((x) => x.code))).toEqual(new Set(['ENTRY_BAD_SIGNATURE']));
  }
  expect(alarms.map((a) => a.code)).toEqual(['ENTRY_BAD_SIGNATURE']);
  expect(f.logs.filter((l) => l.code === 'ENTRY_BAD_SIGNATURE')).toHaveLength(1);
});

it('holds at most MAX_OPEN_PROPOSALS proposals from one party awaiting an answer, and takes more once some are answered', async () => {
  const template = (await f.store.listEntries(f.channel))[0]!;
  const charter = (JSON.parse(template.raw) as { body: { charter: Charter } }).body.charter;
  const propose = (i: number) => proposeChannel(f.us.terminal, f.us.party, { ...charter, title: { en: `Proposal ${i}` } }, Date.now());
  const proposals = Array.from({ length: MAX_OPEN_PROPOSALS + 20 }, (_, i) => propose(i));
  const r = await f.post(JSON.stringify({ entries: proposals.map((p) => p.raw) }));
  const out = r.json as unknown as { accepted: number; rejected: Array<{ code: string; message: string }> };
  expect(out.accepted).toBe(MAX_OPEN_PROPOSALS);
  expect(out.rejected).toHaveLength(20);
  expect(out.rejected[0]!.code).toBe('CHANNEL_PROPOSALS_LIMIT');
  expect(out.rejected[0]!.message).toMatch(/Party US has 100 channel proposals awaiting an answer here/);
  // CN's officers decline one: the next proposal is taken.
  await f.service.decline(proposals[0]!.hash, 'Not now.');
  const again = await f.post(JSON.stringify({ entries: [proposals[MAX_OPEN_PROPOSALS]!.raw] }));
  expect((again.json as unknown as { accepted: number }).accepted).toBe(1);
});

it('holds another party\'s entries ahead of its log while one party floods entries that wait for nothing', async () => {
  // RU (paired, not in the channel) sends about 70 MB of its own genuine entries of channels no one
  // holds here: more than all the memory for held entries (64 MiB), let alone its share (16 MiB).
  const text = 'x'.repeat(15_000);
  const hex = () => randomBytes(32).toString('hex');
  for (let round = 0; round < 9; round++) {
    const flood = Array.from({ length: 500 }, (_, i) =>
      sealEntry({ channel: hex(), author: f.ru.party, key: f.ru.terminal.publicKey, seq: 2, prev: hex(), heads: {}, time: Date.now(), kind: 'message', body: message(`${text} ${round}/${i}`) }, f.ru.terminal).raw,
    );
    const r = await f.post(JSON.stringify({ entries: flood }), { who: f.ru });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ accepted: 0, rejected: [] });
  }
  // And small ones, to take what room the large ones left.
  const small = Array.from({ length: 200 }, () => sealEntry({ channel: hex(), author: f.ru.party, key: f.ru.terminal.publicKey, seq: 2, prev: hex(), heads: {}, time: Date.now(), kind: 'message', body: message('x') }, f.ru.terminal).raw);
  expect((await f.post(JSON.stringify({ entries: small }), { who: f.ru })).json).toMatchObject({ accepted: 0, rejected: [] });
  // US: an entry whose predecessor comes second (longer than RU's small ones). It is held, and both are taken in together.
  const first = f.usEntry('message', message('first, sent second: the predecessor'));
  expect(f.usLog.ingest(first).status).toBe('accepted');
  const second = f.usEntry('message', message(`second, sent first: held until its predecessor arrives. ${'-'.repeat(1000)}`));
  expect(f.usLog.ingest(second).status).toBe('accepted');
  const ahead = await f.post(JSON.stringify({ entries: [second.raw] }));
  expect(ahead.json).toMatchObject({ accepted: 0, pending: 1 });
  const then = await f.post(JSON.stringify({ entries: [first.raw] }));
  expect(then.json).toMatchObject({ accepted: 2, pending: 0, rejected: [] });
}, 120_000);

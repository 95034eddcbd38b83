/**
 * The send stream (send-stream.ts): messages over one WebSocket, each answered as the same POST
 * would be, in frame order; bad frames refused without closing it; the precedence cap checked
 * for each message; audit records and idempotency keys as for a POST; a console session only from
 * its own origin; credentials that end meanwhile close it.
 */
import type WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamAnswer } from '../../src/terminal/officer-api/api-schemas.js';
import { SESSION_COOKIE } from '../../src/terminal/officer-api/auth.js';
import { STREAM_ROUTE } from '../../src/terminal/officer-api/send-stream.js';
import { officerFixture, TOKEN, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

interface Stream {
  readonly ws: WebSocket;
  send(frame: unknown): void;
  /** The next `n` answers. */
  answers(n: number): Promise<StreamAnswer[]>;
  closed: Promise<number>;
}

async function open(fx: OfficerFixture, headers: Record<string, string>): Promise<Stream> {
  await fx.app.ready();
  const got: StreamAnswer[] = [];
  const waiting: Array<() => void> = [];
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((r) => (resolveClosed = r));
  const ws = (await fx.app.injectWS(`/api/v1/channels/${fx.channel}/messages/stream`, { headers }, {
    onInit: (w: WebSocket) => {
      w.on('message', (d) => {
        got.push(JSON.parse(String(d)) as StreamAnswer);
        for (const w2 of waiting.splice(0)) w2();
      });
      w.on('close', (code) => resolveClosed(code));
    },
  })) as WebSocket;
  let taken = 0;
  return {
    ws,
    closed,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    async answers(n) {
      while (got.length < taken + n) await new Promise<void>((r) => waiting.push(r));
      const out = got.slice(taken, taken + n);
      taken += n;
      return out;
    },
  };
}

const bearer = { authorization: `Bearer ${TOKEN}` };
const texts = async (fx: OfficerFixture) => (await fx.t.a.store.listEntries(fx.channel, { kinds: ['message'] })).filter((e) => e.author === fx.t.a.self.party).map((e) => (JSON.parse(e.raw) as { body: { text: string } }).body.text);

describe('send stream', () => {
  it('signs messages in frame order and answers each as the POST would, with its audit record', async () => {
    f = await officerFixture();
    const s = await open(f, bearer);
    for (let i = 1; i <= 5; i++) s.send({ ref: i, message: { text: `track ${i}`, precedence: i === 3 ? 'PRIORITY' : 'ROUTINE' } });
    const answers = await s.answers(5);
    expect(answers.map((a) => [a.ref, a.status])).toEqual([1, 2, 3, 4, 5].map((i) => [i, 201]));
    const sent = answers.map((a) => (a as { message: { id: string; seq: number } }).message);
    expect(sent.map((m) => m.seq)).toEqual([...sent.map((m) => m.seq)].sort((x, y) => x - y));
    expect(await texts(f)).toEqual(['track 1', 'track 2', 'track 3', 'track 4', 'track 5']);
    // The same message list as for a POST.
    const list = (await f.host('GET', `/api/v1/channels/${f.channel}/messages`)).json() as Array<{ id: string; precedence: string }>;
    expect(list.find((m) => m.id === sent[2]!.id)?.precedence).toBe('PRIORITY');
    const audit = (await f.host('GET', '/api/v1/audit/records?limit=20')).json() as { records: Array<{ action: string; detail: string }> };
    const streamed = audit.records.map((r) => ({ action: r.action, ...(JSON.parse(r.detail) as { route?: string; id?: string; status?: number; params?: { id?: string } }) })).filter((r) => r.route === STREAM_ROUTE);
    expect(streamed.map((r) => r.id).sort()).toEqual(sent.map((m) => m.id).sort());
    expect(streamed.every((r) => r.action === 'message.send' && r.status === 201 && r.params?.id === f!.channel)).toBe(true);
    s.ws.terminate();
  });

  it('takes the next message in while the one before is being committed', async () => {
    f = await officerFixture();
    const wing = f.t.a;
    const send = wing.send.bind(wing);
    let running = 0;
    let most = 0;
    wing.send = async (...args: Parameters<typeof send>) => {
      running += 1;
      most = Math.max(most, running);
      try {
        return await send(...args);
      } finally {
        running -= 1;
      }
    };
    const s = await open(f, bearer);
    for (let i = 0; i < 20; i++) s.send({ ref: i, message: { text: `m${i}` } });
    const answers = await s.answers(20);
    expect(answers.map((a) => a.ref)).toEqual([...Array(20).keys()]);
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(most).toBeGreaterThan(1);
    expect(await texts(f)).toEqual([...Array(20).keys()].map((i) => `m${i}`));
    s.ws.terminate();
  });

  it('refuses a bad frame with a clear error, stores nothing for it and stays open', async () => {
    f = await officerFixture();
    const s = await open(f, bearer);
    s.send('not json');
    s.send({ ref: 'a', message: {} });
    s.send({ ref: 'b', message: { text: 'x', colour: 'red' } });
    s.send('{"ref":"c","message":{"text":"x","text":"y"}}');
    s.send({ ref: 'd', message: { text: 'x' }, extra: 1 });
    s.send({ ref: 'e', message: { text: 'fine' } });
    const [notJson, empty, unknown, twice, extra, fine] = await s.answers(6);
    expect(notJson).toMatchObject({ ref: null, status: 400, error: { code: 'BAD_REQUEST', message: expect.stringContaining('one JSON object') } });
    expect(empty).toMatchObject({ ref: 'a', status: 400, error: { code: 'BAD_REQUEST', message: expect.stringContaining('"text"') } });
    expect(unknown).toMatchObject({ ref: 'b', status: 400, error: { code: 'BAD_REQUEST' } });
    expect(twice).toMatchObject({ ref: 'c', status: 422, error: { code: 'JSON_DUPLICATE_MEMBER', message: expect.stringContaining('"text"') } });
    expect(extra).toMatchObject({ ref: 'd', status: 400 });
    expect(fine).toMatchObject({ ref: 'e', status: 201 });
    expect(await texts(f)).toEqual(['fine']);
    s.ws.terminate();
  });

  it('checks the precedence cap of each message and signs in the officer\'s own name', async () => {
    f = await officerFixture();
    await f.add('Cdr Smith', ['duty-officer']);
    // The anonymous host credential may not sign once officers exist.
    await f.app.ready();
    await expect(f.app.injectWS(`/api/v1/channels/${f.channel}/messages/stream`, { headers: bearer })).rejects.toThrow(/403/);
    const s = await open(f, { ...bearer, 'x-hotline-officer': 'Cdr Smith' });
    s.send({ ref: 1, message: { text: 'routine', precedence: 'ROUTINE' } });
    s.send({ ref: 2, message: { text: 'flash', precedence: 'FLASH' } });
    s.send({ ref: 3, message: { text: 'impersonated' }, from: { name: 'The Minister', title: 'Minister', role: 'principal' } });
    s.send({ ref: 4, message: { text: 'immediate', precedence: 'IMMEDIATE' } });
    const [routine, flash, impersonated, immediate] = await s.answers(4);
    expect(routine).toMatchObject({ status: 201 });
    expect(flash).toMatchObject({ ref: 2, status: 403, error: { code: 'FORBIDDEN', message: expect.stringContaining('"message.send:FLASH"') } });
    expect(impersonated).toMatchObject({ ref: 3, status: 403 });
    expect(immediate).toMatchObject({ status: 201 });
    const signers = (await f.t.a.store.listEntries(f.channel, { kinds: ['message'] })).filter((e) => e.author === f!.t.a.self.party).map((e) => (JSON.parse(e.raw) as { body: { text: string; from?: { name: string } } }).body);
    expect(signers.map((b) => [b.text, b.from?.name])).toEqual([['routine', 'Cdr Smith'], ['immediate', 'Cdr Smith']]);
    s.ws.terminate();
  });

  it('replays the answer of a repeated key and refuses a key reused for another message', async () => {
    f = await officerFixture();
    const s = await open(f, bearer);
    s.send({ ref: 1, key: 'gw-0001', message: { text: 'contact 041' } });
    const [first] = await s.answers(1);
    s.send({ ref: 2, key: 'gw-0001', message: { text: 'contact 041' } });
    s.send({ ref: 3, key: 'gw-0001', message: { text: 'contact 042' } });
    const [again, reused] = await s.answers(2);
    expect(first).toMatchObject({ status: 201 });
    expect(again).toMatchObject({ ref: 2, status: 201, replayed: true, message: (first as { message: unknown }).message });
    expect(reused).toMatchObject({ ref: 3, status: 422, error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(await texts(f)).toEqual(['contact 041']);
    s.ws.terminate();
  });

  it('lets a console session open it only from its own origin', async () => {
    f = await officerFixture();
    const session = await f.login('Cdr Smith', await f.add('Cdr Smith', ['duty-officer']));
    const cookie = `${SESSION_COOKIE}=${session.cookie}`;
    await f.app.ready();
    await expect(f.app.injectWS(`/api/v1/channels/${f.channel}/messages/stream`, { headers: { cookie, origin: 'https://evil.example' } })).rejects.toThrow(/403/);
    await expect(f.app.injectWS(`/api/v1/channels/${f.channel}/messages/stream`, { headers: { cookie } })).rejects.toThrow(/403/);
    const s = await open(f, { cookie, host: 'hotline.test:8443', origin: 'https://hotline.test:8443' });
    s.send({ ref: 1, message: { text: 'from the console' } });
    expect((await s.answers(1))[0]).toMatchObject({ status: 201 });
    s.ws.terminate();
  });

  it('asks again who is calling: a disabled officer\'s stream is answered AUTH_DISABLED and closed', async () => {
    f = await officerFixture();
    await f.add('Cdr Smith', ['duty-officer']);
    const s = await open(f, { ...bearer, 'x-hotline-officer': 'Cdr Smith' });
    s.send({ ref: 1, message: { text: 'before' } });
    expect((await s.answers(1))[0]).toMatchObject({ status: 201 });
    expect((await f.host('POST', '/api/v1/officers/Cdr%20Smith/disable')).statusCode).toBe(200);
    f.t.clock.advance(1_000);
    s.send({ ref: 2, message: { text: 'after' } });
    expect((await s.answers(1))[0]).toMatchObject({ ref: 2, status: 403, error: { code: 'AUTH_DISABLED' } });
    expect(await s.closed).toBe(1008);
    expect(await texts(f)).toEqual(['before']);
  });

  it('refuses a caller that is not signed in, and a channel that is not held', async () => {
    f = await officerFixture();
    await f.app.ready();
    await expect(f.app.injectWS(`/api/v1/channels/${f.channel}/messages/stream`, {})).rejects.toThrow(/401/);
    await expect(f.app.injectWS('/api/v1/channels/deadbeef/messages/stream', { headers: bearer })).rejects.toThrow(/404/);
  });
});

/**
 * Attacks against a real federation server on 127.0.0.1 (terminal CN, peers US and RU): who may
 * connect, what a pinned peer may push, and what reaches the database. After each attack the
 * store is compared with a snapshot taken before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeySigner, canonicalize, composeEntry, sealEntry, type Entry, type Signer } from '../../src/protocol/index.js';
import { MAX_FUTURE_SKEW_MS } from '../terminal/test-wing.js';
import { createPinnedClient } from '../../src/terminal/tls/pinned-client.js';
import { generateTlsIdentity } from '../../src/terminal/tls/tls-identity.js';
import { frames, message, startFixture, type Fixture } from './fixture.js';
import { dribble, within } from '../slow-clients.js';
import { FaultProxy } from '../e2e/fault-proxy.js';
import { freePort } from '../e2e/harness.js';

let f: Fixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => {
  await f?.close();
});

/** No response of the federation API shows a stack trace or a path of this machine. */
function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/\n\s+at |node_modules|\/work\/|\/tmp\/|\.ts:\d|\.js:\d|stack/i);
}

type Outcome = { accepted: number; duplicate: number; pending: number; rejected: Array<{ code: string; message: string }> };

describe('federation attacks: who may connect', () => {
  it('refuses a TLS client whose key is not pinned (401 FED_UNPINNED_CLIENT), for POST, GET and the stream', async () => {
    const before = await f.snapshot();
    const stranger = await generateTlsIdentity('mallory');
    const c = createPinnedClient({ key: stranger.keyPem, cert: stranger.certPem, expectedFingerprint: f.cn.tls.spkiFingerprint });
    try {
      const genuine = f.usEntry('message', message('carried by a stranger'));
      const r = await c.request(`${f.url}/fed/v1/entries`, { method: 'POST', body: JSON.stringify({ entries: [genuine.raw] }), headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(401);
      const body = JSON.parse(r.body.toString()) as { code: string; message: string };
      expect(body.code).toBe('FED_UNPINNED_CLIENT');
      expectNoLeak(r.body.toString());
      const g = await c.request(`${f.url}/fed/v1/channels/${f.channel}/entries?author=${f.us.party}`);
      expect(g.status).toBe(401);
      const up = await c.request(`${f.url}/fed/v1/stream`, { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
      expect(up.status).toBe(401);
      const nf = await c.request(`${f.url}/no/such/route`);
      expect(nf.status).toBe(401);
    } finally {
      c.close();
    }
    expect(await f.snapshot()).toEqual(before);
    expect(f.logs.some((l) => l.code === 'FED_UNPINNED_CLIENT')).toBe(true);
  });

  it('refuses a client without any certificate', async () => {
    const { request } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${f.url}/fed/v1/card`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
  });
});

describe('federation attacks: what a pinned peer may push', () => {
  it('accepts a genuine entry of another party relayed by a pinned peer (multilateral relay), once', async () => {
    const genuine = f.usEntry('message', message('relayed by RU'));
    const r = await f.post(JSON.stringify({ entries: [genuine.raw] }), { who: f.ru });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ accepted: 1, rejected: [] });
    f.usLog.ingest(genuine);
    const again = await f.post(JSON.stringify({ entries: [genuine.raw] }), { who: f.us });
    expect(again.json).toMatchObject({ accepted: 0, duplicate: 1, rejected: [] });
  });

  it("refuses a pinned peer forging another party's entries: the entry must verify under its author's key", async () => {
    const before = await f.snapshot();
    // US signs with its own (valid) terminal key but claims CN as author: CN's log, CN's keys.
    const log = f.usLog;
    const asCn = composeEntry(log, f.us.terminal, f.cn.party, 'message', message('CN admits everything'), Date.now());
    // US claims RU (pinned, known to CN) as author, signed by US's key.
    const asRu = composeEntry(log, f.us.terminal, f.ru.party, 'message', message('RU joins'), Date.now());
    // US uses CN's real key id but cannot produce CN's signature.
    const cnKeyForged = composeEntry(log, { publicKey: f.cn.terminal.publicKey, sign: (m) => f.us.terminal.sign(m) }, f.cn.party, 'message', message('forged under CN key id'), Date.now());
    const r = await f.post(JSON.stringify({ entries: [asCn.raw, asRu.raw, cnKeyForged.raw] }));
    expect(r.status).toBe(200);
    const out = r.json as unknown as Outcome;
    expect(out.accepted).toBe(0);
    // As CN: no certificate of CN names US's key. As RU: RU is not a party of this channel (and
    // US's key is not RU's either). Under CN's key id: the signature does not verify.
    expect(out.rejected.map((x) => x.code)).toEqual(['ENTRY_UNKNOWN_KEY', 'ENTRY_AUTHOR_NOT_PARTY', 'ENTRY_BAD_SIGNATURE']);
    // RU's genuine entry in a channel RU is not a party of.
    const ruOwn = composeEntry(log, f.ru.terminal, f.ru.party, 'message', message('RU speaks uninvited'), Date.now());
    const r2 = await f.post(JSON.stringify({ entries: [ruOwn.raw] }), { who: f.ru });
    expect((r2.json as unknown as Outcome).rejected.map((x) => x.code)).toEqual(['ENTRY_AUTHOR_NOT_PARTY']);
    expect(await f.snapshot()).toEqual(before);
  });

  it('refuses forged and tampered entries', async () => {
    const before = await f.snapshot();
    const forger = KeySigner.generate();
    const unknownKey = f.usEntry('message', message('signed by an unknown key'), Date.now(), forger);
    const badSig = f.usEntry('message', message('US key id, foreign signature'), Date.now(), { publicKey: f.us.terminal.publicKey, sign: (m) => forger.sign(m) });
    const genuine = f.usEntry('message', message('the genuine text'));
    const value = JSON.parse(genuine.raw) as { body: { text: string } };
    value.body.text = 'the tampered text';
    const tampered = canonicalize(value);
    const nonCanonical = genuine.raw.replace('{', '{ ');
    const truncated = genuine.raw.slice(0, -5);
    // A formatted message's fields are unbounded numbers (§2.4): 1e400 parses to Infinity, which has no canonical form.
    const formatted = JSON.parse(genuine.raw) as { body: Record<string, unknown> };
    formatted.body.format = { hash: '0'.repeat(64), id: 'position-report', version: 1 };
    formatted.body.fields = { course: 7 };
    const overflowing = canonicalize(formatted).replace('"course":7', '"course":1e400');
    const r = await f.post(JSON.stringify({ entries: [unknownKey.raw, badSig.raw, tampered, nonCanonical, truncated, 'null', '{}', overflowing] }));
    const out = r.json as unknown as Outcome;
    expect(r.status).toBe(200);
    expect(out.accepted).toBe(0);
    expect(out.rejected.map((x) => x.code)).toEqual([
      'ENTRY_UNKNOWN_KEY',
      'ENTRY_BAD_SIGNATURE',
      'ENTRY_BAD_SIGNATURE',
      'ENTRY_NON_CANONICAL',
      'ENTRY_MALFORMED',
      'ENTRY_MALFORMED',
      'ENTRY_MALFORMED',
      'ENTRY_MALFORMED',
    ]);
    expect(out.rejected.at(-1)!.message).toMatch(/no IEEE 754 double/);
    expect(await f.snapshot()).toEqual(before);
  });

  it('refuses forged entries ahead of the log too (they are not held waiting for their predecessors)', async () => {
    const before = await f.snapshot();
    const forger = KeySigner.generate();
    // seq far ahead: would wait for the missing ones; it must be checked before it is held.
    const genuine = f.usEntry('message', message('placeholder'));
    const { sig: _sig, v: _v, ...fields } = JSON.parse(genuine.raw) as Entry<'message'>;
    const reseal = (over: Partial<Entry<'message'>>, signer: Signer) => sealEntry({ ...fields, ...over, key: signer.publicKey }, signer).raw;
    const forgedAhead = reseal({ seq: fields.seq + 5 }, forger);
    const badSigAhead = reseal({ seq: fields.seq + 5 }, { publicKey: f.us.terminal.publicKey, sign: (m) => forger.sign(m) });
    // An entry for a channel CN does not hold, signed by nobody CN knows.
    const unknownChannel = reseal({ channel: 'ab'.repeat(32) }, forger);
    const r = await f.post(JSON.stringify({ entries: [forgedAhead, badSigAhead, unknownChannel] }));
    const out = r.json as unknown as Outcome;
    expect(out).toMatchObject({ accepted: 0, pending: 0 });
    expect(out.rejected.map((x) => x.code)).toEqual(['ENTRY_UNKNOWN_KEY', 'ENTRY_BAD_SIGNATURE', 'ENTRY_UNKNOWN_KEY']);
    expect(await f.snapshot()).toEqual(before);
  });

  it(`refuses entries dated more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future, accepts small skew`, async () => {
    const before = await f.snapshot();
    const future = f.usEntry('message', message('from the future'), Date.now() + MAX_FUTURE_SKEW_MS + 60_000);
    const r = await f.post(JSON.stringify({ entries: [future.raw] }));
    const out = r.json as unknown as Outcome;
    expect(out.accepted).toBe(0);
    expect(out.rejected[0]!.code).toBe('ENTRY_MALFORMED');
    expect(out.rejected[0]!.message).toMatch(/future/);
    expect(await f.snapshot()).toEqual(before);
    const skewed = f.usEntry('message', message('a little ahead'), Date.now() + 60_000);
    const ok = await f.post(JSON.stringify({ entries: [skewed.raw] }));
    expect(ok.json).toMatchObject({ accepted: 1, rejected: [] });
    f.usLog.ingest(skewed);
  });

  it('takes replays as duplicates, over POST and over the stream, and changes nothing', async () => {
    await new Promise((r) => setTimeout(r, 50)); // receipts of the last test settle
    const before = await f.snapshot();
    const all = (await f.store.listEntries(f.channel)).map((r) => r.raw);
    const r = await f.post(JSON.stringify({ entries: all }));
    expect(r.json).toMatchObject({ accepted: 0, pending: 0, rejected: [], duplicate: all.length });
    const ws = await f.ws();
    const got = frames(ws);
    ws.send(JSON.stringify({ t: 'entries', id: 7, entries: all }));
    ws.send(JSON.stringify({ t: 'entries', id: 8, entries: all.slice().reverse() }));
    const s7 = await got.next((x) => x.t === 'stored' && x.id === 7);
    const s8 = await got.next((x) => x.t === 'stored' && x.id === 8);
    for (const s of [s7, s8]) expect(s).toMatchObject({ accepted: 0, pending: 0, rejected: [], duplicate: all.length });
    ws.close();
    expect(await f.snapshot()).toEqual(before);
  });
});

describe('federation attacks: malformed and oversized input', () => {
  it('answers malformed and oversized bodies with a code, no stack and no path, and logs each', async () => {
    const before = await f.snapshot();
    const cases: Array<{ body: string | Buffer; type?: string; status: number; code: string }> = [
      { body: '{"entries": [', status: 400, code: 'BAD_REQUEST' },
      { body: '{"entries": []}', status: 400, code: 'BAD_REQUEST' },
      { body: '{"entries": ["x"], "extra": true}', status: 400, code: 'BAD_REQUEST' },
      { body: '[]', status: 400, code: 'BAD_REQUEST' },
      { body: 'entries=1', type: 'text/plain', status: 400, code: 'BAD_REQUEST' },
      { body: '<entries/>', type: 'application/xml', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { body: '{"__proto__": {"polluted": true}, "entries": ["x"]}', status: 400, code: 'BAD_REQUEST' },
      { body: JSON.stringify({ entries: ['x'.repeat(70_001)] }), status: 400, code: 'BAD_REQUEST' },
      { body: JSON.stringify({ entries: Array.from({ length: 1025 }, () => 'x') }), status: 400, code: 'BAD_REQUEST' },
      { body: Buffer.alloc(9 * 1024 * 1024, 0x20), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    ];
    for (const c of cases) {
      const r = await f.post(c.body, { contentType: c.type });
      expect({ status: r.status, code: r.json.code }, String(c.body).slice(0, 60)).toEqual({ status: c.status, code: c.code });
      expect(typeof r.json.message).toBe('string');
      expectNoLeak(r.text);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Scalars are coerced to strings by the schema layer, then refused one by one as entries.
    const coerced = await f.post('{"entries": [1, true]}');
    expect(coerced.status).toBe(200);
    expect((coerced.json as unknown as Outcome).rejected.map((x) => x.code)).toEqual(['ENTRY_MALFORMED', 'ENTRY_MALFORMED']);
    const nf = await f.client().request(`${f.url}/fed/v1/nothing-here`);
    expect(nf.status).toBe(404);
    expect(JSON.parse(nf.body.toString())).toMatchObject({ code: 'NOT_FOUND' });
    const badQuery = await f.client().request(`${f.url}/fed/v1/channels/${f.channel}/entries?author=nope&limit=99999`);
    expect(badQuery.status).toBe(400);
    expectNoLeak(badQuery.body.toString());
    const notShared = await f.client(f.ru).request(`${f.url}/fed/v1/channels/${f.channel}/entries?author=${f.us.party}`);
    expect(notShared.status).toBe(404);
    // The list of channels names only those shared with the caller, each with its proposer (CN here).
    const listed = await f.client().request(`${f.url}/fed/v1/channels`);
    expect([listed.status, JSON.parse(listed.body.toString())]).toEqual([200, { channels: [{ id: f.channel, proposer: f.cn.party }] }]);
    const listedRu = await f.client(f.ru).request(`${f.url}/fed/v1/channels`);
    expect(JSON.parse(listedRu.body.toString())).toEqual({ channels: [] });
    expect(await f.snapshot()).toEqual(before);
    for (const code of ['BAD_REQUEST', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'CHANNEL_NOT_FOUND']) expect(f.logs.some((l) => l.code === code), code).toBe(true);
  });

  it('validates every stream frame: malformed frames are refused and the stream stays usable', async () => {
    const before = await f.snapshot();
    const ws = await f.ws();
    const got = frames(ws);
    const bad = ['not json', '{}', '{"t":"hello"}', '{"t":"hello","v":2,"channels":[]}', '{"t":"entries","id":-1,"entries":["x"]}', '{"t":"entries","id":1,"entries":[]}', '{"t":"holds","holds":{}}', '[]', 'null', '{"t":"hello","v":1,"channels":["zz"]}'];
    for (const b of bad) ws.send(b);
    ws.send(Buffer.from('{"t":"hello","v":1,"channels":[]}'), { binary: true });
    for (let i = 0; i < bad.length + 1; i++) expect(await got.next()).toMatchObject({ t: 'refused', code: 'FED_BAD_FRAME' });
    ws.send(JSON.stringify({ t: 'hello', v: 1, channels: [f.channel] }));
    const holds = await got.next((x) => x.t === 'holds');
    expect((holds.holds as Record<string, number>)[f.channel]).toBe(f.usLog.head(f.us.party)!.seq);
    ws.close();
    expect(await f.snapshot()).toEqual(before);
  });

  it('cuts a stream that sends a frame over the size limit', async () => {
    const small = await startFixture({ frameLimit: 64 * 1024 });
    try {
      const ws = await small.ws();
      const got = frames(ws);
      ws.send(JSON.stringify({ t: 'entries', id: 1, entries: ['x'.repeat(65_000), 'y'.repeat(10_000)] }));
      const closed = await got.closed;
      expect(closed.code).not.toBe(1000);
      await new Promise((r) => setTimeout(r, 50));
      expect(small.logs.some((l) => l.code === 'FED_FRAME_TOO_LARGE')).toBe(true);
    } finally {
      await small.close();
    }
  });
});

describe('federation attacks: rates and slow clients', () => {
  it('rate-limits requests per pinned peer (429 RATE_LIMITED), not other peers', async () => {
    const g = await startFixture({ requestsPerWindow: 5, windowMs: 60_000 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await g.post('{"entries":["x"]}')).status);
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5)).toEqual([429, 429]);
      const limited = await g.post('{"entries":["x"]}');
      expect(limited.json).toMatchObject({ code: 'RATE_LIMITED' });
      expectNoLeak(limited.text);
      expect((await g.post('{"entries":["x"]}', { who: g.ru })).status).toBe(200);
      expect(g.logs.some((l) => l.code === 'RATE_LIMITED')).toBe(true);
    } finally {
      await g.close();
    }
  });

  it('caps frames per second on a stream: refused RATE_LIMITED, then the stream is closed', async () => {
    const g = await startFixture({ framesPerSecond: 5 });
    try {
      const ws = await g.ws();
      const got = frames(ws);
      for (let i = 0; i < 40; i++) ws.send(JSON.stringify({ t: 'hello', v: 1, channels: [] }));
      const refused = await got.next((x) => x.t === 'refused');
      expect(refused).toMatchObject({ code: 'RATE_LIMITED' });
      expect((await got.closed).code).toBe(1008);
      expect(got.list.filter((x) => x.t === 'holds').length).toBeLessThanOrEqual(10);
    } finally {
      await g.close();
    }
  });

  it('caps entries per second on a stream', async () => {
    const g = await startFixture({ entriesPerSecond: 10 });
    try {
      const ws = await g.ws();
      const got = frames(ws);
      ws.send(JSON.stringify({ t: 'entries', id: 1, entries: Array.from({ length: 100 }, () => 'x') }));
      expect(await got.next((x) => x.t === 'refused')).toMatchObject({ code: 'RATE_LIMITED' });
      expect((await got.closed).code).toBe(1008);
    } finally {
      await g.close();
    }
  });

  it('caps streams per peer', async () => {
    const g = await startFixture({ maxStreamsPerPeer: 1 });
    try {
      const first = await g.ws();
      const second = await g.ws();
      const got = frames(second);
      expect(await got.next()).toMatchObject({ t: 'refused', code: 'FED_TOO_MANY_STREAMS' });
      expect((await got.closed).code).toBe(1008);
      // The first one still works, and another peer is not affected.
      const one = frames(first);
      first.send(JSON.stringify({ t: 'hello', v: 1, channels: [] }));
      expect(await one.next()).toMatchObject({ t: 'heads' });
      expect(await one.next()).toMatchObject({ t: 'holds' });
      const ru = frames(await g.ws(g.ru));
      expect(ru.list).toEqual([]);
    } finally {
      await g.close();
    }
  });

  it('cuts slow clients: a stalled TLS handshake, a connection that sends nothing, headers dribbled byte by byte', async () => {
    // The handshake deadline leaves a loaded machine (the whole suite runs in parallel) time to
    // complete the honest handshakes of steps 2 and 3.
    const g = await startFixture({ handshakeTimeoutMs: 2000, idleTimeoutMs: 800, headersTimeoutMs: 800, requestTimeoutMs: 1500, checkIntervalMs: 100 });
    const net = await import('node:net');
    const tls = await import('node:tls');
    const port = Number(new URL(g.url).port);
    // Every client socket is destroyed at the end whatever happened, so that closing the server
    // never waits on one (a failed expectation is then reported as itself, not as a hang).
    const sockets: Array<import('node:net').Socket> = [];
    const timeToClose = (socket: import('node:net').Socket) =>
      new Promise<number>((resolve) => {
        sockets.push(socket);
        const t0 = Date.now();
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(Date.now() - t0));
      });
    // Each step is bounded: a connection the server never cuts fails the test naming the step.
    const cut = <T,>(step: string, p: Promise<T>) => within(p, 15_000, `${step}: the server did not cut the connection within 15 s`);
    try {
      // 1. TCP open, TLS ClientHello never sent.
      const raw = net.connect(port, '127.0.0.1');
      const rawClosed = timeToClose(raw);
      expect(await cut('a stalled TLS handshake', rawClosed)).toBeLessThan(10_000);
      // 2. TLS completed with a pinned key, then silence.
      const idle = tls.connect({ host: '127.0.0.1', port, key: g.us.tls.keyPem, cert: g.us.tls.certPem, rejectUnauthorized: false });
      const idleClosed = timeToClose(idle);
      expect(await cut('a silent TLS connection', idleClosed)).toBeLessThan(10_000);
      // 3. Slowloris: headers one byte every 100 ms, never finished.
      const slow = tls.connect({ host: '127.0.0.1', port, key: g.us.tls.keyPem, cert: g.us.tls.certPem, rejectUnauthorized: false });
      sockets.push(slow);
      await cut('the TLS handshake of the slow client', new Promise((resolve, reject) => {
        slow.once('secureConnect', resolve);
        slow.once('close', () => reject(new Error('the server closed the connection before the TLS handshake completed')));
      }));
      const slowClosed = timeToClose(slow);
      const head = 'POST /fed/v1/entries HTTP/1.1\r\nHost: x\r\nX-Padding: ' + 'a'.repeat(1000);
      const drip = dribble(slow, head, 100);
      const took = await cut('headers dribbled byte by byte', slowClosed);
      drip.stop();
      // Cut after seconds (its deadlines are 0.8 to 2 s; the bound leaves a loaded machine room), long
      // before the 1,000-odd bytes of its headers could have dribbled in.
      expect(took).toBeLessThan(10_000);
      expect(drip.sent).toBeLessThan(110);
      await new Promise((r) => setTimeout(r, 50));
      expect(g.logs.some((l) => l.code === 'FED_TLS_ERROR')).toBe(true);
      expect(g.logs.some((l) => l.code === 'FED_TIMEOUT')).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      await g.close();
    }
  });

  it('closes at once with a client mid-handshake and one dribbling its headers', async () => {
    // Default deadlines (10 s handshake, 10 s headers): without the close cutting connections, the
    // stalled handshake would hold the close 10 s and the dribbler for as long as it dribbles.
    const g = await startFixture();
    const net = await import('node:net');
    const tls = await import('node:tls');
    const port = Number(new URL(g.url).port);
    const raw = net.connect(port, '127.0.0.1');
    raw.on('error', () => undefined);
    const slow = tls.connect({ host: '127.0.0.1', port, key: g.us.tls.keyPem, cert: g.us.tls.certPem, rejectUnauthorized: false });
    slow.on('error', () => undefined);
    const secured = new Promise((resolve) => slow.once('secureConnect', resolve));
    let drip: ReturnType<typeof dribble> | undefined;
    try {
      await secured;
      drip = dribble(slow, 'POST /fed/v1/entries HTTP/1.1\r\nHost: x\r\nX-Padding: ' + 'a'.repeat(1000), 50);
      await new Promise((r) => setTimeout(r, 300));
      const rawClosed = new Promise((resolve) => raw.once('close', resolve));
      const slowClosed = new Promise((resolve) => slow.once('close', resolve));
      const t0 = Date.now();
      await within(g.close(), 8_000, 'the federation face did not close within 8 s');
      const took = Date.now() - t0;
      await Promise.all([rawClosed, slowClosed]);
      expect(took).toBeLessThan(5_000);
    } finally {
      drip?.stop();
      raw.destroy();
      slow.destroy();
    }
  });

  it('lets a handshake on a narrow line take longer than the silence deadline, up to its own', async () => {
    // 300 B/s each way: the handshake (about 1.5 KB with these Ed25519 certificates) takes seconds, past the 1 s a silent client gets.
    const g = await startFixture({ handshakeTimeoutMs: 1000, handshakeMaxMs: 15_000 });
    const tls = await import('node:tls');
    const proxy = await FaultProxy.open(await freePort(), Number(new URL(g.url).port));
    proxy.bytesPerSec = 300;
    const client = tls.connect({ host: '127.0.0.1', port: proxy.port, key: g.us.tls.keyPem, cert: g.us.tls.certPem, rejectUnauthorized: false });
    client.on('error', () => undefined);
    try {
      const t0 = Date.now();
      await within(
        new Promise((resolve, reject) => {
          client.once('secureConnect', resolve);
          client.once('close', () => reject(new Error('the server cut a handshake under way on a narrow line')));
        }),
        14_000,
        'no handshake within 14 s',
      );
      const took = Date.now() - t0;
      expect(took).toBeGreaterThan(2000);
      expect(g.logs.filter((l) => l.code === 'FED_TLS_ERROR')).toEqual([]);
    } finally {
      client.destroy();
      await proxy.close();
      await g.close();
    }
  });

  it('closes at once a connection beyond the handshakes one address may have under way, and counts them down', async () => {
    const g = await startFixture({ maxHandshakesPerAddress: 3 });
    const net = await import('node:net');
    const tls = await import('node:tls');
    const port = Number(new URL(g.url).port);
    const held: Array<import('node:net').Socket> = [];
    const open = () => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      held.push(s);
      return new Promise<import('node:net').Socket>((resolve) => s.once('connect', () => resolve(s)));
    };
    try {
      for (let i = 0; i < 3; i++) await open();
      // The server has seen the three (its 'connection' runs before anything can arrive on the fourth).
      await new Promise((r) => setTimeout(r, 100));
      const fourth = await open();
      const t0 = Date.now();
      await within(new Promise((resolve) => fourth.once('close', resolve)), 5000, 'the fourth connection was not closed');
      expect(Date.now() - t0).toBeLessThan(2000);
      for (const s of held.slice(0, 3)) expect(s.destroyed).toBe(false);
      expect(g.logs.some((l) => l.code === 'FED_TOO_MANY_HANDSHAKES' && l.limit === 3)).toBe(true);
      // The three go: a pinned client gets through again.
      for (const s of held.slice(0, 3)) s.destroy();
      await new Promise((r) => setTimeout(r, 100));
      const ok = tls.connect({ host: '127.0.0.1', port, key: g.us.tls.keyPem, cert: g.us.tls.certPem, rejectUnauthorized: false });
      held.push(ok);
      await within(new Promise((resolve, reject) => {
        ok.once('secureConnect', resolve);
        ok.once('close', () => reject(new Error('closed: the count of handshakes under way was not lowered')));
      }), 5000, 'no handshake within 5 s');
    } finally {
      for (const s of held) s.destroy();
      await g.close();
    }
  });

  it('keeps a quiet but healthy stream open past the idle deadline (it answers pings)', async () => {
    const g = await startFixture({ idleTimeoutMs: 500, pingIntervalMs: 300 });
    try {
      const ws = await g.ws();
      const got = frames(ws);
      await new Promise((r) => setTimeout(r, 1500));
      ws.send(JSON.stringify({ t: 'hello', v: 1, channels: [g.channel] }));
      expect(await got.next()).toMatchObject({ t: 'heads' });
      expect(await got.next()).toMatchObject({ t: 'holds' });
    } finally {
      await g.close();
    }
  });
});

describe('federation rejections are logged with their code', () => {
  it('every warning or error the server logged carries a code', () => {
    const rejections = f.logs.filter((l) => typeof l.level === 'number' && l.level >= 40);
    expect(rejections.length).toBeGreaterThan(5);
    for (const l of rejections) expect(l.code, JSON.stringify(l).slice(0, 300)).toEqual(expect.any(String));
  });
});

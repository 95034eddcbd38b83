import { once } from 'node:events';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import type { RawData } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateTlsIdentity,
  normalizeSpkiFingerprint,
  spkiFingerprintOfCert,
  spkiFingerprintOfKey,
  type TlsIdentity,
} from '../../src/terminal/tls/tls-identity.js';
import { peerIdOf, pinnedServerTlsOptions, registerPeerPinning } from '../../src/terminal/tls/pinned-server.js';
import {
  FED_PIN_MISMATCH,
  FED_TIMEOUT,
  PinMismatchError,
  createPinnedClient,
  openPinnedWebSocket,
} from '../../src/terminal/tls/pinned-client.js';
import { benchPinnedRequests } from '../../src/bench/bench-tls.js';
import { slowDial } from '../../src/terminal/federation/connect-deadline.js';
import { FaultProxy } from '../e2e/fault-proxy.js';
import { freePort } from '../e2e/harness.js';

interface Server {
  app: FastifyInstance<https.Server>;
  origin: string;
  wsOrigin: string;
  /** Requests that reached the pin check (onRequest), and route handlers that ran. */
  seen: { requests: number; handlers: number; wsHandlers: number; sockets: Set<TLSSocket> };
}

async function startServer(identity: TlsIdentity, pins: Map<string, string>): Promise<Server> {
  const app = Fastify({ https: pinnedServerTlsOptions(identity), logger: false });
  const seen = { requests: 0, handlers: 0, wsHandlers: 0, sockets: new Set<TLSSocket>() };
  app.addHook('onRequest', async (request) => {
    seen.requests += 1;
    seen.sockets.add(request.raw.socket as TLSSocket);
  });
  registerPeerPinning(app, pins);
  await app.register(fastifyWebsocket);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.get('/hello', async (request) => {
    seen.handlers += 1;
    const socket = request.raw.socket as TLSSocket;
    return { peer: peerIdOf(request), protocol: socket.getProtocol() };
  });
  app.post('/echo', async (request, reply) => {
    seen.handlers += 1;
    return reply.type('application/octet-stream').send(request.body as Buffer);
  });
  app.get('/ws', { websocket: true }, (socket, request) => {
    seen.wsHandlers += 1;
    const peer = peerIdOf(request);
    socket.on('message', (data: RawData) => socket.send(`${peer}:${data.toString()}`));
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, origin: address, wsOrigin: address.replace(/^https:/, 'wss:'), seen };
}

let alice: TlsIdentity; // the server terminal
let bob: TlsIdentity; // the pinned client terminal
let mallory: TlsIdentity; // an unpinned key
let server: Server;

beforeAll(async () => {
  [alice, bob, mallory] = await Promise.all([
    generateTlsIdentity('alice terminal'),
    generateTlsIdentity('bob terminal'),
    generateTlsIdentity('mallory'),
  ]);
  server = await startServer(alice, new Map([[bob.spkiFingerprint, 'peer-bob']]));
});

afterAll(async () => {
  await server?.app.close();
});

function bobClient(expectedFingerprint = alice.spkiFingerprint) {
  return createPinnedClient({ key: bob.keyPem, cert: bob.certPem, expectedFingerprint, timeoutMs: 10_000 });
}

describe('TLS identity', () => {
  it('makes a self-signed P-256 certificate whose pin matches its key, from PEM or DER', () => {
    const cert = new X509Certificate(alice.certPem);
    expect(cert.subject).toBe('CN=alice terminal');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(alice.spkiFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(spkiFingerprintOfCert(alice.certPem)).toBe(alice.spkiFingerprint);
    expect(spkiFingerprintOfCert(cert.raw)).toBe(alice.spkiFingerprint);
    expect(spkiFingerprintOfKey(alice.keyPem)).toBe(alice.spkiFingerprint);
    expect(alice.spkiFingerprint).not.toBe(bob.spkiFingerprint);
  });

  it('rejects a malformed pin with a clear error', () => {
    expect(normalizeSpkiFingerprint(alice.spkiFingerprint.toUpperCase())).toBe(alice.spkiFingerprint);
    expect(() => normalizeSpkiFingerprint('abc')).toThrow(/64 hex characters/);
    expect(() => bobClient('not-a-fingerprint')).toThrow(/not a TLS key fingerprint/);
  });
});

describe('pinned mutual TLS', () => {
  it('serves a pinned client over TLS 1.3 and identifies its peer', async () => {
    const client = bobClient();
    try {
      const res = await client.request(`${server.origin}/hello`);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString('utf8'))).toEqual({ peer: 'peer-bob', protocol: 'TLSv1.3' });
    } finally {
      client.close();
    }
  });

  it('echoes a request body and keeps the connection alive between requests', async () => {
    const client = bobClient();
    const socketsBefore = server.seen.sockets.size;
    try {
      const body = Buffer.from([0, 1, 2, 255, 254]);
      const first = await client.request(`${server.origin}/echo`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(first.status).toBe(200);
      expect(first.body.equals(body)).toBe(true);
      const second = await client.request(`${server.origin}/echo`, {
        method: 'POST',
        body: 'second',
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(second.body.toString('utf8')).toBe('second');
      expect(server.seen.sockets.size).toBe(socketsBefore + 1);
    } finally {
      client.close();
    }
  });

  it('echoes over a pinned WebSocket', async () => {
    const ws = openPinnedWebSocket(`${server.wsOrigin}/ws`, {
      key: bob.keyPem,
      cert: bob.certPem,
      expectedFingerprint: alice.spkiFingerprint,
    });
    try {
      await once(ws, 'open');
      ws.send('ping');
      const [data] = (await once(ws, 'message')) as [RawData];
      expect(data.toString()).toBe('peer-bob:ping');
    } finally {
      ws.close();
    }
  });

  it('refuses a client that presents no certificate, before any handler runs', async () => {
    const handlersBefore = server.seen.handlers;
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(`${server.origin}/hello`, { rejectUnauthorized: false, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
    const parsed = JSON.parse(body) as { code: string; message: string };
    expect(parsed.code).toBe('FED_UNPINNED_CLIENT');
    expect(parsed.message).toMatch(/requires a TLS client certificate/);
    expect(server.seen.handlers).toBe(handlersBefore);
  });

  it('refuses a client whose certificate is not pinned, for HTTP and WebSocket', async () => {
    const handlersBefore = server.seen.handlers;
    const wsBefore = server.seen.wsHandlers;
    const client = createPinnedClient({ key: mallory.keyPem, cert: mallory.certPem, expectedFingerprint: alice.spkiFingerprint });
    try {
      const res = await client.request(`${server.origin}/echo`, { method: 'POST', body: 'x', headers: { 'content-type': 'application/octet-stream' } });
      expect(res.status).toBe(401);
      const parsed = JSON.parse(res.body.toString('utf8')) as { code: string; message: string };
      expect(parsed.code).toBe('FED_UNPINNED_CLIENT');
      expect(parsed.message).toContain(mallory.spkiFingerprint.slice(0, 16));
    } finally {
      client.close();
    }
    const ws = openPinnedWebSocket(`${server.wsOrigin}/ws`, {
      key: mallory.keyPem,
      cert: mallory.certPem,
      expectedFingerprint: alice.spkiFingerprint,
    });
    const [err] = (await once(ws, 'error').catch((e: unknown) => [e])) as [Error];
    expect(err.message).toMatch(/401/);
    expect(server.seen.handlers).toBe(handlersBefore);
    expect(server.seen.wsHandlers).toBe(wsBefore);
  });

  it('refuses a client that offers only TLS 1.2', async () => {
    const port = (server.app.server.address() as AddressInfo).port;
    const socket = tls.connect({ host: '127.0.0.1', port, key: bob.keyPem, cert: bob.certPem, rejectUnauthorized: false, maxVersion: 'TLSv1.2' });
    const [err] = (await once(socket, 'secureConnect').then(
      () => [null],
      (e: unknown) => [e],
    )) as [Error | null];
    socket.destroy();
    expect(err).not.toBeNull();
  });
});

describe('client pin check', () => {
  it('drops a server presenting another key before the request is sent', async () => {
    // The impostor holds bob's pin, so the only failing check is the client's.
    const impostor = await startServer(mallory, new Map([[bob.spkiFingerprint, 'peer-bob']]));
    const client = bobClient(alice.spkiFingerprint);
    try {
      const err = await client.request(`${impostor.origin}/echo`, { method: 'POST', body: 'secret' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PinMismatchError);
      const mismatch = err as PinMismatchError;
      expect(mismatch.code).toBe(FED_PIN_MISMATCH);
      expect(mismatch.presentedFingerprint).toBe(mallory.spkiFingerprint);
      expect(mismatch.message).toContain(alice.spkiFingerprint.slice(0, 16));
      expect(mismatch.message).toContain(mallory.spkiFingerprint.slice(0, 16));
      expect(mismatch.message).toMatch(/re-check the peer's party card/i);

      const ws = openPinnedWebSocket(`${impostor.wsOrigin}/ws`, {
        key: bob.keyPem,
        cert: bob.certPem,
        expectedFingerprint: alice.spkiFingerprint,
      });
      const [wsErr] = (await once(ws, 'error').catch((e: unknown) => [e])) as [Error & { code?: string }];
      expect(wsErr.code).toBe(FED_PIN_MISMATCH);

      expect(impostor.seen.requests).toBe(0);
      expect(impostor.seen.handlers).toBe(0);
      expect(impostor.seen.wsHandlers).toBe(0);
    } finally {
      client.close();
      await impostor.app.close();
    }
  });

  it('writes not a single application byte to a server with the wrong key', async () => {
    const received: Buffer[] = [];
    const raw = tls.createServer({ key: mallory.keyPem, cert: mallory.certPem, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
    raw.on('secureConnection', (socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('error', () => undefined);
    });
    raw.on('tlsClientError', () => undefined);
    // The raw TCP connection closing marks the end of everything the client could have sent.
    const closed = new Promise<void>((resolve) => raw.on('connection', (tcp: Socket) => tcp.on('close', () => resolve())));
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const port = (raw.address() as AddressInfo).port;
    const client = bobClient(alice.spkiFingerprint);
    try {
      const err = (await client.request(`https://127.0.0.1:${port}/x`, { method: 'POST', body: 'secret' }).catch((e: unknown) => e)) as {
        code?: string;
      };
      expect(err.code).toBe(FED_PIN_MISMATCH);
      await closed;
      expect(Buffer.concat(received).length).toBe(0);
    } finally {
      client.close();
      raw.close();
    }
  });
});

describe('client handshake deadline', () => {
  // A listener that accepts TCP and never says a byte: a frozen process (its kernel still accepts),
  // a half-open middlebox, a proxy whose far side is gone. The TLS handshake happens before the
  // socket reaches the HTTP layer, so the request's own timeout never covered it: the link stayed
  // 'connecting' for as long as the far end kept the connection, and tried no other endpoint.
  it('gives up a TCP connection and TLS handshake never answered within connectTimeoutMs (FED_TIMEOUT), closing the socket', async () => {
    const held = new Set<Socket>();
    let closedAtServer!: () => void;
    const serverSawClose = new Promise<void>((resolve) => (closedAtServer = resolve));
    const silent = net.createServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => closedAtServer());
      socket.resume(); // reads (and drops) the ClientHello, so that it sees the client's end
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as AddressInfo).port;
    try {
      const t0 = Date.now();
      const ws = openPinnedWebSocket(`wss://127.0.0.1:${port}/ws`, { key: bob.keyPem, cert: bob.certPem, expectedFingerprint: alice.spkiFingerprint, handshakeTimeoutMs: 300 });
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      // events.once rejects with the 'error' it waits for.
      const [err] = (await Promise.race([
        once(ws, 'error').catch((e: unknown) => [e]),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no error within 5 s: the handshake is not bounded')), 5000)),
      ])) as [Error & { code?: string }];
      expect(err.code).toBe(FED_TIMEOUT);
      // Two round trips (TCP, TLS) get twice the upgrade's one by default.
      expect(err.message).toMatch(/no TLS handshake within 600 ms/);
      // The TCP connection was made at once (loopback): a silent peer, not a slow path (peer-link.ts nextConnectDeadline).
      expect((err as { tcpConnectMs?: number }).tcpConnectMs).toBeLessThan(300);
      expect((err as { bytesReceived?: number }).bytesReceived).toBe(0);
      expect(Date.now() - t0).toBeLessThan(3000);
      await closed;
      await serverSawClose;

      // The HTTPS client: its whole-request deadline always failed the request; the handshake's comes first, and the socket goes with it.
      const client = createPinnedClient({ key: bob.keyPem, cert: bob.certPem, expectedFingerprint: alice.spkiFingerprint, timeoutMs: 5000, connectTimeoutMs: 300 });
      try {
        const t1 = Date.now();
        const e = (await client.request(`https://127.0.0.1:${port}/x`).catch((x: unknown) => x)) as { code?: string; message?: string };
        expect(e.code).toBe(FED_TIMEOUT);
        expect(e.message).toMatch(/no TLS handshake within 300 ms/);
        expect(Date.now() - t1).toBeLessThan(3000);
      } finally {
        client.close();
      }
    } finally {
      for (const s of held) s.destroy();
      silent.close();
    }
  });
});

describe('client handshake on a narrow line', () => {
  it('says when the server had begun to answer a TLS handshake it did not finish in time', async () => {
    // 200 B/s each way: the ClientHello takes about 1.5 s, the server's flight (over 1 KB) more than the rest of the 3 s.
    const proxy = await FaultProxy.open(await freePort(), Number(new URL(server.origin).port));
    proxy.bytesPerSec = 200;
    try {
      const ws = openPinnedWebSocket(`${server.wsOrigin.replace(/:\d+$/, `:${proxy.port}`)}/ws`, { key: bob.keyPem, cert: bob.certPem, expectedFingerprint: alice.spkiFingerprint, handshakeTimeoutMs: 1500 });
      const [err] = (await once(ws, 'error').catch((e: unknown) => [e])) as [Error & { code?: string; bytesReceived?: number; tcpConnectMs?: number }];
      expect(err.code).toBe(FED_TIMEOUT);
      expect(err.message).toMatch(/TLS handshake not finished within 3000 ms \(the server answered \d+ bytes: a slow path\)/);
      expect(err.bytesReceived).toBeGreaterThan(0);
      // A slow path: the next dial gets longer (federation/connect-deadline.ts).
      expect(slowDial(err)).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});

describe('benchmark', () => {
  it('measures pinned requests per second over one keep-alive connection', async () => {
    const rate = await benchPinnedRequests(20);
    expect(rate).toBeGreaterThan(0);
  });
});

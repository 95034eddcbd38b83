/**
 * What a slow line delivers is seen before a TLS record is whole (src/terminal/tls/raw-bytes.ts):
 * both ends of a pinned WebSocket count the bytes under TLS, so the heartbeat of a stream carrying
 * a large frame at 16 KB/s (here; 2 KB/s in the net-faults e2e) hears it all along.
 */
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import Fastify from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import type WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateTlsIdentity, type TlsIdentity } from '../../src/terminal/tls/tls-identity.js';
import { pinnedServerTlsOptions, registerPeerPinning } from '../../src/terminal/tls/pinned-server.js';
import { openPinnedWebSocket } from '../../src/terminal/tls/pinned-client.js';
import { receivedBytes, trackRawSockets } from '../../src/terminal/tls/raw-bytes.js';
import { FaultProxy } from '../e2e/fault-proxy.js';
import { freePort } from '../e2e/harness.js';

const BIG = 48 * 1024; // three TLS records
let alice: TlsIdentity;
let bob: TlsIdentity;
let close: () => Promise<unknown> = async () => undefined;
let serverSide: { socket: WebSocket; transport: { readonly bytesRead: number }; tls: TLSSocket; got: number } | undefined;
let proxy: FaultProxy;

beforeAll(async () => {
  [alice, bob] = await Promise.all([generateTlsIdentity('alice'), generateTlsIdentity('bob')]);
  const server = Fastify({ https: pinnedServerTlsOptions(alice), logger: false });
  trackRawSockets(server.server);
  registerPeerPinning(server, new Map([[bob.spkiFingerprint, 'peer-bob']]));
  await server.register(fastifyWebsocket);
  server.get('/ws', { websocket: true }, (socket, request) => {
    const tls = request.raw.socket as TLSSocket;
    serverSide = { socket, transport: receivedBytes(tls), tls, got: 0 };
    socket.on('message', (data: Buffer) => (serverSide!.got += data.length));
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const port = (server.server.address() as AddressInfo).port;
  proxy = await FaultProxy.open(await freePort(), port);
  close = () => Promise.all([server.close(), proxy.close()]);
});

afterAll(async () => {
  await close();
});

it('counts the bytes of a record still arriving, at the client and at the server', async () => {
  const ws = openPinnedWebSocket(`wss://127.0.0.1:${proxy.port}/ws`, { key: bob.keyPem, cert: bob.certPem, expectedFingerprint: alice.spkiFingerprint });
  let clientTls: TLSSocket | undefined;
  ws.on('upgrade', (res) => (clientTls = res.socket as TLSSocket));
  let clientGot = 0;
  ws.on('message', (data: Buffer) => (clientGot += data.length));
  await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const client = receivedBytes(clientTls!);
  expect(client).not.toBe(clientTls);
  proxy.bytesPerSec = 16 * 1024;

  // Server to client: 48 KB at 16 KB/s. Within the first record, the TLS socket has nothing whole.
  const [rawBefore, tlsBefore] = [client.bytesRead, clientTls!.bytesRead];
  serverSide!.socket.send(Buffer.alloc(BIG, 1));
  await new Promise((r) => setTimeout(r, 600));
  expect(clientGot).toBe(0);
  expect(client.bytesRead - rawBefore).toBeGreaterThan(4000);
  expect(clientTls!.bytesRead - tlsBefore).toBeLessThan(client.bytesRead - rawBefore);

  // Client to server, the same.
  const server = serverSide!;
  const [srvRaw, srvTls] = [server.transport.bytesRead, server.tls.bytesRead];
  expect(server.transport).not.toBe(server.tls);
  ws.send(Buffer.alloc(BIG, 2));
  await new Promise((r) => setTimeout(r, 600));
  expect(server.got).toBe(0);
  expect(server.transport.bytesRead - srvRaw).toBeGreaterThan(4000);
  expect(server.tls.bytesRead - srvTls).toBeLessThan(server.transport.bytesRead - srvRaw);

  proxy.restore();
  await new Promise((r) => setTimeout(r, 300));
  expect([clientGot, server.got]).toEqual([BIG, BIG]);
  ws.terminate();
});

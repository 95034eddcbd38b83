/**
 * Micro benchmark of the federation transport: sequential pinned mutual-TLS requests over one
 * keep-alive connection, against an in-process Fastify server on 127.0.0.1. A measurement used by
 * the TLS tests (test/terminal/tls.test.ts), not one of run.ts's modules.
 */
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { createPinnedClient } from '../terminal/tls/pinned-client.js';
import { peerIdOf, pinnedServerTlsOptions, registerPeerPinning } from '../terminal/tls/pinned-server.js';
import { generateTlsIdentity } from '../terminal/tls/tls-identity.js';

/**
 * Run `n` sequential POST requests (64-byte body, JSON answer) through the pinned client and
 * return the throughput in requests per second. One warm-up request opens the connection (the
 * TLS handshake is not timed); throws if the timed requests did not all reuse it.
 */
export async function benchPinnedRequests(n: number): Promise<number> {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`benchPinnedRequests: n must be a positive integer, got ${n}`);
  const [serverId, clientId] = await Promise.all([generateTlsIdentity('bench server'), generateTlsIdentity('bench client')]);
  const app = Fastify({ https: pinnedServerTlsOptions(serverId), logger: false });
  registerPeerPinning(app, new Map([[clientId.spkiFingerprint, 'bench-peer']]));
  app.post('/bench', async (request) => ({ peer: peerIdOf(request), bytes: (request.body as Buffer).length }));
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  let connections = 0;
  app.server.on('secureConnection', () => {
    connections += 1;
  });
  const client = createPinnedClient({ key: clientId.keyPem, cert: clientId.certPem, expectedFingerprint: serverId.spkiFingerprint });
  try {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `${address}/bench`;
    const body = Buffer.alloc(64, 7);
    const send = async (): Promise<void> => {
      const res = await client.request(url, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
      if (res.status !== 200) throw new Error(`benchPinnedRequests: server answered ${res.status}: ${res.body.toString('utf8')}`);
    };
    await send();
    const start = performance.now();
    for (let i = 0; i < n; i += 1) await send();
    const seconds = (performance.now() - start) / 1000;
    if (connections !== 1) throw new Error(`benchPinnedRequests: expected one keep-alive connection, the server saw ${connections}`);
    return n / seconds;
  } finally {
    client.close();
    await app.close();
  }
}

/**
 * The federation face of a terminal: HTTPS with mutual TLS, each client pinned by the TLS key
 * in its party card (no certificate authority). Peers push their own entries over a WebSocket
 * stream; an HTTPS pull serves catch-up by sequence; a POST takes a batch (an HTTP-only path).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import Type from 'typebox';
import { pinnedServerTlsOptions, registerPeerPinning, peerIdOf, type PinnedPeers } from '../tls/pinned-server.js';
import type { ChannelService } from '../channels/channel-service.js';
import { toApiError } from '../errors.js';
import { BATCH_MAX, parseClientFrame, type ServerFrame } from '../sync/wire.js';

export interface FederationServerOptions {
  readonly service: ChannelService;
  readonly tls: { keyPem: string; certPem: string };
  readonly pins: PinnedPeers;
  readonly logger: FastifyBaseLogger;
  /** Largest request body in bytes. */
  readonly bodyLimit?: number;
}

/** Builds (does not start) the federation server. */
export async function buildFederationServer(opts: FederationServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    https: pinnedServerTlsOptions(opts.tls),
    bodyLimit: opts.bodyLimit ?? 8 * 1024 * 1024,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 60_000,
    loggerInstance: opts.logger,
  });
  app.setErrorHandler((error, request, reply) => {
    const e = toApiError(error);
    request.log.warn({ code: e.code, status: e.status }, 'federation request refused');
    void reply.code(e.status).send({ code: e.code, message: e.message });
  });
  await app.register(websocket, { options: { maxPayload: 16 * 1024 * 1024 } });
  registerPeerPinning(app, opts.pins);
  const service = opts.service;

  app.get('/fed/v1/card', async () => service.self.card);

  app.get(
    '/fed/v1/channels/:id/entries',
    {
      schema: {
        params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
        querystring: Type.Object({
          author: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
          from: Type.Optional(Type.Integer({ minimum: 1 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
        }),
      },
    },
    async (request, reply) => {
      const peer = peerIdOf(request);
      const { id } = request.params as { id: string };
      const q = request.query as { author: string; from?: number; limit?: number };
      // Only parties of the channel may read it.
      if (!service.channelIds().includes(id) || !service.peersOf(id).includes(peer))
        return reply.code(404).send({ code: 'CHANNEL_NOT_FOUND', message: 'No such channel shared with you.' });
      const from = q.from ?? 1;
      const rows = await service.store.listEntries(id, { author: q.author, fromSeq: from, toSeq: from + (q.limit ?? BATCH_MAX) - 1 });
      void reply.header('content-type', 'application/x-ndjson');
      return rows.map((r) => `${r.raw}\n`).join('');
    },
  );

  app.post(
    '/fed/v1/entries',
    { schema: { body: Type.Object({ entries: Type.Array(Type.String({ maxLength: 70_000 }), { minItems: 1, maxItems: 1024 }) }) } },
    async (request) => {
      const peer = peerIdOf(request);
      const { entries } = request.body as { entries: string[] };
      return service.receive(entries, peer);
    },
  );

  app.get('/fed/v1/stream', { websocket: true }, (socket: WebSocket, request) => {
    const peer = peerIdOf(request);
    const log = request.log.child({ peer: service.label(peer) });
    let chain = Promise.resolve();
    const send = (frame: ServerFrame) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
    };
    socket.on('message', (data) => {
      // Frames are handled strictly in order: entries of one author must be stored in sequence.
      chain = chain.then(async () => {
        const frame = parseClientFrame(String(data));
        if (!frame) {
          log.warn({ code: 'FED_BAD_FRAME' }, 'malformed federation frame');
          send({ t: 'refused', code: 'FED_BAD_FRAME', message: 'Malformed federation frame; see docs/protocol.md §10.' });
          return;
        }
        if (frame.t === 'hello') {
          const holds: Record<string, number> = {};
          for (const id of frame.channels) holds[id] = service.channelIds().includes(id) ? (service.channel(id).head(peer)?.seq ?? 0) : 0;
          send({ t: 'holds', holds });
          return;
        }
        try {
          const outcome = await service.receive(frame.entries, peer);
          send({ t: 'stored', id: frame.id, accepted: outcome.accepted, duplicate: outcome.duplicate, pending: outcome.pending, rejected: outcome.rejected.slice(0, 32) });
          const asked = new Set<string>();
          for (const m of outcome.missing) {
            const key = `${m.channel}/${m.author}/${m.fromSeq}`;
            if (asked.has(key)) continue;
            asked.add(key);
            send({ t: 'want', ...m });
          }
        } catch (e) {
          const err = toApiError(e);
          log.error({ code: err.code, err: (e as Error).message }, 'failed to store received entries');
          socket.close(1011, 'internal error');
        }
      });
    });
  });
  return app;
}

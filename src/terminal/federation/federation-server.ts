/**
 * The federation face of a terminal: HTTPS with mutual TLS, each client pinned by the TLS key
 * in its party card (no certificate authority). Peers push their own entries over a WebSocket
 * stream (one StreamSession each, stream-session.ts); an HTTPS pull serves catch-up by sequence;
 * a POST takes a batch (an HTTP-only path). This file only wires: Fastify, TLS pinning, limits,
 * and routes that call the channel wing's ports.
 *
 * Hardening (docs/security.md; the numbers in limits.ts): everything a peer sends is bounded
 * before it is looked at.
 *  - TLS: a client silent for 10 s is cut, a handshake under way has 40 s (a narrow line), one
 *    address holds at most 16 under way (handshake-guard.ts); unpinned client keys get 401 before
 *    any route runs.
 *  - HTTP: header, request and idle deadlines (slow clients are cut), body size limit, per-peer
 *    request rate limit (keyed by the pinned peer id), schema validation of every route input.
 *  - WebSocket: frame size limit, text frames only, a bounded number of streams per peer; each
 *    stream's frames are bounded and validated by its session.
 *  - Responses carry `{code, message}` only: no stack traces, no paths. Every rejection is
 *    logged at warn with its code.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import websocket from '@fastify/websocket';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import Type from 'typebox';
import { pinnedServerTlsOptions, registerPeerPinning, peerIdOf, type PinnedPeers } from '../tls/pinned-server.js';
import type { ChannelDirectory, EntryReceiver, EntrySource, SelfInfo } from '../channels/ports.js';
import type { EventSink } from '../events/event-bus.js';
import { toApiError } from '../errors.js';
import { DEFAULT_FEDERATION_LIMITS, FED_CODES, type FederationLimits } from './limits.js';
import { StreamSession, type StreamSessionOptions } from './stream-session.js';
import { BATCH_MAX } from './wire.js';
import { closingRefusal, cutConnectionsOnClose, goingAway } from '../close-connections.js';
import { refuseContentEncoding } from '../content-encoding.js';
import { receivedBytes, trackRawSockets } from '../tls/raw-bytes.js';
import { guardHandshakes } from './handshake-guard.js';

/** The ports the federation face calls: never the whole channel service. */
export interface FederationPorts {
  /** Takes the entries peers push (stream and POST). */
  readonly receiver: EntryReceiver;
  /** Serves the pull of stored entries. */
  readonly entries: Pick<EntrySource, 'entriesFor'>;
  /** Who shares which channel, how much of a peer's log is held, peers' codes for the logs. */
  readonly directory: Pick<ChannelDirectory, 'channelIds' | 'channel' | 'shares' | 'label' | 'joinedBy'>;
  /** This terminal's card, served to peers. */
  readonly self: Pick<SelfInfo, 'card'>;
  /** Where `peer-seen` goes when a peer says hello. */
  readonly events: EventSink;
  /** Where every stream registers once its peer said hello (inbound-streams.ts). */
  readonly streams?: StreamSessionOptions['streams'];
  /** What received entries say of this terminal's own log (channels/reconciler.ts). */
  readonly reconcile?: StreamSessionOptions['reconcile'];
  /** What is asked for with `want` after a `stored`, asked again of the others while it does not come (pending-wants.ts). */
  readonly pendingWants?: StreamSessionOptions['pendingWants'];
  /** Answers link-test probes of version-2 channels (schedulers/link-prober.ts). */
  readonly probes?: StreamSessionOptions['probes'];
}

export interface FederationServerOptions extends FederationPorts {
  /** Fastify's schemaController option (e.g. lazyValidators().schemaController). */
  readonly schemaController?: FastifyServerOptions['schemaController'];
  readonly tls: { keyPem: string; certPem: string };
  readonly pins: PinnedPeers;
  readonly logger: FastifyBaseLogger;
  /** Largest request body in bytes (same as limits.bodyLimit). */
  readonly bodyLimit?: number;
  /** Overrides of {@link DEFAULT_FEDERATION_LIMITS}. */
  readonly limits?: Partial<FederationLimits>;
  /** How long the commit of a received frame may wait for the next frames to share it, ms (stream-session.ts; default 0). */
  readonly commitWaitMs?: number;
}

/** The pinned peer of a request, or undefined before/without the pin check. */
function maybePeer(request: FastifyRequest): string | undefined {
  try {
    return peerIdOf(request);
  } catch {
    return undefined;
  }
}

/** Maps an error to the federation answer: framework codes (FST_*) become stable ones. */
function federationError(e: unknown): { status: number; code: string; message: string } {
  const r = toApiError(e);
  if (!r.code.startsWith('FST_') && !r.code.startsWith('ERR_')) return r;
  const code = r.status === 404 ? 'NOT_FOUND' : r.status === 413 ? 'PAYLOAD_TOO_LARGE' : r.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : r.status === 408 ? FED_CODES.timeout : 'BAD_REQUEST';
  return { status: r.status, code, message: r.message };
}

/** Builds (does not start) the federation server. */
export async function buildFederationServer(opts: FederationServerOptions): Promise<FastifyInstance> {
  const limits: FederationLimits = { ...DEFAULT_FEDERATION_LIMITS, ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}), ...opts.limits };
  const app = Fastify({
    return503OnClosing: false,
    https: {
      ...pinnedServerTlsOptions(opts.tls),
      handshakeTimeout: limits.handshakeMaxMs,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    bodyLimit: limits.bodyLimit,
    connectionTimeout: limits.idleTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    loggerInstance: opts.logger,
    // Unknown members are refused, not silently dropped (Fastify's default removes them).
    ajv: { customOptions: { removeAdditional: false } },
    ...(opts.schemaController ? { schemaController: opts.schemaController } : {}),
  });
  logConnectionErrors(app, opts.logger);
  guardHandshakes(app.server, limits, opts.logger);
  // A stream's heartbeat counts the bytes under TLS, not only whole records (tls/raw-bytes.ts).
  trackRawSockets(app.server);
  cutConnectionsOnClose(app, limits.closeGraceMs, closingRefusal());
  refuseContentEncoding(app);
  await registerGuards(app, opts.pins, limits);
  registerRoutes(app, opts);
  registerStream(app, opts, limits, opts.commitWaitMs ?? 0);
  return app;
}

/** Below HTTP: TLS handshakes that fail or time out, malformed HTTP, idle connections. */
function logConnectionErrors(app: FastifyInstance, log: FastifyBaseLogger): void {
  const server = app.server;
  server.on('tlsClientError', (err: Error & { code?: string }, socket: Socket) => {
    log.warn({ code: FED_CODES.tlsError, reason: err.code ?? err.message, remote: socket.remoteAddress }, 'federation TLS handshake refused');
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT';
    if (err.code === 'ECONNRESET') return;
    log.warn({ code: timeout ? FED_CODES.timeout : FED_CODES.clientError, reason: err.code ?? 'unknown', remote: socket.remoteAddress }, timeout ? 'federation client too slow; connection cut' : 'malformed federation request; connection cut');
  });
  server.on('timeout', (socket: Socket) => {
    log.warn({ code: FED_CODES.timeout, reason: 'idle', remote: socket.remoteAddress }, 'idle federation connection cut');
    socket.destroy();
  });
}

/** Error answers, the pin check, the per-peer request rate and the WebSocket frame limit. */
async function registerGuards(app: FastifyInstance, pins: PinnedPeers, limits: FederationLimits): Promise<void> {
  app.setErrorHandler((error, request, reply) => {
    const e = federationError(error);
    const peer = maybePeer(request);
    if (e.status >= 500) request.log.error({ code: e.code, status: e.status, peer, err: error }, 'federation request failed');
    else request.log.warn({ code: e.code, status: e.status, peer, url: request.url.slice(0, 200) }, 'federation request refused');
    void reply.code(e.status).send({ code: e.code, message: e.message });
  });
  app.setNotFoundHandler((request, reply) => {
    request.log.warn({ code: FED_CODES.notFound, status: 404, peer: maybePeer(request), method: request.method, url: request.url.slice(0, 200) }, 'federation request refused');
    void reply.code(404).send({ code: FED_CODES.notFound, message: 'No such federation endpoint; see docs/protocol.md.' });
  });

  registerPeerPinning(app, pins);
  // After the pin check (app-level onRequest hooks run before route-level ones): keyed by the peer.
  await app.register(rateLimit, {
    global: true,
    max: limits.requestsPerWindow,
    timeWindow: limits.windowMs,
    keyGenerator: (request) => maybePeer(request) ?? `ip:${request.ip}`,
    onExceeded: (request, key) => {
      request.log.warn({ code: FED_CODES.rateLimited, key: key.slice(0, 16) }, 'federation peer over its request rate');
    },
  });
  await app.register(websocket, {
    options: { maxPayload: limits.frameLimit },
    preClose: goingAway,
    errorHandler: (error, socket, request) => {
      const tooLarge = /max(imum)? ?payload|too (large|big)/i.test(error.message) || (error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
      request.log.warn({ code: tooLarge ? FED_CODES.frameTooLarge : FED_CODES.badFrame, reason: (error as { code?: string }).code ?? error.message.slice(0, 100), peer: maybePeer(request) }, 'federation stream cut');
      socket.terminate();
    },
  });
}

/** The HTTPS routes: this terminal's card, the channels shared with the caller, the pull of stored entries, the POST of a batch. */
function registerRoutes(app: FastifyInstance, ports: FederationPorts): void {
  const { receiver, entries, directory, self } = ports;
  app.get('/fed/v1/card', async () => self.card);

  // The channels shared with the caller, each with its proposer (whose seq 1 is the proposal) and,
  // if the caller joined it by amendment, where that amendment is: what a peer that cannot reach
  // this terminal learns new channels by (docs/protocol.md §12).
  app.get('/fed/v1/channels', async (request) => {
    const peer = peerIdOf(request);
    const ids = directory.channelIds().filter((id) => directory.shares(id, peer));
    return {
      channels: ids.map((id) => {
        const joinedBy = directory.joinedBy(id, peer);
        return { id, proposer: directory.channel(id).proposal.entry.author, ...(joinedBy ? { joinedBy: { author: joinedBy.author, seq: joinedBy.seq } } : {}) };
      }),
    };
  });

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
      if (!directory.shares(id, peer)) {
        request.log.warn({ code: 'CHANNEL_NOT_FOUND', status: 404, peer: directory.label(peer) }, 'federation request refused');
        return reply.code(404).send({ code: 'CHANNEL_NOT_FOUND', message: 'No such channel shared with you.' });
      }
      const from = q.from ?? 1;
      const raws = await entries.entriesFor(id, q.author, from, from + (q.limit ?? BATCH_MAX) - 1);
      void reply.header('content-type', 'application/x-ndjson');
      return raws.map((raw) => `${raw}\n`).join('');
    },
  );

  app.post(
    '/fed/v1/entries',
    { schema: { body: Type.Object({ entries: Type.Array(Type.String({ maxLength: 70_000 }), { minItems: 1, maxItems: 1024 }) }, { additionalProperties: false }) } },
    async (request) => {
      const peer = peerIdOf(request);
      const { entries: raws } = request.body as { entries: string[] };
      return receiver.receive(raws, peer);
    },
  );
}

/** The WebSocket stream: a bounded number per peer, each one a {@link StreamSession}. */
function registerStream(app: FastifyInstance, ports: FederationPorts, limits: FederationLimits, commitWaitMs: number): void {
  const streams = new Map<string, number>();
  app.get('/fed/v1/stream', { websocket: true }, (socket: WebSocket, request) => {
    const peer = peerIdOf(request);
    const log = request.log.child({ peer: ports.directory.label(peer) });
    const session = new StreamSession({ peer, socket, receiver: ports.receiver, directory: ports.directory, events: ports.events, limits, log, streams: ports.streams, reconcile: ports.reconcile, pendingWants: ports.pendingWants, probes: ports.probes, commitWaitMs, transport: receivedBytes(request.raw.socket) });
    const open = (streams.get(peer) ?? 0) + 1;
    if (open > limits.maxStreamsPerPeer) {
      session.refuse(FED_CODES.tooManyStreams, `At most ${limits.maxStreamsPerPeer} streams per peer; close the others first.`, { code: 1008, reason: 'too many streams' });
      return;
    }
    streams.set(peer, open);
    socket.on('message', (data, isBinary) => session.message(data, isBinary));
    socket.on('pong', (data) => session.pong(data));
    socket.on('ping', () => session.pinged());
    socket.on('close', () => {
      session.closed();
      const n = (streams.get(peer) ?? 1) - 1;
      if (n <= 0) streams.delete(peer);
      else streams.set(peer, n);
    });
    session.start();
  });
}


/**
 * The federation face of a terminal: HTTPS with mutual TLS, each client pinned by the TLS key
 * in its party card (no certificate authority). Peers push their own entries over a WebSocket
 * stream; an HTTPS pull serves catch-up by sequence; a POST takes a batch (an HTTP-only path).
 *
 * Hardening (docs/security.md): everything a peer sends is bounded before it is looked at.
 *  - TLS: handshake deadline; unpinned client keys get 401 before any route runs.
 *  - HTTP: header, request and idle deadlines (slow clients are cut), body size limit, per-peer
 *    request rate limit (keyed by the pinned peer id), schema validation of every route input.
 *  - WebSocket: frame size limit, text frames only, every frame validated against the wire
 *    schema, per-connection frame and entry rates, a bounded queue of frames waiting to be
 *    handled, a bounded number of streams per peer, and a ping to find dead connections.
 *    Exceeding a rate or queue bound sends `refused` RATE_LIMITED and closes the stream (the
 *    peer reconnects and resumes from what this terminal holds; nothing is lost).
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
import type { ChannelService } from '../channels/channel-service.js';
import { toApiError } from '../errors.js';
import { BATCH_MAX, parseClientFrame, type ServerFrame } from './wire.js';

/** Bounds of the federation server. Every field has a default ({@link DEFAULT_FEDERATION_LIMITS}). */
export interface FederationLimits {
  /** Largest HTTP request body, bytes. */
  readonly bodyLimit: number;
  /** Largest WebSocket frame (message), bytes. */
  readonly frameLimit: number;
  /** HTTP requests (WebSocket upgrades included) per peer per window. */
  readonly requestsPerWindow: number;
  readonly windowMs: number;
  /** WebSocket frames per second per connection (sustained; bursts up to twice this). */
  readonly framesPerSecond: number;
  /** Entries per second per connection (sustained; bursts up to twice this). */
  readonly entriesPerSecond: number;
  /** Frames received but not yet handled, per connection. */
  readonly maxQueuedFrames: number;
  /** Bytes of frames received but not yet handled, per connection. */
  readonly maxQueuedBytes: number;
  /** Open WebSocket streams per peer. */
  readonly maxStreamsPerPeer: number;
  /** TLS handshake deadline, ms. */
  readonly handshakeTimeoutMs: number;
  /** Deadline for the complete request headers, ms (slowloris). */
  readonly headersTimeoutMs: number;
  /** Deadline for the complete request, body included, ms. */
  readonly requestTimeoutMs: number;
  /** A connection with no traffic for this long is closed, ms. */
  readonly idleTimeoutMs: number;
  /** Idle time of a kept-alive HTTP connection between requests, ms. */
  readonly keepAliveTimeoutMs: number;
  /** How often the header and request deadlines are checked, ms. */
  readonly checkIntervalMs: number;
  /** WebSocket ping interval; a stream that did not answer the previous ping is cut, ms. */
  readonly pingIntervalMs: number;
}

export const DEFAULT_FEDERATION_LIMITS: FederationLimits = Object.freeze({
  bodyLimit: 8 * 1024 * 1024,
  frameLimit: 16 * 1024 * 1024,
  requestsPerWindow: 600,
  windowMs: 60_000,
  framesPerSecond: 1_000,
  entriesPerSecond: 50_000,
  maxQueuedFrames: 256,
  maxQueuedBytes: 64 * 1024 * 1024,
  maxStreamsPerPeer: 4,
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
  pingIntervalMs: 30_000,
});

export interface FederationServerOptions {
  readonly service: ChannelService;
  /** Fastify's schemaController option (e.g. lazyValidators().schemaController). */
  readonly schemaController?: FastifyServerOptions['schemaController'];
  readonly tls: { keyPem: string; certPem: string };
  readonly pins: PinnedPeers;
  readonly logger: FastifyBaseLogger;
  /** Largest request body in bytes (same as limits.bodyLimit). */
  readonly bodyLimit?: number;
  /** Overrides of {@link DEFAULT_FEDERATION_LIMITS}. */
  readonly limits?: Partial<FederationLimits>;
}

/** Codes of rejections that happen outside route handlers (logged; some also sent in frames). */
export const FED_CODES = Object.freeze({
  badFrame: 'FED_BAD_FRAME',
  frameTooLarge: 'FED_FRAME_TOO_LARGE',
  rateLimited: 'RATE_LIMITED',
  tooManyStreams: 'FED_TOO_MANY_STREAMS',
  tlsError: 'FED_TLS_ERROR',
  clientError: 'FED_CLIENT_ERROR',
  timeout: 'FED_TIMEOUT',
  notFound: 'NOT_FOUND',
  internal: 'INTERNAL',
});

/** A token bucket: `rate` per second, holding at most `burst`. */
class Bucket {
  #tokens: number;
  #at = Date.now();
  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.#tokens = burst;
  }
  take(n: number): boolean {
    const now = Date.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
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
  const log = opts.logger;
  const app = Fastify({
    https: {
      ...pinnedServerTlsOptions(opts.tls),
      handshakeTimeout: limits.handshakeTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    bodyLimit: limits.bodyLimit,
    connectionTimeout: limits.idleTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    loggerInstance: log,
    // Unknown members are refused, not silently dropped (Fastify's default removes them).
    ajv: { customOptions: { removeAdditional: false } },
    ...(opts.schemaController ? { schemaController: opts.schemaController } : {}),
  });
  const server = app.server;
  // Below HTTP: TLS handshakes that fail or time out, malformed HTTP, idle connections.
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

  registerPeerPinning(app, opts.pins);
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
    errorHandler: (error, socket, request) => {
      const tooLarge = /max(imum)? ?payload|too (large|big)/i.test(error.message) || (error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
      request.log.warn({ code: tooLarge ? FED_CODES.frameTooLarge : FED_CODES.badFrame, reason: (error as { code?: string }).code ?? error.message.slice(0, 100), peer: maybePeer(request) }, 'federation stream cut');
      socket.terminate();
    },
  });
  const service = opts.service;
  const streams = new Map<string, number>();

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
      if (!service.channelIds().includes(id) || !service.peersOf(id).includes(peer)) {
        request.log.warn({ code: 'CHANNEL_NOT_FOUND', status: 404, peer: service.label(peer) }, 'federation request refused');
        return reply.code(404).send({ code: 'CHANNEL_NOT_FOUND', message: 'No such channel shared with you.' });
      }
      const from = q.from ?? 1;
      const raws = await service.entriesFor(id, q.author, from, from + (q.limit ?? BATCH_MAX) - 1);
      void reply.header('content-type', 'application/x-ndjson');
      return raws.map((raw) => `${raw}\n`).join('');
    },
  );

  app.post(
    '/fed/v1/entries',
    { schema: { body: Type.Object({ entries: Type.Array(Type.String({ maxLength: 70_000 }), { minItems: 1, maxItems: 1024 }) }, { additionalProperties: false }) } },
    async (request) => {
      const peer = peerIdOf(request);
      const { entries } = request.body as { entries: string[] };
      return service.receive(entries, peer);
    },
  );

  app.get('/fed/v1/stream', { websocket: true }, (socket: WebSocket, request) => {
    const peer = peerIdOf(request);
    const slog = request.log.child({ peer: service.label(peer) });
    const send = (frame: ServerFrame) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
    };
    const refuse = (code: string, message: string, close?: { code: number; reason: string }) => {
      slog.warn({ code }, `federation frame refused: ${message}`);
      send({ t: 'refused', code, message });
      if (close) socket.close(close.code, close.reason);
    };

    const open = (streams.get(peer) ?? 0) + 1;
    if (open > limits.maxStreamsPerPeer) {
      refuse(FED_CODES.tooManyStreams, `At most ${limits.maxStreamsPerPeer} streams per peer; close the others first.`, { code: 1008, reason: 'too many streams' });
      return;
    }
    streams.set(peer, open);
    let alive = true;
    const ping = setInterval(() => {
      if (!alive) {
        slog.warn({ code: FED_CODES.timeout, reason: 'no pong' }, 'unresponsive federation stream cut');
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, limits.pingIntervalMs);
    ping.unref();
    socket.on('pong', () => (alive = true));
    socket.on('close', () => {
      clearInterval(ping);
      const n = (streams.get(peer) ?? 1) - 1;
      if (n <= 0) streams.delete(peer);
      else streams.set(peer, n);
    });

    const frames = new Bucket(limits.framesPerSecond, limits.framesPerSecond * 2);
    const entryBudget = new Bucket(limits.entriesPerSecond, limits.entriesPerSecond * 2);
    let queuedFrames = 0;
    let queuedBytes = 0;
    let cut = false;
    let chain = Promise.resolve();

    socket.on('message', (data, isBinary) => {
      if (cut) return;
      alive = true;
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      const size = bytes.length;
      const text = isBinary ? undefined : bytes.toString('utf8');
      if (!frames.take(1) || queuedFrames + 1 > limits.maxQueuedFrames || queuedBytes + size > limits.maxQueuedBytes) {
        cut = true;
        refuse(FED_CODES.rateLimited, 'Too many frames from this peer; slow down, reconnect and resume.', { code: 1008, reason: 'rate limited' });
        return;
      }
      // Validate before anything else: a frame that is not one is answered and dropped.
      const frame = text === undefined ? undefined : parseClientFrame(text);
      if (!frame) {
        refuse(FED_CODES.badFrame, 'Malformed federation frame: JSON text frames of docs/protocol.md only.');
        return;
      }
      if (frame.t === 'entries' && !entryBudget.take(frame.entries.length)) {
        cut = true;
        refuse(FED_CODES.rateLimited, 'Too many entries from this peer; slow down, reconnect and resume.', { code: 1008, reason: 'rate limited' });
        return;
      }
      queuedFrames++;
      queuedBytes += size;
      // Signatures are checked (on worker threads) from arrival, while the frames ahead are stored.
      const prechecked = frame.t === 'entries' ? service.precheck(frame.entries) : undefined;
      prechecked?.catch(() => undefined);
      // Frames are handled strictly in order: entries of one author must be stored in sequence.
      chain = chain
        .then(async () => {
          if (cut || socket.readyState !== socket.OPEN) return;
          if (frame.t === 'hello') {
            service.events.emit({ type: 'peer-seen', peer });
            const known = new Set(service.channelIds());
            const holds: Record<string, number> = {};
            for (const id of frame.channels) holds[id] = known.has(id) ? (service.channel(id).head(peer)?.seq ?? 0) : 0;
            send({ t: 'holds', holds });
            return;
          }
          const outcome = await service.receive(frame.entries, peer, await prechecked);
          send({ t: 'stored', id: frame.id, accepted: outcome.accepted, duplicate: outcome.duplicate, pending: outcome.pending, rejected: outcome.rejected.slice(0, 32) });
          const asked = new Set<string>();
          for (const m of outcome.missing) {
            const key = `${m.channel}/${m.author}/${m.fromSeq}`;
            if (asked.has(key) || asked.size >= 64) continue;
            asked.add(key);
            send({ t: 'want', ...m });
          }
        })
        .catch((e: unknown) => {
          const err = toApiError(e);
          slog.error({ code: err.code, err: (e as Error)?.message }, 'failed to handle a federation frame');
          cut = true;
          socket.close(1011, 'internal error');
        })
        .finally(() => {
          queuedFrames--;
          queuedBytes -= size;
        });
    });
  });
  return app;
}

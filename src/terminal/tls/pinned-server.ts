/**
 * Server side of federation mutual TLS with key pinning (no certificate authority).
 *
 * The TLS layer asks every client for a certificate but accepts any (`rejectUnauthorized:
 * false`): the decision is taken per request by {@link pinnedClientHook}, which maps the SPKI
 * fingerprint of the client's certificate to a pinned peer and answers 401
 * `FED_UNPINNED_CLIENT` before any route handler runs. WebSocket upgrades handled by
 * `@fastify/websocket` go through the same Fastify hooks, so they are checked the same way.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TerminalCode } from '../errors.js';

/** Pinned peers: SPKI fingerprint (lowercase hex) -> peer id. Read on every request, so it may change at run time. */
export type PinnedPeers = ReadonlyMap<string, string>;

/** The TLS options of a federation server, for `Fastify({ https: ... })` or `https.createServer`. */
export interface PinnedServerTlsOptions {
  key: string;
  cert: string;
  requestCert: true;
  rejectUnauthorized: false;
  minVersion: 'TLSv1.3';
}

/** Error code of the 401 answer given to a client whose TLS key is not pinned. */
export const FED_UNPINNED_CLIENT = 'FED_UNPINNED_CLIENT' satisfies TerminalCode;

/**
 * TLS server options for a federation endpoint: present `certPem`, request a client
 * certificate, leave its acceptance to the pin check, and speak TLS 1.3 only.
 */
export function pinnedServerTlsOptions(identity: { keyPem: string; certPem: string }): PinnedServerTlsOptions {
  return { key: identity.keyPem, cert: identity.certPem, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.3' };
}

const fingerprintBySocket = new WeakMap<TLSSocket, string | null>();
const peerByRequest = new WeakMap<IncomingMessage, string>();

/**
 * SPKI fingerprint (lowercase hex) of the certificate the client presented on this TLS socket,
 * or null if the socket is not TLS or the client presented none. Cached per connection.
 */
export function clientFingerprintOfSocket(socket: Socket | null | undefined): string | null {
  if (!(socket instanceof TLSSocket)) return null;
  const cached = fingerprintBySocket.get(socket);
  if (cached !== undefined) return cached;
  const peerCert = socket.getPeerX509Certificate();
  const fingerprint = peerCert
    ? createHash('sha256').update(peerCert.publicKey.export({ type: 'spki', format: 'der' })).digest('hex')
    : null;
  fingerprintBySocket.set(socket, fingerprint);
  return fingerprint;
}

/** The id of the pinned peer that owns the client certificate on `socket`, or null if there is none. */
export function peerFromSocket(socket: Socket | null | undefined, pins: PinnedPeers): string | null {
  const fingerprint = clientFingerprintOfSocket(socket);
  if (fingerprint === null) return null;
  return pins.get(fingerprint) ?? null;
}

/**
 * A Fastify `onRequest` hook that lets through only requests (including WebSocket upgrades)
 * whose TLS client key is pinned in `pins`, and answers every other with
 * 401 `{ code: 'FED_UNPINNED_CLIENT', message }` before any handler runs.
 */
export function pinnedClientHook(pins: PinnedPeers): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    const socket = request.raw.socket;
    const peerId = peerFromSocket(socket, pins);
    if (peerId !== null) {
      peerByRequest.set(request.raw, peerId);
      return;
    }
    const fingerprint = clientFingerprintOfSocket(socket);
    const message =
      fingerprint === null
        ? 'this federation endpoint requires a TLS client certificate; connect with your terminal certificate'
        : `TLS client key ${fingerprint.slice(0, 16)}… is not pinned by this terminal; ` +
          "pair the terminals by importing each other's party card, then retry";
    request.log.warn({ code: FED_UNPINNED_CLIENT, status: 401, clientFingerprint: fingerprint }, 'rejected federation request from an unpinned TLS client');
    await reply.code(401).header('connection', 'close').send({ code: FED_UNPINNED_CLIENT, message });
  };
}

/**
 * Add {@link pinnedClientHook} to `app` (and so to every route of its encapsulation context,
 * WebSocket routes included). Call it on the instance or plugin that holds the federation routes.
 */
export function registerPeerPinning(app: FastifyInstance, pins: PinnedPeers): void {
  app.addHook('onRequest', pinnedClientHook(pins));
}

/**
 * The pinned peer id of a request that passed {@link pinnedClientHook}. Throws if the request
 * did not go through the hook (a wiring error, never a client's fault).
 */
export function peerIdOf(request: FastifyRequest): string {
  const peerId = peerByRequest.get(request.raw);
  if (peerId === undefined) throw new Error('peerIdOf: this route is not behind the federation pin check (registerPeerPinning)');
  return peerId;
}

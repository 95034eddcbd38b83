/**
 * Client side of federation mutual TLS with key pinning (no certificate authority).
 *
 * Chain validation is off (`rejectUnauthorized: false`: peers use self-signed certificates);
 * instead the SHA-256 fingerprint of the server's SubjectPublicKeyInfo must equal the pin taken
 * from the peer's party card. The check runs on the TLS socket after the handshake and before
 * the socket is handed to the HTTP layer, so no request byte (headers, body, WebSocket upgrade)
 * is ever written to a server that presented another key.
 *
 * Note that Node's `checkServerIdentity` hook is not usable for this: Node skips it when chain
 * validation already failed (always, for a self-signed certificate) and ignores its verdict
 * when `rejectUnauthorized` is false.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { normalizeSpkiFingerprint } from './tls-identity.js';
import { noteRawSocket } from './raw-bytes.js';
import type { TerminalCode } from '../errors.js';

/** Error code of a server whose TLS key does not match the pinned fingerprint. */
export const FED_PIN_MISMATCH = 'FED_PIN_MISMATCH' satisfies TerminalCode;
/** Error code of a federation request that did not complete in time. */
export const FED_TIMEOUT = 'FED_TIMEOUT' satisfies TerminalCode;
/** Error code of a response body larger than the client accepts. */
export const FED_RESPONSE_TOO_LARGE = 'FED_RESPONSE_TOO_LARGE' satisfies TerminalCode;

/** The server presented a TLS key other than the one pinned from the peer's party card. */
export class PinMismatchError extends Error {
  /** Always {@link FED_PIN_MISMATCH}. */
  readonly code = FED_PIN_MISMATCH;
  /** Pinned fingerprint (full, lowercase hex). */
  readonly expectedFingerprint: string;
  /** Fingerprint of the key the server presented (full), or null if it presented no certificate. */
  readonly presentedFingerprint: string | null;

  constructor(endpoint: string, expectedFingerprint: string, presentedFingerprint: string | null) {
    const presented = presentedFingerprint === null ? 'no certificate' : `key ${presentedFingerprint.slice(0, 16)}`;
    super(
      `${endpoint} presented ${presented} but the pinned TLS key is ${expectedFingerprint.slice(0, 16)}: ` +
        "refusing to talk to it. Re-check the peer's party card (and that the address points to the right terminal).",
    );
    this.name = 'PinMismatchError';
    this.expectedFingerprint = expectedFingerprint;
    this.presentedFingerprint = presentedFingerprint;
  }
}

/** An error with a stable `code` raised by the pinned client (timeouts, oversize bodies). */
export class FederationClientError extends Error {
  /** A stable error code such as {@link FED_TIMEOUT}. */
  readonly code: string;
  /**
   * For a connection's {@link FED_TIMEOUT}: how long its TCP connection took (ms) when it was made
   * and the TLS handshake is what did not finish in time; undefined when no TCP connection was made.
   */
  readonly tcpConnectMs: number | undefined;
  /** For a connection's {@link FED_TIMEOUT}: the bytes the server sent before it (TLS handshake records, possibly partial). */
  readonly bytesReceived: number;

  constructor(code: string, message: string, tcpConnectMs?: number, bytesReceived = 0) {
    super(message);
    this.name = 'FederationClientError';
    this.code = code;
    this.tcpConnectMs = tcpConnectMs;
    this.bytesReceived = bytesReceived;
  }
}

/** Options shared by the pinned HTTPS client and WebSocket. */
export interface PinnedTlsOptions {
  /** This terminal's TLS private key, PEM (presented as client certificate key). */
  key: string;
  /** This terminal's TLS certificate, PEM. */
  cert: string;
  /**
   * The peer's pinned SPKI fingerprint (64 hex chars) from its party card, or several: a party
   * running several instances (high availability) certifies a TLS key for each, and any of them
   * may answer at any of its endpoints.
   */
  expectedFingerprint: string | readonly string[];
  /**
   * Deadline of the TCP connection and the TLS handshake together, in milliseconds (two round
   * trips); default 10 000. The socket reaches the HTTP (or WebSocket) layer only once the
   * handshake and the pin check passed, so that layer's own timeouts do not cover this part:
   * without it, an address that accepts and never answers (a frozen process, a half-open
   * middlebox) holds the attempt for as long as the far end keeps the connection.
   */
  connectTimeoutMs?: number;
}

/** Options of {@link createPinnedClient}. */
export interface PinnedClientOptions extends PinnedTlsOptions {
  /** Whole-request deadline in milliseconds (connect, handshake, response); default 10 000. */
  timeoutMs?: number;
  /** Largest response body accepted, in bytes; default 16 MiB. */
  maxResponseBytes?: number;
}

/** One request of the pinned client. */
export interface PinnedRequestOptions {
  method?: string;
  body?: Buffer | string;
  headers?: OutgoingHttpHeaders;
}

/** A complete response of the pinned client. */
export interface PinnedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** An HTTPS client bound to one pinned peer key, reusing connections (keep-alive). */
export interface PinnedClient {
  /** Send one request to an `https:` URL of the pinned peer and read the whole response. */
  request(url: string | URL, options?: PinnedRequestOptions): Promise<PinnedResponse>;
  /** Close idle and open connections. Requests in flight fail. */
  close(): void;
}

/** SPKI fingerprint of the certificate the server presented on a connected TLS socket, or null. */
export function serverFingerprintOfSocket(socket: TLSSocket): string | null {
  const cert = socket.getPeerX509Certificate();
  if (!cert) return null;
  return createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/**
 * An https.Agent that hands a TLS socket to the HTTP layer only once the server's key matched the
 * pin. TLS session resumption is off, so every connection shows the server's certificate.
 */
class PinnedAgent extends https.Agent {
  readonly #expected: ReadonlySet<string>;
  readonly #handshakeMs: number;

  constructor(options: PinnedTlsOptions & { keepAlive: boolean }) {
    super({
      key: options.key,
      cert: options.cert,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
      maxCachedSessions: 0,
      keepAlive: options.keepAlive,
      scheduling: 'lifo',
    });
    const pins = typeof options.expectedFingerprint === 'string' ? [options.expectedFingerprint] : options.expectedFingerprint;
    this.#expected = new Set(pins.map(normalizeSpkiFingerprint));
    this.#handshakeMs = options.connectTimeoutMs ?? 10_000;
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    // The TCP socket is made here and handed to TLS, so that what arrives under a record still
    // being received is seen (raw-bytes.ts): the heartbeat of a slow link counts it.
    const raw = connect({ host: (options.hostname ?? options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1'), port: Number(options.port ?? 443), ...(options.localAddress ? { localAddress: options.localAddress } : {}), ...(options.family ? { family: options.family } : {}) });
    const socket = super.createConnection({ ...options, socket: raw } as https.RequestOptions) as TLSSocket;
    noteRawSocket(socket, raw);
    const endpoint = `${options.host ?? options.hostname ?? 'server'}:${options.port ?? 443}`;
    const ms = this.#handshakeMs;
    const started = performance.now();
    let tcpConnectMs: number | undefined;
    raw.once('connect', () => (tcpConnectMs = performance.now() - started));
    const timer = setTimeout(() => socket.destroy(connectTimeout(endpoint, ms, tcpConnectMs, raw.bytesRead)), ms);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      socket.removeListener('secureConnect', onSecure);
      callback?.(err, socket);
    };
    const onSecure = (): void => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      const presented = serverFingerprintOfSocket(socket);
      if (presented === null || !this.#expected.has(presented)) {
        const err = new PinMismatchError(endpoint, [...this.#expected].join(' or '), presented);
        socket.destroy();
        callback?.(err, socket);
        return;
      }
      callback?.(null, socket);
    };
    socket.once('error', onError);
    socket.once('secureConnect', onSecure);
    return undefined; // the socket goes to the HTTP layer through `callback`, after the pin check
  }
}

/** A dial's FED_TIMEOUT: how far it got (no TCP connection; TCP and silence; the server answering slowly). */
function connectTimeout(endpoint: string, ms: number, tcpConnectMs: number | undefined, bytesReceived: number): FederationClientError {
  if (tcpConnectMs === undefined) return new FederationClientError(FED_TIMEOUT, `${endpoint}: no TCP connection within ${ms} ms (nothing answers at that address)`);
  const tcp = Math.round(tcpConnectMs);
  if (bytesReceived === 0) return new FederationClientError(FED_TIMEOUT, `${endpoint}: no TLS handshake within ${ms} ms (the address accepts but does not answer)`, tcp);
  return new FederationClientError(FED_TIMEOUT, `${endpoint}: TLS handshake not finished within ${ms} ms (the server answered ${bytesReceived} bytes: a slow path)`, tcp, bytesReceived);
}

/**
 * An HTTPS client for one peer: presents `cert` as client certificate and talks only to a server
 * whose key matches `expectedFingerprint` (else the request fails with {@link PinMismatchError},
 * code `FED_PIN_MISMATCH`, before any request byte is sent). Connections are kept alive.
 */
export function createPinnedClient(options: PinnedClientOptions): PinnedClient {
  const agent = new PinnedAgent({ ...options, keepAlive: true });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxResponseBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;

  function request(url: string | URL, req: PinnedRequestOptions = {}): Promise<PinnedResponse> {
    const target = typeof url === 'string' ? new URL(url) : url;
    if (target.protocol !== 'https:') {
      return Promise.reject(new Error(`pinned client: federation URLs must be https:, got ${target.protocol}`));
    }
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
    const headers: OutgoingHttpHeaders = { ...req.headers };
    if (body !== undefined) headers['content-length'] = body.length;
    return new Promise<PinnedResponse>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | null, response?: PinnedResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(response as PinnedResponse);
      };
      const outgoing = https.request(target, { method: req.method ?? 'GET', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) {
            const err = new FederationClientError(
              FED_RESPONSE_TOO_LARGE,
              `${target.origin} sent a response body over ${maxResponseBytes} bytes; refusing it`,
            );
            outgoing.destroy(err);
            finish(err);
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (err) => finish(err));
      });
      const timer = setTimeout(() => {
        const err = new FederationClientError(FED_TIMEOUT, `${req.method ?? 'GET'} ${target.href} got no complete answer within ${timeoutMs} ms`);
        outgoing.destroy(err);
        finish(err);
      }, timeoutMs);
      outgoing.on('error', (err) => finish(err));
      outgoing.end(body);
    });
  }

  return { request, close: () => agent.destroy() };
}

/** Options of {@link openPinnedWebSocket}. */
export interface PinnedWebSocketOptions extends PinnedTlsOptions {
  /**
   * Deadline of the opening handshake (the upgrade request, one round trip) in milliseconds (ws
   * `handshakeTimeout`); default 10 000. The TCP connection and TLS handshake before it (two round
   * trips) get `connectTimeoutMs`, by default twice this.
   */
  handshakeTimeoutMs?: number;
  /** Extra headers of the upgrade request. */
  headers?: Record<string, string>;
  /** Largest message accepted, in bytes (ws `maxPayload`); default 16 MiB. */
  maxPayload?: number;
}

/**
 * Open a `ws` WebSocket to a `wss:` URL of the pinned peer. If the server's key does not match
 * `expectedFingerprint`, the connection is dropped before the upgrade request is written and the
 * socket emits 'error' with a {@link PinMismatchError} (code `FED_PIN_MISMATCH`), then 'close'.
 */
export function openPinnedWebSocket(url: string | URL, options: PinnedWebSocketOptions): WebSocket {
  const target = typeof url === 'string' ? new URL(url) : url;
  if (target.protocol !== 'wss:') throw new Error(`pinned WebSocket: federation URLs must be wss:, got ${target.protocol}`);
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
  // The agent bounds the TCP connection and TLS handshake; ws's handshakeTimeout the upgrade after it.
  const agent = new PinnedAgent({ ...options, connectTimeoutMs: options.connectTimeoutMs ?? 2 * handshakeTimeoutMs, keepAlive: false });
  return new WebSocket(target, {
    agent,
    handshakeTimeout: handshakeTimeoutMs,
    maxPayload: options.maxPayload ?? 16 * 1024 * 1024,
    ...(options.headers ? { headers: options.headers } : {}),
  });
}

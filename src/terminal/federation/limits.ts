/**
 * Bounds of the federation face (docs/security.md "Federation limits"): every number a peer can
 * push against, with its default in one frozen table, the codes of the rejections that happen
 * outside route handlers, and the token bucket the stream's rates are counted in.
 */
import { HEARTBEAT_INTERVAL_MS } from './heartbeat.js';

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
  /** A connection whose client has sent nothing of its TLS handshake in this long is cut, ms (handshake-guard.ts). */
  readonly handshakeTimeoutMs: number;
  /** A TLS handshake under way, in all, ms: long enough for a narrow line (handshake-guard.ts). */
  readonly handshakeMaxMs: number;
  /** TLS handshakes under way at once from one remote address; more are closed at once. */
  readonly maxHandshakesPerAddress: number;
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
  /** WebSocket ping interval I of the heartbeat (heartbeat.ts, docs/protocol.md §12 "Heartbeats"): checked every I/5, cut past its measured allowance, ms. */
  readonly pingIntervalMs: number;
  /** When the face closes, how long open connections (streams finishing their close handshake, slow clients) have before they are destroyed, ms. */
  readonly closeGraceMs: number;
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
  handshakeMaxMs: 40_000,
  maxHandshakesPerAddress: 16,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
  pingIntervalMs: HEARTBEAT_INTERVAL_MS,
  closeGraceMs: 1_000,
});

/** Codes of rejections that happen outside route handlers (logged; some also sent in frames). */
export const FED_CODES = Object.freeze({
  badFrame: 'FED_BAD_FRAME',
  frameTooLarge: 'FED_FRAME_TOO_LARGE',
  rateLimited: 'RATE_LIMITED',
  tooManyStreams: 'FED_TOO_MANY_STREAMS',
  tooManyHandshakes: 'FED_TOO_MANY_HANDSHAKES',
  tlsError: 'FED_TLS_ERROR',
  clientError: 'FED_CLIENT_ERROR',
  timeout: 'FED_TIMEOUT',
  notFound: 'NOT_FOUND',
  internal: 'INTERNAL',
});

/** A token bucket: `rate` per second, holding at most `burst`; `now` in ms (injected in tests). */
export class Bucket {
  #tokens: number;
  #at: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = burst;
    this.#at = now();
  }
  take(n: number): boolean {
    const now = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}

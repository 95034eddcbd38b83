/**
 * The liveness rule of a federation stream, the same at both ends (docs/protocol.md §12,
 * "Heartbeats"): the client's outbound link (peer-link.ts) and the server's inbound session
 * (stream-session.ts) each run one {@link Heartbeat}. Pure: time comes from an injected clock and
 * the socket is seen only through {@link HeartbeatIo}, so tests drive it without a network.
 *
 * A ping every interval I (2.5 s), each with its own payload, so that its pong is a round-trip
 * sample. The stream is judged against what it has shown it needs, like TCP's retransmission
 * timeout (RFC 6298): the allowance is A = SRTT + max(I, 4·RTTVAR), at most the ceiling. The
 * clock starts when our ping actually left our buffer, not when it was queued: on a saturated link
 * our ping waits behind what we are still sending, and a stream whose outgoing bytes keep leaving
 * is not cut for a late answer. Anything received (a frame, a part of one, a ping, a pong) counts.
 * Whatever the link, a stream on which nothing at all arrived for the ceiling (60 s) is cut.
 */

/** Ping interval I, ms. */
export const HEARTBEAT_INTERVAL_MS = 2500;
/** Checks per interval: the stream is judged every I/5 (500 ms at the default I), pinged every I. */
export const CHECKS_PER_INTERVAL = 5;
/** Allowance before the first round-trip sample, in intervals (15 s at the default I). */
export const INITIAL_ALLOWANCE_INTERVALS = 6;
/** Longest silence ever tolerated, in intervals (60 s at the default I). */
export const CEILING_INTERVALS = 24;
/** Pings remembered for their round-trip sample (older ones are forgotten, never matched). */
const MAX_PINGS_KEPT = 64;

/** What a heartbeat reads of its socket and does to it. */
export interface HeartbeatIo {
  /** Bytes handed to the socket and not yet taken by the network (ws `bufferedAmount`). */
  buffered(): number;
  /** Bytes received on the connection so far (the socket's `bytesRead`), when the socket is known. */
  received?(): number;
  /** Sends a WebSocket ping with this payload. */
  ping(data: Buffer): void;
}

/**
 * The {@link HeartbeatIo} of a WebSocket (ws's, or a stream session's socket) and, when known, the
 * connection under it (its bytes read: a frame still arriving is a sign of life).
 */
export function socketIo(socket: { readonly bufferedAmount?: number; ping(data: Buffer): void }, transport?: { readonly bytesRead: number }): HeartbeatIo {
  return {
    buffered: () => socket.bufferedAmount ?? 0,
    ...(transport ? { received: () => transport.bytesRead } : {}),
    ping: (data) => socket.ping(data),
  };
}

/** Why a stream is cut: how long nothing arrived, and what it was allowed. */
export interface HeartbeatLoss {
  /** Time since anything arrived, ms. */
  readonly silentMs: number;
  /** The allowance the stream exceeded, ms (the ceiling when that was exceeded). */
  readonly allowanceMs: number;
  /** Whether our last ping was still waiting behind our own bytes (nothing of them left for the allowance). */
  readonly stuck: boolean;
  /** A sentence for logs and status. */
  readonly message: string;
}

/** Round-trip estimate (RFC 6298 §2), ms. */
export interface RttEstimate {
  readonly srtt: number;
  readonly rttvar: number;
}

/** The ping that nothing has been heard since: the clock of the stream's silence runs from it. */
interface Reference {
  readonly sentAt: number;
  /** Bytes handed to the socket up to and with this ping ({@link Heartbeat.queued} counter). */
  readonly mark: number;
  /** When it left our buffer (undefined while it waits behind our own bytes). */
  leftAt: number | undefined;
}

/** One end's liveness judgment of one stream. */
export class Heartbeat {
  readonly intervalMs: number;
  readonly #now: () => number;
  #heardAt: number;
  #lastCheck: number;
  #lastPingAt: number | undefined;
  #received: number | undefined;
  #rtt: RttEstimate | undefined;
  #seq = 0;
  /** Payload -> when that ping was sent. */
  readonly #pings = new Map<string, number>();
  #ref: Reference | undefined;
  /**
   * Payload bytes handed to the socket so far. Frame headers are not counted, so bytes are never
   * taken for gone that are not: a few header bytes make a ping count as gone a little later.
   */
  #queued = 0;
  #lastQueued = 0;
  #lastBuffered = 0;
  /** The last check at which some of our bytes had left the buffer. */
  #drainedAt: number;

  constructor(intervalMs: number, now: () => number) {
    this.intervalMs = intervalMs;
    this.#now = now;
    this.#heardAt = now();
    this.#lastCheck = this.#heardAt;
    this.#drainedAt = this.#heardAt;
  }

  /** The round-trip estimate, once a pong answered one of our pings. */
  get rtt(): RttEstimate | undefined {
    return this.#rtt;
  }

  /** The allowance now: A = SRTT + max(I, 4·RTTVAR), between I and the ceiling; 6·I before any sample. */
  get allowanceMs(): number {
    const i = this.intervalMs;
    if (!this.#rtt) return INITIAL_ALLOWANCE_INTERVALS * i;
    return Math.min(CEILING_INTERVALS * i, Math.max(i, this.#rtt.srtt + Math.max(i, 4 * this.#rtt.rttvar)));
  }

  /** Something arrived from the peer (a frame, a ping, a pong): the silence ends. */
  heard(): void {
    this.#heardAt = this.#now();
    this.#ref = undefined;
  }

  /** A pong arrived: heard, and a round-trip sample when it answers one of our pings. */
  pong(data?: Buffer | ArrayBuffer | Buffer[]): void {
    this.heard();
    if (data === undefined) return;
    const key = Buffer.isBuffer(data) ? data.toString('latin1') : Array.isArray(data) ? Buffer.concat(data).toString('latin1') : Buffer.from(data).toString('latin1');
    const sentAt = this.#pings.get(key);
    if (sentAt === undefined) return;
    // That ping and every older one are answered (a peer may answer only the latest of several).
    for (const k of this.#pings.keys()) {
      this.#pings.delete(k);
      if (k === key) break;
    }
    this.#sample(this.#now() - sentAt);
  }

  /** Bytes of a frame (payload length) handed to the socket. */
  queued(bytes: number): void {
    this.#queued += bytes;
  }

  /** RFC 6298 §2.2-2.3 with alpha 1/8, beta 1/4. */
  #sample(r: number): void {
    const rtt = Math.max(0, r);
    if (!this.#rtt) this.#rtt = { srtt: rtt, rttvar: rtt / 2 };
    else this.#rtt = { rttvar: 0.75 * this.#rtt.rttvar + 0.25 * Math.abs(this.#rtt.srtt - rtt), srtt: 0.875 * this.#rtt.srtt + 0.125 * rtt };
  }

  /** How often {@link tick} is to be called, ms (I / {@link CHECKS_PER_INTERVAL}). */
  get checkMs(): number {
    return this.intervalMs / CHECKS_PER_INTERVAL;
  }

  /**
   * One check, every {@link checkMs}: cuts (returns why), or sends the next ping when one is due
   * (the first check, then every interval). A check that comes more than a check late does not
   * cut: this process itself was held up, and what the peer sent meanwhile has not been read yet.
   */
  tick(io: HeartbeatIo): HeartbeatLoss | undefined {
    const now = this.#now();
    const late = now - this.#lastCheck > 2 * this.checkMs;
    this.#lastCheck = now;
    const received = io.received?.();
    if (received !== undefined) {
      if (this.#received !== undefined && received > this.#received) this.heard();
      this.#received = received;
    }
    // Some of our bytes left the buffer since the last check.
    const buffered = io.buffered();
    if (this.#lastBuffered + (this.#queued - this.#lastQueued) - buffered > 0) this.#drainedAt = now;
    const ref = this.#ref;
    // The reference ping left once every byte queued up to it did.
    if (ref && ref.leftAt === undefined && buffered <= this.#queued - ref.mark) ref.leftAt = now;
    const loss = late ? undefined : this.#judge(now, ref);
    if (loss) return loss;
    // Due once an interval passed (half a check early is on time: timers drift).
    if (this.#lastPingAt === undefined || now - this.#lastPingAt >= this.intervalMs - this.checkMs / 2) this.#ping(io, now);
    this.#lastBuffered = io.buffered();
    this.#lastQueued = this.#queued;
    return undefined;
  }

  #judge(now: number, ref: Reference | undefined): HeartbeatLoss | undefined {
    const silentMs = now - this.#heardAt;
    const ceiling = CEILING_INTERVALS * this.intervalMs;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    if (silentMs >= ceiling) return { silentMs, allowanceMs: ceiling, stuck: false, message: `nothing arrived for ${s(silentMs)}, the most ever allowed (${s(ceiling)})` };
    if (!ref) return undefined;
    const allowance = this.allowanceMs;
    if (ref.leftAt !== undefined) {
      if (now - ref.leftAt < allowance) return undefined;
      return { silentMs, allowanceMs: allowance, stuck: false, message: `nothing arrived for ${s(silentMs)}; the ping sent ${s(now - ref.sentAt)} ago went unanswered beyond the allowance of ${s(allowance)}${this.#rttText()}` };
    }
    // Our ping still waits behind our own bytes: alive while they keep leaving.
    if (now - Math.max(ref.sentAt, this.#drainedAt) < allowance) return undefined;
    return { silentMs, allowanceMs: allowance, stuck: true, message: `nothing arrived for ${s(silentMs)} and none of the bytes queued for the peer left for ${s(now - Math.max(ref.sentAt, this.#drainedAt))}, beyond the allowance of ${s(allowance)}${this.#rttText()}` };
  }

  #rttText(): string {
    return this.#rtt ? ` (round trip ${Math.round(this.#rtt.srtt)} ms ± ${Math.round(this.#rtt.rttvar)} ms)` : ' (no round trip measured yet)';
  }

  #ping(io: HeartbeatIo, now: number): void {
    const key = String(++this.#seq);
    this.#lastPingAt = now;
    this.#pings.set(key, now);
    if (this.#pings.size > MAX_PINGS_KEPT) this.#pings.delete(this.#pings.keys().next().value!);
    io.ping(Buffer.from(key, 'latin1'));
    this.queued(key.length);
    if (!this.#ref) {
      const ref: Reference = { sentAt: now, mark: this.#queued, leftAt: undefined };
      if (io.buffered() <= 0) ref.leftAt = now;
      this.#ref = ref;
    }
  }
}

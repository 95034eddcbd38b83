/**
 * One inbound federation stream (docs/protocol.md §12): a pinned peer pushes its own entries (and
 * relays what it was asked for) as frames over a WebSocket; this side answers each batch with
 * `stored`, asks with `want` for what it misses, and tells a `hello` how much of the peer's log it
 * holds.
 *
 * Everything the peer sends is bounded before it is looked at (docs/security.md): frames per
 * second, entries per second, frames and bytes waiting to be handled. Exceeding one sends `refused`
 * RATE_LIMITED and closes the stream (the peer reconnects and resumes from what this terminal
 * holds; nothing is lost). A frame that is not one of the wire schema is refused and dropped. A
 * stream is pinged and judged by the heartbeat rule of heartbeat.ts (docs/protocol.md §12,
 * "Heartbeats"): cut when nothing arrived for longer than its measured round trip allows.
 *
 * Frames are handled strictly in arrival order (entries of one author must be stored in sequence),
 * but the signatures of a batch start being checked when it arrives, on the receiver's check pool,
 * while the batches ahead of it are stored: checking and storing overlap. This is the hot path of
 * every received entry: no allocation or await per frame beyond what handling it needs.
 *
 * The session knows the socket only through {@link StreamSocket} and the rest of the terminal only
 * through its ports, so tests drive it with a fake socket; federation-server.ts wires it to ws.
 */
import type { LinePrecheck } from '../../protocol/index.js';
import type { LogConflict, ReceiveOutcome } from '../channels/channel-types.js';
import type { ChannelDirectory, EntryReceiver, StreamAsk } from '../channels/ports.js';
import { toApiError } from '../errors.js';
import type { EventSink } from '../events/event-bus.js';
import { wholeSetting } from '../env-settings.js';
import { Bucket, FED_CODES, type FederationLimits } from './limits.js';
import { Heartbeat, socketIo, type HeartbeatIo } from './heartbeat.js';
import type { WantRange } from './wants.js';
import { parseClientFrame, type ClientFrame, type EchoFrame, type ProbeFrame, type ServerFrame } from './wire.js';

/** Answers handed to a stream's socket and not yet taken by the peer beyond which the stream is cut. */
export const MAX_UNREAD_ANSWER_BYTES = 16 * 1024 * 1024;

/** The WebSocket readyState of an open socket (WHATWG's value, which ws uses). */
export const SOCKET_OPEN = 1;

/** The members of a ws WebSocket a session uses. */
export interface StreamSocket {
  readonly readyState: number;
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Destroys the connection at once, without a closing handshake. */
  terminate(): void;
  /** A WebSocket ping with this payload (its pong echoes it: a round-trip sample). */
  ping(data?: Buffer): void;
  /** Bytes handed to the socket and not yet taken by the network (ws `bufferedAmount`; 0 if absent). */
  readonly bufferedAmount?: number;
}

/** A frame's payload as ws delivers it. */
export type FramePayload = Buffer | ArrayBuffer | Buffer[];

/** Calls `fn` every `ms` until the returned function is called. */
export type Repeat = (ms: number, fn: () => void) => () => void;

/** Node's setInterval, not keeping the process alive. */
export const repeatEvery: Repeat = (ms, fn) => {
  const timer = setInterval(fn, ms);
  timer.unref();
  return () => clearInterval(timer);
};

/** What a session reads of the channels: which are held here, and how much of a peer's log each holds. */
export type StreamDirectory = Pick<ChannelDirectory, 'channelIds'> & {
  channel(id: string): { head(author: string): { readonly seq: number; readonly hash?: string } | undefined };
};

/** The bounds a session enforces (see {@link FederationLimits}). */
export type StreamLimits = Pick<FederationLimits, 'framesPerSecond' | 'entriesPerSecond' | 'maxQueuedFrames' | 'maxQueuedBytes' | 'pingIntervalMs'>;

/**
 * How long a received frame's commit waits for the next frames by default, ms (see
 * {@link receivedCommitWaitFrom}). The entries are shown to the officers at once; only their
 * `stored` answer and their receipt wait. At 200 msg/s (a frame every 5 ms) about two frames then
 * share a commit: measured on the 2-core VM against 0 ms, alternating, the receiver's CPU per
 * message fell 13% and the sender's 10% (fewer `stored` frames to read), delivery unchanged (#20).
 */
export const DEFAULT_RECEIVED_COMMIT_WAIT_MS = 8;

/** HOTLINE_RECEIVED_COMMIT_WAIT_MS: how long a received frame's commit may wait for the next frames to share it (0 to 50 ms). */
export function receivedCommitWaitFrom(value: string | undefined): number {
  return wholeSetting(value, { name: 'HOTLINE_RECEIVED_COMMIT_WAIT_MS', unit: 'milliseconds', min: 0, max: 50, fallback: DEFAULT_RECEIVED_COMMIT_WAIT_MS });
}

/** At most this many `want` frames follow one `stored` answer. */
export const MAX_WANTS_PER_BATCH = 64;
/** At most this many rejections are listed in one `stored` answer. */
export const MAX_REJECTED_LISTED = 32;

export interface StreamSessionOptions {
  /** The pinned peer on the other end. */
  readonly peer: string;
  readonly socket: StreamSocket;
  readonly receiver: EntryReceiver;
  readonly directory: StreamDirectory;
  /** Where `peer-seen` goes when the peer says hello (our own link to it retries at once). */
  readonly events: EventSink;
  readonly limits: StreamLimits;
  readonly log: { warn(o: object, m?: string): void; error(o: object, m?: string): void };
  /** Milliseconds, for the rate buckets (default Date.now). */
  readonly now?: () => number;
  /** Runs the heartbeat's checks, five per ping interval (default {@link repeatEvery}). */
  readonly repeat?: Repeat;
  /** Monotonic milliseconds for the heartbeat (default performance.now). */
  readonly heartbeatNow?: () => number;
  /** The connection under the WebSocket: bytes received on it count as signs of life (a frame still arriving). */
  readonly transport?: { readonly bytesRead: number };
  /**
   * The registry of the peers' open streams (inbound-streams.ts): once the peer said hello, this
   * stream is registered there until it closes, and may be asked to send `want` frames (the
   * reconciler's own entries the peer holds, the relay wants' receipts of a party whose stream is down).
   */
  readonly streams?: { attach(peer: string, ask: StreamAsk, close?: () => void): () => void };
  /** Reconciliation (channels/reconciler.ts): what received entries say of this terminal's own log. */
  readonly reconcile?: {
    /** A received entry waits for entries this terminal lacks (its own among them, maybe). */
    missing(peer: string, channel: string, author: string, toSeq: number): void;
    /** A received authentic entry contradicts the log held here (ReceiveOutcome.conflicts). */
    conflict?(peer: string, conflict: LogConflict): void;
  };
  /**
   * Told of every range asked for with `want` after a `stored` (pending-wants.ts), which asks the
   * channel's other parties for it while it does not come.
   */
  readonly pendingWants?: { asked(peer: string, range: WantRange): void };
  /** Answers a signed link-test probe of a version-2 channel (docs/protocol.md §12.3); undefined drops it. */
  readonly probes?: { answer(peer: string, probe: ProbeFrame): EchoFrame | undefined };
  /**
   * How long the commit of a frame's entries may wait for the next frames' to share it, ms
   * (default 0: the next turn of the event loop). Their `stored` answer waits as long.
   */
  readonly commitWaitMs?: number;
  /** How long a stream whose commit failed for want of storage is held open before it is closed, ms (default {@link STORAGE_FAILED_HOLD_MS}). */
  readonly storageHoldMs?: number;
}

/**
 * Store codes saying that this terminal cannot store anything for now (its disk full, its database
 * unreachable, its lock lost, busy, or damaged), whatever the peer sent: a condition of this
 * terminal's, not of the stream's.
 */
const STORAGE_UNAVAILABLE: ReadonlySet<string> = new Set(['STORE_FULL', 'STORE_UNREACHABLE', 'STORE_LOCK_LOST', 'STORE_BUSY', 'STORE_FENCED', 'STORE_DAMAGED']);

/**
 * How long a stream is held open, answering nothing, after a commit failed for want of storage,
 * before it is closed (1011), ms. The peer learns why at once (`refused` with the store's code) and
 * does not redial into the same failure many times a second; its heartbeats meanwhile show the
 * batch read and unanswered, so a failure that lasts shows as the peer not storing
 * (docs/protocol.md §12, "Closing"); a failure that passed costs the peer this much delay at most.
 */
export const STORAGE_FAILED_HOLD_MS = 5_000;

/** One inbound stream: {@link message} for each frame, {@link pong}, and {@link closed} at the end. */
export class StreamSession {
  readonly peer: string;
  readonly #socket: StreamSocket;
  readonly #receiver: EntryReceiver;
  readonly #directory: StreamDirectory;
  readonly #events: EventSink;
  readonly #limits: StreamLimits;
  readonly #log: StreamSessionOptions['log'];
  readonly #repeat: Repeat;
  readonly #frames: Bucket;
  readonly #entryBudget: Bucket;
  #queuedFrames = 0;
  #queuedBytes = 0;
  /** Refused for good: later frames are ignored until the socket closes. */
  #cut = false;
  /** The liveness judgment of the stream (heartbeat.ts). */
  readonly #heartbeat: Heartbeat;
  readonly #heartbeatIo: HeartbeatIo;
  #stopPing: (() => void) | undefined;
  #detach: (() => void) | undefined;
  readonly #reconcile: StreamSessionOptions['reconcile'];
  readonly #streams: StreamSessionOptions['streams'];
  readonly #probes: StreamSessionOptions['probes'];
  readonly #pendingWants: StreamSessionOptions['pendingWants'];
  /** The frames accepted so far, handled one after the other. */
  #chain: Promise<void> = Promise.resolve();
  /** The `stored` answers of frames taken in, sent in order once their entries are durable. */
  #answers: Promise<void> = Promise.resolve();
  readonly #commitWaitMs: number;
  readonly #storageHoldMs: number;
  /** The close due after a storage failure (cleared when the socket closes first). */
  #holding: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: StreamSessionOptions) {
    this.peer = opts.peer;
    this.#socket = opts.socket;
    this.#receiver = opts.receiver;
    this.#directory = opts.directory;
    this.#events = opts.events;
    this.#limits = opts.limits;
    this.#log = opts.log;
    this.#repeat = opts.repeat ?? repeatEvery;
    this.#reconcile = opts.reconcile;
    this.#streams = opts.streams;
    this.#probes = opts.probes;
    this.#pendingWants = opts.pendingWants;
    this.#commitWaitMs = opts.commitWaitMs ?? 0;
    this.#storageHoldMs = opts.storageHoldMs ?? STORAGE_FAILED_HOLD_MS;
    const now = opts.now ?? Date.now;
    this.#heartbeat = new Heartbeat(opts.limits.pingIntervalMs, opts.heartbeatNow ?? (() => performance.now()));
    this.#heartbeatIo = socketIo(opts.socket, opts.transport);
    this.#frames = new Bucket(opts.limits.framesPerSecond, opts.limits.framesPerSecond * 2, now);
    this.#entryBudget = new Bucket(opts.limits.entriesPerSecond, opts.limits.entriesPerSecond * 2, now);
  }

  /** Frames received and not yet handled, and their bytes. */
  get queued(): { frames: number; bytes: number } {
    return { frames: this.#queuedFrames, bytes: this.#queuedBytes };
  }

  /** Starts the liveness check: a ping every pingIntervalMs, the stream judged five times as often (heartbeat.ts). */
  start(): void {
    this.#stopPing ??= this.#repeat(this.#heartbeat.checkMs, () => this.#ping());
  }

  /** The heartbeat's allowance now, and its round-trip estimate once measured (ms). */
  get heartbeat(): { srttMs: number | null; rttvarMs: number | null; allowanceMs: number } {
    const h = this.#heartbeat;
    return { srttMs: h.rtt?.srtt ?? null, rttvarMs: h.rtt?.rttvar ?? null, allowanceMs: h.allowanceMs };
  }

  /** The socket closed: the ping stops. */
  closed(): void {
    clearTimeout(this.#holding);
    this.#holding = undefined;
    this.#stopPing?.();
    this.#stopPing = undefined;
    this.#detach?.();
    this.#detach = undefined;
  }

  /** The peer answered a ping (`data`: the pong's payload, our ping's). */
  pong(data?: Buffer | ArrayBuffer | Buffer[]): void {
    this.#heartbeat.pong(data);
  }

  /** The peer pinged: a sign of life. */
  pinged(): void {
    this.#heartbeat.heard();
  }

  /** Sends `refused` (and closes the stream if `close` is given); logged at warn with its code. */
  refuse(code: string, message: string, close?: { code: number; reason: string }): void {
    this.#log.warn({ code }, `federation frame refused: ${message}`);
    this.#send({ t: 'refused', code, message });
    if (close) this.#socket.close(close.code, close.reason);
  }

  /** A frame arrived: bounded, validated, queued in order; its entries' checks start now. */
  message(data: FramePayload, isBinary: boolean): void {
    if (this.#cut) return;
    this.#heartbeat.heard();
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const size = bytes.length;
    if (!this.#frames.take(1) || this.#queuedFrames + 1 > this.#limits.maxQueuedFrames || this.#queuedBytes + size > this.#limits.maxQueuedBytes) {
      this.#cutFor('Too many frames from this peer; slow down, reconnect and resume.');
      return;
    }
    // Validate before anything else: a frame that is not one is answered and dropped.
    const frame = isBinary ? undefined : parseClientFrame(bytes.toString('utf8'));
    if (!frame) {
      this.refuse(FED_CODES.badFrame, 'Malformed federation frame: JSON text frames of docs/protocol.md only.');
      return;
    }
    if (frame.t === 'entries' && !this.#entryBudget.take(frame.entries.length)) {
      this.#cutFor('Too many entries from this peer; slow down, reconnect and resume.');
      return;
    }
    this.#queuedFrames++;
    this.#queuedBytes += size;
    const prechecked = frame.t === 'entries' ? this.#receiver.precheck(frame.entries) : undefined;
    prechecked?.catch(() => undefined);
    // A frame counts as queued until it is answered: frames taken in whose commit has not ended
    // (a stalled disk) are bounded like frames waiting to be looked at.
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#queuedFrames--;
      this.#queuedBytes -= size;
    };
    this.#chain = this.#chain
      .then(() => this.#handle(frame, prechecked, release))
      .catch((e: unknown) => {
        this.#failed(e);
        release();
      });
  }

  /** Handles one frame; `release` once it no longer counts as queued (after its answer, for entries). */
  async #handle(frame: ClientFrame, prechecked: Promise<LinePrecheck[]> | undefined, release: () => void): Promise<void> {
    if (frame.t === 'entries' && this.#receiver.ingest && !this.#cut && this.#socket.readyState === SOCKET_OPEN) {
      // Taken in (shown to the officers) now; answered once durable, while the next frames are
      // taken in and join the same commit (docs/protocol.md §12, "stored").
      const { outcome, durable } = await this.#receiver.ingest(frame.entries, this.peer, await prechecked, { waitMs: this.#commitWaitMs });
      // Its commit may fail while an earlier frame's answer is still waited for, before the chain
      // below reaches it: marked handled here (Node would end the process on an unhandled
      // rejection); the chain still sees the failure and closes the stream.
      durable.catch(() => undefined);
      this.#answers = this.#answers
        .then(() => durable)
        .then(() => {
          if (!this.#cut) this.#answer(frame.id, outcome);
        })
        .catch((e: unknown) => this.#failed(e))
        .finally(release);
      return;
    }
    try {
      await this.#handleNow(frame, prechecked);
    } finally {
      release();
    }
  }

  async #handleNow(frame: ClientFrame, prechecked: Promise<LinePrecheck[]> | undefined): Promise<void> {
    if (this.#cut || this.#socket.readyState !== SOCKET_OPEN) return;
    if (frame.t === 'hello') {
      // A channel whose log in memory may hold what the database does not is reloaded first
      // (the stream fails while it cannot be): the peer sends again whatever the answer does not claim.
      for (const id of frame.channels) {
        const reloading = this.#receiver.fresh?.(id);
        if (reloading) await reloading;
      }
      if (this.#cut || this.#socket.readyState !== SOCKET_OPEN) return;
      this.#hello(frame.channels);
      return;
    }
    if (frame.t === 'probe') {
      const echo = this.#probes?.answer(this.peer, frame);
      if (echo) this.#send(echo);
      return;
    }
    this.#answer(frame.id, await this.#receiver.receive(frame.entries, this.peer, await prechecked));
  }

  /** `stored` for a frame whose entries are durable, and `want` for what they wait for. */
  #answer(id: number, outcome: ReceiveOutcome): void {
    this.#send({ t: 'stored', id, accepted: outcome.accepted, duplicate: outcome.duplicate, pending: outcome.pending, rejected: outcome.rejected.slice(0, MAX_REJECTED_LISTED) });
    const asked = new Set<string>();
    for (const m of outcome.missing) this.#reconcile?.missing(this.peer, m.channel, m.author, m.toSeq);
    for (const c of outcome.conflicts ?? []) this.#reconcile?.conflict?.(this.peer, c);
    for (const m of outcome.missing) {
      const key = `${m.channel}/${m.author}/${m.fromSeq}`;
      if (asked.has(key) || asked.size >= MAX_WANTS_PER_BATCH) continue;
      asked.add(key);
      this.#send({ t: 'want', ...m });
      this.#pendingWants?.asked(this.peer, m);
    }
  }

  /**
   * Answers a hello with the hash of the last entry of the peer's own log held here (`heads`, for
   * each channel held from 1 up), then how much of it this terminal holds per channel (`holds`; 0:
   * nothing, or a channel not held here): a peer whose own log forked learns it from the first frames.
   */
  #hello(channels: readonly string[]): void {
    this.#events.emit({ type: 'peer-seen', peer: this.peer });
    const known = new Set(this.#directory.channelIds());
    const holds: Record<string, number> = {};
    const heads: Record<string, string> = {};
    for (const id of channels) {
      const head = known.has(id) ? this.#directory.channel(id).head(this.peer) : undefined;
      holds[id] = head?.seq ?? 0;
      if (head?.hash !== undefined && head.seq > 0) heads[id] = head.hash;
    }
    this.#send({ t: 'heads', heads });
    this.#send({ t: 'holds', holds });
    this.#detach?.();
    this.#detach = this.#streams?.attach(this.peer, (w) => this.#send({ t: 'want', ...w }), () => this.#socket.close(1012, 'peer card updated'));
  }

  #cutFor(message: string): void {
    this.#cut = true;
    this.refuse(FED_CODES.rateLimited, message, { code: 1008, reason: 'rate limited' });
  }

  #failed(e: unknown): void {
    if (this.#cut) return; // already refused or failed: one closing is enough
    const err = toApiError(e);
    this.#log.error({ code: err.code, err: (e as Error)?.message }, 'failed to handle a federation frame');
    this.#cut = true;
    if (STORAGE_UNAVAILABLE.has(err.code)) {
      // This terminal cannot store for now: the peer hears why (its line names this terminal's
      // storage, not the route), and the stream stays open, answering nothing, before it closes.
      this.#send({ t: 'refused', code: err.code, message: err.message });
      this.#holding = setTimeout(() => {
        this.#holding = undefined;
        this.#socket.close(1011, 'storage unavailable');
      }, this.#storageHoldMs);
      this.#holding.unref?.();
      return;
    }
    this.#socket.close(1011, 'internal error');
  }

  #ping(): void {
    if (this.#socket.readyState !== SOCKET_OPEN) return;
    const loss = this.#heartbeat.tick(this.#heartbeatIo);
    if (!loss) return;
    this.#log.warn({ code: FED_CODES.timeout, reason: 'no pong', silentMs: loss.silentMs, allowanceMs: loss.allowanceMs, stuck: loss.stuck }, `unresponsive federation stream cut: ${loss.message}`);
    this.#socket.terminate();
  }

  #send(frame: ServerFrame): void {
    if (this.#socket.readyState !== SOCKET_OPEN) return;
    const text = JSON.stringify(frame);
    this.#socket.send(text);
    this.#heartbeat.queued(Buffer.byteLength(text));
    // A peer MUST go on reading (§12.2): one that keeps sending but takes none of the answers would
    // have them pile up here without bound (each `hello` alone may be answered with ~1 MB). Past the
    // bound the stream is cut, as an unresponsive one is; the peer reconnects and resumes.
    if ((this.#socket.bufferedAmount ?? 0) > MAX_UNREAD_ANSWER_BYTES) {
      this.#cut = true;
      this.#log.warn({ code: FED_CODES.timeout, unreadBytes: this.#socket.bufferedAmount }, 'federation stream cut: the peer does not read its answers');
      this.#socket.terminate();
    }
  }
}

/**
 * The outbound half of federation with one peer: keeps a pinned WebSocket to one of the peer's
 * endpoints (failing over between them), and pushes this terminal's own entries for every
 * channel shared with that peer, resuming from what the peer says it holds.
 *
 * Reconnection backoff is capped at a few seconds (BACKOFF_MAX_MS) so that a restored link is
 * used within seconds, and catch-up starts as soon as the link is back.
 */
import type WebSocket from 'ws';
import { openPinnedWebSocket } from '../tls/pinned-client.js';
import type { ChannelDirectory, EntrySource } from '../channels/ports.js';
import type { EventOf, EventSource, Unsubscribe } from '../events/event-bus.js';
import { BATCH_MAX, WINDOW, fitBatch, parseServerFrame, type ClientFrame, type EchoFrame, type ProbeFrame } from './wire.js';
import { repeatEvery, type Repeat } from './stream-session.js';
import { Heartbeat, HEARTBEAT_INTERVAL_MS, socketIo } from './heartbeat.js';
import { TERMINAL_ERRORS } from '../errors.js';
import { CONNECT_DEADLINE_MS, nextConnectDeadline, slowDial } from './connect-deadline.js';
import { WantQueue, wantedEntries, type WantRange } from './wants.js';
import { receivedBytes } from '../tls/raw-bytes.js';
import { federationUrl } from './endpoint-url.js';
import { StoredWatch, type LinkStall } from './stored-watch.js';
import { dialFailure, peerStorageReason, pinText, type LinkReason, type LinkRefusal } from './link-answers.js';

export const BACKOFF_START_MS = 100;
export const BACKOFF_MAX_MS = 3000;
/**
 * Bytes written to the stream and not yet taken by the peer's TCP stack beyond which no further
 * batch is sent: a peer that stops reading while it answers `stored` (or guesses batch ids) cannot
 * make this terminal hold what it sends in memory without bound.
 */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** How often a pump held back by {@link MAX_BUFFERED_BYTES} looks again. */
const BUFFERED_RECHECK_MS = 50;

/** Link state toward a peer as seen from here. */
export type LinkState = 'connecting' | 'up' | 'down';

export interface PeerLinkOptions {
  readonly peer: string;
  readonly code: string;
  readonly endpoints: readonly string[];
  /** The TLS keys the peer may present (one per instance of a highly available peer). */
  readonly expectedFingerprint: string | readonly string[];
  readonly tls: { keyPem: string; certPem: string };
  /** This terminal's own entries to push, and what it relays when asked. */
  readonly entries: EntrySource;
  /** Which channels are shared with the peer. */
  readonly directory: Pick<ChannelDirectory, 'channelIds' | 'shares' | 'sendableUpTo'>;
  /** Own entries committed here ('entry' events) start a push at once. */
  readonly events: EventSource;
  readonly log: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
  readonly onState?: (state: LinkState, endpoint: string | null) => void;
  /** The peer said how much of our own log of a channel it holds (channels/reconciler.ts). */
  readonly onHolds?: (channel: string, seq: number, hash?: string) => void;
  /** Channels whose own entries are not pushed (own log forked there: each would only be refused). */
  readonly withheld?: (channel: string) => boolean;
  /** The peer began refusing this terminal's own entries on a channel, or took them again (null). */
  readonly onRefusing?: (refusal: LinkRefusal | null) => void;
  /** A signed link-test echo came back (schedulers/link-prober.ts judges it). */
  readonly onEcho?: (peer: string, echo: EchoFrame) => void;
  /** Milliseconds now, for "down since" (default Date.now; the terminal gives its clock). */
  readonly now?: () => number;
  /** Heartbeat interval (default {@link HEARTBEAT_INTERVAL_MS}); the stream is checked five times per interval. */
  readonly heartbeatMs?: number;
  /** Runs the heartbeat's checks (default {@link repeatEvery}). */
  readonly repeat?: Repeat;
  /** Monotonic milliseconds for the heartbeat (default performance.now: a clock step is no silence). */
  readonly heartbeatNow?: () => number;
  /** How long a batch may go unanswered before the peer counts as not storing (default STORED_OVERDUE_MS, stored-watch.ts). */
  readonly storedOverdueMs?: number;
  /** The peer began leaving this terminal's batches unanswered past the allowance, or answered again (null). */
  readonly onNotStoring?: (stall: LinkStall | null) => void;
}

/** One peer's outbound link. */
export class PeerLink {
  readonly peer: string;
  #opts: PeerLinkOptions;
  #ws: WebSocket | undefined;
  #state: LinkState = 'down';
  #since: number;
  #reason: LinkReason | null = { code: 'LINK_NOT_STARTED', message: 'not dialled yet' };
  #stopHeartbeat: (() => void) | undefined;
  /** The liveness judgment of the open stream (heartbeat.ts). */
  #heartbeat: Heartbeat | undefined;
  #endpointIndex = 0;
  #backoff = BACKOFF_START_MS;
  /** The next dial's opening-handshake deadline ({@link nextConnectDeadline}). */
  #connectDeadline = CONNECT_DEADLINE_MS;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #started = false;
  #ready = false;
  /** Highest own seq the peer holds or has been sent, per channel. */
  readonly #cursor = new Map<string, number>();
  /** The `heads` frame of this connection, until the `holds` it comes before (docs/protocol.md §12). */
  #heads: Record<string, string> | undefined;
  #batchId = 0;
  #pumping = false;
  /** Ranges the peer asked for with `want`, served before own entries. */
  readonly #wants = new WantQueue();
  /** A pump held back by a full send buffer looks again then. */
  #recheck: NodeJS.Timeout | undefined;
  /** What this connection's peer did that was refused, warned once per connection. */
  readonly #warned = new Set<string>();
  #unsubscribe: Unsubscribe | undefined;
  readonly #onEntry = (e: EventOf<'entry'>) => {
    if (e.own && this.#ready) {
      if (!this.#cursor.has(e.channel) && this.#opts.directory.shares(e.channel, this.peer)) this.#cursor.set(e.channel, 0);
      void this.#pump();
    }
  };
  /** Counters for metrics and tests. */
  readonly stats = { connects: 0, failovers: 0, sent: 0, stored: 0, rejected: 0 };
  /** Highest own seq the peer confirmed holding, per channel (kept across reconnects): sync lag. */
  readonly #confirmed = new Map<string, number>();
  /** Channels whose own entries the peer refuses (kept across reconnections), oldest first. */
  readonly #refusals = new Map<string, LinkRefusal>();
  /** Batches sent and not yet answered: id -> the channel and last own seq it carries (null: relayed for a want). */
  readonly #batches = new Map<number, { channel: string; upto: number } | null>();
  /** Whether the peer stores what it is sent (stored-watch.ts). */
  readonly #storedWatch: StoredWatch;

  constructor(opts: PeerLinkOptions) {
    this.peer = opts.peer;
    this.#opts = opts;
    this.#since = this.#now();
    this.#storedWatch = new StoredWatch(opts.storedOverdueMs, (stall) => this.#opts.onNotStoring?.(stall));
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  get state(): LinkState {
    return this.#state;
  }

  /** When the link entered its current state (ms). */
  get since(): number {
    return this.#since;
  }

  /** Why the link is not up (null when up). */
  get reason(): LinkReason | null {
    return this.#state === 'up' ? null : this.#reason;
  }

  /** Marks the link down without dialling, for a reason found before any connection (a certificate). */
  hold(reason: LinkReason): void {
    this.#reason = reason;
    // No pin, no dialling, until update() gives a certificate valid again.
    this.#opts = { ...this.#opts, expectedFingerprint: '' };
    this.#ws?.terminate();
    this.#setState('down');
  }

  /** The peer answers heartbeats but has answered no batch for longer than the allowance (null otherwise). */
  get notStoring(): LinkStall | null {
    return this.#storedWatch.stall;
  }

  /** Batches the peer is known to have read (a pong came back after them) and has not answered. */
  get readUnanswered(): number {
    return this.#storedWatch.readUnanswered;
  }

  /** The oldest refusal of this terminal's own entries by the peer still standing (null when none). */
  get refusal(): LinkRefusal | null {
    return this.#refusals.values().next().value ?? null;
  }

  /** Every channel whose own entries the peer refuses now. */
  get refusals(): LinkRefusal[] {
    return [...this.#refusals.values()];
  }

  /** Highest own seq of `channel` the peer has confirmed storing, if known. */
  confirmedHolds(channel: string): number | undefined {
    return this.#confirmed.get(channel);
  }

  get endpoint(): string | null {
    return this.#state === 'up' ? (this.#opts.endpoints[this.#endpointIndex] ?? null) : null;
  }

  /** Where the stream is connected now and the key pinned there (pull-fallback.ts fetches from it); undefined unless up. */
  get pullTarget(): { readonly endpoint: string; readonly expectedFingerprint: string | readonly string[] } | undefined {
    const endpoint = this.endpoint;
    return endpoint === null ? undefined : { endpoint, expectedFingerprint: this.#opts.expectedFingerprint };
  }

  /** Starts connecting; keeps trying until stop(). */
  start(): void {
    this.#started = true;
    this.#unsubscribe ??= this.#opts.events.on('entry', this.#onEntry);
    this.#connect();
  }

  /** Replaces endpoints and pin (after a new card), reconnecting. */
  update(opts: Pick<PeerLinkOptions, 'endpoints' | 'expectedFingerprint'>): void {
    const changed = pinText(opts.expectedFingerprint) !== pinText(this.#opts.expectedFingerprint) || opts.endpoints.join(' ') !== this.#opts.endpoints.join(' ');
    this.#opts = { ...this.#opts, ...opts };
    if (changed) {
      this.#connectDeadline = CONNECT_DEADLINE_MS;
      this.#ws?.terminate();
    }
    // Held down (no valid certificate before): dial now.
    if (!this.#ws && this.#state !== 'up' && !this.#stopped && this.#started && this.#timer === undefined) {
      this.#backoff = BACKOFF_START_MS;
      this.#connect();
    }
  }

  /** Opens the connection again (a new hello, so the peer says anew what it holds). */
  resync(): void {
    this.#ws?.terminate();
  }

  /** Stops for good. */
  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearTimeout(this.#timer);
    this.#stopHeartbeat?.();
    clearTimeout(this.#recheck);
    this.#ws?.terminate();
  }

  /** Reconnects now, skipping the backoff wait (an operator's "retry now"). */
  retryNow(): void {
    // A connection attempt in progress is not doubled: its socket would be orphaned, and its
    // 'open' would write on the new, still-connecting socket (which throws and kills the process).
    if (this.#state === 'up' || this.#stopped || this.#ws) return;
    clearTimeout(this.#timer);
    this.#backoff = BACKOFF_START_MS;
    this.#connect();
  }

  #setState(state: LinkState): void {
    if (state === this.#state) return;
    // connecting <-> down while retrying is one outage: "down since" keeps its start.
    const outage = (s: LinkState) => s !== 'up';
    if (!(outage(state) && outage(this.#state))) this.#since = this.#now();
    this.#state = state;
    this.#opts.onState?.(state, this.endpoint);
  }

  /**
   * Checks the stream every fifth of an interval and pings it every interval (heartbeat.ts): cut
   * when nothing arrived for longer than the measured round trip allows, counted from when our
   * ping left our own buffer.
   */
  #startHeartbeat(ws: WebSocket, socket: { readonly bytesRead: number } | undefined): void {
    const h = new Heartbeat(this.#opts.heartbeatMs ?? HEARTBEAT_INTERVAL_MS, this.#opts.heartbeatNow ?? (() => performance.now()));
    this.#heartbeat = h;
    ws.on('pong', (data) => (h.pong(data), this.#storedWatch.ponged(data, this.#now())));
    ws.on('ping', () => h.heard());
    ws.on('message', () => h.heard());
    // Each ping's place in the stream tells which batches the peer has read once its pong is back.
    const raw = socketIo(ws, socket);
    const io = { ...raw, ping: (data: Buffer) => (this.#storedWatch.pinged(data), raw.ping(data)) };
    const stop = (this.#opts.repeat ?? repeatEvery)(h.checkMs, () => {
      if (this.#ws !== ws || ws.readyState !== 1) return;
      this.#storedWatch.check(this.#now());
      const loss = h.tick(io);
      if (!loss) return;
      this.#reason = { code: 'LINK_HEARTBEAT_LOST', message: `the peer stopped answering heartbeats: ${loss.message}` };
      this.#opts.log.warn({ peer: this.#opts.code, code: 'LINK_HEARTBEAT_LOST', silentMs: loss.silentMs, allowanceMs: loss.allowanceMs, stuck: loss.stuck }, `peer stopped answering heartbeats; link cut: ${loss.message}`);
      ws.terminate();
    });
    this.#stopHeartbeat = stop;
  }

  #connect(): void {
    if (this.#stopped) return;
    const endpoints = this.#opts.endpoints;
    if (endpoints.length === 0 || pinText(this.#opts.expectedFingerprint) === '') return;
    // A reason from before any dialling no longer holds; a failed attempt's stays until the next one fails or succeeds.
    const firstDial = this.#reason === null || this.#reason.code === 'LINK_CERT_INVALID' || this.#reason.code === 'LINK_NOT_STARTED';
    if (firstDial) this.#reason = null;
    const base = endpoints[this.#endpointIndex % endpoints.length]!;
    const url = federationUrl(base, '/fed/v1/stream', 'wss');
    // 'connecting' is the first dial only: a retry after a failed attempt or a lost stream stays
    // 'down' with the last failure as its reason (one outage, one state: an alert on
    // hotline_link_state{state="down"} must not flap with every attempt).
    if (this.#state === 'up') this.#setState('down');
    else if (firstDial) this.#setState('connecting');
    let opened = false;
    let slow = false; // the dial timed out on a path that answers slowly (connect-deadline.ts)
    let socket: { readonly bytesRead: number } | undefined;
    const deadline = this.#connectDeadline;
    const ws = openPinnedWebSocket(url, { key: this.#opts.tls.keyPem, cert: this.#opts.tls.certPem, expectedFingerprint: this.#opts.expectedFingerprint, handshakeTimeoutMs: deadline });
    this.#ws = ws;
    // The connection's socket, for the bytes received (a frame still arriving is a sign of life).
    ws.on('upgrade', (res) => {
      socket = receivedBytes(res.socket);
    });
    ws.on('open', () => {
      opened = true;
      this.stats.connects++;
      this.#startHeartbeat(ws, socket);
      const directory = this.#opts.directory;
      const channels = directory.channelIds().filter((id) => this.#mayPush(id));
      this.#send({ t: 'hello', v: 1, channels });
    });
    // A binary message is not a frame (§12.2): dropped and logged, as a malformed frame is.
    ws.on('message', (data, isBinary) => void this.#onFrame(isBinary ? undefined : String(data)));
    ws.on('error', (e) => {
      const code = (e as { code?: string }).code;
      if (!opened && slowDial(e)) slow = true;
      this.#reason = { code: code === 'FED_PIN_MISMATCH' ? 'FED_PIN_MISMATCH' : 'LINK_UNREACHABLE', message: `${base}: ${dialFailure(e, this.#opts.code)}` };
      // A 401 is the peer not having paired with this party yet (pairing is mutual): logged as
      // that, in words, not as a failure of the network (the walkthrough's log began with one).
      const unpaired = /Unexpected server response: 401\b/.test(e.message);
      if (!opened) this.#opts.log.warn({ peer: this.#opts.code, endpoint: base, err: e.message, code }, unpaired ? `${this.#opts.code} does not accept this terminal yet (401): it has not paired with this party, or holds an older card of it` : 'federation link failed to connect');
    });
    ws.on('close', () => {
      if (this.#ws !== ws) return;
      const rtt = this.#heartbeat?.rtt;
      this.#connectDeadline = nextConnectDeadline(deadline, { slowPath: slow, ...(rtt ? { rtt } : {}) });
      if (this.#connectDeadline > deadline) this.#opts.log.info({ peer: this.#opts.code, endpoint: base, deadlineMs: this.#connectDeadline }, `the peer's path carries bytes but did not complete a dial within ${deadline} ms: the next dial waits ${this.#connectDeadline} ms for the upgrade (twice that for TCP and TLS)`);
      this.#stopHeartbeat?.();
      this.#stopHeartbeat = undefined;
      this.#heartbeat = undefined;
      if (opened && this.#reason?.code !== 'LINK_HEARTBEAT_LOST' && this.#reason?.code !== 'LINK_CERT_INVALID' && !peerStorageReason(this.#reason)) this.#reason = { code: 'LINK_CLOSED', message: `the stream to ${base} closed` };
      this.#ws = undefined;
      this.#ready = false;
      this.#heads = undefined;
      this.#cursor.clear();
      this.#batches.clear();
      this.#storedWatch.reset(); // what the peer read and left unanswered still counts on the next stream
      this.#wants.clear();
      this.#warned.clear();
      clearTimeout(this.#recheck);
      this.#recheck = undefined;
      this.#setState('down');
      if (this.#stopped) return;
      // Fail over to the next endpoint; back off once every endpoint was tried.
      const n = this.#opts.endpoints.length;
      this.#endpointIndex = (this.#endpointIndex + 1) % n;
      if (n > 1) this.stats.failovers++;
      const wait = this.#endpointIndex === 0 || !opened ? this.#backoff : 0;
      if (this.#endpointIndex === 0) this.#backoff = Math.min(this.#backoff * 2, BACKOFF_MAX_MS);
      const jitter = Math.floor(Math.random() * Math.min(100, wait / 4));
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#connect();
      }, wait + jitter);
    });
  }

  /** Sends a signed link-test probe; false when the stream is not up. */
  probe(frame: ProbeFrame): boolean {
    if (!this.#ready || this.#ws?.readyState !== 1) return false;
    this.#send(frame);
    return true;
  }

  #send(frame: ClientFrame): void {
    if (this.#ws?.readyState !== 1 /* OPEN */) return;
    const text = JSON.stringify(frame);
    this.#ws.send(text);
    this.#heartbeat?.queued(Buffer.byteLength(text));
  }

  async #onFrame(text: string | undefined): Promise<void> {
    const frame = text === undefined ? undefined : parseServerFrame(text);
    if (!frame) {
      this.#opts.log.warn({ peer: this.#opts.code }, 'peer sent a malformed federation frame');
      return;
    }
    switch (frame.t) {
      case 'heads':
        // Read with the `holds` that follows it (a server of an earlier release sends none).
        this.#heads = frame.heads;
        break;
      case 'holds':
        for (const [channel, seq] of Object.entries(frame.holds)) {
          // Only a party of a channel is sent its entries, whatever another says it holds of it
          // (a party no longer in it, what was written while it was: the pump stops there).
          if (!this.#mayPush(channel)) {
            this.#warnOnce('FED_HOLDS_IGNORED', { channel: channel.slice(0, 12) });
            continue;
          }
          this.#cursor.set(channel, seq);
          this.#confirmed.set(channel, seq);
          // A hash only for a seq it holds (a `heads` member for a channel held from 1 up).
          this.#opts.onHolds?.(channel, seq, seq > 0 ? this.#heads?.[channel] : undefined);
        }
        // A channel made after the hello went out (a proposal written while the link was opening)
        // is in neither the hello nor the answer, and its entry event came before the link was
        // ready: start it from the beginning, or it would wait for the next reconnection.
        for (const id of this.#opts.directory.channelIds())
          if (!this.#cursor.has(id) && this.#opts.directory.shares(id, this.peer)) this.#cursor.set(id, 0);
        this.#heads = undefined;
        this.#ready = true;
        this.#backoff = BACKOFF_START_MS;
        // A stream the peer took again: its earlier storage failure is no longer a reason.
        if (peerStorageReason(this.#reason)) this.#reason = null;
        this.#setState('up');
        await this.#pump();
        if (this.#batches.size === 0) this.#storedWatch.caughtUp(this.#now());
        break;
      case 'stored':
        {
          // Only an answer to a batch this link sent and has not heard of opens the window again.
          if (!this.#batches.has(frame.id)) {
            this.#warnOnce('FED_STORED_UNKNOWN', { id: frame.id });
            return;
          }
          const b = this.#batches.get(frame.id);
          this.#batches.delete(frame.id);
          if (this.#storedWatch.answered(frame.id)) this.#storedWatch.check(this.#now());
          if (b && frame.rejected.length === 0 && frame.pending === 0) this.#confirmed.set(b.channel, Math.max(this.#confirmed.get(b.channel) ?? 0, b.upto));
          if (b) this.#judged(b.channel, frame.rejected);
        }
        this.stats.stored += frame.accepted;
        if (frame.rejected.length) {
          this.stats.rejected += frame.rejected.length;
          this.#opts.log.warn({ peer: this.#opts.code, first: frame.rejected[0] }, 'peer rejected entries');
        }
        await this.#pump();
        break;
      case 'want':
        this.#want(frame);
        await this.#pump();
        break;
      case 'echo':
        this.#opts.onEcho?.(this.peer, frame);
        break;
      case 'refused':
        this.#opts.log.warn({ peer: this.#opts.code, code: frame.code }, frame.message);
        // The peer cannot store for now: the reason its stream then closes (not "closed", not the route).
        if (frame.code.startsWith('STORE_')) this.#reason = { code: frame.code, message: `${this.#opts.code} cannot store what it is sent (${frame.code}: ${frame.message})` };
        break;
    }
  }

  /**
   * Whether any own entry of `channel` is for the peer: it is a party of the channel, or was one
   * while this terminal wrote there (docs/protocol.md §12, "Who is sent what").
   */
  #mayPush(channel: string): boolean {
    const directory = this.#opts.directory;
    return directory.shares(channel, this.peer) || directory.sendableUpTo(channel, this.peer, 0, this.#opts.entries.committedHead(channel)) > 0;
  }

  /** The peer's answer to an own batch of `channel`: refusing, or taking them again. */
  #judged(channel: string, rejected: ReadonlyArray<{ code: string; message: string }>): void {
    const was = this.#refusals.get(channel);
    if (rejected.length === 0) {
      if (!was) return;
      this.#refusals.delete(channel);
      this.#opts.log.info({ peer: this.#opts.code, channel: channel.slice(0, 12) }, 'peer takes this terminal\'s entries again');
      this.#opts.onRefusing?.(this.refusal);
      return;
    }
    const first = rejected[0]!;
    const now = { channel, code: was?.code ?? first.code, message: was?.message ?? first.message, since: was?.since ?? this.#now(), rejected: (was?.rejected ?? 0) + rejected.length, peerHolds: was?.peerHolds ?? this.#confirmed.get(channel) ?? 0 };
    this.#refusals.set(channel, now);
    if (!was) this.#opts.onRefusing?.(now);
  }

  /**
   * Takes a `want` in (docs/protocol.md §12, "Serving wants"): only for a channel the peer is a
   * party of (no other channel's entries ever leave for it, whoever asks), joined with what it
   * asked before for the same channel and author, and served by the pump within the window.
   */
  #want(w: WantRange): void {
    if (!this.#opts.directory.shares(w.channel, this.peer)) this.#warnOnce('FED_WANT_REFUSED', { reason: `channel ${w.channel.slice(0, 12)} is not shared with it` });
    else if (!this.#wants.add(w)) this.#warnOnce('FED_WANT_REFUSED', { reason: `${this.#wants.size} ranges are queued already, the most at once` });
  }

  /** Whether another batch may be sent now: the link is ready, the window open, the send buffer not full. */
  #canSend(): boolean {
    if (!this.#ready || this.#batches.size >= WINDOW) return false;
    if ((this.#ws?.bufferedAmount ?? 0) <= MAX_BUFFERED_BYTES) return true;
    // The peer is not taking what was sent: look again shortly instead of queueing more.
    this.#recheck ??= setTimeout(() => {
      this.#recheck = undefined;
      void this.#pump();
    }, BUFFERED_RECHECK_MS);
    return false;
  }

  /**
   * Sends what the peer asked for (wants first), then own entries the peer lacks, BATCH_MAX at a
   * time, at most WINDOW batches unanswered in all.
   */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      const entries = this.#opts.entries;
      let progress = true;
      while (progress && this.#canSend()) {
        progress = false;
        const want = this.#wants.take();
        if (want !== undefined) {
          progress = true;
          const raws = await wantedEntries(entries, want);
          if (raws.length > 0 && this.#ready) {
            this.#batches.set(++this.#batchId, null);
            this.#send({ t: 'entries', id: this.#batchId, entries: raws });
            this.#storedWatch.sent(this.#batchId);
          }
          continue;
        }
        for (const [channel, sent] of this.#cursor) {
          if (!this.#canSend()) break;
          if (this.#opts.withheld?.(channel)) continue;
          // Only what the peer may have: a party no longer in the channel, nothing written since (§12).
          const head = this.#opts.directory.sendableUpTo(channel, this.peer, sent, Math.min(entries.committedHead(channel), sent + BATCH_MAX));
          if (head <= sent) continue;
          const raws = fitBatch(await entries.ownEntries(channel, sent + 1, head));
          if (raws.length === 0 || !this.#ready) continue;
          this.#cursor.set(channel, sent + raws.length);
          this.stats.sent += raws.length;
          this.#batches.set(++this.#batchId, { channel, upto: sent + raws.length });
          this.#send({ t: 'entries', id: this.#batchId, entries: raws });
          this.#storedWatch.sent(this.#batchId);
          progress = true;
        }
      }
    } finally {
      this.#pumping = false;
    }
    // A want taken in while this pump read the store, after it last looked: serve it now.
    if (this.#wants.size > 0 && this.#canSend()) await this.#pump();
  }

  /** Logs what the peer did that was refused, once per code and connection (a misbehaving peer repeats it). */
  #warnOnce(code: 'FED_STORED_UNKNOWN' | 'FED_HOLDS_IGNORED' | 'FED_WANT_REFUSED', details: Record<string, string | number>): void {
    if (this.#warned.has(code)) return;
    this.#warned.add(code);
    this.#opts.log.warn({ peer: this.#opts.code, code, ...details }, TERMINAL_ERRORS.format(code, details));
  }
}

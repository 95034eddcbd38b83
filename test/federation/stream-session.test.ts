/**
 * One inbound federation stream, without Fastify or a network: a StreamSession driven with a fake
 * socket (it records what the session sends, closes and pings), a fake receiver whose answers the
 * test releases one by one, a fake directory and a clock moved by hand. What a peer at the other
 * end would see: frames handled in order, `stored` counts, `want` requests, `holds`, refusals,
 * and the stream cut when it floods or stops answering pings.
 */
import { describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../src/store/index.js';
import type { LinePrecheck } from '../../src/protocol/index.js';
import type { ReceiveOutcome } from '../../src/terminal/channels/channel-types.js';
import type { TerminalEvent } from '../../src/terminal/events/event-bus.js';
import { ManualClock } from '../../src/terminal/clock.js';
import { InboundStreams } from '../../src/terminal/federation/inbound-streams.js';
import { DEFAULT_FEDERATION_LIMITS, FED_CODES } from '../../src/terminal/federation/limits.js';
import { DEFAULT_RECEIVED_COMMIT_WAIT_MS, MAX_WANTS_PER_BATCH, receivedCommitWaitFrom, SOCKET_OPEN, STORAGE_FAILED_HOLD_MS, StreamSession, type StreamLimits, type StreamSocket } from '../../src/terminal/federation/stream-session.js';

const PEER = 'U'.repeat(43);
const OTHER = 'R'.repeat(43);
const CH_A = 'a'.repeat(64);
const CH_B = 'b'.repeat(64);
const CH_UNKNOWN = 'c'.repeat(64);

/** A socket that records everything the session does to it. */
class FakeSocket implements StreamSocket {
  readyState = SOCKET_OPEN;
  readonly sent: Array<Record<string, unknown>> = [];
  closedWith: { code: number; reason: string } | undefined;
  terminated = false;
  pings = 0;
  readonly pingData: Array<Buffer | undefined> = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
    this.readyState = 2; // CLOSING
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3; // CLOSED
  }
  ping(data?: Buffer): void {
    this.pings++;
    this.pingData.push(data);
  }
  framesOf(t: string): Array<Record<string, unknown>> {
    return this.sent.filter((f) => f.t === t);
  }
}

/** A receiver whose receive() answers only when the test releases it, in order. */
class FakeReceiver {
  readonly prechecked: string[][] = [];
  readonly received: Array<{ raws: readonly string[]; source: string; prechecks: readonly LinePrecheck[] | undefined }> = [];
  readonly #waiting: Array<{ resolve: (o: ReceiveOutcome) => void; reject: (e: unknown) => void }> = [];
  precheck(raws: readonly string[]): Promise<LinePrecheck[]> {
    this.prechecked.push([...raws]);
    return Promise.resolve(raws.map((raw) => ({ raw }) as unknown as LinePrecheck));
  }
  receive(raws: readonly string[], source: string, prechecks?: readonly LinePrecheck[]): Promise<ReceiveOutcome> {
    this.received.push({ raws, source, prechecks });
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }
  /** Answers the oldest receive() still waiting. */
  answer(outcome: Partial<ReceiveOutcome> = {}): void {
    const w = this.#waiting.shift();
    if (!w) throw new Error('no receive() is waiting');
    w.resolve({ accepted: 0, duplicate: 0, pending: 0, rejected: [], missing: [], ...outcome });
  }
  fail(e: unknown): void {
    this.#waiting.shift()!.reject(e);
  }
}

/**
 * A receiver that takes batches in at once (the terminal's Receiver.ingest) and makes them
 * durable only when the test says so, in order: the commit the session must wait for before it
 * answers `stored`.
 */
class FakeIngestingReceiver extends FakeReceiver {
  readonly ingested: Array<{ raws: readonly string[]; waitMs: number | undefined }> = [];
  readonly #durable: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  ingest(raws: readonly string[], _source: string, _prechecks?: readonly LinePrecheck[], options: { waitMs?: number } = {}): Promise<{ outcome: ReceiveOutcome; durable: Promise<void> }> {
    this.ingested.push({ raws, waitMs: options.waitMs });
    const durable = new Promise<void>((resolve, reject) => this.#durable.push({ resolve, reject }));
    return Promise.resolve({ outcome: { accepted: raws.length, duplicate: 0, pending: 0, rejected: [], missing: [] }, durable });
  }
  /** The oldest batch taken in is now durable (or its commit failed). */
  stored(): void {
    this.#durable.shift()!.resolve();
  }
  commitFailed(e: unknown): void {
    this.#durable.shift()!.reject(e);
  }
  /** The newest batch's commit failed while the older ones are still being stored. */
  newestCommitFailed(e: unknown): void {
    this.#durable.pop()!.reject(e);
  }
}

/** The hash of PEER's entry #5 of CH_A held here. */
const HEAD_A = 'e'.repeat(64);
/** The directory: CH_A holds PEER's log up to seq 5, CH_B nothing of PEER yet. */
const directory = {
  channelIds: () => [CH_A, CH_B],
  channel: (id: string) => ({ head: (author: string) => (id === CH_A && author === PEER ? { seq: 5, hash: HEAD_A } : undefined) }),
};

/** Lets the promises of the session settle (no time passes). */
const settle = () => new Promise<void>((r) => setImmediate(r));

function session(limits: Partial<StreamLimits> = {}, receiver = new FakeReceiver(), commitWaitMs?: number, streams?: InboundStreams) {
  const socket = new FakeSocket();
  const events: TerminalEvent[] = [];
  const logs: Array<{ level: 'warn' | 'error'; o: Record<string, unknown>; m: string | undefined }> = [];
  const clock = new ManualClock(1_000_000);
  const pinger: { fn?: () => void; every?: number; stopped: boolean } = { stopped: false };
  const remembered: Array<{ peer: string; range: unknown }> = [];
  const s = new StreamSession({
    peer: PEER,
    socket,
    receiver,
    directory,
    events: { emit: (e) => events.push(e) },
    limits: { ...DEFAULT_FEDERATION_LIMITS, ...limits },
    log: {
      warn: (o, m) => logs.push({ level: 'warn', o: o as Record<string, unknown>, m }),
      error: (o, m) => logs.push({ level: 'error', o: o as Record<string, unknown>, m }),
    },
    now: () => clock.now(),
    heartbeatNow: () => clock.now(),
    ...(commitWaitMs !== undefined ? { commitWaitMs } : {}),
    ...(streams !== undefined ? { streams } : {}),
    pendingWants: { asked: (peer, range) => remembered.push({ peer, range }) },
    repeat: (ms, fn) => {
      pinger.fn = fn;
      pinger.every = ms;
      return () => (pinger.stopped = true);
    },
  });
  const send = (frame: unknown) => s.message(Buffer.from(JSON.stringify(frame)), false);
  const entries = (id: number, ...raws: string[]) => send({ t: 'entries', id, entries: raws });
  return { s, socket, receiver, events, logs, clock, pinger, send, entries, remembered };
}

describe('stream session: entries', () => {
  it('handles batches strictly in arrival order, checking each as soon as it arrives', async () => {
    const { socket, receiver, entries } = session();
    entries(1, 'e1', 'e2');
    entries(2, 'e3');
    entries(3, 'e4');
    // Every batch's check started on arrival, before the first one was stored.
    expect(receiver.prechecked).toEqual([['e1', 'e2'], ['e3'], ['e4']]);
    await settle();
    expect(receiver.received.map((r) => r.raws)).toEqual([['e1', 'e2']]);
    receiver.answer({ accepted: 2 });
    await settle();
    expect(receiver.received.map((r) => r.raws)).toEqual([['e1', 'e2'], ['e3']]);
    receiver.answer({ accepted: 1 });
    await settle();
    receiver.answer({ duplicate: 1 });
    await settle();
    expect(socket.framesOf('stored').map((f) => f.id)).toEqual([1, 2, 3]);
    // Received from the pinned peer, with the checks started on arrival.
    expect(receiver.received.every((r) => r.source === PEER)).toBe(true);
    expect(receiver.received[0]!.prechecks).toEqual([{ raw: 'e1' }, { raw: 'e2' }]);
  });

  it('answers each batch with its counts, listing at most 32 rejections', async () => {
    const { socket, receiver, entries } = session();
    entries(7, 'e1');
    await settle();
    const rejected = Array.from({ length: 40 }, (_, i) => ({ code: 'ENTRY_BAD_SIGNATURE', message: `forged ${i}` }));
    receiver.answer({ accepted: 3, duplicate: 2, pending: 1, rejected });
    await settle();
    expect(socket.sent).toEqual([{ t: 'stored', id: 7, accepted: 3, duplicate: 2, pending: 1, rejected: rejected.slice(0, 32) }]);
  });

  it('asks with want frames for what it misses, each range once, at most 64 per batch', async () => {
    const { socket, receiver, entries, remembered } = session();
    entries(1, 'e1');
    await settle();
    const missing = Array.from({ length: 100 }, (_, i) => ({ channel: CH_A, author: OTHER, fromSeq: i + 1, toSeq: i + 1 }));
    receiver.answer({ pending: 100, missing: [missing[0]!, missing[0]!, ...missing] });
    await settle();
    const wants = socket.framesOf('want');
    expect(wants).toHaveLength(MAX_WANTS_PER_BATCH);
    expect(wants[0]).toEqual({ t: 'want', channel: CH_A, author: OTHER, fromSeq: 1, toSeq: 1 });
    expect(new Set(wants.map((w) => w.fromSeq)).size).toBe(64);
    // Each range asked is remembered, to be asked of the channel's other parties if it does not come (pending-wants.ts).
    expect(remembered).toEqual(wants.map(({ t: _t, ...range }) => ({ peer: PEER, range })));
    // The stored answer comes first: the peer learns the batch is safe before it is asked for more.
    expect(socket.sent[0]!.t).toBe('stored');
  });

  it('closes the stream (1011) when storing fails, and ignores what follows', async () => {
    const { socket, receiver, logs, entries } = session();
    entries(1, 'e1');
    entries(2, 'e2');
    await settle();
    receiver.fail(new Error('disk full'));
    await settle();
    expect(socket.closedWith).toEqual({ code: 1011, reason: 'internal error' });
    expect(receiver.received).toHaveLength(1);
    expect(logs.some((l) => l.level === 'error' && typeof l.o.code === 'string')).toBe(true);
    entries(3, 'e3');
    expect(receiver.prechecked).toHaveLength(2);
    expect(socket.framesOf('stored')).toHaveLength(0);
  });
});

describe('stream session: entries taken in while earlier ones are stored', () => {
  it('takes the next batches in while the first is being stored, and answers each in order once durable', async () => {
    const receiver = new FakeIngestingReceiver();
    const { socket, entries } = session({}, receiver, 8);
    entries(1, 'e1');
    entries(2, 'e2', 'e3');
    await settle();
    // Both taken in (shown, their commits queued, each allowed to wait 8 ms for company)...
    expect(receiver.ingested).toEqual([
      { raws: ['e1'], waitMs: 8 },
      { raws: ['e2', 'e3'], waitMs: 8 },
    ]);
    // ...and neither answered: nothing is durable yet.
    expect(socket.framesOf('stored')).toEqual([]);
    receiver.stored();
    await settle();
    expect(socket.framesOf('stored')).toEqual([{ t: 'stored', id: 1, accepted: 1, duplicate: 0, pending: 0, rejected: [] }]);
    receiver.stored();
    await settle();
    expect(socket.framesOf('stored').map((f) => [f.id, f.accepted])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    // The old path (receive, which waits for its commit) was not taken.
    expect(receiver.received).toEqual([]);
  });

  it('closes the stream (1011) when a commit taken in fails, never answering the batch', async () => {
    const receiver = new FakeIngestingReceiver();
    const { socket, logs, entries } = session({}, receiver);
    entries(1, 'e1');
    entries(2, 'e2');
    await settle();
    receiver.commitFailed(new Error('disk full'));
    await settle();
    expect(socket.closedWith).toEqual({ code: 1011, reason: 'internal error' });
    expect(logs.filter((l) => l.level === 'error')).toHaveLength(1);
    // The second batch's commit ends after the failure: the stream is closed, nothing is claimed.
    receiver.stored();
    await settle();
    expect(socket.framesOf('stored')).toEqual([]);
  });

  it('holds the stream when a commit fails for want of storage: `refused` with the store code at once, nothing answered, closed (1011) only after the hold', async () => {
    const receiver = new FakeIngestingReceiver();
    const { socket, entries } = session({}, receiver);
    entries(1, 'e1');
    entries(2, 'e2');
    await settle();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      receiver.commitFailed(new StoreError('STORE_FULL', { backend: 'SQLite', detail: 'SQLITE_FULL: database or disk is full' }));
      await settle();
      // The peer hears why, in the words meant for a peer (no file, no path), and the stream stays open.
      const refused = socket.framesOf('refused');
      expect(refused).toEqual([{ t: 'refused', code: 'STORE_FULL', message: expect.stringContaining('no room left') }]);
      expect(JSON.stringify(refused)).not.toContain('SQLITE_FULL');
      expect(socket.closedWith).toBeUndefined();
      // What follows is ignored: the second batch's commit ends, a third batch arrives; nothing is claimed.
      receiver.stored();
      entries(3, 'e3');
      await settle();
      expect(socket.framesOf('stored')).toEqual([]);
      vi.advanceTimersByTime(STORAGE_FAILED_HOLD_MS - 1);
      expect(socket.closedWith).toBeUndefined();
      vi.advanceTimersByTime(1);
      expect(socket.closedWith).toEqual({ code: 1011, reason: 'storage unavailable' });
    } finally {
      vi.useRealTimers();
    }
  });

  it("survives a later batch's commit failing before an earlier one is durable: no unhandled rejection, the stream closed (1011)", async () => {
    const unhandled: unknown[] = [];
    const note = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', note);
    try {
      const receiver = new FakeIngestingReceiver();
      const { socket, entries } = session({}, receiver);
      entries(1, 'e1');
      entries(2, 'e2');
      await settle();
      // The second commit fails (a connection to PostgreSQL cut) while the first still waits for its disk.
      receiver.newestCommitFailed(new Error('connection terminated'));
      await settle();
      await settle();
      expect(unhandled).toEqual([]);
      receiver.stored();
      await settle();
      expect(socket.closedWith).toEqual({ code: 1011, reason: 'internal error' });
      expect(socket.framesOf('stored')).toHaveLength(1);
    } finally {
      process.off('unhandledRejection', note);
    }
  });

  it('counts a batch as queued until it is answered: a stalled disk cuts a peer that keeps pushing', async () => {
    const receiver = new FakeIngestingReceiver();
    const { s, socket, entries } = session({ maxQueuedFrames: 2 }, receiver);
    entries(1, 'e1');
    entries(2, 'e2');
    await settle();
    // Taken in, not durable: still queued.
    expect(receiver.ingested).toHaveLength(2);
    expect(s.queued.frames).toBe(2);
    entries(3, 'e3');
    expect(socket.closedWith).toEqual({ code: 1008, reason: 'rate limited' });
    // Durable and answered: the queue empties.
    receiver.stored();
    receiver.stored();
    await settle();
    expect(s.queued.frames).toBe(0);
  });
});

describe('HOTLINE_RECEIVED_COMMIT_WAIT_MS', () => {
  it('is 8 ms unless set, and takes 0 to 50 ms (env-settings.test.ts has the reading itself)', () => {
    expect([receivedCommitWaitFrom(undefined), DEFAULT_RECEIVED_COMMIT_WAIT_MS]).toEqual([8, 8]);
    expect([receivedCommitWaitFrom('0'), receivedCommitWaitFrom('50')]).toEqual([0, 50]);
    expect(() => receivedCommitWaitFrom('51')).toThrow('HOTLINE_RECEIVED_COMMIT_WAIT_MS must be a whole number of milliseconds from 0 to 50, not "51".');
  });
});

describe('stream session: hello', () => {
  it('answers a hello with how much of the peer log it holds per channel, and tells the terminal the peer is back', async () => {
    const { socket, events, send } = session();
    send({ t: 'hello', v: 1, channels: [CH_A, CH_B, CH_UNKNOWN] });
    await settle();
    // With the hash of the last entry held, for each channel held from 1 up (docs/protocol.md §12).
    expect(socket.sent).toEqual([
      { t: 'heads', heads: { [CH_A]: HEAD_A } },
      { t: 'holds', holds: { [CH_A]: 5, [CH_B]: 0, [CH_UNKNOWN]: 0 } },
    ]);
    expect(events).toEqual([{ type: 'peer-seen', peer: PEER }]);
  });


  it('answers a hello only once a stale channel reloaded: while the database cannot be read the stream fails and nothing is claimed', async () => {
    // CH_A's commit and its reload failed: its log in memory may claim entries the database lacks.
    let reload: Promise<void> | undefined = Promise.reject(new Error('connection terminated unexpectedly'));
    const receiver = Object.assign(new FakeReceiver(), { fresh: (id: string) => (id === CH_A ? reload : undefined) });
    const down = session({}, receiver);
    down.send({ t: 'hello', v: 1, channels: [CH_B, CH_A] });
    await settle();
    expect(down.socket.framesOf('holds')).toEqual([]);
    expect(down.socket.framesOf('heads')).toEqual([]);
    expect(down.socket.closedWith?.code).toBe(1011);

    // The database is back: the reload succeeds, and the hello is answered from the reloaded log.
    let done!: () => void;
    reload = new Promise<void>((r) => (done = r));
    const up = session({}, receiver);
    up.send({ t: 'hello', v: 1, channels: [CH_A] });
    await settle();
    expect(up.socket.framesOf('holds')).toEqual([]); // not before the reload
    done();
    reload = undefined;
    await settle();
    expect(up.socket.framesOf('holds')).toEqual([{ t: 'holds', holds: { [CH_A]: 5 } }]);
  });
  it('registers with the inbound streams once the peer said hello, sends the wants asked there, and leaves when closed', async () => {
    const streams = new InboundStreams(new ManualClock(5_000));
    const { s, socket, send } = session({}, new FakeReceiver(), undefined, streams);
    expect(streams.isOpen(PEER)).toBe(false);
    send({ t: 'hello', v: 1, channels: [] });
    send({ t: 'hello', v: 1, channels: [] }); // a second hello replaces its registration
    await settle();
    expect(streams.isOpen(PEER)).toBe(true);
    streams.ask(PEER)?.({ channel: CH_A, author: OTHER, fromSeq: 3, toSeq: 9 });
    expect(socket.framesOf('want')).toEqual([{ t: 'want', channel: CH_A, author: OTHER, fromSeq: 3, toSeq: 9 }]);
    s.closed();
    expect(streams.isOpen(PEER)).toBe(false);
    expect(streams.missingSince(PEER)).toBe(5_000);
  });
});

describe('stream session: refusals', () => {
  it('refuses a malformed frame with FED_BAD_FRAME and keeps the stream usable', async () => {
    const { s, socket, receiver, logs, send, entries } = session();
    s.message(Buffer.from('{not json'), false);
    send({ t: 'entries', id: 1, entries: [] });
    send({ t: 'hello', v: 2, channels: [] });
    s.message(Buffer.from(JSON.stringify({ t: 'hello', v: 1, channels: [] })), true);
    expect(socket.sent).toHaveLength(4);
    for (const f of socket.sent) expect(f).toMatchObject({ t: 'refused', code: FED_CODES.badFrame });
    expect(socket.closedWith).toBeUndefined();
    expect(logs.filter((l) => l.o.code === FED_CODES.badFrame)).toHaveLength(4);
    entries(2, 'e1');
    await settle();
    receiver.answer({ accepted: 1 });
    await settle();
    expect(socket.framesOf('stored')).toEqual([expect.objectContaining({ id: 2, accepted: 1 })]);
  });

  it('takes frames at the sustained rate, and cuts a flood with RATE_LIMITED (bursts up to twice the rate)', async () => {
    const { socket, receiver, clock, send } = session({ framesPerSecond: 2 });
    for (let i = 0; i < 4; i++) {
      clock.advance(500);
      send({ t: 'hello', v: 1, channels: [] });
    }
    expect(socket.closedWith).toBeUndefined();
    // At the sustained rate the bucket stays one below its burst (4): three more at once pass, the fourth is one too many.
    for (let i = 0; i < 3; i++) send({ t: 'hello', v: 1, channels: [] });
    expect(socket.closedWith).toBeUndefined();
    send({ t: 'hello', v: 1, channels: [] });
    expect(socket.framesOf('refused')).toEqual([expect.objectContaining({ code: FED_CODES.rateLimited })]);
    expect(socket.closedWith).toEqual({ code: 1008, reason: 'rate limited' });
    // Nothing after the cut is looked at, nor answered.
    send({ t: 'entries', id: 9, entries: ['late'] });
    await settle();
    expect(receiver.prechecked).toEqual([]);
    expect(socket.framesOf('refused')).toHaveLength(1);
  });

  it('cuts a stream that pushes more entries per second than allowed', () => {
    const { socket, receiver, entries } = session({ entriesPerSecond: 2 });
    entries(1, 'e1', 'e2', 'e3', 'e4', 'e5');
    expect(socket.framesOf('refused')).toEqual([expect.objectContaining({ code: FED_CODES.rateLimited })]);
    expect(socket.closedWith).toEqual({ code: 1008, reason: 'rate limited' });
    expect(receiver.prechecked).toEqual([]);
  });

  it('cuts a stream whose frames queue up beyond the bound while storing is slow, and frees the queue as batches are stored', async () => {
    const { s, socket, receiver, entries } = session({ maxQueuedFrames: 2 });
    entries(1, 'e1');
    entries(2, 'e2');
    expect(s.queued.frames).toBe(2);
    await settle();
    receiver.answer();
    await settle();
    expect(s.queued.frames).toBe(1);
    entries(3, 'e3');
    expect(socket.closedWith).toBeUndefined();
    entries(4, 'e4');
    expect(socket.framesOf('refused')).toEqual([expect.objectContaining({ code: FED_CODES.rateLimited })]);
    expect(socket.closedWith).toEqual({ code: 1008, reason: 'rate limited' });
  });

  it('bounds the bytes queued as well as the frames', () => {
    const { socket, entries } = session({ maxQueuedBytes: 100 });
    entries(1, 'x'.repeat(40));
    expect(socket.closedWith).toBeUndefined();
    entries(2, 'y'.repeat(40));
    expect(socket.closedWith).toEqual({ code: 1008, reason: 'rate limited' });
  });
});

describe('stream session: liveness', () => {
  it('pings every interval, keeps a stream that answers, and terminates one that does not', () => {
    const { s, socket, pinger, logs, clock } = session({ pingIntervalMs: 30_000 });
    s.start();
    // Judged five times per interval, pinged once (heartbeat.ts; test/federation/heartbeat.test.ts).
    expect(pinger.every).toBe(6_000);
    pinger.fn!();
    expect(socket.pings).toBe(1);
    s.pong(socket.pingData[0]);
    for (let i = 0; i < 5; i++) {
      clock.advance(6_000);
      pinger.fn!();
    }
    expect(socket.pings).toBe(2);
    expect(socket.terminated).toBe(false);
    // Unanswered: cut once it has been out for the allowance (one interval on a fast link).
    while (!socket.terminated && clock.now() < 1_000_000 + 120_000) {
      clock.advance(6_000);
      pinger.fn!();
    }
    expect(socket.terminated).toBe(true);
    expect(clock.now() - 1_000_000).toBe(60_000);
    expect(logs).toEqual([expect.objectContaining({ level: 'warn', o: expect.objectContaining({ code: FED_CODES.timeout, reason: 'no pong' }) })]);
  });

  it('counts a frame as a sign of life, and stops pinging once the socket closed', () => {
    const { s, socket, pinger, send } = session();
    s.start();
    pinger.fn!();
    send({ t: 'hello', v: 1, channels: [] });
    pinger.fn!();
    expect(socket.terminated).toBe(false);
    s.closed();
    expect(pinger.stopped).toBe(true);
  });
});

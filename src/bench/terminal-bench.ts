/**
 * Terminal benchmark: two real terminal processes (`node dist/cli/main.js serve`) on loopback,
 * each with its own SQLite file (WAL, synchronous=FULL) in a temporary directory, paired and
 * sharing one active channel. The bench process drives A's officer API over HTTP and listens to
 * the officer event WebSockets of both terminals.
 *
 *   latency     A gets messages at a steady rate (200/s); time from just before each POST to the
 *               matching `entry` event (kind message, own=false) on B's event socket.
 *   latencyStream the same, each message a frame of A's send stream (GET /api/v1/channels/:id/messages/stream,
 *               officer-api/send-stream.ts) instead of a POST: a gateway sending one message at a time.
 *   idle        no traffic for HOTLINE_BENCH_IDLE_SECONDS (default 10): each terminal's CPU per
 *               second doing its background work, and that cost's share of the CPU per message
 *               at the latency phase's rate (ceilings.ts).
 *   requestFloor A gets an authorised request that does nothing else (GET /api/v1/auth/session) at
 *               the latency phase's rate for HOTLINE_BENCH_FLOOR_SECONDS (default 10): A's CPU per
 *               request, without its idle cost: the officer API's floor under each message; beside
 *               it the same requests to a bare node:http server (the machine's and runtime's floor).
 *   throughput  A gets N messages, 64 requests in flight (on connections opened beforehand);
 *               throughputBatched the same through POST /messages/batch (a gateway: 100 messages
 *               per request, 8 requests in flight); throughputStream the same one message per frame
 *               of A's send stream (64 frames unanswered at most);
 *               time until B holds all of them AND A
 *               holds B's signed receipt covering the last one (A's event socket), then checked
 *               once against A's message list (receiptedAt set on every message).
 *   catchUp     B is stopped (SIGTERM), A queues M messages, B is started again; time from B's
 *               spawn until B holds all of them (B's cumulative receipt covering A's head, seen on
 *               A's event socket, then confirmed by B's channel view).
 *
 * Each figure is shown beside raw Ed25519 verify measured in the same run (before and after), and
 * throughput beside the cryptographic ceiling of this machine (sign + verify of each message on all
 * cores and nothing else, ceilings.ts).
 * Everything is bounded in count and time; children are killed at the end, on error, and on exit.
 *
 * Environment (optional):
 *   HOTLINE_BENCH_CHILD_NODE_ARGS  extra node arguments for the terminal processes, e.g.
 *                                  "--cpu-prof --cpu-prof-dir=/tmp/prof" (profiles are written at SIGTERM)
 *   HOTLINE_BENCH_KEEP=1           keep the temporary data directory (its path is logged)
 *   HOTLINE_BENCH_PHASES           comma-separated subset of latency,latencyStream,idle,requestFloor,throughput,throughputStream,throughputBatched,catchUp (default all)
 *   HOTLINE_BENCH_LATENCY_RATE     messages per second in the latency phase (default 200, the target's rate)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { round, type BenchContext, type BenchModule } from './bench.js';
import { rawEd25519 } from './protocol-bench.js';
import { probeFsync, type FsyncProbe } from './fsync-probe.js';
import { cryptoCeiling, measureIdle, measureRequestFloor, type IdleCost, type RequestFloor } from './ceilings.js';
import { CONCURRENCY, cpuMark, cpuMsOf, cpuPerEntry, freePorts, ownUnreceipted, pairAndOpen, setUp, sleep, summary, withCommits, type CpuMark, type Setup, type TerminalProcess } from './terminal-processes.js';

/** Messages per second of the latency phase, whose CPU per message the idle phase is set against. */
const latencyRate = (): number => Number(process.env.HOTLINE_BENCH_LATENCY_RATE ?? 200);

/** Every phase, in the order they run. */
const ALL_PHASES = 'latency,latencyStream,idle,requestFloor,throughput,throughputStream,throughputBatched,catchUp';

export const TARGETS = { latencyP50Ms: 3, latencyP99Ms: 15, throughputMsgPerSec: 5_000, catchUpEntriesPerSec: 10_000 } as const;


/**
 * How the bench submits: one message per POST, or `batch` messages per POST to /messages/batch;
 * or with `stream`, one message per frame of the channel's send stream (`concurrency` unanswered).
 */
interface SubmitMode {
  readonly concurrency: number;
  readonly batch: number;
  readonly stream?: boolean;
}

const SINGLE: SubmitMode = { concurrency: CONCURRENCY, batch: 1 };
/** A gateway: batches of 100 messages, 8 requests in flight. */
const GATEWAY: SubmitMode = { concurrency: 8, batch: 100 };
/** A gateway sending one message at a time over the send stream, 64 unanswered at most. */
const STREAMED: SubmitMode = { concurrency: 64, batch: 1, stream: true };

/** Submits `count` messages to A as `mode` says; returns the highest own seq, seconds and per-request times. */
async function submitAll(a: TerminalProcess, channel: string, count: number, text: (i: number) => string, mode: SubmitMode, deadline: number): Promise<{ seconds: number; maxSeq: number; submitMs: number[] }> {
  const { concurrency, batch } = mode;
  let next = 0;
  let maxSeq = 0;
  const submitMs: number[] = [];
  // Open the connections before the clock starts: a burst of POSTs on brand-new connections
  // stalls for about a second (the slowest of the first 64 took ~1 s; on open connections, under
  // 0.1 s), which is connection set-up, not the sustained rate.
  const stream = mode.stream ? await a.sendStream(channel) : undefined;
  if (!stream) await Promise.all(Array.from({ length: concurrency }, () => a.ok('GET', '/api/v1/status')));
  const start = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next;
      if (i >= count) return;
      next = Math.min(count, i + batch);
      if (performance.now() > deadline) throw new Error('terminal bench: submitting took too long');
      const t0 = performance.now();
      let seq: number;
      if (stream) seq = await stream.send({ text: text(i), lang: 'en', precedence: 'ROUTINE' });
      else if (batch === 1) seq = (await a.ok<{ seq: number }>('POST', `/api/v1/channels/${channel}/messages`, { text: text(i), lang: 'en', precedence: 'ROUTINE' })).seq;
      else {
        const messages = Array.from({ length: next - i }, (_, k) => ({ text: text(i + k), lang: 'en', precedence: 'ROUTINE' }));
        const r = await a.ok<{ messages: Array<{ seq: number }> }>('POST', `/api/v1/channels/${channel}/messages/batch`, { messages });
        seq = Math.max(...r.messages.map((m) => m.seq));
      }
      submitMs.push(performance.now() - t0);
      if (seq > maxSeq) maxSeq = seq;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    stream?.close();
  }
  return { seconds: (performance.now() - start) / 1000, maxSeq, submitMs };
}

/** How the latency phase sends each message: a POST, or a frame of the channel's send stream. */
type Via = 'post' | 'stream';

async function latencyPhase(s: Setup, ctx: BenchContext, runId: string, via: Via): Promise<Record<string, unknown>> {
  const rate = latencyRate();
  const seconds = Number(process.env.HOTLINE_BENCH_LATENCY_SECONDS ?? (ctx.quick ? 2 : 10));
  // A terminal runs for months: what an officer feels is its steady state, after V8 has compiled
  // the hot paths. Measured on the 2-core VM, CPU per message at 200 msg/s falls by a third over
  // the first 30 s and is flat after, so the measured window starts after 30 s at the same rate.
  const warmupSeconds = Number(process.env.HOTLINE_BENCH_LATENCY_WARMUP_SECONDS ?? (ctx.quick ? 1 : 30));
  const warmup = Math.round(rate * warmupSeconds);
  const n = rate * seconds;
  const interval = 1000 / rate;
  const prefix = `lat${via === 'stream' ? 's' : ''} ${runId} `;
  const sentAt = new Map<number, number>();
  const latencies = new Map<number, number>();
  const submitMs: number[] = [];
  let arrived = 0;
  let notify: (() => void) | undefined;
  const ws = await s.b.events((e, at) => {
    if (e.kind !== 'message' || e.own || e.channel !== s.channel) return;
    const text = e.body.text;
    if (!text?.startsWith(prefix)) return;
    const i = Number(text.slice(prefix.length));
    const t0 = sentAt.get(i);
    if (t0 === undefined || latencies.has(i)) return;
    latencies.set(i, at - t0);
    arrived++;
    notify?.();
  });
  // Background work stays on at its defaults (link tests every 60 s, the 1 s ticks of escalation,
  // drills and reconcile) and a Prometheus-like scrape of both terminals' /metrics every 5 s (more often than a usual 15 s, so scrapes fall inside the 10 s phase).
  const scrape = setInterval(() => void Promise.all([s.a.call('GET', '/metrics'), s.b.call('GET', '/metrics')]).catch(() => {}), 5_000);
  const stream = via === 'stream' ? await s.a.sendStream(s.channel) : undefined;
  try {
    const total = warmup + n;
    ctx.log(`terminal: latency${stream ? ' over the send stream' : ''}, ${rate} msg/s for ${seconds} s (after ${warmupSeconds} s of warm-up at the same rate)`);
    const errors: string[] = [];
    const inflight: Promise<void>[] = [];
    const start = performance.now();
    let cpuFrom: CpuMark | undefined;
    for (let i = 0; i < total; i++) {
      if (i === warmup) cpuFrom = await cpuMark(s);
      const due = start + i * interval;
      // Sleep until the send is due (due times are absolute, so a late timer does not slow the
      // rate). Never spin: on 2 cores a spinning client takes a core from the terminals measured.
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const t0 = performance.now();
      sentAt.set(i, t0);
      const draft = { text: `${prefix}${i}`, lang: 'en', precedence: 'ROUTINE' };
      inflight.push(
        (stream ? stream.send(draft) : s.a.ok('POST', `/api/v1/channels/${s.channel}/messages`, draft))
          .then(() => {
            if (i >= warmup) submitMs.push(performance.now() - t0);
          })
          .catch((e: unknown) => {
            if (errors.length < 5) errors.push((e as Error).message);
          }),
      );
    }
    const sendSeconds = (performance.now() - start) / 1000;
    await Promise.all(inflight);
    const until = performance.now() + 30_000;
    while (arrived < total && performance.now() < until)
      await new Promise<void>((r) => {
        notify = r;
        setTimeout(r, 200);
      });
    notify = undefined;
    const cpuTo = await cpuMark(s);
    if (errors.length) throw new Error(`terminal bench: latency submits failed: ${errors.join('; ')}`);
    const measured = [...latencies.entries()].filter(([i]) => i >= warmup).map(([, v]) => v);
    const delivery = summary(measured);
    return {
      rateMsgPerSec: rate,
      via,
      seconds,
      sent: n,
      delivered: measured.length,
      lost: n - measured.length,
      achievedSendRate: round.rate(total / sendSeconds),
      deliveryMs: delivery,
      /** Round trip at A alone (seal + durable commit at A + the POST, or the stream's frame and answer). */
      submitMs: summary(submitMs),
      warmupSeconds,
      /**
       * CPU (user + system, all threads) of each process over the measured window, per message
       * delivered in it: receipts, link tests, scrapes and every other background job included.
       */
      cpuMicrosPerMessage: cpuFrom ? cpuPerEntry(s, cpuFrom, cpuTo, measured.length) : null,
      targets: { p50Ms: TARGETS.latencyP50Ms, p99Ms: TARGETS.latencyP99Ms, met: delivery.p50 <= TARGETS.latencyP50Ms && delivery.p99 <= TARGETS.latencyP99Ms && measured.length === n },
    };
  } finally {
    clearInterval(scrape);
    stream?.close();
    ws.terminate();
  }
}

/**
 * A's CPU per authorised request that does nothing else, at the latency phase's rate (ceilings.ts),
 * beside the same requests to a bare node:http server answering a constant in its own process:
 * what one request costs on this machine and runtime before any framework or terminal work.
 */
async function floorPhase(s: Setup, idle: IdleCost | null, seconds: number): Promise<RequestFloor & { bareNodeHttp: RequestFloor }> {
  const floor = await measureRequestFloor({ pid: s.a.child?.pid }, cpuMsOf, () => s.a.ok('GET', '/api/v1/auth/session'), {
    seconds,
    rate: latencyRate(),
    idleMicrosPerSecond: idle?.cpuMicrosPerSecond[s.a.code] ?? null,
  });
  if (floor.failed > 0) throw new Error(`terminal bench: ${floor.failed} of ${floor.requests} requests of the floor phase failed`);
  return { ...floor, bareNodeHttp: await bareHttpFloor(seconds) };
}

/** The floor's requests against a bare node:http server (a child process of this node), warmed up first. */
async function bareHttpFloor(seconds: number): Promise<RequestFloor> {
  const [port] = await freePorts(1);
  const server = `require('node:http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end('{"kind":"terminal"}'); }).listen(${port}, '127.0.0.1', () => console.log('up'))`;
  const child = spawn(process.execPath, ['-e', server], { stdio: ['ignore', 'pipe', 'ignore'] });
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', () => reject(new Error('terminal bench: the bare HTTP server exited')));
    });
    const get = () =>
      new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent, timeout: 10_000 }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
        req.end();
      });
    // Compiled as the terminal is after its latency phase: a few thousand requests first.
    for (let i = 0; i < 3000; i++) await get();
    const floor = await measureRequestFloor({ pid: child.pid }, cpuMsOf, get, { seconds, rate: latencyRate() });
    if (floor.failed > 0) throw new Error(`terminal bench: ${floor.failed} of ${floor.requests} requests to the bare HTTP server failed`);
    return floor;
  } finally {
    agent.destroy();
    child.kill('SIGKILL');
  }
}

async function throughputPhase(s: Setup, ctx: BenchContext, runId: string, mode: SubmitMode): Promise<Record<string, unknown>> {
  const n = ctx.quick ? 3_000 : 20_000;
  const timeoutMs = ctx.quick ? 120_000 : 300_000;
  const prefix = `thr${mode.batch} ${runId} `;
  let atB = 0;
  let bDoneAt = 0;
  let receiptSeq = 0;
  let receiptAt = 0;
  let wake: (() => void) | undefined;
  const seen = new Set<number>();
  const wsB = await s.b.events((e, at) => {
    if (e.kind !== 'message' || e.own || e.channel !== s.channel || !e.body.text?.startsWith(prefix)) return;
    const i = Number(e.body.text.slice(prefix.length));
    if (seen.has(i)) return;
    seen.add(i);
    atB++;
    if (atB === n) bDoneAt = at;
    wake?.();
  });
  const wsA = await s.a.events((e, at) => {
    if (e.kind !== 'receipt' || e.own || e.channel !== s.channel) return;
    const h = e.body.holds?.find((x) => x.author === s.a.party);
    if (h && h.seq > receiptSeq) {
      receiptSeq = h.seq;
      receiptAt = at;
      wake?.();
    }
  });
  try {
    ctx.log(`terminal: throughput, ${n} messages, ${mode.stream ? 'one per frame of the send stream' : mode.batch === 1 ? 'one per request' : `${mode.batch} per request`}, ${mode.concurrency} ${mode.stream ? 'frames' : 'requests'} in flight`);
    // CPU is counted over the delivery alone: the check against A's message list below (a page of
    // 20,000 messages and more) would add A's cost of serving it to every message.
    const cpuFrom = await cpuMark(s);
    const start = performance.now();
    const deadline = start + timeoutMs;
    const sub = await submitAll(s.a, s.channel, n, (i) => `${prefix}${i}`, mode, deadline);
    let timedOut = false;
    while (!(atB >= n && receiptSeq >= sub.maxSeq)) {
      if (performance.now() > deadline) {
        timedOut = true;
        break;
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
    wake = undefined;
    const cpuTo = await cpuMark(s);
    const end = Math.max(bDoneAt, receiptAt);
    const seconds = (end - start) / 1000;
    // Checked against A's own projection: every bench message receipted.
    const checkedAtA = await ownUnreceipted(s.a, s.channel, prefix);
    const rate = n / seconds;
    return {
      messages: n,
      messagesPerRequest: mode.batch,
      via: mode.stream ? 'stream' : 'post',
      concurrency: mode.concurrency,
      timedOut,
      deliveredToB: atB,
      seconds: round.seconds(seconds),
      msgPerSec: timedOut ? 0 : round.rate(rate),
      /** A alone: all POSTs answered (each after A's durable commit); submitMs is per request. */
      submitSeconds: round.seconds(sub.seconds),
      submitMsgPerSec: round.rate(n / sub.seconds),
      submitMs: summary(sub.submitMs),
      bHoldsAllAfterSeconds: round.seconds((bDoneAt - start) / 1000),
      receiptCoversLastAfterSeconds: round.seconds((receiptAt - start) / 1000),
      checkedAtA,
      cpuMicrosPerEntryAtB: cpuPerEntry(s, cpuFrom, cpuTo, n),
      targets: { msgPerSec: TARGETS.throughputMsgPerSec, met: !timedOut && checkedAtA.unreceipted === 0 && rate >= TARGETS.throughputMsgPerSec },
    };
  } finally {
    wsA.terminate();
    wsB.terminate();
  }
}

async function catchUpPhase(s: Setup, ctx: BenchContext, runId: string): Promise<Record<string, unknown>> {
  const m = ctx.quick ? 5_000 : 50_000;
  const timeoutMs = ctx.quick ? 120_000 : 400_000;
  const partyEntries = async (t: TerminalProcess, party: string) => (await t.ok<{ parties: Array<{ party: string; entries: number }> }>('GET', `/api/v1/channels/${s.channel}`)).parties.find((p) => p.party === party)?.entries ?? 0;
  const bHadBefore = await partyEntries(s.b, s.a.party);
  ctx.log('terminal: catch-up, stopping B');
  await s.b.stop();
  ctx.log(`terminal: catch-up, A queues ${m} messages while B is down`);
  const prefix = `cu ${runId} `;
  const deadline = performance.now() + timeoutMs;
  const sub = await submitAll(s.a, s.channel, m, (i) => `${prefix}${i}`, GATEWAY, deadline);
  const catchUpDeadline = performance.now() + timeoutMs;
  const headA = await partyEntries(s.a, s.a.party);
  const missing = headA - bHadBefore;

  let receiptSeq = 0;
  let receiptAt = 0;
  let wake: (() => void) | undefined;
  const wsA = await s.a.events((e, at) => {
    if (e.kind !== 'receipt' || e.own || e.channel !== s.channel) return;
    const h = e.body.holds?.find((x) => x.author === s.a.party);
    if (h && h.seq > receiptSeq) {
      receiptSeq = h.seq;
      receiptAt = at;
      wake?.();
    }
  });
  try {
    ctx.log(`terminal: catch-up, starting B (${missing} entries behind)`);
    const start = performance.now();
    await s.b.start();
    const apiUpAt = performance.now();
    // Light progress probe: the channel list (no message scan); the first change of B's entry count.
    let firstProgressAt = 0;
    const listed = async () => (await s.b.ok<Array<{ id: string; entries: number }>>('GET', '/api/v1/channels')).find((c) => c.id === s.channel)?.entries ?? 0;
    const sizeAtStart = await listed();
    let timedOut = false;
    while (receiptSeq < headA) {
      if (performance.now() > catchUpDeadline) {
        timedOut = true;
        break;
      }
      if (!firstProgressAt && (await listed()) > sizeAtStart) firstProgressAt = performance.now();
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, firstProgressAt ? 500 : 20);
      });
    }
    wake = undefined;
    const holds = await partyEntries(s.b, s.a.party);
    const seconds = (receiptAt - start) / 1000;
    const rate = missing / seconds;
    const fromFirst = firstProgressAt ? missing / ((receiptAt - firstProgressAt) / 1000) : NaN;
    return {
      entries: missing,
      timedOut,
      queueSeconds: round.seconds(sub.seconds),
      queueMsgPerSec: round.rate(m / sub.seconds),
      queueSubmitMs: summary(sub.submitMs),
      /** From B's spawn until B holds A's head (B's receipt for it seen at A). */
      seconds: round.seconds(seconds),
      entriesPerSec: timedOut ? 0 : round.rate(rate),
      officerApiUpAfterSeconds: round.seconds((apiUpAt - start) / 1000),
      firstEntriesAfterSeconds: firstProgressAt ? round.seconds((firstProgressAt - start) / 1000) : null,
      entriesPerSecFromFirstEntry: Number.isFinite(fromFirst) ? round.rate(fromFirst) : null,
      bHoldsOfA: holds,
      aHead: headA,
      targets: { entriesPerSec: TARGETS.catchUpEntriesPerSec, met: !timedOut && holds >= headA && rate >= TARGETS.catchUpEntriesPerSec },
    };
  } finally {
    wsA.terminate();
  }
}


async function run(ctx: BenchContext): Promise<unknown> {
  const runId = randomBytes(4).toString('hex');
  const verifyMs = ctx.quick ? 300 : 1000;
  const verifyRounds = ctx.quick ? 1 : 3;
  const childArgs = (process.env.HOTLINE_BENCH_CHILD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  ctx.log('terminal: raw Ed25519 verify (before)');
  const ed = rawEd25519();
  const verifyBefore = ed.verifyRate(verifyMs, verifyRounds);
  const signBefore = ed.signRate(verifyMs, verifyRounds);

  const root = await mkdtemp(join(tmpdir(), 'hotline-bench-'));
  ctx.log(`terminal: data in ${root}`);
  const fsyncBefore = await probeFsync(root);
  let terminals: TerminalProcess[] = [];
  const killAll = () => {
    for (const t of terminals) t.killNow();
  };
  process.once('exit', killAll);
  let fsyncAfter: FsyncProbe | undefined;
  let results: { latency: unknown; latencyStream: unknown; idle: IdleCost | null; requestFloor: (RequestFloor & { bareNodeHttp: RequestFloor }) | null; throughput: unknown; throughputStream: unknown; throughputBatched: unknown; catchUp: unknown };
  try {
    const setup = await setUp(root, ctx, childArgs);
    terminals = setup.all;
    ctx.log('terminal: starting A and B');
    await Promise.all(terminals.map((t) => t.start()));
    setup.channel = await pairAndOpen(setup, ctx);
    ctx.log(`terminal: channel ${setup.channel.slice(0, 12)} active, links up`);
    const phases = new Set((process.env.HOTLINE_BENCH_PHASES ?? ALL_PHASES).split(',').map((p) => p.trim()));
    const latency = phases.has('latency') ? await withCommits(setup, () => latencyPhase(setup, ctx, runId, 'post')) : null;
    const latencyStream = phases.has('latencyStream') ? await withCommits(setup, () => latencyPhase(setup, ctx, runId, 'stream')) : null;
    // After the latency phase, so that both terminals are warm (compiled) as they were in it.
    const idleSeconds = Number(process.env.HOTLINE_BENCH_IDLE_SECONDS ?? (ctx.quick ? 2 : 10));
    if (phases.has('idle')) ctx.log(`terminal: idle phase (${idleSeconds} s without traffic)`);
    const idle = phases.has('idle') ? await measureIdle([setup.a, setup.b].map((t) => ({ code: t.code, pid: t.child?.pid })), cpuMsOf, { seconds: idleSeconds, rate: latencyRate() }) : null;
    // After the idle phase, whose cost per second it takes out; the terminals are as warm as in the latency phase.
    const floorSeconds = Number(process.env.HOTLINE_BENCH_FLOOR_SECONDS ?? (ctx.quick ? 2 : 10));
    if (phases.has('requestFloor')) ctx.log(`terminal: officer API floor (${latencyRate()} authorised requests a second for ${floorSeconds} s)`);
    const requestFloor = phases.has('requestFloor') ? await floorPhase(setup, idle, floorSeconds) : null;
    const throughput = phases.has('throughput') ? await withCommits(setup, () => throughputPhase(setup, ctx, runId, SINGLE)) : null;
    const throughputStream = phases.has('throughputStream') ? await withCommits(setup, () => throughputPhase(setup, ctx, runId, STREAMED)) : null;
    const throughputBatched = phases.has('throughputBatched') ? await withCommits(setup, () => throughputPhase(setup, ctx, runId, GATEWAY)) : null;
    const catchUp = phases.has('catchUp') ? await withCommits(setup, () => catchUpPhase(setup, ctx, runId)) : null;
    results = { latency, latencyStream, idle, requestFloor, throughput, throughputStream, throughputBatched, catchUp };
    ctx.log('terminal: stopping A and B');
    await Promise.all(terminals.map((t) => t.stop()));
    fsyncAfter = await probeFsync(root);
  } catch (e) {
    killAll();
    throw e;
  } finally {
    killAll();
    process.off('exit', killAll);
    if (process.env.HOTLINE_BENCH_KEEP === '1') ctx.log(`terminal: kept ${root}`);
    else await rm(root, { recursive: true, force: true });
  }
  ctx.log('terminal: raw Ed25519 verify (after)');
  const verifyAfter = ed.verifyRate(verifyMs, verifyRounds);
  const rawVerify = (verifyBefore + verifyAfter) / 2;
  const rawSign = (signBefore + ed.signRate(verifyMs, verifyRounds)) / 2;
  const ceiling = cryptoCeiling(rawSign, rawVerify, availableParallelism());
  const thr = results.throughput as { msgPerSec: number; targets: { met: boolean } } | null;
  const thrBatched = results.throughputBatched as { msgPerSec: number; targets: { met: boolean } } | null;
  const cu = results.catchUp as { entriesPerSec: number; targets: { met: boolean } } | null;
  const lat = results.latency as { deliveryMs: { p50: number }; targets: { met: boolean } } | null;
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    store: `sqlite (WAL, ${{ normal: 'synchronous=NORMAL: not durable against a power cut', 'full-async': 'durable commits: NORMAL plus an fdatasync of the WAL after every commit, on the event loop for a commit alone, on the thread pool under load', full: 'synchronous=FULL' }[process.env.HOTLINE_SQLITE_SYNCHRONOUS ?? 'full-async'] ?? process.env.HOTLINE_SQLITE_SYNCHRONOUS}), temporary directory`,
    checkWorkers: process.env.HOTLINE_CHECK_WORKERS ?? 'one per core',
    /** fdatasync of an 8 KiB write in the data folder, before and after the phases: the disk's share of each commit. */
    fsync: { before: fsyncBefore, after: fsyncAfter ?? null },
    rawVerify: { perSecBefore: round.rate(verifyBefore), perSecAfter: round.rate(verifyAfter), perSec: round.rate(rawVerify), microsEach: round.ratio(1e6 / rawVerify) },
    rawSign: { perSec: round.rate(rawSign), microsEach: round.ratio(1e6 / rawSign) },
    /** Sign + verify of each message on this machine's cores, and nothing else: no implementation of the protocol delivers more. */
    cryptoCeiling: ceiling,
    ...results,
    ratios: {
      throughputToRawVerify: thr ? round.ratio(thr.msgPerSec / rawVerify) : null,
      throughputStreamToRawVerify: results.throughputStream ? round.ratio((results.throughputStream as { msgPerSec: number }).msgPerSec / rawVerify) : null,
      throughputBatchedToRawVerify: thrBatched ? round.ratio(thrBatched.msgPerSec / rawVerify) : null,
      throughputBatchedToCryptoCeiling: thrBatched ? round.ratio(thrBatched.msgPerSec / ceiling.msgPerSec) : null,
      catchUpToRawVerify: cu ? round.ratio(cu.entriesPerSec / rawVerify) : null,
      /** Delivery p50 expressed in raw verify times. */
      latencyP50InRawVerifies: lat ? Math.round((lat.deliveryMs.p50 / 1000) * rawVerify) : null,
    },
    targetsMet: { latency: lat?.targets.met ?? null, throughput: thr?.targets.met ?? null, throughputBatched: thrBatched?.targets.met ?? null, catchUp: cu?.targets.met ?? null },
  };
}

export const terminalBench: BenchModule = {
  name: 'terminal',
  description: 'two terminal processes on loopback: delivery latency, throughput with receipts, catch-up',
  run,
};

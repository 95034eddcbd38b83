/**
 * `npm run bench -- --peer xmpp`: Hotline's terminal bench side by side with the software its users
 * would otherwise pick, two federated Prosody servers (TLS s2s) from the ready harness in
 * `../shared/peers/xmpp` (outside this repository; `HOTLINE_BENCH_XMPP_DIR` overrides the path).
 *
 * The two run ALTERNATELY in one sitting (Hotline, peer, Hotline, peer, ...: `--rounds`, default 2),
 * because absolute figures on a shared machine drift from minute to minute while ratios taken a
 * minute apart hold. Each round reports Hotline's figures as ratios to the peer's of that round;
 * the summary gives the median ratio over the rounds. Below 1 is better for latency and CPU, above
 * 1 better for throughput.
 *
 * The peer's CPU per message comes from its own report: percent of a core for each server during
 * the 200 msg/s phase, times the phase's length (messages / rate), divided by the messages.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './bench.js';

/** What the harness prints as its last line (the members this bench reads). */
export interface XmppResult {
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly throughput_msg_s: number;
  readonly lat_sent: number;
  readonly lat_rate_msg_s: number;
  readonly lost: number;
  readonly cpu_lat: { readonly server_a_cpu_pct: number; readonly server_b_cpu_pct: number };
  readonly error?: string;
}

/** Hotline's figures of one terminal bench run (the members this bench reads). */
export interface HotlineFigures {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMicrosA: number;
  readonly cpuMicrosB: number;
  readonly throughputMsgPerSec: number | null;
  readonly throughputBatchedMsgPerSec: number | null;
  readonly rawVerifyPerSec: number;
  /** fdatasync p50 in the bench's data folder before the phases: what each durable commit waits for. */
  readonly fsyncP50Ms: number | null;
  /** Messages a second if signing and verifying each were all the work (ceilings.ts). */
  readonly cryptoCeilingMsgPerSec: number | null;
  /** Of each terminal's CPU per message at 200 msg/s, what it spends anyway while idle (ceilings.ts). */
  readonly idleMicrosPerMessageA: number | null;
  readonly idleMicrosPerMessageB: number | null;
  /** A's CPU per authorised request that does nothing else at the same rate, idle cost taken out (ceilings.ts): the officer API's floor. */
  readonly requestFloorMicrosA: number | null;
  /** The same requests to a bare node:http server on this machine: the runtime's share of that floor. */
  readonly bareHttpMicros: number | null;
  /**
   * The same latency and one-message-at-a-time throughput with each message a frame of A's send
   * stream instead of a POST (phases latencyStream and throughputStream): as Prosody's client
   * sends, one stanza at a time over one open stream.
   */
  readonly stream: { readonly p50Ms: number; readonly p99Ms: number; readonly cpuMicrosA: number; readonly cpuMicrosB: number; readonly throughputMsgPerSec: number | null } | null;
}

export function xmppHarnessDir(): string {
  if (process.env.HOTLINE_BENCH_XMPP_DIR) return resolve(process.env.HOTLINE_BENCH_XMPP_DIR);
  // dist/bench/peer-bench.js → the package root → its sibling ../shared/peers/xmpp
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return resolve(root, '..', 'shared', 'peers', 'xmpp');
}

/** Runs `run.sh` of the harness once (about 30 s) and returns its JSON line. */
export async function runXmpp(ctx: BenchContext, dir = xmppHarnessDir()): Promise<XmppResult> {
  const script = join(dir, 'run.sh');
  if (!existsSync(script)) throw new Error(`the XMPP peer harness is not at ${dir} (set HOTLINE_BENCH_XMPP_DIR to its folder)`);
  ctx.log(`peer: ${script} (two federated Prosody servers, about 30 s)`);
  const child = spawn(script, [], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    for (const line of d.split('\n')) if (line.trim()) ctx.log(`peer: ${line}`);
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), 300_000);
  const code = await new Promise<number | null>((done) => child.on('close', done));
  clearTimeout(timer);
  const last = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!last) throw new Error(`the XMPP peer harness printed no result (exit ${code}); see /tmp/xmpp-peer/bench.out`);
  const result = JSON.parse(last) as XmppResult;
  if (result.error) throw new Error(`the XMPP peer harness failed: ${result.error}`);
  return result;
}

/** CPU microseconds per message of each Prosody server in the 200 msg/s phase. */
export function xmppCpuMicros(r: XmppResult): { a: number; b: number } {
  const seconds = r.lat_sent / r.lat_rate_msg_s;
  const per = (pct: number) => Math.round(((pct / 100) * seconds * 1e6) / r.lat_sent);
  return { a: per(r.cpu_lat.server_a_cpu_pct), b: per(r.cpu_lat.server_b_cpu_pct) };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Hotline / peer for one round. */
export function roundRatios(h: HotlineFigures, x: XmppResult): Record<string, number | null> {
  const cpu = xmppCpuMicros(x);
  return {
    p50: r3(h.p50Ms / x.p50_ms),
    p99: r3(h.p99Ms / x.p99_ms),
    cpuPerMessageA: r3(h.cpuMicrosA / cpu.a),
    cpuPerMessageB: r3(h.cpuMicrosB / cpu.b),
    throughputOnePerRequest: h.throughputMsgPerSec === null ? null : r3(h.throughputMsgPerSec / x.throughput_msg_s),
    throughputBatched: h.throughputBatchedMsgPerSec === null ? null : r3(h.throughputBatchedMsgPerSec / x.throughput_msg_s),
    p50Stream: h.stream ? r3(h.stream.p50Ms / x.p50_ms) : null,
    p99Stream: h.stream ? r3(h.stream.p99Ms / x.p99_ms) : null,
    cpuPerMessageAStream: h.stream ? r3(h.stream.cpuMicrosA / cpu.a) : null,
    cpuPerMessageBStream: h.stream ? r3(h.stream.cpuMicrosB / cpu.b) : null,
    throughputStream: h.stream?.throughputMsgPerSec == null ? null : r3(h.stream.throughputMsgPerSec / x.throughput_msg_s),
  };
}

/**
 * The physical limits of the round, beside its ratios: how the batch target compares with the
 * machine's cryptographic ceiling (a target above the ceiling cannot be met by any implementation
 * of the protocol here), and the CPU ratios without each terminal's idle cost.
 */
export function roundLimits(h: HotlineFigures, x: XmppResult): Record<string, number | boolean | null> {
  const cpu = xmppCpuMicros(x);
  const target = PEER_TARGETS.throughputBatched * x.throughput_msg_s;
  const ceiling = h.cryptoCeilingMsgPerSec;
  return {
    batchedTargetMsgPerSec: Math.round(target),
    cryptoCeilingMsgPerSec: ceiling,
    batchedTargetWithinCeiling: ceiling === null ? null : target <= ceiling,
    throughputBatchedToCeiling: ceiling === null || h.throughputBatchedMsgPerSec === null ? null : r3(h.throughputBatchedMsgPerSec / ceiling),
    cpuPerMessageAWithoutIdle: h.idleMicrosPerMessageA === null ? null : r3((h.cpuMicrosA - h.idleMicrosPerMessageA) / cpu.a),
    cpuPerMessageBWithoutIdle: h.idleMicrosPerMessageB === null ? null : r3((h.cpuMicrosB - h.idleMicrosPerMessageB) / cpu.b),
    // Not a cost any implementation pays (Prosody's client keeps one stream open), so no ratio
    // "without" it: the share of A's CPU per message that is the HTTP request carrying it.
    requestFloorMicrosA: h.requestFloorMicrosA,
    requestFloorShareOfCpuA: h.requestFloorMicrosA === null ? null : r3(h.requestFloorMicrosA / h.cpuMicrosA),
    bareHttpMicros: h.bareHttpMicros,
  };
}

/** The targets, judged on the median ratios. */
export const PEER_TARGETS = {
  p50: 1,
  p99: 1,
  cpuPerMessageA: 1.5,
  cpuPerMessageB: 1.5,
  throughputOnePerRequest: 1,
  throughputBatched: 2,
  // The same targets for messages sent one at a time over A's send stream.
  p50Stream: 1,
  p99Stream: 1,
  cpuPerMessageAStream: 1.5,
  cpuPerMessageBStream: 1.5,
  throughputStream: 1,
} as const;

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summarise(rounds: readonly Record<string, number | null>[]): { medianRatios: Record<string, number | null>; targetsMet: Record<string, boolean | null> } {
  const medianRatios: Record<string, number | null> = {};
  const targetsMet: Record<string, boolean | null> = {};
  for (const [k, target] of Object.entries(PEER_TARGETS)) {
    const m = median(rounds.map((r) => r[k]).filter((v): v is number => typeof v === 'number'));
    medianRatios[k] = m === null ? null : r3(m);
    const higherIsBetter = k.startsWith('throughput');
    targetsMet[k] = m === null ? null : higherIsBetter ? m >= target : m <= target;
  }
  return { medianRatios, targetsMet };
}

/** Reads the figures the comparison needs out of the terminal module's result. */
export function hotlineFigures(terminal: unknown): HotlineFigures {
  type T = {
    rawVerify: { perSec: number };
    fsync?: { before: { p50Ms: number } };
    latency: Latency | null;
    latencyStream?: Latency | null;
    throughput: { msgPerSec: number } | null;
    throughputStream?: { msgPerSec: number } | null;
    throughputBatched: { msgPerSec: number } | null;
    cryptoCeiling?: { msgPerSec: number };
    idle?: { cpuMicrosPerMessageAtRate: Record<string, number | null> } | null;
    requestFloor?: { netMicrosPerRequest: number | null; cpuMicrosPerRequest: number | null; bareNodeHttp?: { cpuMicrosPerRequest: number | null } } | null;
  };
  type Latency = { deliveryMs: { p50: number; p99: number }; cpuMicrosPerMessage: Record<string, number | null> | null };
  const t = terminal as T;
  if (!t.latency) throw new Error('the peer comparison needs the latency phase');
  const cpuOf = (l: Latency) => Object.entries(l.cpuMicrosPerMessage ?? {}).filter(([k]) => k !== 'benchClient' && k !== 'total');
  const cpu = cpuOf(t.latency);
  const streamed = t.latencyStream ? cpuOf(t.latencyStream) : [];
  return {
    p50Ms: t.latency.deliveryMs.p50,
    p99Ms: t.latency.deliveryMs.p99,
    cpuMicrosA: cpu[0]?.[1] ?? NaN,
    cpuMicrosB: cpu[1]?.[1] ?? NaN,
    throughputMsgPerSec: t.throughput?.msgPerSec ?? null,
    throughputBatchedMsgPerSec: t.throughputBatched?.msgPerSec ?? null,
    rawVerifyPerSec: t.rawVerify.perSec,
    fsyncP50Ms: t.fsync?.before.p50Ms ?? null,
    cryptoCeilingMsgPerSec: t.cryptoCeiling?.msgPerSec ?? null,
    idleMicrosPerMessageA: cpu[0] ? (t.idle?.cpuMicrosPerMessageAtRate[cpu[0][0]] ?? null) : null,
    idleMicrosPerMessageB: cpu[1] ? (t.idle?.cpuMicrosPerMessageAtRate[cpu[1][0]] ?? null) : null,
    requestFloorMicrosA: t.requestFloor?.netMicrosPerRequest ?? t.requestFloor?.cpuMicrosPerRequest ?? null,
    bareHttpMicros: t.requestFloor?.bareNodeHttp?.cpuMicrosPerRequest ?? null,
    stream: t.latencyStream
      ? { p50Ms: t.latencyStream.deliveryMs.p50, p99Ms: t.latencyStream.deliveryMs.p99, cpuMicrosA: streamed[0]?.[1] ?? NaN, cpuMicrosB: streamed[1]?.[1] ?? NaN, throughputMsgPerSec: t.throughputStream?.msgPerSec ?? null }
      : null,
  };
}

import { describe, expect, it } from 'vitest';
import { hotlineFigures, roundLimits, roundRatios, summarise, xmppCpuMicros, type XmppResult } from '../../src/bench/peer-bench.js';

const xmpp: XmppResult = {
  p50_ms: 1.1,
  p99_ms: 40,
  throughput_msg_s: 8000,
  lat_sent: 2000,
  lat_rate_msg_s: 200,
  lost: 0,
  cpu_lat: { server_a_cpu_pct: 12, server_b_cpu_pct: 14 },
};

const terminal = {
  rawVerify: { perSec: 14000 },
  latency: { deliveryMs: { p50: 2.2, p99: 20 }, cpuMicrosPerMessage: { AA: 900, BB: 700, benchClient: 300, total: 1900 } },
  throughput: { msgPerSec: 4000 },
  throughputBatched: { msgPerSec: 16000 },
};

describe('the XMPP peer comparison', () => {
  it("reads a Prosody server's CPU per message from its percent of a core over the 200 msg/s phase", () => {
    // 12 % of a core for 10 s = 1.2 CPU s over 2,000 messages = 600 µs each.
    expect(xmppCpuMicros(xmpp)).toEqual({ a: 600, b: 700 });
  });

  it("expresses Hotline's figures as ratios to the peer's, terminal A against server A", () => {
    const r = roundRatios(hotlineFigures(terminal), xmpp);
    expect(r).toEqual({ p50: 2, p99: 0.5, cpuPerMessageA: 1.5, cpuPerMessageB: 1, throughputOnePerRequest: 0.5, throughputBatched: 2, p50Stream: null, p99Stream: null, cpuPerMessageAStream: null, cpuPerMessageBStream: null, throughputStream: null });
  });

  it('sets the send stream\'s latency, CPU and throughput against the same peer figures', () => {
    const streamed = { ...terminal, latencyStream: { deliveryMs: { p50: 1.1, p99: 10 }, cpuMicrosPerMessage: { AA: 600, BB: 700, benchClient: 100, total: 1400 } }, throughputStream: { msgPerSec: 6000 } };
    expect(roundRatios(hotlineFigures(streamed), xmpp)).toMatchObject({ p50Stream: 1, p99Stream: 0.25, cpuPerMessageAStream: 1, cpuPerMessageBStream: 1, throughputStream: 0.75 });
    const s = summarise([roundRatios(hotlineFigures(streamed), xmpp)]);
    expect(s.targetsMet).toMatchObject({ p50Stream: true, p99Stream: true, cpuPerMessageAStream: true, throughputStream: false });
  });

  it('judges the targets on the median of the rounds, lower better for time and CPU, higher for throughput', () => {
    const a = roundRatios(hotlineFigures(terminal), xmpp);
    const b = { ...a, p50: 0.8, cpuPerMessageA: 1.7 };
    const c = { ...a, p50: 0.9, cpuPerMessageA: 1.2 };
    const s = summarise([a, b, c]);
    expect(s.medianRatios.p50).toBe(0.9);
    expect(s.medianRatios.cpuPerMessageA).toBe(1.5);
    expect(s.targetsMet).toEqual({ p50: true, p99: true, cpuPerMessageA: true, cpuPerMessageB: true, throughputOnePerRequest: false, throughputBatched: true, p50Stream: null, p99Stream: null, cpuPerMessageAStream: null, cpuPerMessageBStream: null, throughputStream: null });
  });

  it("carries the disk's fdatasync p50 of the run beside Hotline's figures, null from an older result", () => {
    expect(hotlineFigures({ ...terminal, fsync: { before: { p50Ms: 0.3 }, after: null } }).fsyncP50Ms).toBe(0.3);
    expect(hotlineFigures(terminal).fsyncP50Ms).toBeNull();
  });

  it('sets the batch target beside the cryptographic ceiling, and gives the CPU ratios without the idle cost', () => {
    const withLimits = { ...terminal, cryptoCeiling: { msgPerSec: 14_500 }, idle: { cpuMicrosPerMessageAtRate: { AA: 300, BB: 70 } } };
    expect(roundLimits(hotlineFigures(withLimits), xmpp)).toEqual({
      batchedTargetMsgPerSec: 16_000,
      cryptoCeilingMsgPerSec: 14_500,
      batchedTargetWithinCeiling: false,
      throughputBatchedToCeiling: 1.103,
      cpuPerMessageAWithoutIdle: 1,
      cpuPerMessageBWithoutIdle: 0.9,
      requestFloorMicrosA: null,
      requestFloorShareOfCpuA: null,
      bareHttpMicros: null,
    });
    // An older result without them: nothing is judged.
    expect(roundLimits(hotlineFigures(terminal), xmpp)).toMatchObject({ cryptoCeilingMsgPerSec: null, batchedTargetWithinCeiling: null, cpuPerMessageAWithoutIdle: null });
  });

  it("gives the officer API's floor as a share of A's CPU per message, never as a ratio without it", () => {
    const withFloor = { ...terminal, requestFloor: { cpuMicrosPerRequest: 300, netMicrosPerRequest: 270, bareNodeHttp: { cpuMicrosPerRequest: 240 } } };
    const limits = roundLimits(hotlineFigures(withFloor), xmpp);
    // 270 µs of A's 900 µs per message is the request carrying it, 240 of them a bare node:http server's.
    expect(limits).toMatchObject({ requestFloorMicrosA: 270, requestFloorShareOfCpuA: 0.3, bareHttpMicros: 240 });
    expect(Object.keys(limits).filter((k) => /WithoutRequestFloor|WithoutFloor/.test(k))).toEqual([]);
    // Without the idle phase, the floor with its idle cost.
    expect(roundLimits(hotlineFigures({ ...terminal, requestFloor: { cpuMicrosPerRequest: 300, netMicrosPerRequest: null } }), xmpp)).toMatchObject({ requestFloorMicrosA: 300 });
  });

  it('refuses a terminal result without the latency phase: the comparison would be empty', () => {
    expect(() => hotlineFigures({ ...terminal, latency: null })).toThrow(/latency phase/);
  });
});

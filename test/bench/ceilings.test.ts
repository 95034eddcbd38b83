import { describe, expect, it } from 'vitest';
import { cryptoCeiling, measureIdle, measureRequestFloor } from '../../src/bench/ceilings.js';

describe('the machine limits of the terminal bench', () => {
  it('puts the cryptographic ceiling at one sign and one verify per message on every core', () => {
    // 25,000 signs and 12,500 verifies a second: 40 + 80 = 120 µs a message, 2 cores → 16,667/s.
    expect(cryptoCeiling(25_000, 12_500, 2)).toEqual({ signPerSec: 25_000, verifyPerSec: 12_500, microsPerMessage: 120, msgPerSec: 16_667 });
  });

  it("spreads each terminal's idle CPU over the messages of the latency phase's rate", async () => {
    // A fake clock: waiting advances it. AA uses 40 ms of CPU in the 10 s measured, BB none.
    let clock = 0;
    const used: Record<number, number> = { 1: 500, 2: 700 };
    const wait = async (ms: number) => {
      clock += ms;
      if (clock > 1000) used[1]! += 40;
    };
    const cpuMs = async (pid: number | undefined) => (pid === undefined ? undefined : used[pid]);
    const idle = await measureIdle([{ code: 'AA', pid: 1 }, { code: 'BB', pid: 2 }, { code: 'CC', pid: undefined }], cpuMs, { seconds: 10, rate: 200, settleMs: 1000, wait, now: () => clock });
    // 40 ms over 10 s: 4,000 µs a second, 20 µs of each message at 200 msg/s.
    expect(idle).toEqual({ seconds: 10, rate: 200, cpuMicrosPerSecond: { AA: 4000, BB: 0, CC: null }, cpuMicrosPerMessageAtRate: { AA: 20, BB: 0, CC: null } });
  });

  it("measures the officer API's floor per request at the rate asked, its idle cost taken out", async () => {
    // A fake clock: waiting advances it. Each request costs the terminal 0.25 ms of CPU.
    let clock = 0;
    let cpu = 1000;
    const sentAt: number[] = [];
    const wait = async (ms: number) => {
      clock += ms;
    };
    const request = async () => {
      sentAt.push(clock);
      cpu += 0.25;
    };
    const floor = await measureRequestFloor({ pid: 7 }, async () => cpu, request, { seconds: 2, rate: 200, idleMicrosPerSecond: 4000, wait, now: () => clock });
    // 400 requests, 5 ms apart: the rate is kept, not run as fast as possible.
    expect(sentAt).toHaveLength(400);
    expect(sentAt[1]! - sentAt[0]!).toBe(5);
    expect(sentAt.at(-1)).toBe(1995);
    // 250 µs a request, of which 4,000 µs/s × ~2 s / 400 is idle cost (20 µs).
    expect(floor).toMatchObject({ rate: 200, requests: 400, failed: 0, cpuMicrosPerRequest: 250, idleMicrosPerRequest: 20, netMicrosPerRequest: 230 });
  });

  it('counts failed requests of the floor and gives no figure where CPU cannot be read', async () => {
    let n = 0;
    const request = async () => {
      if (++n % 2 === 0) throw new Error('HTTP 500');
    };
    const floor = await measureRequestFloor({ pid: undefined }, async () => undefined, request, { seconds: 1, rate: 10, wait: async () => {} });
    expect(floor).toMatchObject({ requests: 10, failed: 5, cpuMicrosPerRequest: null, idleMicrosPerRequest: null, netMicrosPerRequest: null });
  });
});

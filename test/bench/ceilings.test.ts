import { describe, expect, it } from 'vitest';
import { cryptoCeiling, measureIdle } from '../../src/bench/ceilings.js';

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
});

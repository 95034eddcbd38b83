/**
 * Preloaded into a `hotline serve` process by test/e2e/clock-ahead.e2e.test.ts
 * (NODE_OPTIONS=--import this file): the process's wall clock is the system clock plus the number
 * of milliseconds written in the file HOTLINE_E2E_CLOCK_FILE, read again at most every 50 ms. The
 * test steps the clock of a real, running terminal as a bad NTP server would (and then a good one),
 * without touching the machine's clock. The terminal reads time only through Date.now (its
 * systemClock, src/terminal/clock.ts); monotonic timers (performance.now, setTimeout) do not jump,
 * as they do not when NTP steps a real clock.
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { performance } from 'node:perf_hooks';

const file = process.env.HOTLINE_E2E_CLOCK_FILE;
if (file) {
  const real = Date.now.bind(Date);
  let offset = 0;
  let readAt = -Infinity;
  Date.now = () => {
    const t = performance.now();
    if (t - readAt >= 50) {
      readAt = t;
      try {
        offset = Number(readFileSync(file, 'utf8').trim()) || 0;
      } catch {
        offset = 0;
      }
    }
    return real() + offset;
  };
}

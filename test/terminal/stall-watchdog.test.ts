/**
 * A terminal thread stopped in a write that does not complete (stall-watchdog.ts): the watcher
 * thread writes TERMINAL_STALLED to the log while it lasts, and the terminal raises
 * TERMINAL_RUNS_AGAIN once it runs again. The stall here is real: this test's own thread is stopped
 * (Atomics.wait, as a write to a frozen disk would stop it), with thresholds of a few hundred ms.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { EventBus } from '../../src/terminal/events/event-bus.js';
import { StallWatchdog } from '../../src/terminal/stall-watchdog.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Stops this thread for `ms`, as a write that does not complete would. */
function stopThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Lets the event loop run for `ms` (the watcher's and the beat's timers). */
const run = (ms: number) => new Promise((r) => setTimeout(r, ms));

function watched(thresholdMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-stall-'));
  dirs.push(dir);
  const file = join(dir, 'log');
  const fd = openSync(file, 'w');
  const events = new EventBus();
  const alarms: Array<{ code: string; message: string }> = [];
  events.on('alarm', (e) => alarms.push(e));
  const logged: Array<{ code?: string }> = [];
  const watchdog = new StallWatchdog({ party: 'US', events, log: { error: (o) => void logged.push(o) }, fd, thresholdMs, beatMs: 20, wallNow: () => Date.parse('2026-12-07T12:00:00Z') });
  const lines = () =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { code: string; level: number; party: string; msg: string; seconds: number });
  return { watchdog, alarms, logged, lines, close: () => closeSync(fd) };
}

it('says TERMINAL_STALLED once while the thread is stopped, and TERMINAL_RUNS_AGAIN when it runs again', async () => {
  const w = watched(300);
  w.watchdog.start();
  await w.watchdog.online();
  await run(150); // the watcher is up and has seen the beat move
  stopThread(1_600);
  // The watcher wrote its line while this thread was stopped; it could not have come from here.
  const during = w.lines();
  expect(during).toHaveLength(1);
  expect(during[0]).toMatchObject({ code: 'TERMINAL_STALLED', level: 50, party: 'US' });
  expect(during[0]!.msg).toContain("thread has not run for");
  expect(during[0]!.msg).toContain('disk');
  await run(100);
  expect(w.alarms.map((a) => a.code)).toEqual(['TERMINAL_RUNS_AGAIN']);
  expect(w.alarms[0]!.message).toMatch(/did not run for [23] s, from 2026-12-07T11:59:5[78]Z to 2026-12-07T12:00:00Z/);
  expect(w.logged).toEqual([expect.objectContaining({ code: 'TERMINAL_RUNS_AGAIN' })]);
  // Running normally: nothing more, from either thread.
  await run(500);
  expect(w.lines()).toHaveLength(1);
  expect(w.alarms).toHaveLength(1);
  await w.watchdog.stop();
  w.close();
});

it('says nothing for a thread that stops for less than the threshold', async () => {
  const w = watched(800);
  w.watchdog.start();
  await w.watchdog.online();
  await run(100);
  stopThread(300);
  await run(100);
  expect(w.lines()).toEqual([]);
  expect(w.alarms).toEqual([]);
  await w.watchdog.stop();
  w.close();
});

/**
 * Console benchmark (#17): is the officer's console smooth with 1,000 formatted messages? Two real
 * terminals; A sends 500 formatted messages of three formats (launch notifications with a circle
 * and a polygon, unplanned-encounter reports with two positions, standard phrases); B's officer
 * signs in to the console in headless Chromium, and the bench measures:
 *
 * - `load`: from sign-in to the timeline showing the newest of the formatted messages (the console
 *   loads MESSAGES_SHOWN = 500 and renders the rows in view), and the long tasks (main thread
 *   blocked > 50 ms) meanwhile;
 * - `switchToChinese`: the officer picks Chinese; until the timeline is rendered in it again;
 * - `scroll`: frame intervals while the timeline is scrolled from the newest to the oldest message
 *   and back with the mouse wheel (a frame at 60 Hz is 16.7 ms; "smooth" is a p95 near that);
 * - `live`: 500 more formatted messages arriving while the page is open (1,000 in all), in batches
 *   of 50: the time until the newest is on screen, and the frame intervals and long tasks meanwhile;
 * - `longChannel` (#15): 100,000 more plain messages, then a fresh sign-in at A: the first view of
 *   the newest, the message rows in the page (virtualised), and scrolling back through 1,200.
 *
 * Needs Chromium (/usr/bin/chromium, or HOTLINE_CHROMIUM): without it the module reports why it did
 * not run. A measurement, never a pass/fail test.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generate } from 'otplib';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { BenchContext, BenchModule } from './bench.js';
import { pairAndOpen, setUp, type TerminalProcess } from './terminal-processes.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const FORMATS = ['launch-notification', 'unplanned-encounter', 'standard-phrase'];
const SQUARE = [
  { lat: 30, lon: 130 },
  { lat: 30, lon: 131 },
  { lat: 31, lon: 131 },
  { lat: 31, lon: 130 },
  { lat: 30, lon: 130 },
];
const PHRASES = ['request-intentions', 'manoeuvring', 'pass-astern', 'flight-operations', 'understood'];

/** The i-th formatted message of the bench: the three formats in turn, with varying values. */
function draft(i: number): { format: { id: string }; fields: Record<string, unknown> } {
  const lat = 10 + (i % 40);
  const lon = 110 + (i % 30);
  switch (i % 3) {
    case 0:
      return {
        format: { id: 'launch-notification' },
        fields: {
          launch_type: 'ballistic-missile',
          window_start: '2026-12-03T12:00:00Z',
          window_end: '2026-12-03T14:00:00Z',
          launch_area: { circle: { centre: { lat, lon }, radius: 20, unit: 'km' } },
          impact_area: [{ polygon: SQUARE }],
        },
      };
    case 1:
      return {
        format: { id: 'unplanned-encounter' },
        fields: {
          time: '2026-12-03T09:41:00Z',
          own_unit: { kind: 'vessel', name: `Example ${i}`, id: 'DDG-000' },
          own_position: { lat, lon },
          other_unit: { kind: 'aircraft', name: 'Patrol aircraft' },
          other_position: { lat: lat + 0.01, lon: lon + 0.02 },
          closest_approach: 150 + i,
          actions_taken: { lang: 'en', text: `Altered course to starboard (${i}).` },
          request: 'intentions',
        },
      };
    default:
      return { format: { id: 'standard-phrase' }, fields: { phrase: PHRASES[i % PHRASES.length] } };
  }
}

function chromiumPath(): string | undefined {
  const path = process.env.HOTLINE_CHROMIUM ?? '/usr/bin/chromium';
  return existsSync(path) ? path : undefined;
}

/** p50/p95/max of frame intervals, and how many were longer than two 60 Hz frames. */
function frameStats(intervals: readonly number[]): { frames: number; p50Ms: number; p95Ms: number; maxMs: number; over33Ms: number } {
  const s = [...intervals].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : 0);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { frames: s.length, p50Ms: r(q(0.5)), p95Ms: r(q(0.95)), maxMs: r(s.at(-1) ?? 0), over33Ms: s.filter((x) => x > 33.4).length };
}

/**
 * Starts recording frame intervals and long tasks in the page (window.__bench). The page's code is
 * a string: it runs in the browser, where this package's Node types do not describe the globals.
 */
const START_RECORDING = `(() => {
  const b = (window.__bench = { frames: [], long: [], on: true });
  let last = performance.now();
  const tick = (t) => { b.frames.push(t - last); last = t; if (b.on) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) if (b.on) b.long.push(e.duration); }).observe({ type: 'longtask', buffered: false });
  } catch { /* no longtask entries here: frames only */ }
})()`;
const STOP_RECORDING = `(() => { const b = window.__bench; b.on = false; return { frames: b.frames.slice(1), long: b.long }; })()`;

async function startRecording(page: Page): Promise<void> {
  await page.evaluate(START_RECORDING);
}

async function stopRecording(page: Page): Promise<{ frames: number[]; long: number[] }> {
  return (await page.evaluate(STOP_RECORDING)) as { frames: number[]; long: number[] };
}

function longTasks(long: readonly number[]): { count: number; totalMs: number; maxMs: number } {
  return { count: long.length, totalMs: Math.round(long.reduce((a, b) => a + b, 0)), maxMs: Math.round(Math.max(0, ...long)) };
}

/** Sends `count` formatted messages in batches of 50; returns the id of the last. */
async function sendFormatted(a: TerminalProcess, channel: string, from: number, count: number): Promise<string> {
  let last = '';
  for (let i = from; i < from + count; i += 50) {
    const messages = Array.from({ length: Math.min(50, from + count - i) }, (_, k) => ({ ...draft(i + k), precedence: 'ROUTINE' }));
    const sent = await a.ok<{ messages: Array<{ id: string }> }>('POST', `/api/v1/channels/${channel}/messages/batch`, { messages });
    last = sent.messages.at(-1)!.id;
  }
  return last;
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`console bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `longChannel` (#15): `count` more plain messages on the channel (batches of 1,000 from A), then
 * A's officer signs in: until the newest is on screen (`firstViewMs`), the message rows in the page,
 * and scrolling back through 1,200 messages (older pages loaded on the way: `scrollBackMs`, frames).
 */
async function longTimeline(browser: Browser, a: TerminalProcess, channel: string, count: number, ctx: BenchContext) {
  ctx.log(`console: ${count} more messages for the long timeline`);
  const t0 = performance.now();
  for (let at = 0; at < count; at += 1000) {
    const messages = Array.from({ length: Math.min(1000, count - at) }, (_, k) => ({ text: `Long timeline message ${at + k}`, precedence: 'ROUTINE' }));
    await a.ok('POST', `/api/v1/channels/${channel}/messages/batch`, { messages });
  }
  const writeMs = Math.round(performance.now() - t0);
  const officer = await a.ok<{ secrets: { password: string; totpSecret: string } }>('POST', '/api/v1/officers', { name: 'Cdr Hale', title: 'Watch Officer', roles: ['principal'] });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${a.officerPort}/console/`);
    await page.getByLabel(/Officer name/).fill('Cdr Hale');
    await page.getByLabel(/Password/).fill(officer.secrets.password);
    await page.getByLabel(/6-digit code/).fill(await generate({ secret: officer.secrets.totpSecret }));
    const t1 = performance.now();
    await page.getByRole('button', { name: /Sign in/ }).click();
    const newest = `Long timeline message ${count - 1}`;
    await waitUntil('the newest message of the long timeline on screen', async () => (await page.locator('[data-testid=message]', { hasText: newest }).count()) > 0, 60_000);
    const firstViewMs = Math.round(performance.now() - t1);
    const rowsAtFirstView = await page.locator('[data-testid=message]').count();
    const oldestShown = async () => Math.min(...(await page.locator('[data-testid=message]').allTextContents()).map((t) => Number(/Long timeline message (\d+)/.exec(t)?.[1] ?? Infinity)));
    await startRecording(page);
    const t2 = performance.now();
    const timeline = page.getByTestId('timeline');
    for (let i = 0; i < 200 && (await oldestShown()) > count - 1200; i++) {
      await timeline.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.waitForTimeout(16);
    }
    const scrollBackMs = Math.round(performance.now() - t2);
    const scrolled = await stopRecording(page);
    return { messages: count, writeMs, firstViewMs, rowsAtFirstView, scrollBack: { messages: 1200, ms: scrollBackMs, rowsAfter: await page.locator('[data-testid=message]').count(), frames: frameStats(scrolled.frames), longTasks: longTasks(scrolled.long) } };
  } finally {
    await context.close();
  }
}

async function run(ctx: BenchContext): Promise<unknown> {
  const executablePath = chromiumPath();
  if (!executablePath) return { skipped: 'no Chromium at /usr/bin/chromium (apt-get install -y chromium) or HOTLINE_CHROMIUM' };
  const first = ctx.quick ? 60 : 500;
  const live = ctx.quick ? 60 : 500;
  const root = await mkdtemp(join(tmpdir(), 'hotline-bench-console-'));
  const setup = await setUp(root, ctx, []);
  const { a, b } = setup;
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  try {
    ctx.log('console: starting two terminals');
    await Promise.all([a.start(), b.start()]);
    const channel = await pairAndOpen(setup, ctx, { title: { en: 'Military contacts', zh: '军事联络' }, tier: 'military', formats: FORMATS, linkTestIntervalSec: 86_400 });
    ctx.log(`console: sending ${first} formatted messages`);
    await sendFormatted(a, channel, 0, first);
    await waitUntil('B to hold them', async () => (await b.ok<{ messages: { total: number } }>('GET', `/api/v1/channels/${channel}`)).messages.total >= first, 60_000);
    const officer = await b.ok<{ secrets: { password: string; totpSecret: string } }>('POST', '/api/v1/officers', { name: 'Cdr Wang', title: 'Duty Officer', roles: ['duty-officer'] });

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${b.officerPort}/console/`);
    await page.getByLabel(/Officer name/).fill('Cdr Wang');
    await page.getByLabel(/Password/).fill(officer.secrets.password);
    await page.getByLabel(/6-digit code/).fill(await generate({ secret: officer.secrets.totpSecret }));
    await startRecording(page);
    const t0 = performance.now();
    await page.getByRole('button', { name: /Sign in/ }).click();
    // The timeline is virtualised (#15): the newest formatted message on screen is the first view.
    const shown = Math.min(first, 500);
    const newestFirst = (await a.ok<Array<{ id: string }>>('GET', `/api/v1/channels/${channel}/messages?limit=1`))[0]!.id;
    await waitUntil('the timeline to show the newest formatted message', async () => (await page.locator(`[data-id="${newestFirst}"] [data-testid=formatted]`).count()) > 0, 120_000);
    const loadMs = Math.round(performance.now() - t0);
    const loaded = await stopRecording(page);
    ctx.log(`console: ${shown} formatted messages on screen after ${loadMs} ms`);

    // The officer switches to Chinese: every formatted message is rendered again in Chinese.
    await startRecording(page);
    const tz = performance.now();
    await page.getByTestId('language').selectOption('zh');
    await waitUntil('the timeline rendered in Chinese', async () => (await page.locator('[data-testid=formatted]').first().textContent())?.match(/发射通报|意外相遇|标准用语|[\u4e00-\u9fff]{2}/) !== null, 60_000);
    const zhMs = Math.round(performance.now() - tz);
    const switched = await stopRecording(page);

    // Scroll from the newest to the oldest and back, as an officer reading back would.
    await page.locator('[data-testid=message]').first().hover();
    await startRecording(page);
    const steps = ctx.quick ? 20 : 120;
    for (const dir of [1, -1]) for (let i = 0; i < steps; i++) await page.mouse.wheel(0, dir * 400).then(() => page.waitForTimeout(16));
    const scrolled = await stopRecording(page);

    // 500 more arrive while the page is open.
    await startRecording(page);
    const t1 = performance.now();
    const newest = await sendFormatted(a, channel, first, live);
    await waitUntil('the newest live message on screen', async () => (await page.locator(`[data-id="${newest}"] [data-testid=formatted]`).count()) > 0, 120_000);
    const liveMs = Math.round(performance.now() - t1);
    const arrived = await stopRecording(page);
    await context.close();
    const longChannel = await longTimeline(browser, a, channel, ctx.quick ? 5_000 : 100_000, ctx);
    return {
      messages: first + live,
      formats: FORMATS,
      load: { formattedShown: shown, ms: loadMs, frames: frameStats(loaded.frames), longTasks: longTasks(loaded.long) },
      switchToChinese: { ms: zhMs, frames: frameStats(switched.frames), longTasks: longTasks(switched.long) },
      scroll: { wheelSteps: steps * 2, frames: frameStats(scrolled.frames), longTasks: longTasks(scrolled.long) },
      live: { messages: live, newestShownAfterMs: liveMs, frames: frameStats(arrived.frames), longTasks: longTasks(arrived.long) },
      longChannel,
    };
  } finally {
    await browser.close().catch(() => {});
    await Promise.all([a.stop(), b.stop()]).catch(() => {});
    await rm(root, { recursive: true, force: true }).catch(() => {});
  }
}

export const consoleBench: BenchModule = {
  name: 'console',
  description: 'the officer console in headless Chromium with 1,000 formatted messages: load, scroll and live-arrival frame times',
  run,
};

/**
 * A peer that cannot reach this terminal: its entries fetched over this terminal's own connection
 * (federation/pull-fallback.ts).
 */
import { expect, it } from 'vitest';
import { ManualClock } from '../../src/terminal/clock.js';
import { PULL_AFTER_MS, PULL_CHANNELS_PER_ROUND, PULL_EVERY_MS, PULL_PAGE, PullFallback } from '../../src/terminal/federation/pull-fallback.js';

function setup(channels: string[], answer: (url: URL) => { status: number; lines: number }) {
  const clock = new ManualClock(1_000_000);
  let missingSince: number | undefined = clock.now();
  const asked: URL[] = [];
  const received: Array<{ lines: number; source: string }> = [];
  const warned: object[] = [];
  const pulls = new PullFallback({
    streams: { missingSince: () => missingSince },
    targets: () => [{ peer: 'CN', target: { endpoint: 'https://cn.example:7443', expectedFingerprint: 'f'.repeat(64) } }],
    directory: { channelIds: () => channels, shares: () => true, channel: () => ({ head: () => ({ seq: 41, hash: 'h' }) }) as never },
    receiver: { receive: async (raws, source) => (received.push({ lines: raws.length, source }), {}) as never },
    tls: { keyPem: '', certPem: '' },
    clock,
    log: { warn: (o) => void warned.push(o), info: () => {} },
    connect: () => ({
      request: async (u) => {
        const url = new URL(String(u));
        asked.push(url);
        const a = answer(url);
        return { status: a.status, headers: {}, body: Buffer.from(Array.from({ length: a.lines }, (_, i) => `{"n":${i}}\n`).join('')) };
      },
      close: () => {},
    }),
  });
  return { clock, pulls, asked, received, warned, open: () => void (missingSince = undefined) };
}

it('fetches the peer\'s own entries once its stream has been missing a while, every few seconds, until it opens', async () => {
  const t = setup(['a'.repeat(64)], () => ({ status: 200, lines: 2 }));
  await t.pulls.tick();
  expect(t.asked).toEqual([]); // missing for less than PULL_AFTER_MS
  t.clock.advance(PULL_AFTER_MS);
  await t.pulls.tick();
  expect(t.asked.map((u) => `${u.pathname}?${u.searchParams}`)).toEqual([`/fed/v1/channels/${'a'.repeat(64)}/entries?author=CN&from=42&limit=${PULL_PAGE}`]);
  expect(t.received).toEqual([{ lines: 2, source: 'CN' }]);
  t.clock.advance(PULL_EVERY_MS - 1);
  await t.pulls.tick();
  expect(t.asked).toHaveLength(1);
  t.clock.advance(1);
  await t.pulls.tick();
  expect(t.asked).toHaveLength(2);
  t.open();
  t.clock.advance(60_000);
  await t.pulls.tick();
  expect(t.asked).toHaveLength(2);
});

it('goes round many channels a few at a time, those with more to fetch first, and carries on past a refusal', async () => {
  const ids = Array.from({ length: 20 }, (_, i) => String(i).padStart(64, '0'));
  const t = setup(ids, (u) => (u.pathname.includes(ids[3]!) ? { status: 200, lines: PULL_PAGE } : u.pathname.includes(ids[1]!) ? { status: 429, lines: 0 } : { status: 200, lines: 0 }));
  t.clock.advance(PULL_AFTER_MS);
  const rounds: string[][] = [];
  for (let r = 0; r < 3; r++) {
    const before = t.asked.length;
    await t.pulls.tick();
    rounds.push(t.asked.slice(before).map((u) => u.pathname.split('/')[4]!));
    t.clock.advance(PULL_EVERY_MS);
  }
  expect(rounds.map((r) => r.length)).toEqual([PULL_CHANNELS_PER_ROUND, PULL_CHANNELS_PER_ROUND, PULL_CHANNELS_PER_ROUND]);
  expect(rounds[0]).toEqual(ids.slice(0, 8));
  // Channel 3 came back with a full page: asked first in the next rounds, the others in turn.
  expect(rounds[1]).toEqual([ids[3], ...ids.slice(8, 15)]);
  expect(rounds[2]).toEqual([ids[3], ...ids.slice(15, 20), ...ids.slice(0, 2)]);
  // The refusal (429) is logged and the round goes on.
  expect(t.warned.some((w) => (w as { status?: number }).status === 429)).toBe(true);
  expect(new Set(rounds.flat())).toEqual(new Set(ids));
});

/**
 * What held entries wait for, asked on a stream after its `stored`, is asked again of the channel's
 * other parties while it does not come (federation/pending-wants.ts, docs/protocol.md §12
 * "Channels of more than two parties: relaying"): an author removed before this party was added
 * never pushes it, though its stream may be open.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/terminal/clock.js';
import { InboundStreams } from '../../src/terminal/federation/inbound-streams.js';
import { FORGET_UNHELD_MS, MAX_REMEMBERED, PendingWants } from '../../src/terminal/federation/pending-wants.js';
import { RELAY_ASK_MAX_MS } from '../../src/terminal/federation/relay-wants.js';

const CH = 'c'.repeat(64);
type Want = { channel: string; author: string; fromSeq: number; toSeq: number };

/** This terminal is JP; the channel's parties besides it are US and CN; RU, removed, wrote in it. */
function setup() {
  const clock = new ManualClock(1_000_000);
  const held = new Map<string, number>([['RU', 3]]);
  const channels = [CH];
  const streams = new InboundStreams(clock);
  const pending = new PendingWants({
    self: 'JP',
    directory: {
      channelIds: () => channels,
      peersOf: () => ['US', 'CN'],
      channel: () => ({ head: (p: string) => (held.has(p) ? { seq: held.get(p)! } : undefined) }),
    },
    clock,
    streams,
  });
  const asked: Record<'US' | 'CN' | 'RU', Want[]> = { US: [], CN: [], RU: [] };
  for (const p of ['US', 'CN', 'RU'] as const) streams.attach(p, (w) => asked[p].push(w));
  return { clock, held, channels, pending, asked };
}

describe('pending wants', () => {
  it('asks the other parties 1 s after the first ask, then after 2, 4 ... up to 30 s, never the author, and stops once held', () => {
    const t = setup();
    t.pending.asked('US', { channel: CH, author: 'RU', fromSeq: 4, toSeq: 6 });
    t.pending.tick();
    expect(t.asked.US).toEqual([]); // US was asked on its stream just now: answered in milliseconds, usually
    t.clock.advance(1000);
    t.pending.tick();
    const want = { channel: CH, author: 'RU', fromSeq: 4, toSeq: 6 };
    expect([t.asked.US, t.asked.CN, t.asked.RU]).toEqual([[want], [want], []]);
    // Nothing comes: the waits double, up to 30 s.
    const times: number[] = [];
    for (let s = 0; s < 120; s++) {
      t.clock.advance(1000);
      const before = t.asked.CN.length;
      t.pending.tick();
      if (t.asked.CN.length > before) times.push(s + 1);
    }
    expect(times.slice(0, 5)).toEqual([2, 6, 14, 30, 60]);
    expect(times[5]! - times[4]!).toBe(RELAY_ASK_MAX_MS / 1000);
    // Some arrives: asked at once from what is held on, 1 s later; all held: forgotten.
    t.held.set('RU', 5);
    t.pending.tick();
    t.clock.advance(1000);
    t.pending.tick();
    expect(t.asked.CN.at(-1)).toEqual({ channel: CH, author: 'RU', fromSeq: 6, toSeq: 6 });
    t.held.set('RU', 6);
    t.pending.tick();
    expect(t.pending.size).toBe(0);
  });

  it('remembers neither proposals nor own entries, bounds what it remembers, and forgets ranges of channels never held', () => {
    const t = setup();
    t.pending.asked('US', { channel: CH, author: '', fromSeq: 1, toSeq: 1 });
    t.pending.asked('US', { channel: CH, author: 'JP', fromSeq: 1, toSeq: 9 });
    expect(t.pending.size).toBe(0);
    for (let i = 0; i < MAX_REMEMBERED + 5; i++) t.pending.asked('US', { channel: CH, author: `P${i}`, fromSeq: 1, toSeq: 1 });
    expect(t.pending.size).toBe(MAX_REMEMBERED);
    const other = 'd'.repeat(64);
    t.pending.asked('US', { channel: other, author: 'RU', fromSeq: 1, toSeq: 2 });
    t.channels.length = 0;
    t.clock.advance(FORGET_UNHELD_MS);
    t.pending.tick();
    expect(t.pending.size).toBe(0);
    expect(t.asked.CN).toEqual([]);
  });
});

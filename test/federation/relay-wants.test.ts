/**
 * A party whose stream to this terminal is down: its receipts are asked of the other parties
 * (federation/relay-wants.ts, docs/protocol.md §12 "Channels of more than two parties").
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/terminal/clock.js';
import { EventBus } from '../../src/terminal/events/event-bus.js';
import { InboundStreams } from '../../src/terminal/federation/inbound-streams.js';
import { RELAY_ASK_MAX_MS, RelayWants } from '../../src/terminal/federation/relay-wants.js';
import { BATCH_MAX } from '../../src/terminal/federation/wire.js';

const CH = 'c'.repeat(64);
type Want = { channel: string; author: string; fromSeq: number; toSeq: number };

function setup(parties = ['B', 'C']) {
  const clock = new ManualClock(1_000_000);
  const events = new EventBus();
  const receipted = new Map<string, number>();
  const held = new Map<string, number>();
  const streams = new InboundStreams(clock);
  const relays = new RelayWants({
    self: 'A',
    directory: {
      peersOf: () => parties,
      channel: () => ({ head: (p: string) => (held.has(p) ? { seq: held.get(p)!, hash: 'h' } : undefined) }) as never,
    },
    receiptedBy: (_c, p) => receipted.get(p) ?? 0,
    events,
    clock,
    streams,
  });
  const asked: { B: Want[]; C: Want[] } = { B: [], C: [] };
  const own = (seq: number, kind = 'message') =>
    events.emit({ type: 'entry', channel: CH, hash: 'x', author: 'A', authorCode: 'A', seq, kind: kind as never, time: clock.now(), own: true, body: {} });
  return { clock, relays, streams, receipted, held, asked, own, attach: (p: 'B' | 'C') => streams.attach(p, (w) => asked[p].push(w)) };
}

describe('relay wants', () => {
  it('asks the parties it has a stream from for the entries of one whose stream is down, while its receipt is due', () => {
    const t = setup();
    t.attach('B');
    t.held.set('C', 7);
    t.own(12);
    t.relays.tick();
    expect(t.asked.B).toEqual([{ channel: CH, author: 'C', fromSeq: 8, toSeq: 7 + BATCH_MAX }]);
    // B's own receipts come on B's stream: never asked for.
    expect(t.asked.B.some((w) => w.author === 'B')).toBe(false);
    // C receipted (its receipt came relayed): nothing more is asked.
    t.receipted.set('C', 12);
    t.receipted.set('B', 12);
    t.clock.advance(60_000);
    t.relays.tick();
    expect(t.asked.B).toHaveLength(1);
  });

  it("asks nothing while the party's own stream is open, for receipts alone, or with no other stream", () => {
    const t = setup();
    t.own(3, 'receipt');
    t.attach('B');
    t.relays.tick();
    expect(t.asked.B).toEqual([]); // a receipt of ours draws no receipt
    t.own(4);
    const detachC = t.attach('C');
    t.relays.tick();
    expect(t.asked.B).toEqual([]); // C pushes its entries itself
    expect(t.asked.C).toEqual([]); // and B's come on B's stream
    detachC();
    t.relays.tick();
    expect(t.asked.B.map((w) => w.author)).toEqual(['C']);
  });

  it('a second stream of the same peer closing leaves the first one asked (and the party with two streams never asked for)', () => {
    const t = setup();
    const second: Want[] = [];
    t.attach('B');
    const detachSecond = t.streams.attach('B', (w) => second.push(w));
    t.own(4);
    t.relays.tick();
    expect([t.asked.B.length, second.length]).toEqual([0, 1]); // the newest stream of B
    detachSecond();
    t.clock.advance(60_000);
    t.relays.tick();
    expect(t.asked.B.map((w) => w.author)).toEqual(['C']); // B's first stream is still open: asked there
    // C with two streams open, one closed: still open, so never asked for.
    const c1 = t.attach('C');
    const c2 = t.streams.attach('C', () => {});
    c1();
    t.clock.advance(60_000);
    t.relays.tick();
    expect(t.asked.B).toHaveLength(1);
    c2();
    t.relays.tick();
    expect(t.asked.B).toHaveLength(2);
  });

  it("backs off while nothing changes, up to the maximum, and asks at once when the party's log grows or more is due", () => {
    const t = setup();
    t.attach('B');
    t.own(5);
    const times: number[] = [];
    for (let s = 0; s < 200; s++) {
      const before = t.asked.B.length;
      t.relays.tick();
      if (t.asked.B.length > before) times.push(s);
      t.clock.advance(1000);
    }
    const gaps = times.slice(1).map((x, i) => x - times[i]!);
    expect(gaps.slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
    expect(Math.max(...gaps)).toBe(RELAY_ASK_MAX_MS / 1000);
    // C's log grew here (something came relayed): asked again at once, from the new head.
    const n = t.asked.B.length;
    t.held.set('C', 3);
    t.relays.tick();
    expect(t.asked.B.slice(n)).toEqual([{ channel: CH, author: 'C', fromSeq: 4, toSeq: 3 + BATCH_MAX }]);
    // A new own message: at once too.
    t.own(6);
    t.relays.tick();
    expect(t.asked.B).toHaveLength(n + 2);
  });
});

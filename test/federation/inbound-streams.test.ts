/**
 * The one registry of the peers' streams open to this terminal (federation/inbound-streams.ts),
 * read by the reconciler, the relay wants, the line state and the pull fallback; and a peer that
 * cannot reach this terminal, while this terminal reaches it: the line is degraded, not up
 * (link-state.ts).
 */
import { expect, it } from 'vitest';
import { ManualClock } from '../../src/terminal/clock.js';
import { InboundStreams } from '../../src/terminal/federation/inbound-streams.js';
import { combineLine, inboundOverdue } from '../../src/terminal/federation/link-state.js';

it('counts a missing stream from the first question or the last close, and only past the grace', () => {
  const clock = new ManualClock(1_000);
  const inbound = new InboundStreams(clock);
  const overdue = (peer: string) => inboundOverdue(inbound.missingSince(peer), clock.now(), 30_000);
  expect(inbound.missingSince('CN')).toBe(1_000);
  clock.advance(29_999);
  expect(overdue('CN')).toBeUndefined();
  clock.advance(1);
  expect(overdue('CN')).toBe(1_000);
  // Two streams open; one closing leaves the other.
  const a = inbound.attach('CN', () => {});
  const b = inbound.attach('CN', () => {});
  expect(inbound.missingSince('CN')).toBeUndefined();
  expect(inbound.isOpen('CN')).toBe(true);
  a();
  a(); // twice changes nothing
  clock.advance(60_000);
  expect(overdue('CN')).toBeUndefined();
  b();
  const closedAt = clock.now();
  expect(inbound.isOpen('CN')).toBe(false);
  expect(inbound.missingSince('CN')).toBe(closedAt);
  clock.advance(30_000);
  expect(overdue('CN')).toBe(closedAt);
  // Another peer is counted on its own.
  expect(inbound.missingSince('RU')).toBe(clock.now());
});

it('asks on the newest open stream; the older closing leaves the newer, the newer closing falls back to the older', () => {
  const inbound = new InboundStreams(new ManualClock(0));
  const sent: string[] = [];
  const want = { channel: 'c', author: 'A', fromSeq: 1, toSeq: 2 };
  expect(inbound.ask('CN')).toBeUndefined();
  const older = inbound.attach('CN', () => sent.push('older'));
  const newer = inbound.attach('CN', () => sent.push('newer'));
  inbound.ask('CN')?.(want);
  older(); // a reconnection: the old stream's close is seen after the new one said hello
  inbound.ask('CN')?.(want);
  expect(sent).toEqual(['newer', 'newer']);
  const again = inbound.attach('CN', () => sent.push('third'));
  again();
  inbound.ask('CN')?.(want);
  expect(sent.at(-1)).toBe('newer');
  newer();
  expect(inbound.ask('CN')).toBeUndefined();
});

it('tells its listeners when a stream opens, once it can be asked', () => {
  const inbound = new InboundStreams(new ManualClock(0));
  const seen: Array<[string, boolean]> = [];
  const off = inbound.onOpen((peer) => seen.push([peer, inbound.ask(peer) !== undefined]));
  const close = inbound.attach('CN', () => {});
  close(); // closes are not announced
  inbound.attach('RU', () => {});
  off();
  inbound.attach('CN', () => {});
  expect(seen).toEqual([
    ['CN', true],
    ['RU', true],
  ]);
});

it('says degraded, and why, when the peer has had no stream here past the grace while the outbound one is up', () => {
  const up = { state: 'up' as const, since: 1_000, reason: null };
  const line = combineLine({ ...up, inboundMissingSince: 5_000 }, [{ channel: 'a'.repeat(64), state: 'up', since: 2_000 }]);
  expect(line.state).toBe('degraded');
  expect(line.since).toBe(5_000);
  expect(line.reason).toMatch(/no stream to this terminal.*fetched over this terminal's own connection.*reachable from the peer/);
  // Down and refusing still say so first; without a missing stream the line is up.
  expect(combineLine({ ...up, inboundMissingSince: 5_000 }, [{ channel: 'a'.repeat(64), state: 'down', since: 2_000 }]).state).toBe('down');
  expect(combineLine({ state: 'connecting', since: 1_000, reason: 'x', inboundMissingSince: 5_000 }, []).state).toBe('connecting');
  expect(combineLine({ ...up, inboundMissingSince: undefined }, []).state).toBe('up');
  // The other way round: this terminal cannot reach the peer, the peer's stream to it is up.
  const oneWay = combineLine({ state: 'down', since: 7_000, reason: 'no TLS handshake within 6000 ms', inboundOpen: true }, []);
  expect(oneWay).toMatchObject({ state: 'degraded', since: 7_000 });
  expect(oneWay.reason).toMatch(/cannot reach the peer \(no TLS handshake within 6000 ms\); the peer's own stream to this terminal is up/);
  expect(combineLine({ state: 'down', since: 7_000, reason: 'x', inboundOpen: false }, []).state).toBe('down');
});

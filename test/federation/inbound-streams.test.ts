/**
 * A peer that cannot reach this terminal, while this terminal reaches it: the line is degraded,
 * not up (federation/inbound-streams.ts, link-state.ts).
 */
import { expect, it } from 'vitest';
import { ManualClock } from '../../src/terminal/clock.js';
import { InboundStreams } from '../../src/terminal/federation/inbound-streams.js';
import { combineLine } from '../../src/terminal/federation/link-state.js';

it('counts a missing stream from the first question or the last close, and only past the grace', () => {
  const clock = new ManualClock(1_000);
  const inbound = new InboundStreams(clock, 30_000);
  expect(inbound.missingSince('CN')).toBe(1_000);
  clock.advance(29_999);
  expect(inbound.overdueSince('CN')).toBeUndefined();
  clock.advance(1);
  expect(inbound.overdueSince('CN')).toBe(1_000);
  // Two streams open; one closing leaves the other.
  const a = inbound.attach('CN');
  const b = inbound.attach('CN');
  expect(inbound.missingSince('CN')).toBeUndefined();
  a();
  a(); // twice changes nothing
  clock.advance(60_000);
  expect(inbound.overdueSince('CN')).toBeUndefined();
  b();
  const closedAt = clock.now();
  expect(inbound.missingSince('CN')).toBe(closedAt);
  clock.advance(30_000);
  expect(inbound.overdueSince('CN')).toBe(closedAt);
  // Another peer is counted on its own.
  expect(inbound.missingSince('RU')).toBe(clock.now());
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

/**
 * How long a dial to a peer may take (connect-deadline.ts, docs/protocol.md §12 "Heartbeats"): 3 s for the
 * upgrade and 6 s for TCP and TLS at first and whenever nothing says the path is slow; doubled
 * after a dial timed out on a path that answers slowly, up to a ceiling; after a stream measured
 * its round trip, twice the heartbeat's retransmission timeout.
 */
import { describe, expect, it } from 'vitest';
import { CONNECT_DEADLINE_MAX_MS, CONNECT_DEADLINE_MS, nextConnectDeadline, slowDial } from '../../src/terminal/federation/connect-deadline.js';

describe('the connect deadline of a peer link', () => {
  it('stays at its floor while dials fail for a reason that is not slowness (refused, silent, pin)', () => {
    let d = CONNECT_DEADLINE_MS;
    for (let i = 0; i < 10; i++) d = nextConnectDeadline(d, { slowPath: false });
    expect(d).toBe(3000);
  });

  it('doubles after each dial that timed out on a slow path, up to its ceiling', () => {
    const seen: number[] = [];
    let d = CONNECT_DEADLINE_MS;
    for (let i = 0; i < 6; i++) seen.push((d = nextConnectDeadline(d, { slowPath: true })));
    expect(seen).toEqual([6000, 12_000, 20_000, 20_000, 20_000, 20_000]);
    expect(CONNECT_DEADLINE_MAX_MS).toBe(20_000);
  });

  it('follows the round trip a stream measured: a 4 s path keeps a deadline it can meet, a LAN goes back to the floor', () => {
    // Round trip 4 s ± 0.5 s: the upgrade (one round trip) gets 2·(4 + 2) = 12 s.
    expect(nextConnectDeadline(20_000, { slowPath: false, rtt: { srtt: 4000, rttvar: 500 } })).toBe(12_000);
    // A stream on a LAN after a slow spell: back to the floor, so a frozen peer is given up on within seconds again.
    expect(nextConnectDeadline(12_000, { slowPath: false, rtt: { srtt: 2, rttvar: 1 } })).toBe(3000);
    // A 30 s round trip: the ceiling (the heartbeat's own ceiling is 60 s).
    expect(nextConnectDeadline(3000, { slowPath: true, rtt: { srtt: 30_000, rttvar: 0 } })).toBe(20_000);
  });

  it('counts as slow only a dial that timed out after the path answered, or after a slow TCP connection', () => {
    const timeout = (tcpConnectMs?: number, bytesReceived = 0) => Object.assign(new Error('no TLS handshake'), { code: 'FED_TIMEOUT', tcpConnectMs, bytesReceived });
    expect(slowDial(new Error('Opening handshake has timed out'))).toBe(true);
    expect(slowDial(timeout(2500))).toBe(true);
    // A narrow line: TCP at once, the server's handshake records arriving slowly.
    expect(slowDial(timeout(2, 1200))).toBe(true);
    // TCP at once, then silence: a frozen peer (or a stalled middlebox); no TCP at all; refused; a wrong key.
    expect(slowDial(timeout(2))).toBe(false);
    expect(slowDial(timeout(undefined))).toBe(false);
    expect(slowDial(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(slowDial(Object.assign(new Error('presented key ...'), { code: 'FED_PIN_MISMATCH' }))).toBe(false);
  });
});

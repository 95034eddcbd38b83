/**
 * How long this terminal's dial to a peer may take (peer-link.ts; docs/protocol.md §12,
 * "Heartbeats"): the opening handshake's deadline, which grows on a path that answers slowly and
 * follows the round trip a stream measured. Pure.
 */
/**
 * Deadline of a dial's opening handshake (the upgrade request; TCP and TLS before it get twice
 * this): the first dial's, and never less. A path too slow for it (a round trip of about 3 s or
 * more) is given more: see {@link nextConnectDeadline}.
 */
export const CONNECT_DEADLINE_MS = 3000;
/** The most a dial's opening handshake is given (TCP and TLS twice this): round trips up to about 10 s. */
export const CONNECT_DEADLINE_MAX_MS = 20_000;
/**
 * A TCP connection that took this long (ms) or more is itself a slow round trip (or a lost SYN):
 * a TLS handshake not finished after it counts as a slow path. A TCP connection made at once and
 * then silence is a frozen or absent peer behind something that accepts (no reason to wait longer).
 */
export const SLOW_TCP_CONNECT_MS = 1000;

/**
 * The deadline of the next dial after one ended (docs/protocol.md §12, "Heartbeats"). A dial that
 * timed out on a path that answers slowly ({@link slowDial}) doubles it: the peer is there behind a
 * slow path (satellite, a congested long haul), and a deadline shorter than its round trip would
 * fail every attempt for ever. Any other end (refused, unreachable, silence after a quick TCP
 * connection: a frozen peer, whose restore must be seen within seconds) leaves it. A stream that
 * opened and measured its round trip sets it to twice the heartbeat's retransmission timeout
 * (SRTT + 4·RTTVAR): the upgrade takes one round trip. Always between {@link CONNECT_DEADLINE_MS}
 * and {@link CONNECT_DEADLINE_MAX_MS}.
 */
export function nextConnectDeadline(current: number, ended: { slowPath: boolean; rtt?: { srtt: number; rttvar: number } }): number {
  const clamp = (ms: number) => Math.round(Math.min(CONNECT_DEADLINE_MAX_MS, Math.max(CONNECT_DEADLINE_MS, ms)));
  if (ended.rtt) return clamp(2 * (ended.rtt.srtt + 4 * ended.rtt.rttvar));
  if (ended.slowPath) return clamp(2 * current);
  return clamp(current);
}

/**
 * Whether a dial failed with `err` because its path answers slowly: the upgrade (asked once TLS was
 * through and the pin matched) not answered in time (ws: "Opening handshake has timed out"), or the
 * TLS handshake not finished after a TCP connection that took {@link SLOW_TCP_CONNECT_MS} or more,
 * or after the server had begun to answer it (a narrow line: at 500 B/s the handshake's 4 KB take
 * 8 s) (tls/pinned-client.ts: FED_TIMEOUT with its `tcpConnectMs` and `bytesReceived`).
 */
export function slowDial(err: Error & { code?: string; tcpConnectMs?: number; bytesReceived?: number }): boolean {
  if (/handshake has timed out/.test(err.message)) return true;
  if (err.code !== 'FED_TIMEOUT' || err.tcpConnectMs === undefined) return false;
  return err.tcpConnectMs >= SLOW_TCP_CONNECT_MS || (err.bytesReceived ?? 0) > 0;
}

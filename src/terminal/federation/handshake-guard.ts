/**
 * TLS handshakes on the federation face: how long one may take, and how many one address may
 * hold open (docs/security.md, "Federation limits").
 *
 * A fixed short deadline for the whole handshake shut out a peer on a narrow line for ever: at
 * 400 B/s the handshake's few kilobytes (the client's hello, the server's flight with its
 * certificate, the client's certificate and finish) take longer than 10 s, so such a peer could
 * never connect, however long it waited (its own dial deadline grows: connect-deadline.ts). Now:
 *  - a connection whose client has sent **nothing** within `handshakeTimeoutMs` (default 10 s) is
 *    cut: a port scan, a frozen client, a middlebox that accepted and went silent;
 *  - a handshake under way (its client began it) may take up to `handshakeMaxMs` in all (default
 *    40 s: the longest a terminal's own dial waits for TCP and TLS, connect-deadline.ts);
 *  - one remote address holds at most `maxHandshakesPerAddress` handshakes under way at once
 *    (default 16); a connection beyond that is closed at once, so the longer deadline cannot be
 *    turned into many held connections from one place. A paired terminal needs a few at most (its
 *    stream, a pull, a retry).
 * The pinned-key check is unchanged: it runs once the handshake is through (pinned-server.ts).
 */
import type { Server, Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { FED_CODES } from './limits.js';

export interface HandshakeLimits {
  /** A client that has sent nothing of its handshake in this long is cut, ms. */
  readonly handshakeTimeoutMs: number;
  /** The whole handshake, once begun, ms (given to Node's server as `handshakeTimeout`). */
  readonly handshakeMaxMs: number;
  /** Handshakes under way at once from one remote address. */
  readonly maxHandshakesPerAddress: number;
}

/** Refusals of one address are logged once per this window, with the count since. */
const LOG_WINDOW_MS = 10_000;

/** Bounds the handshakes of `server` (a TLS server: its 'connection' sockets are the TCP connections). */
export function guardHandshakes(server: Server, limits: HandshakeLimits, log: FastifyBaseLogger): void {
  const underWay = new Map<string, number>();
  /** TCP connections not yet secure, by remote address and port (their TLS sockets report the same). */
  const byEndpoint = new Map<string, () => void>();
  const refusedLog = new Map<string, { at: number; count: number }>();
  const endpoint = (s: { remoteAddress?: string | undefined; remotePort?: number | undefined }) => `${s.remoteAddress ?? ''}|${s.remotePort ?? ''}`;

  server.on('connection', (raw: Socket) => {
    const address = raw.remoteAddress ?? '';
    const held = underWay.get(address) ?? 0;
    if (held >= limits.maxHandshakesPerAddress) {
      noteRefused(address);
      raw.destroy();
      return;
    }
    underWay.set(address, held + 1);
    const key = endpoint(raw);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(silent);
      if (byEndpoint.get(key) === finish) byEndpoint.delete(key);
      const n = (underWay.get(address) ?? 1) - 1;
      if (n <= 0) underWay.delete(address);
      else underWay.set(address, n);
    };
    const silent = setTimeout(() => {
      if (done || raw.bytesRead > 0) return;
      log.warn({ code: FED_CODES.tlsError, reason: 'no handshake begun', remote: address, ms: limits.handshakeTimeoutMs }, 'federation connection sent nothing; cut');
      raw.destroy();
    }, limits.handshakeTimeoutMs);
    silent.unref();
    byEndpoint.set(key, finish);
    raw.once('close', finish);
  });
  server.on('secureConnection', (tls: Socket) => {
    byEndpoint.get(endpoint(tls))?.();
  });

  function noteRefused(address: string): void {
    const now = Date.now();
    const seen = refusedLog.get(address);
    if (seen && now - seen.at < LOG_WINDOW_MS) {
      seen.count++;
      return;
    }
    refusedLog.set(address, { at: now, count: 0 });
    if (refusedLog.size > 1024) refusedLog.delete(refusedLog.keys().next().value as string);
    log.warn(
      { code: FED_CODES.tooManyHandshakes, remote: address, limit: limits.maxHandshakesPerAddress, refusedSinceLastLog: seen?.count ?? 0 },
      'too many TLS handshakes under way from one address; connection closed',
    );
  }
}

/**
 * What arrived from the network under a TLS socket, ciphertext included. A TLS socket counts
 * `bytesRead` only once a whole record is decrypted (up to 16 KiB): on a slow path (2 KB/s: 8 s a
 * record; HF radio: longer) a stream that is receiving all the time would look silent between
 * records, and the heartbeat (federation/heartbeat.ts) would cut it in the middle of a backlog,
 * again after each reconnection, for ever. Both ends therefore remember the TCP socket under each
 * TLS socket and judge liveness by its bytes.
 */
import type { Server, Socket } from 'node:net';

const under = new WeakMap<object, { readonly bytesRead: number }>();

/** Remembers that `raw` carries `tls` (the client's pinned agent, the server's connection listener). */
export function noteRawSocket(tls: object, raw: { readonly bytesRead: number }): void {
  under.set(tls, raw);
}

/** The bytes received under `socket`: its TCP socket when known, else the socket itself. */
export function receivedBytes(socket: { readonly bytesRead: number }): { readonly bytesRead: number } {
  return under.get(socket) ?? socket;
}

/**
 * On a TLS server: pairs each TLS socket with the TCP connection it came in on (both report the
 * same remote address and port), through the server's public 'connection' and 'secureConnection'
 * events.
 */
export function trackRawSockets(server: Server): void {
  const waiting = new Map<string, Socket>();
  const key = (s: { remoteAddress?: string | undefined; remotePort?: number | undefined }) => `${s.remoteAddress ?? ''}|${s.remotePort ?? ''}`;
  server.on('connection', (raw: Socket) => {
    const k = key(raw);
    waiting.set(k, raw);
    raw.once('close', () => {
      if (waiting.get(k) === raw) waiting.delete(k);
    });
  });
  server.on('secureConnection', (tls: Socket) => {
    const k = key(tls);
    const raw = waiting.get(k);
    if (!raw) return;
    waiting.delete(k);
    noteRawSocket(tls, raw);
  });
}

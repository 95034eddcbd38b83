import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * Closing a face (federation or officer API) ends every connection within `graceMs`, whatever
 * state it is in. Node's close waits for open connections, and once it is called it no longer
 * runs the header and request deadlines: a client in the middle of its TLS handshake, or one
 * dribbling its headers or a slow upload, would hold a shutdown (and with it the party's failover
 * to its next instance) for as long as it kept sending. Idle connections are closed at once
 * (Node), WebSockets are sent a close frame (1001, going away: {@link goingAway}); whatever is
 * still open after the grace is destroyed. Nothing is lost: a peer sends again what it was not answered for
 * (entries are idempotent), an officer's client retries with its idempotency key.
 */
export function cutConnectionsOnClose(app: FastifyInstance, graceMs: number): void {
  const open = new Set<Socket>();
  let grace: NodeJS.Timeout | undefined;
  app.server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  app.addHook('preClose', (done) => {
    grace = setTimeout(() => {
      for (const socket of open) socket.destroy();
    }, graceMs);
    grace.unref();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    clearTimeout(grace);
    done();
  });
}

/** The close code and reason every WebSocket of a face is sent when the terminal stops. */
export const GOING_AWAY = { code: 1001, reason: 'terminal stopping' } as const;

/**
 * The WebSocket plugin's preClose: each open WebSocket is sent a close frame with 1001 (going
 * away, RFC 6455 §7.4.1), so that a console, a gateway or a proxy in between can tell a terminal
 * stopping (reconnect, perhaps to the party's next instance) from a fault; the plugin's own sends
 * no code (1005 at the client).
 */
export function goingAway(this: FastifyInstance, done: () => void): void {
  const server = this.websocketServer;
  for (const client of server.clients) client.close(GOING_AWAY.code, GOING_AWAY.reason);
  // Not waiting for the clients' closing handshakes (the ws server's close would): the grace of
  // cutConnectionsOnClose ends whatever is left.
  server.close();
  done();
}

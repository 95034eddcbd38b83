import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { TerminalError } from './errors.js';

/**
 * TERMINAL_CLOSING for an officer request that reached a face while it closes: in HA mode
 * (`haInstance`) the instance is stepping down or stopping and another takes over within seconds.
 */
export function closingRefusal(haInstance?: string): () => Error {
  return () =>
    new TerminalError('TERMINAL_CLOSING', haInstance !== undefined
      ? { instance: `instance ${haInstance}, process ${process.pid}`, why: 'it has stepped down from its party\'s lease, or is stopping, and another instance takes over within seconds.', hint: 'Send the request again to the active instance (through the load balancer or `hotline ha proxy`, which routes to it), with the same Idempotency-Key when sending a message.' }
      : { instance: `process ${process.pid}`, why: 'it is stopping (or restarting).', hint: 'Send the request again once it is back (`hotline status`), with the same Idempotency-Key when sending a message.' });
}

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
export function cutConnectionsOnClose(app: FastifyInstance, graceMs: number, refusal?: () => Error): void {
  const open = new Set<Socket>();
  let grace: NodeJS.Timeout | undefined;
  let closing = false;
  // A request arriving on a connection still open while the face closes (a keep-alive one, one in
  // flight at a step-down) is answered with `refusal` (TERMINAL_CLOSING) through the face's error
  // handler, in the registry's shape: the face is built with return503OnClosing false, so Fastify's
  // bare {"statusCode":503} never goes out.
  if (refusal) {
    app.addHook('onRequest', async () => {
      if (closing) throw refusal();
    });
  }
  app.server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  app.addHook('preClose', (done) => {
    closing = true;
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

/**
 * GET /api/v1/events: the officers' live events over a WebSocket, one JSON frame per event
 * (api-schemas.ts ApiEvent, presented from the terminal's internal events by presenters.ts),
 * for the channels the caller may read. The socket is on the hot path of a busy line: each
 * event is presented and written as JSON once however many consoles listen, and the frames of
 * one commit leave in one write.
 */
import type { FastifyInstance } from 'fastify';
import type { BodyOf } from '../../protocol/index.js';
import { deadlineSec } from '../channels/projector.js';
import type { TerminalEvent } from '../events/event-bus.js';
import { mayRead } from './auth.js';
import { presentEvent } from './presenters.js';
import type { OfficerApiPorts } from './route-kit.js';

/**
 * How often the socket is pinged, ms. A console left open on a quiet line gets no frame for hours,
 * and a reverse proxy closes a connection idle for its timeout (nginx: 60 s): the console would
 * then reconnect over and over, and a FLASH arriving in a reconnection gap would wait for the
 * page's resync. The ping keeps it open, and a socket whose client stopped answering (a laptop
 * suspended, a half-open connection) is closed at the next ping instead of held for good.
 */
export const EVENTS_PING_MS = 25_000;

/** Options of {@link eventsRoute}. */
export type EventsRouteOptions = Pick<OfficerApiPorts, 'directory' | 'events' | 'now' | 'self'> & {
  /** How often the socket is pinged, ms (default EVENTS_PING_MS). */
  readonly pingMs?: number | undefined;
};

/** A frame: the channel it concerns (for the caller's scope) and its JSON text. */
interface Frame {
  readonly channel: string | undefined;
  readonly text: string;
}

/** Registers the events socket. */
export async function eventsRoute(app: FastifyInstance, opts: EventsRouteOptions): Promise<void> {
  const { directory } = opts;
  // A message's deadline as stored with it (channels/projector.ts): the charter in force's for its
  // precedence, or its format's when shorter, counted from its time (own) or from now (received).
  // None for a message written before this party was in the charter (history, awaiting nothing).
  const deadlineOf = (channel: string, body: BodyOf<'message'>, time: number, own: boolean, at: { author: string; seq: number }): number | undefined => {
    try {
      const log = directory.channel(channel);
      if (!own && log.addressedToAt(at.author, at.seq, opts.self.party) === false) return undefined;
      const charter = log.state(opts.now()).charter;
      return (own ? time : opts.now()) + deadlineSec(charter.ackDeadlineSec[body.precedence], body, (hash) => log.formatDefinition(hash)) * 1000;
    } catch {
      return undefined;
    }
  };
  // Each event is presented and written as JSON once, however many consoles are listening;
  // `null` marks an event that is not for officers (the terminal's own plumbing).
  const frames = new WeakMap<TerminalEvent, Frame | null>();
  const frameOf = (e: TerminalEvent): Frame | null => {
    let frame = frames.get(e);
    if (frame === undefined) {
      const presented = presentEvent(e, deadlineOf);
      frame = presented ? { channel: 'channel' in presented ? presented.channel : undefined, text: JSON.stringify(presented) } : null;
      frames.set(e, frame);
    }
    return frame;
  };

  app.get(
    '/api/v1/events',
    { websocket: true, config: { permission: 'channel.read' }, schema: { summary: 'Live events: entries, state changes, alarms, escalations (WebSocket; frames as ApiEvent in api-schemas.ts), for the channels the caller may read' } },
    (socket, request) => {
      // A commit of many entries emits one event each, synchronously: the frames written meanwhile
      // leave in one write to the socket (corked until the end of this turn of the event loop), not
      // one system call per event (measured: 10 to 13% of a terminal's main thread at 4,000 msg/s).
      const tcp = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
      let corked = false;
      const cork = () => {
        if (corked || !tcp) return;
        corked = true;
        tcp.cork();
        process.nextTick(() => {
          corked = false;
          tcp.uncork();
        });
      };
      const unsubscribe = opts.events.onAny((e) => {
        if (socket.readyState !== socket.OPEN) return;
        const frame = frameOf(e);
        if (frame === null) return;
        if (frame.channel !== undefined && !mayRead(request.principal, frame.channel)) return;
        cork();
        socket.send(frame.text);
      });
      // Pinged while open; no pong since the last ping: the client is gone, the socket closed.
      let answered = true;
      socket.on('pong', () => (answered = true));
      const keepalive = setInterval(() => {
        if (!answered) {
          socket.terminate();
          return;
        }
        answered = false;
        socket.ping();
      }, opts.pingMs ?? EVENTS_PING_MS);
      keepalive.unref();
      socket.on('close', () => {
        clearInterval(keepalive);
        unsubscribe();
      });
    },
  );
}

/**
 * Slow clients, for the tests that check a server cuts them (federation and officer API attacks):
 * a bound on waiting for something the server should do, and a socket that dribbles its bytes.
 */
import type { Socket } from 'node:net';

/** `p`, or a rejection saying `failure` if it has not settled within `ms` (a hang fails as itself). */
export function within<T>(p: Promise<T>, ms: number, failure: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(failure)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Writes `text` to `socket` one character every `everyMs` until stopped, the text ends or the socket is gone. */
export function dribble(socket: Socket, text: string, everyMs: number): { stop(): void; readonly sent: number } {
  let sent = 0;
  const timer = setInterval(() => {
    if (!socket.destroyed && sent < text.length) socket.write(text[sent++]!);
  }, everyMs);
  return {
    stop: () => clearInterval(timer),
    get sent() {
      return sent;
    },
  };
}

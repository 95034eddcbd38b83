import type { FastifyInstance } from 'fastify';
import { TerminalError } from './errors.js';

/**
 * Bodies are taken as sent, uncompressed: a request whose Content-Encoding names anything but
 * `identity` (gzip, br, deflate) is refused with 415 UNSUPPORTED_CONTENT_ENCODING before its body
 * is read. Without this the compressed bytes reached the JSON parser and the caller heard only
 * that the body was "not valid JSON", which sent them looking at the JSON.
 */
export function refuseContentEncoding(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request, the hot path included, and
  // almost always has nothing to do.
  app.addHook('onRequest', (request, _reply, done) => {
    const said = request.headers['content-encoding'];
    if (said === undefined) return done();
    const encodings = said.split(',').map((e) => e.trim().toLowerCase()).filter((e) => e !== '' && e !== 'identity');
    done(encodings.length > 0 ? new TerminalError('UNSUPPORTED_CONTENT_ENCODING', { detail: encodings.join(', ').slice(0, 60) }) : undefined);
  });
}

/**
 * The officer console (src/web, built by `vite build` into dist/web) served at /console/ as
 * public static content: fixed content types, no directory listings, no path outside the
 * console directory. The console itself holds no secret; everything it shows comes from the
 * officer API behind a session. Every route here is open.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { TerminalError } from '../errors.js';
import { distPath } from '../install-paths.js';

const TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
});

const HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});

/** dist/web of this package (the console's build). */
export function defaultConsoleDir(): string {
  return distPath('web');
}

/** Registers GET / and GET /console (redirects) and GET /console/* (files of `dir`). */
export async function consoleRoutes(app: FastifyInstance, opts: { dir?: string } = {}): Promise<void> {
  const root = resolve(opts.dir ?? defaultConsoleDir());

  const send = async (reply: FastifyReply, file: string, cache: string) => {
    const type = TYPES[extname(file).toLowerCase()];
    if (!type) throw new TerminalError('NOT_FOUND', { what: 'this address: no such file in the console' });
    void reply.headers({ ...HEADERS, 'content-type': type, 'cache-control': cache });
    return reply.send(createReadStream(file));
  };
  const isFile = async (p: string) => (await stat(p).catch(() => undefined))?.isFile() === true;

  app.get('/console', { config: { permission: 'open' }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
  // The officer API's address opened in a browser: the console, not a JSON refusal.
  app.get('/', { config: { permission: 'open' }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));

  app.get('/console/*', { config: { permission: 'open' }, schema: { hide: true } }, async (request, reply) => {
    const rel = (request.params as { '*'?: string })['*'] ?? '';
    // Refuse traversal and odd names outright rather than normalising them.
    if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((s) => s === '..' || s.startsWith('.')))
      throw new TerminalError('BAD_REQUEST', { detail: 'Bad console path: no "..", no hidden files, no backslashes. Open /console/.' });
    const index = join(root, 'index.html');
    if (!(await isFile(index)))
      throw new TerminalError('CONSOLE_NOT_BUILT');
    if (rel === '' || rel === 'index.html') return send(reply, index, 'no-cache');
    const file = resolve(root, rel);
    if (!file.startsWith(root + sep)) throw new TerminalError('BAD_REQUEST', { detail: 'Bad console path: no "..", no hidden files, no backslashes. Open /console/.' });
    if (await isFile(file)) return send(reply, file, rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    // A console screen reloaded in the browser (no extension): the single page.
    if (extname(rel) === '') return send(reply, index, 'no-cache');
    throw new TerminalError('NOT_FOUND', { what: 'this address: no such file in the console' });
  });
}

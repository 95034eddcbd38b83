/**
 * Every layer's error codes (docs/errors.md): documented, each answering over HTTP with the status
 * chosen for it, and never the generic 500 INTERNAL for a known error.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ERRORS } from '../../src/cli/errors.js';
import { HotlineProtocolError, PROTOCOL_ERRORS, protocolError, type ErrorRegistry, type HttpAnswer } from '../../src/protocol/index.js';
import { STORE_ERRORS, StoreError } from '../../src/store/index.js';
import { apiErrorHandler, TERMINAL_ERRORS, TerminalError, toApiError, type TerminalErrorCode } from '../../src/terminal/errors.js';
import { IDENTITY_HTTP, PROTOCOL_HTTP, STORE_HTTP } from '../../src/terminal/http-answers.js';
import { IDENTITY_ERRORS, IdentityError } from '../../src/terminal/identity/errors.js';
import { PG_URL } from '../store/backends.js';
import { officerFixture, TOKEN, type OfficerFixture } from '../officers/fixture.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** Rows `| \`CODE\` | status | meaning |` of the docs/errors.md section titled `title`. */
function documented(title: string): Map<string, string> {
  const start = doc.indexOf(`\n## ${title}\n`);
  expect(start, `docs/errors.md has a section "${title}"`).toBeGreaterThan(0);
  const end = doc.indexOf('\n## ', start + 1);
  const rows = new Map<string, string>();
  for (const m of doc.slice(start, end < 0 ? undefined : end).matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \| (.+) \|$/gm)) {
    expect(m[3]!.trim().length, `${m[1]} has a meaning`).toBeGreaterThan(10);
    expect(rows.has(m[1]!), `${m[1]} is listed once`).toBe(false);
    rows.set(m[1]!, m[2]!.trim());
  }
  return rows;
}

const statusText = (s: number | undefined) => (s === undefined ? '—' : String(s));

/** Every code of every layer that can answer an HTTP request, as the error it is thrown as. */
const KNOWN: ReadonlyArray<{ code: string; answer: HttpAnswer; error: Error }> = [
  ...TERMINAL_ERRORS.codes.flatMap((code) => {
    const spec = TERMINAL_ERRORS.specs[code] as { status?: number; fault?: string };
    if (spec.status === undefined) return [];
    return [{ code, answer: spec as HttpAnswer, error: new TerminalError(code as TerminalErrorCode, { detail: 'the field "x" is wrong.' }) }];
  }),
  ...PROTOCOL_ERRORS.codes.map((code) => ({ code, answer: PROTOCOL_HTTP[code], error: new HotlineProtocolError(protocolError(code, { author: 'US', seq: 3 })) })),
  ...STORE_ERRORS.codes.map((code) => ({ code, answer: STORE_HTTP[code], error: new StoreError(code, { backend: 'PostgreSQL', where: 'postgres://hotline@db.internal.example/hotline', detail: 'secret-detail' }) })),
  ...IDENTITY_ERRORS.codes.map((code) => ({ code, answer: IDENTITY_HTTP[code], error: new IdentityError(code, { dir: '/srv/hotline/secret-dir', file: '/srv/hotline/secret-dir/keys.json', detail: 'secret-detail' }) })),
];

/** A Fastify instance with the officer API's error handler and a route throwing `thrown`. */
async function throwing(thrown: () => unknown): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setErrorHandler(apiErrorHandler('officer', 'test API'));
  app.get('/fail', async () => {
    throw thrown();
  });
  await app.ready();
  return app;
}

describe('error registries and docs/errors.md', () => {
  const sections: Array<[string, ErrorRegistry, (code: string) => string]> = [
    ['Terminal', TERMINAL_ERRORS, (c) => statusText((TERMINAL_ERRORS.specs as Record<string, { status?: number }>)[c]!.status)],
    ['Store', STORE_ERRORS, (c) => statusText(STORE_HTTP[c as keyof typeof STORE_HTTP].status)],
    ['Identity', IDENTITY_ERRORS, (c) => statusText(IDENTITY_HTTP[c as keyof typeof IDENTITY_HTTP].status)],
    ['Protocol codes over HTTP', PROTOCOL_ERRORS, (c) => statusText(PROTOCOL_HTTP[c as keyof typeof PROTOCOL_HTTP].status)],
    ['CLI', CLI_ERRORS, (c) => String(CLI_ERRORS.specs[c as keyof typeof CLI_ERRORS.specs].exit)],
  ];

  for (const [title, registry, status] of sections) {
    it(`documents every ${registry.layer} code with its status in "${title}", and nothing else`, () => {
      const rows = documented(title);
      expect([...rows.keys()].sort()).toEqual([...registry.codes].sort());
      for (const code of registry.codes) expect(rows.get(code), code).toBe(status(code));
    });
  }

  it('keeps codes unique across layers, so a code alone names its meaning', () => {
    const all = [TERMINAL_ERRORS, STORE_ERRORS, IDENTITY_ERRORS, PROTOCOL_ERRORS, CLI_ERRORS].flatMap((r) => r.codes);
    expect(all.filter((c, i) => all.indexOf(c) !== i)).toEqual([]);
  });

  it('fills every placeholder, and every message ends as a sentence', () => {
    for (const registry of [TERMINAL_ERRORS, STORE_ERRORS, IDENTITY_ERRORS, CLI_ERRORS] as ErrorRegistry[]) {
      for (const code of registry.codes) {
        const names = [...registry.specs[code]!.message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        const text = registry.format(code, Object.fromEntries(names.map((n) => [n, `<${n}>`])));
        expect(text, code).not.toMatch(/\{\w+\}/);
        // Messages ending with a hint or another layer's message (itself a sentence) are checked where they are raised.
        if (/\{(hint|detail)\}$/.test(registry.specs[code]!.message)) continue;
        expect(text.trim(), code).toMatch(/[.!)]$/);
      }
    }
  });

  it('names only codes of a registry in the source: no bare string code', () => {
    const registered = new Set([TERMINAL_ERRORS, STORE_ERRORS, IDENTITY_ERRORS, PROTOCOL_ERRORS, CLI_ERRORS].flatMap((r) => r.codes as readonly string[]));
    const root = new URL('../../src/', import.meta.url);
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f) && !f.startsWith('web'));
    const bare: string[] = [];
    for (const file of files) {
      const text = readFileSync(new URL(file, root), 'utf8');
      for (const m of text.matchAll(/\bcode: '([A-Z][A-Z0-9]*_[A-Z0-9_]+)'|'((?:FED|STORE|IDENTITY|CLI|AUTH|LINK)_[A-Z0-9_]+)'/g)) {
        const code = m[1] ?? m[2]!;
        if (!registered.has(code)) bare.push(`${file}: ${code}`);
      }
    }
    expect(bare).toEqual([]);
  });
});

describe('HTTP answers of known errors', () => {
  it('answers every code of every layer with its chosen status and code, never 500 unless the terminal is at fault', async () => {
    let current: Error = new Error('unset');
    const app = await throwing(() => current);
    const wrong: string[] = [];
    for (const k of KNOWN) {
      current = k.error;
      const res = await app.inject({ method: 'GET', url: '/fail' });
      const body = res.json() as { code: string; message: string };
      if (res.statusCode !== k.answer.status || body.code !== k.code || body.message !== k.error.message) wrong.push(`${k.code}: ${res.statusCode} ${body.code}`);
      if (res.statusCode >= 500 && !k.answer.fault) wrong.push(`${k.code}: ${res.statusCode} without saying why the terminal is at fault`);
      if (body.code === 'INTERNAL' && k.code !== 'INTERNAL') wrong.push(`${k.code} answered as INTERNAL`);
    }
    await app.close();
    expect(wrong).toEqual([]);
    expect(KNOWN.length).toBe(TERMINAL_ERRORS.codes.filter((c) => (TERMINAL_ERRORS.specs as Record<string, { status?: number }>)[c]!.status !== undefined).length + PROTOCOL_ERRORS.codes.length + STORE_ERRORS.codes.length + IDENTITY_ERRORS.codes.length);
  });

  it('tells a peer only why a 5xx is the terminal\'s fault, never its database address or files', () => {
    for (const k of KNOWN) {
      const peer = toApiError(k.error, 'peer');
      expect(peer.status, k.code).toBe(k.answer.status);
      expect(peer.code).toBe(k.code);
      if (k.answer.fault !== undefined) {
        expect(peer.message).toBe(k.answer.fault);
        expect(peer.message).not.toMatch(/db\.internal|secret-dir|secret-detail/);
      }
    }
    expect(toApiError(new StoreError('STORE_UNREACHABLE', { backend: 'PostgreSQL', where: 'postgres://hotline@db.internal.example/hotline', detail: 'ECONNREFUSED' }), 'officer').message).toContain('db.internal.example');
  });

  it('answers an error no registry knows with 500 INTERNAL and a generic message', async () => {
    const app = await throwing(() => new Error('boom at /srv/hotline/secret-dir'));
    const res = await app.inject({ method: 'GET', url: '/fail' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ code: 'INTERNAL', message: TERMINAL_ERRORS.format('INTERNAL') });
    expect(res.body).not.toContain('secret-dir');
    await app.close();
  });
});

describe('database driver errors at the edge', () => {
  it('answers a SQLite constraint violation 409 STORE_CONFLICT and a busy database 503 STORE_BUSY', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'hotline-errors-')), 'db.sqlite');
    const holder = new Database(file);
    const other = new Database(file);
    try {
      holder.exec('create table t (k text primary key)');
      holder.prepare('insert into t values (?)').run('a');
      other.pragma('busy_timeout = 0'); // fail at once instead of waiting for the lock
      const app = await throwing(() => {
        try {
          other.prepare('insert into t values (?)').run('a');
        } catch (e) {
          return e;
        }
        return new Error('no constraint violation');
      });
      let res = await app.inject({ method: 'GET', url: '/fail' });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'STORE_CONFLICT' });
      expect(res.json<{ message: string }>().message).toMatch(/SQLITE_CONSTRAINT.*nothing was written/);

      holder.exec('begin exclusive');
      res = await app.inject({ method: 'GET', url: '/fail' });
      holder.exec('rollback');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'STORE_BUSY' });
      await app.close();
    } finally {
      other.close();
      holder.close();
    }
  });

  it('answers a PostgreSQL unique violation 409 STORE_CONFLICT', async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query('create temporary table hotline_errors_t (k text primary key)');
      await client.query("insert into hotline_errors_t values ('a')");
      const failure = await client.query("insert into hotline_errors_t values ('a')").then(
        () => new Error('no constraint violation'),
        (e: unknown) => e,
      );
      const app = await throwing(() => failure);
      const res = await app.inject({ method: 'GET', url: '/fail' });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'STORE_CONFLICT' });
      await app.close();
    } finally {
      await client.end();
    }
  });

  it('answers a PostgreSQL connection ended under a query (pg_terminate_backend, a failover) 503 STORE_UNREACHABLE, not INTERNAL', async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    client.on('error', () => {});
    await client.connect();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      const running = client.query('select pg_sleep(5)').then(
        () => new Error('the query was not cut'),
        (e: unknown) => e,
      );
      await admin.query('select pg_terminate_backend($1)', [pid]);
      const cut = await running;
      // And the next query on the ended connection: the client's own words, no SQLSTATE.
      const after = await client.query('select 1').then(
        () => new Error('the ended connection answered'),
        (e: unknown) => e,
      );
      for (const failure of [cut, after, new Error('Connection terminated unexpectedly'), new Error('Postgres connection has been discarded')]) {
        const answer = toApiError(failure);
        expect(answer, String(failure)).toMatchObject({ status: 503, code: 'STORE_UNREACHABLE' });
      }
    } finally {
      await admin.end();
      await client.end().catch(() => undefined);
    }
  });

  it('leaves other errors with a code alone: a refused socket of some other client is not a store error', async () => {
    const e = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    expect(toApiError(e)).toMatchObject({ status: 500, code: 'INTERNAL' });
  });
});

describe('the officer API answers what the framework refuses with registered codes', () => {
  let f: OfficerFixture;
  beforeAll(async () => {
    f = await officerFixture();
  });
  afterAll(async () => f.close());

  it('404 NOT_FOUND for an unknown route, 415 for a wrong content type, 400 for unreadable JSON', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const missing = await f.app.inject({ method: 'GET', url: '/api/v1/no-such-thing', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect(missing.json<{ message: string }>().message).toContain('GET /api/v1/no-such-thing');

    const xml = await f.app.inject({ method: 'POST', url: `/api/v1/channels/${f.channel}/messages`, headers: { ...auth, 'content-type': 'application/xml' }, payload: '<m/>' });
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });

    const broken = await f.app.inject({ method: 'POST', url: `/api/v1/channels/${f.channel}/messages`, headers: { ...auth, 'content-type': 'application/json' }, payload: '{"text": ' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

/**
 * The authorisation matrix, generated from the routes themselves: every officer-API route the
 * server registers, with the permission it declares beside its schema (auth.ts registeredRoutes),
 * against every kind of caller (anonymous, the host credential, the metrics token, and a signed-in
 * officer of each role), expecting allow or deny exactly as
 * permissions.ts PERMISSIONS says. A denial must be 401 for the anonymous caller and 403
 * FORBIDDEN naming the missing permission for an officer; the metrics token reads GET /metrics
 * and every other route refuses it, 403 METRICS_TOKEN_ONLY (open pages excepted); an allowed call may still fail for
 * other reasons (a bad body, a channel state), but never with an authorisation error.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/protocol/index.js';
import { officerAuth, registeredRoutes, type RoutePermission } from '../../src/terminal/officer-api/auth.js';
import { PERMISSIONS } from '../../src/terminal/officers/permissions.js';
import { METRICS_TOKEN, officerFixture, type Console, type OfficerFixture } from './fixture.js';

const AUTH_CODES = new Set(['METRICS_TOKEN_ONLY', 'FORBIDDEN', 'AUTH_REQUIRED', 'UNAUTHORISED', 'AUTH_CSRF', 'AUTH_SESSION_ENDED', 'AUTH_SESSION_EXPIRED']);

type Caller = { kind: 'anonymous' } | { kind: 'terminal' } | { kind: 'metrics' } | { kind: 'officer'; role: Role };

/** Expected outcome from the table alone. */
function expected(caller: Caller, permission: RoutePermission, route: { method: string; url: string }): 'allow' | 'deny' {
  if (permission === 'open') return 'allow';
  if (caller.kind === 'metrics') return route.method === 'GET' && route.url === '/metrics' ? 'allow' : 'deny';
  if (caller.kind === 'anonymous') return 'deny';
  if (caller.kind === 'terminal' || permission === 'authenticated') return 'allow';
  return PERMISSIONS[caller.role].includes(permission) ? 'allow' : 'deny';
}

/** A minimal body for each route (validity is not the point; authorisation is). */
function bodyFor(method: string, url: string, caller: string): unknown {
  if (method === 'GET') return undefined;
  if (url === '/api/v1/channels') return { title: { en: `Line by ${caller}` }, tier: 'working', parties: ['CN'] };
  if (url.endsWith('/messages')) return { text: `from ${caller}` };
  if (url === '/api/v1/formats/:name/check') return { fields: { phrase: 'understood' } };
  if (url.endsWith('/messages/batch')) return { messages: [{ text: `from ${caller}` }] };
  if (url === '/api/v1/channels/:id/amend') return { addFormats: ['standard-phrase'], reason: 'for the record' };
  if (/\/:ref\/(accept|endorse|confirm)$/.test(url)) return {};
  if (/\/(decline|withdraw|suspend|close|resume|accept|amend)$/.test(url) && !url.includes(':ref')) return { reason: 'for the record' };
  if (url === '/api/v1/peers') return { card: {}, fingerprint: 'x' };
  if (url === '/api/v1/keys/revocations') return { revocation: {} };
  if (url === '/api/v1/keys/rotations') return { cert: {} };
  if (url === '/api/v1/officers') return { name: `New ${caller}`, title: 'Clerk', roles: ['observer'] };
  if (url === '/api/v1/officers/:name') return { title: 'Retitled' };
  if (url === '/api/v1/auth/login') return { name: 'Nobody', password: 'wrong' };
  if (url === '/api/v1/auth/webauthn/login/options') return { name: 'Nobody' };
  if (url.endsWith('/drill-schedule')) return { enabled: false };
  // The dialogue (dialogue-routes.ts): a valid body for each act, naming an object that does not exist.
  if (url.endsWith('/issues')) return { title: { en: `Issue by ${caller}` }, category: 'trade' };
  if (url.endsWith('/positions')) return { text: `Position of ${caller}` };
  if (url.endsWith('/meetings')) return { title: { en: 'Call' }, kind: 'call', level: 'working', start: 2_000_000_000_000, end: 2_000_003_600_000, place: 'Telephone' };
  if (url.endsWith('/meetings/:ref/decline')) return { reason: 'Not that day.' };
  if (url.endsWith('/reschedule')) return { start: 2_000_000_000_000, end: 2_000_003_600_000, reason: 'Later.' };
  if (url.endsWith('/readouts')) return { text: 'We met.' };
  if (url.endsWith('/texts')) return { title: { en: 'Joint statement' }, type: 'joint-statement', content: { en: 'Draft.' } };
  if (url.endsWith('/texts/:ref/amend')) return { content: { en: 'Amended.' } };
  if (url.endsWith('/commitments')) return { owner: 'CN', what: 'Something.', due: 2_000_000_000_000 };
  if (url.endsWith('/commitments/:ref/update')) return { status: 'in-progress' };
  if (url.endsWith('/commitments/:ref/dispute')) return { reason: 'Not done.' };
  return {};
}

// Sign-out ends the caller's session, and so does signing in again from the same browser: last.
// Closing a channel changes what follows: late.
const ORDER = (url: string) => (url === '/api/v1/auth/logout' ? 3 : url === '/api/v1/auth/login' ? 2 : url.endsWith('/close') ? 1 : 0);

describe('authorisation matrix (every role x every officer-API route)', () => {
  let f: OfficerFixture;
  const consoles = new Map<Role, Console>();

  beforeAll(async () => {
    f = await officerFixture();
    await f.add('Target', ['observer']);
    for (const role of ROLES) consoles.set(role, await f.login(`Officer ${role}`, await f.add(`Officer ${role}`, [role])));
  });
  afterAll(async () => f?.close());

  const callers: Caller[] = [{ kind: 'anonymous' }, { kind: 'metrics' }, ...ROLES.map((role) => ({ kind: 'officer', role }) as Caller), { kind: 'terminal' }];

  it.each(callers)('$kind $role', async (caller) => {
    const routes = [...registeredRoutes(f.app)].sort((a, b) => ORDER(a.url) - ORDER(b.url));
    expect(routes.length).toBeGreaterThan(40);
    const label = caller.kind === 'officer' ? caller.role : caller.kind;
    const mismatches: string[] = [];
    for (const r of routes) {
      const url = r.url
        .replace('/channels/:id', `/channels/${f.channel}`)
        .replace('/messages/:id', `/messages/${f.cnMessage}`)
        .replace('/sessions/:id', '/sessions/deadbeefdeadbeef')
        .replace(':ref', 'abcdef')
        .replace(':name', 'Target');
      const body = bodyFor(r.method, r.url, label);
      const res =
        caller.kind === 'anonymous'
          ? await f.app.inject({ method: r.method as 'GET', url, ...(body !== undefined ? { payload: body as object } : {}) })
          : caller.kind === 'terminal'
            ? await f.host(r.method, url, body)
            : caller.kind === 'metrics'
              ? await f.app.inject({ method: r.method as 'GET', url, headers: { authorization: `Bearer ${METRICS_TOKEN}` }, ...(body !== undefined ? { payload: body as object } : {}) })
            : await consoles.get(caller.role)!.call(r.method, url, body);
      let code: string | undefined;
      let message = '';
      try {
        ({ code, message } = res.json() as { code?: string; message: string });
      } catch {
        // not JSON (e.g. an export): not an authorisation error
      }
      const want = expected(caller, r.permission, r);
      const denied = code !== undefined && AUTH_CODES.has(code);
      const where = `${r.method} ${r.url} [${r.permission}] -> ${res.statusCode} ${code ?? ''}`;
      if (want === 'allow' && denied) mismatches.push(`expected allow: ${where} ${message}`);
      if (want === 'deny') {
        if (caller.kind === 'anonymous' && res.statusCode !== 401) mismatches.push(`expected 401: ${where}`);
        if (caller.kind === 'metrics' && (res.statusCode !== 403 || code !== 'METRICS_TOKEN_ONLY')) mismatches.push(`expected 403 METRICS_TOKEN_ONLY: ${where}`);
        if (caller.kind === 'officer' && (res.statusCode !== 403 || code !== 'FORBIDDEN' || !message.includes(`"${r.permission}"`))) mismatches.push(`expected 403 naming the permission: ${where} ${message}`);
      }
    }
    expect(mismatches).toEqual([]);
    if (caller.kind === 'metrics' || caller.kind === 'terminal') {
      const metrics = caller.kind === 'metrics' ? await f.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } }) : await f.host('GET', '/metrics');
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toContain('# TYPE hotline_entries_in_total counter');
    }
  });

  it('refuses to register a route that names no permission (fail closed)', async () => {
    const app = Fastify();
    await app.register(officerAuth, { directory: f.t.a, messages: f.t.a, self: f.t.a.self, officers: f.officers, token: 'x' });
    expect(() => app.get('/api/v1/unlisted', async () => ({ secret: true }))).toThrow(/declares no permission/);
    // A channel's route checked against the terminal-wide roles would let a narrower grant on
    // that channel through: it must say what its :id names.
    expect(() => app.get('/api/v1/channels/:id/unscoped', { config: { permission: 'channel.read' } }, async () => ({ secret: true }))).toThrow(/declares no `config.scope`/);
    await app.close();
  });
});

describe('a refusal names the roles that would be allowed', () => {
  it('lists every role of the table that has the permission, for the admin to grant', async () => {
    const { forbidden } = await import('../../src/terminal/officers/permissions.js');
    expect(forbidden('officer "Lt Cdr Wang"', 'dialogue.endorse').message).toContain('Ask an admin to grant a role that has it (plenipotentiary)');
    expect(forbidden('officer "X"', 'message.send').message).toContain('(principal or duty-officer)');
    expect(forbidden('officer "X"', 'message.send:FLASH', ': duty-officer up to IMMEDIATE').message).toContain('duty-officer up to IMMEDIATE. Ask an admin to grant a role that has it (`hotline officer list`');
    expect(forbidden('officer "X"', 'audit.read').message).toContain('(admin)');
  });
});

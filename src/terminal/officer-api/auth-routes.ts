/**
 * /api/v1/auth/*: sign in and out of the console, the current session, list and revoke sessions,
 * passkey (WebAuthn) registration and sign-in options. Signing in is open to anyone; the rest
 * needs a signed-in caller ('authenticated'), and checks itself what a manager may do more.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { TerminalError } from '../errors.js';
import { csrfTokenFor, type OfficerService, type Principal } from '../officers/officer-service.js';
import { DEFAULT_PRECEDENCE_CAPS, PERMISSIONS, rolesOn, type PrecedenceCaps } from '../officers/permissions.js';
import { PRECEDENCES } from '../../protocol/index.js';
import * as Api from './api-schemas.js';
import { SESSION_COOKIE, actorOf } from './auth.js';

const Name = Type.String({ minLength: 1, maxLength: 100 });

function officerOf(request: FastifyRequest): Extract<Principal, { kind: 'officer' }> {
  const p = request.principal;
  if (p?.kind !== 'officer' || !p.session) throw new TerminalError('BAD_REQUEST', { detail: 'This needs a console session (sign in with POST /api/v1/auth/login); the terminal credential has no session.' });
  return p;
}

/** Routes that need a signed-in caller (and check themselves what a manager may do more). */
const signedIn = { permission: 'authenticated' } as const;

/** Sign-in routes: open to anyone, `max` attempts per address per minute (default 20). */
function signInConfig(max = 20) {
  return { permission: 'open', rateLimit: { max, timeWindow: '1 minute' } } as const;
}

/**
 * The largest sign-in body (64 KiB: a name, a password, a code or a passkey assertion fit many
 * times over). These routes are open to anyone who reaches the port, before any credential is
 * checked; the API's general limit (64 MiB, for batches and bundles) would let them make the
 * terminal read and parse that much per request.
 */
const SIGN_IN_BODY_LIMIT = 64 * 1024;

/** Registers the auth routes. */
export async function authRoutes(app: FastifyInstance, opts: { officers: OfficerService; loginRateLimit?: number; precedenceCaps?: PrecedenceCaps }): Promise<void> {
  const { officers } = opts;
  const caps = opts.precedenceCaps ?? DEFAULT_PRECEDENCE_CAPS;
  const limited = signInConfig(opts.loginRateLimit);

  app.post(
    '/api/v1/auth/login',
    {
      config: limited,
      bodyLimit: SIGN_IN_BODY_LIMIT,
      schema: {
        summary: 'Sign in: name, password and a second factor (TOTP code or passkey assertion); sets the session cookie',
        security: [],
        body: Type.Object({ name: Name, password: Type.String({ minLength: 1, maxLength: 1000 }), totp: Type.Optional(Type.String({ maxLength: 12 })), webauthn: Type.Optional(Type.Unknown()) }),
        response: { 200: Api.LoginResult },
      },
    },
    async (request, reply) => {
      const b = request.body as { name: string; password: string; totp?: string; webauthn?: AuthenticationResponseJSON };
      const s = await officers.login(b, { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' });
      // A session id the browser already holds is never adopted (no fixation); a live one is ended.
      const previous = request.cookies[SESSION_COOKIE];
      if (previous) {
        try {
          const old = await officers.authenticate(previous);
          await officers.logout(old.session, old.officer.name);
        } catch {
          // unknown or dead: nothing to end
        }
      }
      reply.setSession(s.sessionId, officers.policy.absoluteMs);
      return { officer: { name: s.officer.name, title: s.officer.title, roles: s.officer.roles.terminal, channelRoles: s.officer.roles.channels }, csrfToken: s.csrfToken, secondFactor: s.session.secondFactor, expiresAt: s.session.expiresAt, idleTimeoutMs: officers.policy.idleMs };
    },
  );

  app.post('/api/v1/auth/logout', { config: signedIn, schema: { summary: 'Sign out: the session id is dead from now on' } }, async (request, reply) => {
    const p = officerOf(request);
    await officers.logout(p.session!, p.officer.name);
    reply.clearSession();
    return { ok: true };
  });

  app.get('/api/v1/auth/session', { config: signedIn, schema: { summary: 'Who is signed in, their roles and permissions, and the CSRF token for state-changing requests', response: { 200: Api.SessionView } } }, async (request): Promise<Api.SessionView> => {
    const p = request.principal!;
    if (p.kind === 'terminal') return { kind: 'terminal', name: 'terminal', permissions: 'all' };
    const roles = [...new Set([...rolesOn(p.officer.roles), ...Object.values(p.officer.roles.channels)])];
    const sessionId = request.cookies[SESSION_COOKIE];
    return {
      kind: 'officer',
      name: p.officer.name,
      title: p.officer.title,
      roles: [...p.officer.roles.terminal],
      channelRoles: p.officer.roles.channels,
      permissions: [...new Set(roles.flatMap((r) => PERMISSIONS[r as keyof typeof PERMISSIONS] ?? []))].sort(),
      terminalPermissions: allowedBy(p.officer.roles.terminal),
      channelPermissions: Object.fromEntries(Object.entries(p.officer.roles.channels).map(([c, r]) => [c, allowedBy([r])])),
      // The most urgent precedence any role held may send (PRECEDENCES lists the most urgent first):
      // the console offers nothing above it.
      maxPrecedence: PRECEDENCES.find((level) => roles.some((r) => (PERMISSIONS[r as keyof typeof PERMISSIONS] ?? []).includes('message.send') && caps[r as keyof PrecedenceCaps] !== undefined && PRECEDENCES.indexOf(level) >= PRECEDENCES.indexOf(caps[r as keyof PrecedenceCaps]!))) ?? null,
      ...(p.session && sessionId ? { csrfToken: csrfTokenFor(sessionId), expiresAt: p.session.expiresAt, lastSeenAt: p.session.lastSeenAt, idleTimeoutMs: officers.policy.idleMs } : {}),
    };
  });

  sessionRoutes(app, officers);
  passkeyRoutes(app, opts);
}

/** What these roles allow, per the permission table. */
function allowedBy(roles: readonly string[]): string[] {
  return [...new Set(roles.flatMap((r) => PERMISSIONS[r as keyof typeof PERMISSIONS] ?? []))].sort();
}

/** Sessions: list them, end one. */
function sessionRoutes(app: FastifyInstance, officers: OfficerService): void {
  app.get(
    '/api/v1/auth/sessions',
    { config: signedIn, schema: { summary: 'Sessions: your own; all (or one officer\'s) for an officer manager', querystring: Type.Object({ officer: Type.Optional(Name), all: Type.Optional(Type.Boolean()) }) } },
    async (request) => {
      const q = request.query as { officer?: string; all?: boolean };
      const p = request.principal!;
      const manager = p.kind === 'terminal' || rolesOn(p.officer.roles).some((r) => PERMISSIONS[r].includes('sessions.manage'));
      if (p.kind === 'officer' && (q.all || (q.officer && q.officer !== p.officer.name)) && !manager)
        throw new TerminalError('FORBIDDEN', { detail: `Not allowed: officer "${p.officer.name}" lacks the permission "sessions.manage" to see other officers' sessions.` });
      if (p.kind === 'officer' && !q.all && !q.officer) return officers.sessions(p.officer.name);
      return officers.sessions(q.officer);
    },
  );

  app.post(
    '/api/v1/auth/sessions/:id/revoke',
    { config: signedIn, schema: { summary: 'End a session (your own; any, for an officer manager)', params: Type.Object({ id: Type.String({ minLength: 8, maxLength: 64 }) }) } },
    async (request) => {
      const { id } = request.params as { id: string };
      const p = request.principal!;
      const manager = p.kind === 'terminal' || rolesOn(p.officer.roles).some((r) => PERMISSIONS[r].includes('sessions.manage'));
      const done = await officers.revoke(id, actorOf(p), manager || p.kind !== 'officer' ? undefined : p.officer.id);
      if (!done) throw new TerminalError('BAD_REQUEST', { detail: `No live session ${id} that you may end; list them with GET /api/v1/auth/sessions.` });
      return { ok: true };
    },
  );
}

/** Passkeys (WebAuthn): register one for the officer signed in; start signing in with one. */
function passkeyRoutes(app: FastifyInstance, opts: { officers: OfficerService; loginRateLimit?: number }): void {
  const { officers } = opts;
  const limited = signInConfig(opts.loginRateLimit);
  app.post('/api/v1/auth/webauthn/register/options', { config: signedIn, schema: { summary: 'Start registering a passkey for the signed-in officer' } }, async (request) => officers.passkeyRegistrationOptions(officerOf(request).officer));

  app.post('/api/v1/auth/webauthn/register', { config: signedIn, schema: { summary: 'Finish registering a passkey', body: Type.Unknown() } }, async (request, reply) =>
    reply.code(201).send(await officers.registerPasskey(officerOf(request).officer, request.body as RegistrationResponseJSON)),
  );

  app.post(
    '/api/v1/auth/webauthn/login/options',
    { config: limited, bodyLimit: SIGN_IN_BODY_LIMIT, schema: { summary: 'Start signing in with a passkey (then POST /api/v1/auth/login with `webauthn`)', security: [], body: Type.Object({ name: Name }) } },
    async (request) => officers.passkeyLoginOptions((request.body as { name: string }).name),
  );
}

/**
 * Authentication and authorisation of the officer API, as one Fastify plugin applied to every
 * route of the server (it skips encapsulation on purpose, like fastify-plugin):
 *
 *  1. onRequest: who is calling. Either the host credential (`Authorization: Bearer <token>`,
 *     the 0600 file DATA/officer.token: the terminal's operator on its own machine), or a console
 *     session cookie (httpOnly, Secure, SameSite=Strict), checked for idle and absolute expiry
 *     by the injected clock. A cookie-authenticated request that changes state must carry the
 *     session's CSRF token in `X-CSRF-Token`.
 *  2. preHandler: what the route needs. Every route declares ONE action of the permission table
 *     (permissions.ts) next to its schema, `config: { permission }`, and a route acting on one
 *     channel says how its `:id` names it (`config.scope`); a route that declares no permission
 *     cannot even be registered (fail closed), and the authorisation matrix test is generated
 *     from the routes registered. Channel routes check the officer's role on that channel and,
 *     for entries that carry a role, the charter's roles for this party and the precedence cap.
 *     Who signs an entry is the route's explicit choice through {@link signingOfficer}: the
 *     officer signed in, never what the client claims; the request body is never rewritten.
 *  3. onSend: actions that change something, and exports, go to the audit log with the
 *     session and address (which never leave this terminal). A route that writes an entry
 *     records its request in the entry's own transaction instead (request.auditWithEntry).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import { PRECEDENCES, controlCharacterIn, dialogueRules, type OfficerRef, type Precedence, type Role, type SealedEntry } from '../../protocol/index.js';
import type { OfficerRow } from '../../store/index.js';
import type { AuditInput } from '../officers/audit-log.js';
import type { ChannelDirectory, MessageFinder, SelfInfo } from '../channels/ports.js';
import { TerminalError, toApiError } from '../errors.js';
import { OfficerService, csrfTokenFor, secretHash, type Principal } from '../officers/officer-service.js';
import { actingRole, forbidden, roleAllows, rolesOn, SIGNING_ACTIONS, type Action, type PrecedenceCaps } from '../officers/permissions.js';

/** The console session cookie. */
export const SESSION_COOKIE = 'hotline_session';
/** Header naming the officer the host credential acts as (the CLI's `--officer NAME`). */
export const ACT_AS_HEADER = 'x-hotline-officer';
/** Header carrying the CSRF token of a cookie session. */
export const CSRF_HEADER = 'x-csrf-token';

/** What a route requires: an action of the table, any signed-in caller, or nothing. */
export type RoutePermission = Action | 'authenticated' | 'open';

/** What a route's `:id` names, when its permission is checked on one channel. */
export type RouteScope = 'channel' | 'message';

/** Actions that sign an entry of a channel: on a terminal with officers, only a named officer may. */
/** Actions the charter's dialogue rules narrow (docs/protocol.md §6.1). */
const DIALOGUE_RULE: Partial<Record<Action, 'positions' | 'endorse' | 'commitments'>> = { 'dialogue.position': 'positions', 'dialogue.endorse': 'endorse', 'dialogue.commitment': 'commitments' };

const SIGNED_ENTRY_ACTIONS: ReadonlySet<Action> = new Set<Action>([...SIGNING_ACTIONS].filter((a) => a !== 'officers.manage'));

/** Actions recorded in the audit log even though they change nothing. */
const AUDITED_READS: ReadonlySet<RoutePermission> = new Set<RoutePermission>(['channel.export', 'audit.read']);

/** Options of {@link officerAuth}. */
export interface OfficerAuthOptions {
  /** Channels by id or prefix, and their charters (the roles this party may act in). */
  readonly directory: Pick<ChannelDirectory, 'channel' | 'view'>;
  /** The channel of a message named by hash or prefix (acknowledgements). */
  readonly messages: Pick<MessageFinder, 'findMessage'>;
  readonly self: Pick<SelfInfo, 'party'>;
  readonly officers: OfficerService;
  /** The host credential (DATA/officer.token). */
  readonly token: string;
  /** The metrics token (DATA/metrics.token): it reads GET /metrics, and every other route refuses it (METRICS_TOKEN_ONLY). */
  readonly metricsToken?: string;
  /** Send the session cookie without `Secure` (only for plain HTTP on loopback, by explicit choice). */
  readonly insecureCookies?: boolean;
  /** Highest precedence per sending role. */
  readonly precedenceCaps?: PrecedenceCaps;
  /** Sign-in attempts per address per minute (before the per-name lockout). */
  readonly loginRateLimit?: number;
  /**
   * The most urgent default precedence of a format id among the versions held (#17): a formatted
   * message without its own precedence is capped as if it had this one.
   */
  readonly formatPrecedence?: (id: string) => Precedence | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling (set by the auth plugin's onRequest hook). */
    principal?: Principal;
    /** Set when the caller showed the metrics token (on GET /metrics, the one route that takes it). */
    metricsScrape?: boolean;
    /** The action the route required, once granted. */
    granted?: { permission: RoutePermission; channel?: string; role?: Role };
    /**
     * For a route writing entries: work for the entries' transaction that appends this request's
     * audit record (answered with `status`; `result` names what was made, as the answer does).
     */
    auditWithEntry<T = SealedEntry>(status: number, result: (made: T) => Record<string, unknown>): (made: T) => AuditInput | undefined;
    /** Set once the audit record was written in the entry's transaction. */
    auditedWithEntry?: boolean;
    /** Who is calling, asked again of the request's credentials (a stream that stays open); throws AUTH_*. */
    reauthenticate(): Promise<void>;
    /** The route's permission checked again for `body` (one message of a stream): request.granted, or throws. */
    authoriseAgain(body: unknown): Promise<void>;
  }
  interface FastifyContextConfig {
    /** The permission this route requires: every route declares one, next to its schema. */
    permission?: RoutePermission;
    /**
     * What the route's `:id` parameter names, for a permission checked on one channel: the
     * channel itself (id or unique prefix), or a message of it (hash or unique prefix).
     */
    scope?: RouteScope;
  }
}

/**
 * The precedence a send needs the role to allow: a message's own, or for a batch the most urgent
 * of its messages (a cap allows its level and every less urgent one, so that covers them all).
 */
type Draft = { precedence?: Precedence; format?: { id?: unknown } };
function mostUrgent(body: Draft & { messages?: Draft[] }, formatPrecedence: (id: string) => Precedence | undefined = () => undefined): Precedence {
  const of = (m: Draft) => m.precedence ?? (typeof m.format?.id === 'string' ? formatPrecedence(m.format.id) : undefined) ?? 'ROUTINE';
  const all = body.messages ? body.messages.map(of) : [of(body)];
  return PRECEDENCES[Math.min(...all.map((p) => PRECEDENCES.indexOf(p)))] ?? 'ROUTINE';
}

/** "officer "Cdr Smith"", "the terminal credential": the caller, for messages and the audit log. */
export function describe(p: Principal | undefined): string {
  if (!p) return 'anonymous';
  return p.kind === 'terminal' ? 'the terminal credential' : `officer "${p.officer.name}"`;
}

/** The audit actor of a principal. */
export function actorOf(p: Principal | undefined): string {
  if (!p) return 'anonymous';
  return p.kind === 'terminal' ? 'terminal' : p.session ? p.officer.name : `${p.officer.name} (via terminal credential)`;
}

/**
 * Who signs the entry a request writes (`from` of a message, `officer` of an acknowledgement):
 * for an officer (a console session, or the host credential acting as the officer named in
 * X-Hotline-Officer), their published name and title and the role granted for this request;
 * a different officer claimed in the request is refused (officer.impersonate). The host
 * credential acting as nobody signs what it names (`claimed`), or nobody: whoever holds it holds
 * the terminal's signing key beside it.
 */
export function signingOfficer(request: FastifyRequest, claimed: OfficerRef | undefined): OfficerRef | undefined {
  const p = request.principal;
  if (p?.kind !== 'officer') return claimed && checkedFreeText(claimed);
  const role = request.granted?.role;
  const who = describe(p);
  // The preHandler grants a role for every action that signs; without one nothing is signed.
  if (role === undefined) throw forbidden(who, 'officer.sign', ': no role was granted for this request');
  const ref = OfficerService.ref(p.officer, role);
  if (claimed && (claimed.name !== ref.name || claimed.title !== ref.title || claimed.role !== ref.role))
    throw forbidden(who, 'officer.impersonate', `: an entry is signed in your own name (${ref.name}, ${ref.title}, ${ref.role}), not "${claimed.name}"`);
  return ref;
}

/**
 * A name and title typed on the host credential, signed as given: refused when they hold a control
 * character or a bidirectional control (a NUL, a newline, U+202E), which no person's name needs
 * and which every reader would then show escaped, or in another order than signed.
 */
function checkedFreeText(ref: OfficerRef): OfficerRef {
  for (const [what, text] of [['name', ref.name], ['title', ref.title]] as const) {
    if (text.trim() === '') throw new TerminalError('BAD_REQUEST', { detail: `The officer's ${what} is blank; peers see who signed: give the name and title of a person.` });
    const control = controlCharacterIn(text);
    if (control !== undefined) throw new TerminalError('BAD_REQUEST', { detail: `The officer's ${what} holds an invisible or control character (U+${control.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}); peers would see it escaped, or a look-alike. Type it without that character.` });
  }
  return ref;
}

/**
 * Whether the caller may read a channel: the host credential may; an officer needs a role on
 * that channel (a channel grant replaces the terminal-wide roles) that allows channel.read.
 */
export function mayRead(principal: Principal | undefined, channel: string): boolean {
  if (!principal || principal.kind !== 'officer') return principal?.kind === 'terminal';
  return rolesOn(principal.officer.roles, channel).some((r) => roleAllows(r, 'channel.read'));
}

/**
 * The channels the caller may read, for routes that span channels (what awaits acknowledgement,
 * escalation steps): undefined when it may read every channel on the terminal.
 */
export function readableChannels(principal: Principal | undefined, directory: Pick<ChannelDirectory, 'channelIds'>): string[] | undefined {
  const all = directory.channelIds();
  const readable = all.filter((id) => mayRead(principal, id));
  return readable.length === all.length ? undefined : readable;
}

function tokenOk(header: string | undefined, token: string): boolean {
  const given = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The permission a route requires, or undefined when it names none (then it is refused). */
export function routePermission(request: FastifyRequest): RoutePermission | undefined {
  return request.routeOptions.config?.permission;
}

/** Routes whose `:id` names a channel or a message: their permission is checked on that channel. */
const SCOPED_URL = /^\/api\/v1\/(channels|messages)\/:id(\/|$)/;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The one route the metrics token reads. */
export const METRICS_ROUTE = '/metrics';

const ROUTES = new WeakMap<FastifyInstance, Array<{ method: string; url: string; permission: RoutePermission }>>();

/** Every route registered on a server with its permission (for the authorisation matrix test). */
export function registeredRoutes(app: FastifyInstance): ReadonlyArray<{ method: string; url: string; permission: RoutePermission }> {
  return ROUTES.get(app) ?? [];
}

async function plugin(app: FastifyInstance, opts: OfficerAuthOptions): Promise<void> {
  const { officers } = opts;
  const routes: Array<{ method: string; url: string; permission: RoutePermission }> = [];
  ROUTES.set(app, routes);
  // Fail closed at start-up: a route that names no permission cannot even be registered.
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      const config = route.config as { permission?: RoutePermission; scope?: RouteScope } | undefined;
      const permission = config?.permission;
      if (permission === undefined) throw new Error(`officer API route ${method} ${route.url} declares no permission: give it \`config: { permission }\` beside its schema`);
      // A route acting on one channel that did not say so would be checked against the
      // terminal-wide roles, which a narrower grant on that channel replaces: refuse it too.
      if (permission !== 'open' && permission !== 'authenticated' && SCOPED_URL.test(route.url) && config?.scope === undefined)
        throw new Error(`officer API route ${method} ${route.url} acts on one channel but declares no \`config.scope\` ('channel' or 'message')`);
      routes.push({ method, url: route.url, permission });
    }
  });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => new TerminalError('AUTH_RATE_LIMITED', { after: ctx.after }),
  });

  app.addHook('onRequest', async (request) => {
    const permission = routePermission(request);
    if (permission === 'open') {
      // An open page may say more to a caller who shows a credential (/readyz: the links in
      // detail); a wrong one is simply not identified there.
      if (request.method === 'GET' && request.headers.authorization !== undefined) await identify(request, false).catch(() => undefined);
      return;
    }
    await identify(request, true);
  });
  // A stream (officer-api/send-stream.ts) asks again who is calling while it stays open: a
  // session signed out, expired or an officer disabled meanwhile ends it. Its upgrade was a GET,
  // so there is no CSRF token to check again (the stream checks the upgrade's Origin instead).
  app.decorateRequest('reauthenticate', async function (this: FastifyRequest) {
    await identify(this, false);
  });

  /** Sets request.principal from the request's credentials, or throws AUTH_*. */
  async function identify(request: FastifyRequest, checkCsrf: boolean): Promise<void> {
    // The query-string token of the events WebSocket (browsers cannot set headers there).
    const query = request.query as { token?: string } | undefined;
    const bearer = request.headers.authorization ?? (query?.token ? `Bearer ${query.token}` : undefined);
    if (bearer !== undefined) {
      if (opts.metricsToken !== undefined && tokenOk(bearer, opts.metricsToken)) {
        // A scraper's credential: it reads the metrics, and nothing else (not even what an observer may).
        if (request.method !== 'GET' || request.routeOptions.url !== METRICS_ROUTE) throw new TerminalError('METRICS_TOKEN_ONLY', { route: `${request.method} ${request.routeOptions.url ?? request.url.slice(0, 200)}` });
        request.metricsScrape = true;
        return;
      }
      if (!tokenOk(bearer, opts.token)) throw new TerminalError('UNAUTHORISED');
      const actAs = request.headers[ACT_AS_HEADER];
      if (typeof actAs === 'string' && actAs.trim()) {
        const officer = await officers.get(officerHeaderName(actAs.trim()));
        if (officer.disabled) throw new TerminalError('AUTH_DISABLED', { name: officer.name });
        request.principal = { kind: 'officer', officer, session: null };
      } else request.principal = { kind: 'terminal' };
      return;
    }
    const sessionId = request.cookies[SESSION_COOKIE];
    if (!sessionId) throw new TerminalError('AUTH_REQUIRED');
    const { officer, session } = await officers.authenticate(sessionId);
    if (checkCsrf && !SAFE_METHODS.has(request.method)) {
      const given = request.headers[CSRF_HEADER];
      if (typeof given !== 'string' || !OfficerService.csrfOk(session, given)) {
        await officers.audit.append({ actor: officer.name, action: 'auth.csrf.refused', detail: { method: request.method, route: request.routeOptions.url ?? request.url, ip: request.ip } });
        throw new TerminalError('AUTH_CSRF');
      }
    }
    request.principal = { kind: 'officer', officer, session };
  }

  authorisation(app, opts);
  auditTrail(app, officers);

  app.decorateReply('setSession', function (this: FastifyReply, sessionId: string, maxAgeMs: number) {
    return this.setCookie(SESSION_COOKIE, sessionId, { path: '/', httpOnly: true, secure: !opts.insecureCookies, sameSite: 'strict', maxAge: Math.floor(maxAgeMs / 1000) });
  });
  app.decorateReply('clearSession', function (this: FastifyReply) {
    return this.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, secure: !opts.insecureCookies, sameSite: 'strict' });
  });
}

/** preHandler: what the route needs, granted (or refused, FORBIDDEN naming the permission). */
function authorisation(app: FastifyInstance, opts: OfficerAuthOptions): void {
  const { directory } = opts;
  app.addHook('preHandler', async (request) => {
    if (request.is404) return;
    await authorise(request, request.body);
  });
  // A stream checks each message it carries as its own request: the route's permission on its
  // channel again, with this message's precedence against the role's cap.
  app.decorateRequest('authoriseAgain', async function (this: FastifyRequest, body: unknown) {
    await authorise(this, body);
  });

  /** Grants the route's permission to the caller for `body` (request.granted), or throws. */
  async function authorise(request: FastifyRequest, body: unknown): Promise<void> {
    const permission = routePermission(request);
    if (permission === undefined) throw forbidden(describe(request.principal), `${request.method} ${request.routeOptions.url ?? request.url}`, ' (no permission is declared for this route)');
    if (permission === 'open' || permission === 'authenticated') {
      request.granted = { permission };
      return;
    }
    // The metrics token was let through by identify() on GET /metrics alone.
    if (request.metricsScrape && request.routeOptions.url === METRICS_ROUTE) {
      request.granted = { permission };
      return;
    }
    const p = request.principal;
    if (!p) throw new TerminalError('AUTH_REQUIRED');
    if (p.kind === 'terminal') {
      // The host credential may do everything: whoever can read it can read the terminal's
      // signing key beside it (both 0600 files of the same account). But once officers exist, a
      // signed action names one of them, whose roles are checked (#14 D11): the CLI's --officer.
      if (SIGNED_ENTRY_ACTIONS.has(permission as Action) && (await opts.officers.anyEnabled())) throw new TerminalError('OFFICER_REQUIRED', { action: permission });
      request.granted = { permission };
      return;
    }
    await grant(request, p.officer, permission, body);
  }

  async function grant(request: FastifyRequest, officer: OfficerRow, action: Action, given: unknown): Promise<void> {
    const who = `officer "${officer.name}"`;
    const id = (request.params as { id?: string } | undefined)?.id;
    const scope = request.routeOptions.config?.scope;
    let channel: string | undefined;
    if (id !== undefined && scope === 'channel') channel = directory.channel(id).id;
    else if (id !== undefined && scope === 'message') channel = (await opts.messages.findMessage(id)).channel;
    const view = channel ? directory.view(channel) : undefined;
    let charterRoles = view?.parties.find((x) => x.party === opts.self.party)?.roles;
    // The charter's dialogue rules narrow who may state positions, endorse and record commitments.
    const rule = DIALOGUE_RULE[action];
    if (rule && view && charterRoles) {
      const allowed: readonly string[] = dialogueRules(view.charter)[rule];
      charterRoles = charterRoles.filter((r) => allowed.includes(r));
    }
    const body = (given ?? {}) as Draft & { messages?: Draft[] };
    // Set before the check, so that a refusal is recorded in the audit log under its action too.
    request.granted = { permission: action, channel };
    const role = actingRole(who, officer.roles, { action, channel, charterRoles, ...(action === 'message.send' ? { precedence: mostUrgent(body, opts.formatPrecedence) } : {}) }, opts.precedenceCaps);
    request.granted = { permission: action, channel, role };
  }

}

/** The codes of an authenticated caller refused for want of a role, which the audit log records. */
const REFUSAL_CODES: ReadonlySet<string> = new Set(['FORBIDDEN', 'OFFICER_REQUIRED']);

/**
 * The refusal an answer carries, when the caller was authenticated (a principal) and refused for
 * want of a role: its code, and the route as the action when no permission was granted.
 */
function refusalOf(request: FastifyRequest, status: number, payload: unknown): { code: string; action: string } | undefined {
  if (status !== 403 || !request.principal || typeof payload !== 'string' || !payload.startsWith('{')) return undefined;
  let code: unknown;
  try {
    code = (JSON.parse(payload) as { code?: unknown }).code;
  } catch {
    return undefined;
  }
  if (typeof code !== 'string' || !REFUSAL_CODES.has(code)) return undefined;
  return { code, action: `${request.method} ${request.routeOptions.url ?? request.url.slice(0, 200)}` };
}

/**
 * The audit log: actions that change something, and exports, with the session and address. A
 * route that writes entries records the request in the entries' own transaction instead.
 */
function auditTrail(app: FastifyInstance, officers: OfficerService): void {
  /** The audit record of a request that ended with `status`, `result` naming what it made. */
  const auditInput = (request: FastifyRequest, permission: string, status: number, result: Record<string, unknown>, g = request.granted, p = request.principal) => {
    return {
      actor: actorOf(p),
      action: permission,
      detail: {
        method: request.method,
        route: request.routeOptions.url ?? '',
        params: request.params ?? {},
        status,
        ...(g?.channel ? { channel: g.channel } : {}),
        ...(g?.role ? { role: g.role } : {}),
        ...result,
        ip: request.ip,
        ...(p?.kind === 'officer' && p.session ? { session: p.session.idHash.slice(0, 16) } : {}),
      },
    };
  };

  // A route that writes entries records the request in the entries' own transaction: one
  // durable commit for both, and never the entry without its audit record (see onSend).
  app.decorateRequest('auditWithEntry', function <T>(this: FastifyRequest, status: number, result: (made: T) => Record<string, unknown>) {
    // What was granted and to whom as the write starts (a stream grants each message anew).
    const g = this.granted;
    const p = this.principal;
    return (made: T): AuditInput | undefined => {
      if (!g || g.permission === 'open' || g.permission === 'authenticated') return undefined;
      // Written in the entry's transaction; if that fails, the answer is an error and onSend
      // records the request instead.
      this.auditedWithEntry = true;
      return auditInput(this, g.permission, status, result(made), g, p);
    };
  });

  // What was done, by whom, from where: after the answer, with its status.
  app.addHook('onSend', async (request, reply, payload) => {
    const g = request.granted;
    const refusal = refusalOf(request, reply.statusCode, payload);
    if (refusal) {
      // An authenticated caller refused for want of a role: recorded whatever the method, under
      // the action it tried (an anonymous caller's failures go to the metrics and log only).
      await officers.audit.append(auditInput(request, g?.permission ?? refusal.action, reply.statusCode, { refused: true, code: refusal.code })).catch((error: unknown) => {
        request.log.error({ err: error, status: reply.statusCode }, 'the audit record of a refused officer request could not be written');
      });
      return payload;
    }
    const changes = !SAFE_METHODS.has(request.method);
    if (!g || g.permission === 'open' || (!changes && !AUDITED_READS.has(g.permission))) return payload;
    if (g.permission === 'authenticated' && request.routeOptions.url === '/api/v1/auth/logout') return payload; // recorded by the service
    if (request.auditedWithEntry && reply.statusCode < 300) return payload; // committed with the entry
    let result: Record<string, unknown> = {};
    if (reply.statusCode < 300 && typeof payload === 'string' && payload.startsWith('{') && payload.length < 100_000) {
      try {
        const r = JSON.parse(payload) as { id?: unknown; entry?: unknown; message?: unknown };
        result = { ...(typeof r.id === 'string' ? { id: r.id } : {}), ...(typeof r.entry === 'string' ? { entry: r.entry } : {}), ...(typeof r.message === 'string' ? { message: r.message } : {}) };
      } catch {
        // not JSON: nothing to add
      }
    }
    try {
      await officers.audit.append(auditInput(request, g.permission, reply.statusCode, result));
    } catch (error) {
      // The record cannot be written (the database full, say). A refusal stands as it was; an
      // answer that would go out unrecorded is refused in the API's own words (STORE_FULL, ...),
      // never as the database's or the framework's.
      const e = toApiError(error, 'officer');
      request.log.error({ code: e.code, err: error, status: reply.statusCode }, 'the audit record of an officer request could not be written');
      if (reply.statusCode >= 400) return payload;
      void reply.code(e.status).header('content-type', 'application/json; charset=utf-8');
      return JSON.stringify({ code: e.code, message: e.message });
    }
    return payload;
  });

}

declare module 'fastify' {
  interface FastifyReply {
    /** Sets the console session cookie. */
    setSession(sessionId: string, maxAgeMs: number): FastifyReply;
    /** Clears the console session cookie. */
    clearSession(): FastifyReply;
  }
}

// Applies to the whole server rather than to a child context (what fastify-plugin does).
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

/** The auth plugin: register it before any route. */
export const officerAuth = plugin;

/** The session id hash of a cookie value, for tests and tools. */
export const sessionIdHash = secretHash;
export { csrfTokenFor };

/** The officer name of an X-Hotline-Officer header (percent-encoded UTF-8); a malformed one is the caller's error. */
function officerHeaderName(value: string): string {
  // Node reads header bytes as Latin-1: a name sent as raw UTF-8 (curl -H "X-Hotline-Officer:
  // Лейтенант") arrives as its bytes one character each, and is read back as the UTF-8 it was.
  if (/[\x80-\xff]/.test(value) && /^[\x20-\xff]*$/.test(value)) {
    const utf8 = Buffer.from(value, 'latin1').toString('utf8');
    if (!utf8.includes('\uFFFD')) value = utf8;
  }
  try {
    return decodeURIComponent(value);
  } catch {
    throw new TerminalError('AUTH_BAD_OFFICER_HEADER', { value: value.slice(0, 64) });
  }
}

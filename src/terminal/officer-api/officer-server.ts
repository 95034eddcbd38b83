/**
 * The officer API: REST and a WebSocket of events, described by an OpenAPI document at
 * /openapi.json. Bound to loopback. Officers sign in to console sessions; the CLI on the host
 * uses the credential file DATA/officer.token; every route declares the permission it requires
 * (auth.ts). This file only sets the server up and registers one plugin per area; each plugin's
 * routes are thin: validate, authorise, call a use case through a port or read through the read
 * model, and return a presenter's answer (api-schemas.ts).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import { duplicateMember, HotlineProtocolError, protocolError, type Role } from '../../protocol/index.js';
import type { Store } from '../../store/index.js';
import type { EscalationSettingsFiles } from '../escalation/settings-files.js';
import { apiErrorHandler, TerminalError } from '../errors.js';
import type { OfficerService } from '../officers/officer-service.js';
import type { PrecedenceCaps } from '../officers/permissions.js';
import { lazyValidators } from '../lazy-validators.js';
import { officerAuth } from './auth.js';
import { authRoutes } from './auth-routes.js';
import { channelsRoutes } from './channels-routes.js';
import { consoleRoutes } from './console-routes.js';
import { dialogueRoutes } from './dialogue-routes.js';
import { escalationRoutes } from './escalation-routes.js';
import { eventsRoute } from './events-route.js';
import { alarmsRoute } from './alarms-route.js';
import { messagesRoutes } from './messages-routes.js';
import { sendStreamRoute } from './send-stream.js';
import { searchRoutes } from './search-routes.js';
import { proofRoutes } from './proof-route.js';
import { formatsRoutes } from './formats-routes.js';
import { mostUrgentDefault, shippedCatalogue, type FormatCatalogue } from '../formats/catalogue.js';
import { officersRoutes } from './officers-routes.js';
import { operationsRoutes, type OperationsOptions } from './operations-routes.js';
import { keysRoutes, type KeyRotationPort } from './keys-routes.js';
import { revocationsRoute } from './revocations-route.js';
import { OfficerReadModel } from './read-model.js';
import type { LinkHealthFn, LinksFn, OfficerApiPorts, ReconcilingFn } from './route-kit.js';
import type { HaStatus, OwnKeyRevoked } from './api-schemas.js';
import { terminalRoutes } from './terminal-routes.js';
import { closingRefusal, cutConnectionsOnClose, goingAway } from '../close-connections.js';
import { refuseContentEncoding } from '../content-encoding.js';

/** When the API closes, how long open connections (the events socket's close handshake, a slow client) have before they are destroyed, ms. */
const CLOSE_GRACE_MS = 1_000;

export { MAX_BATCH_MESSAGES } from './messages-routes.js';
export type { OfficerApiPorts } from './route-kit.js';

export interface OfficerServerOptions {
  /** The channels, peers and events of the terminal, through their narrow ports (terminal.ts wires them). */
  readonly ports: OfficerApiPorts;
  /** The store, read through the officer API's read model (read-model.ts) only. */
  readonly store: Store;
  /** Fastify's schemaController option (e.g. lazyValidators().schemaController). */
  readonly schemaController?: FastifyServerOptions['schemaController'];
  readonly token: string;
  /** The metrics token (DATA/metrics.token): GET /metrics only, refused everywhere else. */
  readonly metricsToken?: string;
  readonly logger: FastifyBaseLogger;
  /** Link state per peer party, for status and channel views. */
  readonly links: LinksFn;
  /** Link-test health per channel and peer. */
  readonly linkHealth?: LinkHealthFn;
  /** Channels reconciling with the peers (readiness and status say so). */
  readonly reconciling?: ReconcilingFn;
  /** This instance and its party's others, when highly available (status says so). */
  readonly ha?: () => Promise<HaStatus>;
  /** This instance's name, when highly available. */
  readonly haInstance?: string;
  /** The key this terminal signs with (it may not revoke it). */
  readonly signingKey?: () => string;
  /** Switching this terminal to a new key (`hotline key rotate`). */
  readonly rotation?: KeyRotationPort;
  /** How often the events socket is pinged, ms (events-route.ts EVENTS_PING_MS; tests shorten it). */
  readonly eventsPingMs?: number;
  /** Since when the database has had no room for a commit (readiness). */
  readonly storeFull?: () => number | undefined;
  /** Since when a commit has waited far longer than commits take (undefined: none has). */
  readonly storeStalled?: () => number | undefined;
  /** Since when the terminal lock is lost (nothing is signed meanwhile), if it is. */
  readonly lockLost?: () => number | undefined;
  /** The channels where this terminal's own key is revoked, for the status. */
  readonly ownKeyRevoked?: () => OwnKeyRevoked | undefined;
  /** Default officer for acknowledgements by the host credential naming nobody. */
  readonly defaultOfficer: { name: string; title: string; role: Role };
  readonly version: string;
  /** Crisis operations: drill scheduler and metrics (drill-schedule and /metrics routes). */
  readonly operations?: OperationsOptions;
  /** Escalation policies and the duty roster (what awaits acknowledgement, escalation routes). */
  readonly escalation?: EscalationSettingsFiles;
  /** Officer accounts and sessions (built by the composition root, terminal.ts). */
  readonly officers: OfficerService;
  /** Session cookie without `Secure`: only for plain HTTP on loopback, by explicit choice. */
  readonly insecureCookies?: boolean;
  /** Highest precedence per sending role (default: duty officers up to IMMEDIATE). */
  readonly precedenceCaps?: PrecedenceCaps;
  /** Sign-in attempts per address per minute. */
  readonly loginRateLimit?: number;
  /**
   * The reverse proxies in front of the API (config.json officer.trustProxy): from these addresses
   * alone, X-Forwarded-For names the caller's address (rate limits, sessions, audit log).
   */
  readonly trustProxy?: readonly string[];
  /** The built console served at /console/ (default dist/web of this checkout). */
  readonly consoleDir?: string;
  /** Message-format definitions held (default: the shipped library). */
  readonly formats?: FormatCatalogue;
}

const DESCRIPTION =
  'Officer API of a Hotline terminal. Officers sign in with POST /api/v1/auth/login (session cookie; send X-CSRF-Token on state-changing requests); on the terminal host, `Authorization: Bearer <DATA/officer.token>`, optionally acting as an officer named in X-Hotline-Officer.';

const POISONED = 'Bad request: the body holds a member named "__proto__" (or "constructor" with "prototype"), which this API refuses. Rename or remove it.';

/** Whether a body Fastify's JSON parser refused is valid JSON after all: refused for prototype poisoning. */
function poisoned(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

/** Builds (does not start) the officer API server. */
export async function buildOfficerServer(opts: OfficerServerOptions): Promise<FastifyInstance> {
  const { ports, store } = opts;
  // Request bodies are validated as sent, never coerced or stripped (lazy-validators.ts).
  // return503OnClosing false: a request meeting the close gets TERMINAL_CLOSING (closingRefusal).
  const trustProxy = opts.trustProxy?.length ? { trustProxy: [...opts.trustProxy] } : {};
  const app = Fastify({ ...trustProxy, loggerInstance: opts.logger, return503OnClosing: false, bodyLimit: 64 * 1024 * 1024, schemaController: opts.schemaController ?? lazyValidators({ strictBodies: true }).schemaController });
  cutConnectionsOnClose(app, CLOSE_GRACE_MS, closingRefusal(opts.haInstance));
  refuseContentEncoding(app);
  app.setErrorHandler(apiErrorHandler('officer', 'officer API'));
  app.setNotFoundHandler(async (request) => {
    throw new TerminalError('NOT_FOUND', { what: `${request.method} ${request.url.slice(0, 200)}` });
  });
  app.addContentTypeParser(['application/x-ndjson', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  // JSON bodies: Fastify's parser (prototype-poisoning checks), and a member named twice in one
  // object is refused (JSON_DUPLICATE_MEMBER): JSON.parse keeps the last, other readers the first.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    json(request, body as string, (err: Error | null, value?: unknown) => {
      if (err) return done(poisoned(body as string) ? new TerminalError('BAD_REQUEST', { detail: POISONED }) : err);
      const name = typeof body === 'string' ? duplicateMember(body) : undefined;
      if (name !== undefined) return done(new HotlineProtocolError(protocolError('JSON_DUPLICATE_MEMBER', { what: 'request body', name })));
      done(null, value);
    });
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Hotline officer API', version: opts.version, description: DESCRIPTION },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'hotline_session' } } },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  // The largest frame a client may send: a stream message (send-stream.ts) is a draft of at most
  // 16,000 characters of text and its format's fields; the events socket receives nothing.
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 }, preClose: goingAway });

  const { officers } = opts;
  const formats = opts.formats ?? shippedCatalogue();
  await app.register(officerAuth, { directory: ports.directory, messages: ports.messages, self: ports.self, officers, token: opts.token, metricsToken: opts.metricsToken, insecureCookies: opts.insecureCookies, precedenceCaps: opts.precedenceCaps, loginRateLimit: opts.loginRateLimit, formatPrecedence: (id) => mostUrgentDefault(formats, id) });
  app.get('/openapi.json', { config: { permission: 'open' }, schema: { hide: true } }, async () => app.swagger());

  const reads = new OfficerReadModel(store, ports.self.party);
  const area = { ...ports, reads };
  await app.register(terminalRoutes, { ...area, links: opts.links, reconciling: opts.reconciling, storeFull: opts.storeFull, storeStalled: opts.storeStalled, lockLost: opts.lockLost, ownKeyRevoked: opts.ownKeyRevoked, ha: opts.ha, haInstance: opts.haInstance });
  await app.register(channelsRoutes, { ...area, links: opts.links, linkHealth: opts.linkHealth, reconciling: opts.reconciling, formats });
  await app.register(messagesRoutes, { ...area, defaultOfficer: opts.defaultOfficer, formats });
  await app.register(sendStreamRoute, { ...area, formats });
  await app.register(searchRoutes, { ...area, formats });
  await app.register(proofRoutes, area);
  await app.register(formatsRoutes, { ...area, formats });
  await app.register(dialogueRoutes, area);
  await app.register(keysRoutes, { ...area, signingKey: opts.signingKey, rotation: opts.rotation });
  await app.register(revocationsRoute, area);
  await app.register(eventsRoute, { ...area, pingMs: opts.eventsPingMs });
  await app.register(alarmsRoute, area);
  await app.register(operationsRoutes, { ...area, ...opts.operations });
  if (opts.escalation) await app.register(escalationRoutes, { ...area, files: opts.escalation });
  await app.register(authRoutes, { officers, loginRateLimit: opts.loginRateLimit, precedenceCaps: opts.precedenceCaps });
  await app.register(officersRoutes, { officers, directory: ports.directory });
  await app.register(consoleRoutes, { dir: opts.consoleDir });
  return app;
}

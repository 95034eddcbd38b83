/**
 * An officer API over two terminals back to back (US serves, CN is its peer), on one ManualClock,
 * with an active channel, a CN message to acknowledge, and helpers to create officers and sign
 * them in (computing TOTP codes at the injected time).
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { generate } from 'otplib';
import { pino } from 'pino';
import type { Role } from '../../src/protocol/index.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EscalationSettingsFiles } from '../../src/terminal/escalation/settings-files.js';
import type { TestWing } from '../terminal/test-wing.js';
import { buildOfficerServer, type OfficerApiPorts } from '../../src/terminal/officer-api/officer-server.js';
import type { KeyRotationPort } from '../../src/terminal/officer-api/keys-routes.js';
import { DrillScheduler } from '../../src/terminal/schedulers/drill-scheduler.js';
import { TerminalMetrics } from '../../src/terminal/metrics.js';
import { AuditLog } from '../../src/terminal/officers/audit-log.js';
import { OfficerService, type AuthPolicy } from '../../src/terminal/officers/officer-service.js';
import { SESSION_COOKIE } from '../../src/terminal/officer-api/auth.js';
import { backToBack, portsOf, type BackToBack } from '../terminal/back-to-back.js';

export const TOKEN = 'host-credential-for-tests';
/** The metrics token (DATA/metrics.token): GET /metrics only. */
export const METRICS_TOKEN = 'metrics-credential-for-tests';

/** The officer API's ports over a channel service, wired as terminal.ts wires them. */
export function apiPorts(service: TestWing): OfficerApiPorts {
  return { self: service.self, directory: service, actions: service, messages: service, peers: service, receiver: service, events: service.events, now: () => service.now() };
}

/** A signed-in console session. */
export interface Console {
  readonly name: string;
  readonly cookie: string;
  readonly csrf: string;
  /** A request with the session cookie (and the CSRF token unless `csrf: false`). */
  call(method: string, url: string, body?: unknown, options?: { csrf?: boolean | string }): Promise<LightMyRequestResponse>;
}

export interface OfficerFixture {
  readonly t: BackToBack;
  readonly app: FastifyInstance;
  readonly officers: OfficerService;
  readonly channel: string;
  /** A CN message on the channel, for acknowledgements. */
  readonly cnMessage: string;
  /** Creates an officer; returns the secrets handed out once. */
  add(name: string, roles: Role[], channelRoles?: Record<string, Role>): Promise<{ password: string; totpSecret: string }>;
  /** The current TOTP code of a secret at the injected time. */
  totp(secret: string, offsetSec?: number): Promise<string>;
  /** Signs in through the API and returns the console session. */
  login(name: string, creds: { password: string; totpSecret: string }): Promise<Console>;
  /** The host credential (Bearer token). */
  host(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export function cookieOf(res: LightMyRequestResponse): string | undefined {
  return res.cookies.find((c) => c.name === SESSION_COOKIE)?.value;
}

export async function officerFixture(policy: Partial<AuthPolicy> = {}, options: { loginRateLimit?: number; rotation?: KeyRotationPort; eventsPingMs?: number; trustProxy?: string[] } = {}): Promise<OfficerFixture> {
  const t = await backToBack();
  const channel = await t.activeChannel();
  const sent = await t.b.send(channel, { text: 'CN to US: test', lang: 'en', precedence: 'PRIORITY' });
  await t.settle();
  const store = t.a.store.officers;
  const officers = new OfficerService(store, t.clock, new AuditLog(store, t.clock), { issuer: 'Hotline US', policy });
  const app = await buildOfficerServer({
    ports: apiPorts(t.a),
    store: t.a.store,
    token: TOKEN,
    metricsToken: METRICS_TOKEN,
    logger: pino({ level: 'silent' }),
    links: () => [],
    defaultOfficer: { name: 'US duty officer', title: 'Duty Officer', role: 'duty-officer' },
    signingKey: () => t.a.self.signer.publicKey,
    ...(options.rotation ? { rotation: options.rotation } : {}),
    ...(options.eventsPingMs !== undefined ? { eventsPingMs: options.eventsPingMs } : {}),
    ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
    version: 'test',
    officers,
    operations: { drills: new DrillScheduler(portsOf(t.a)), metrics: new TerminalMetrics() },
    loginRateLimit: options.loginRateLimit ?? 1000,
    // Every area of the terminal, as it registers them: drill schedules, and the routes spanning
    // channels (what awaits acknowledgement, escalation steps).
    escalation: await EscalationSettingsFiles.load(await mkdtemp(join(tmpdir(), 'hotline-officers-')), { smtp: false }),
  });
  const totp = (secret: string, offsetSec = 0) => generate({ secret, epoch: Math.floor(t.clock.now() / 1000) + offsetSec });
  const inject = (method: string, url: string, body: unknown, headers: Record<string, string>) =>
    app.inject({ method: method as 'GET', url, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
  return {
    t,
    app,
    officers,
    channel,
    cnMessage: sent.hash,
    async add(name, roles, channelRoles) {
      const r = await officers.add({ name, title: `${name} title`, roles, channelRoles }, 'test');
      return { password: r.secrets.password!, totpSecret: r.secrets.totpSecret! };
    },
    totp,
    async login(name, creds) {
      const res = await inject('POST', '/api/v1/auth/login', { name, password: creds.password, totp: await totp(creds.totpSecret) }, {});
      if (res.statusCode !== 200) throw new Error(`login ${name}: ${res.statusCode} ${res.body}`);
      const cookie = cookieOf(res)!;
      const csrf = (res.json() as { csrfToken: string }).csrfToken;
      // The next code for this secret must come from a later time step (each code is good once).
      t.clock.advance(30_000);
      return {
        name,
        cookie,
        csrf,
        call: (method, url, body, o = {}) =>
          inject(method, url, body, { cookie: `${SESSION_COOKIE}=${cookie}`, ...(o.csrf === false ? {} : { 'x-csrf-token': typeof o.csrf === 'string' ? o.csrf : csrf }) }),
      };
    },
    host: (method, url, body, headers = {}) => inject(method, url, body, { authorization: `Bearer ${TOKEN}`, ...headers }),
    async close() {
      await app.close();
      await t.cleanup();
    },
  };
}

/**
 * What a standby instance serves on the officer port while another instance is active (#19): it
 * is alive (/healthz), not ready (/readyz 503, so a load balancer routes elsewhere), exposes its
 * metrics, and answers every officer request with HA_STANDBY naming the active instance. It never
 * writes: it has no channel state and no signing path at all. Its federation port is closed, so
 * peers fail over to the active instance's endpoint.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { TerminalError, TERMINAL_ERRORS } from '../errors.js';
import type { TerminalMetrics } from '../metrics.js';
import type { HaStatus } from '../officer-api/api-schemas.js';

/** Options of {@link startStandbyServer}. */
export interface StandbyServerOptions {
  readonly instance: string;
  readonly party: string;
  /** The host credential (DATA/officer.token): /metrics and the status need it. */
  readonly token: string;
  /** The metrics token (DATA/metrics.token): /metrics takes it too. */
  readonly metricsToken?: string;
  readonly host: string;
  readonly port: number;
  readonly metrics: TerminalMetrics;
  /** The lease and the instances, read from the database. */
  readonly status: () => Promise<HaStatus>;
  /** Why this instance takes no lease at all (HA_KEY_REVOKED's sentence), if it does not. */
  readonly blocked?: () => string | undefined;
}

/** A listening standby server. */
export interface StandbyServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The sentence naming the active instance, for messages. */
export function activeSentence(status: HaStatus): string {
  const active = status.instances.find((i) => i.instance === status.active);
  if (!status.active) return 'no instance is active yet (one takes over within seconds).';
  const since = status.since === null ? '' : ` since ${new Date(status.since).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  return `the active instance is ${status.active}${active ? ` (officer API ${active.officerUrl})` : ''}${since}.`;
}

function bearerOk(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization;
  if (!header?.startsWith('Bearer ')) return false;
  const a = Buffer.from(header.slice(7).trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Listens on the officer port as a standby. */
export async function startStandbyServer(o: StandbyServerOptions): Promise<StandbyServer> {
  const app = Fastify({ logger: false });
  const standby = async (reply: FastifyReply, extra: object = {}) => {
    const status = await o.status().catch(() => undefined);
    const message = TERMINAL_ERRORS.format('HA_STANDBY', { instance: o.instance, party: o.party, active: status ? activeSentence(status) : 'the database does not answer, so the active instance is unknown.' });
    return reply.code(503).header('retry-after', '1').send({ code: 'HA_STANDBY', message, ...(status ? { ha: status } : {}), ...extra });
  };
  app.get('/healthz', async () => ({ ok: true, party: o.party, role: 'standby', instance: o.instance }));
  app.get('/readyz', async (_request, reply) => {
    const blocked = o.blocked?.();
    if (blocked) return reply.code(503).send({ ok: false, code: 'HA_KEY_REVOKED', reason: blocked });
    const status = await o.status().catch(() => undefined);
    return reply.code(503).send({ ok: false, reason: `standby instance ${o.instance}: ${status ? activeSentence(status) : 'the database does not answer.'}` });
  });
  app.get('/metrics', async (request, reply) => {
    if (!bearerOk(request, o.token) && !(o.metricsToken !== undefined && bearerOk(request, o.metricsToken))) throw new TerminalError('UNAUTHORISED');
    const { contentType, text } = await o.metrics.scrape();
    return reply.header('content-type', contentType).send(text);
  });
  app.setNotFoundHandler(async (_request, reply) => standby(reply));
  app.setErrorHandler((error, _request, reply) => {
    const code = (error as { code?: string }).code === 'UNAUTHORISED' ? 'UNAUTHORISED' : 'HA_STANDBY';
    if (code === 'UNAUTHORISED') return reply.code(401).send({ code, message: (error as Error).message });
    return standby(reply);
  });
  const url = await app.listen({ host: o.host, port: o.port });
  return { url, close: () => app.close() };
}

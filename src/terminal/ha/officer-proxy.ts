/**
 * One officer address in front of every instance of a highly available party (#19): `hotline ha
 * proxy` forwards HTTP and the events WebSocket to whichever instance says it is active on
 * /healthz, found by polling every instance a few times a second. Through a failover the console
 * and the CLI keep one URL: requests meanwhile are refused with HA_NO_ACTIVE (nothing was done),
 * a request cut by the active instance's death with HA_UPSTREAM_FAILED (done or not: retry with
 * the same Idempotency-Key), and the events socket closes so the console reconnects.
 *
 * A load balancer of the operator's own (HAProxy, nginx, a cloud one) does the same job: route to
 * the instance whose /healthz says "role":"active" (docs/operations.md "High availability").
 */
import Fastify from 'fastify';
import httpProxy from '@fastify/http-proxy';
import { TERMINAL_ERRORS } from '../errors.js';

/** Options of {@link startOfficerProxy}. */
export interface OfficerProxyOptions {
  /** The instances' officer API URLs (http://host:port). */
  readonly upstreams: readonly string[];
  readonly host: string;
  readonly port: number;
  /** How often the instances are asked who is active (default 250 ms). */
  readonly probeMs?: number;
  readonly onChange?: (active: string | undefined) => void;
}

/** A running proxy. */
export interface OfficerProxy {
  readonly url: string;
  /** The officer URL requests go to now. */
  active(): string | undefined;
  close(): Promise<void>;
}

/** Which upstream says it is active (an instance not highly available counts when healthy). */
async function probe(upstream: string): Promise<boolean> {
  const r = await fetch(`${upstream}/healthz`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
  if (!r?.ok) return false;
  const body = (await r.json().catch(() => ({}))) as { role?: string };
  return body.role === undefined || body.role === 'active';
}

/** Starts the proxy. */
export async function startOfficerProxy(o: OfficerProxyOptions): Promise<OfficerProxy> {
  let active: string | undefined;
  let stopped = false;
  const look = async () => {
    const answers = await Promise.all(o.upstreams.map(probe));
    const next = o.upstreams[answers.indexOf(true)];
    if (next !== active) {
      active = next;
      o.onChange?.(active);
    }
  };
  await look();
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => void look().finally(loop), o.probeMs ?? 250);
  };
  loop();

  const app = Fastify({ logger: false });
  const unavailable = () => ({ code: 'HA_NO_ACTIVE', message: TERMINAL_ERRORS.format('HA_NO_ACTIVE', { instances: o.upstreams.join(', ') }) });
  await app.register(httpProxy, {
    upstream: '',
    websocket: true,
    preHandler: (_request, reply, done) => {
      if (active === undefined) {
        void reply.code(503).header('retry-after', '1').send(unavailable());
        return;
      }
      done();
    },
    replyOptions: {
      getUpstream: () => active ?? o.upstreams[0]!,
      onError: (reply, { error }) => {
        void reply.code(502).send({ code: 'HA_UPSTREAM_FAILED', message: TERMINAL_ERRORS.format('HA_UPSTREAM_FAILED', { upstream: active ?? 'none', detail: error.message }) });
      },
    },
  });
  const url = await app.listen({ host: o.host, port: o.port });
  return {
    url,
    active: () => active,
    async close() {
      stopped = true;
      clearTimeout(timer);
      await app.close();
    },
  };
}

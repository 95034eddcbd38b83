/**
 * The terminal itself: liveness and readiness probes, who it is and its links (status), its
 * party card, and its peers (list, pair). Each route declares its permission beside its schema.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { fingerprint } from '../../protocol/index.js';
import { carriesTraffic, type LineState } from '../federation/link-state.js';
import * as Api from './api-schemas.js';
import { presentPeer } from './presenters.js';
import type { LinksFn, OfficerApiPorts, ReadPorts, ReconcilingFn } from './route-kit.js';

/** Options of {@link terminalRoutes}. */
export interface TerminalRoutesOptions extends Pick<OfficerApiPorts, 'self' | 'directory' | 'peers' | 'now'>, ReadPorts {
  readonly links: LinksFn;
  readonly reconciling?: ReconcilingFn;
  /** Since when commits fail for lack of room in the database (undefined: they do not). */
  readonly storeFull?: () => number | undefined;
  /** Since when a commit has waited far longer than commits take (undefined: none has). */
  readonly storeStalled?: () => number | undefined;
  readonly lockLost?: () => number | undefined;
  /** The channels where this terminal's own key is revoked (status only: /readyz stays as it is, docs/operations.md). */
  readonly ownKeyRevoked?: () => Api.OwnKeyRevoked | undefined;
  /** This instance and its party's others, when highly available. */
  readonly ha?: () => Promise<Api.HaStatus>;
  /** This instance's name, when highly available (its /healthz says it, as a standby's does). */
  readonly haInstance?: string;
}

/** How long /readyz waits for the database to answer its probe, ms. */
const READY_PROBE_MS = 2000;

/** Registers the terminal routes. */
export async function terminalRoutes(app: FastifyInstance, opts: TerminalRoutesOptions): Promise<void> {
  const { self, directory, reads } = opts;

  // Which party's terminal this is (the console's sign-in page says it); a highly available
  // instance says it is the active one: proxies and load balancers route by it.
  app.get('/healthz', { config: { permission: 'open' }, schema: { hide: true } }, async () => ({ ok: true, party: self.code, ...(opts.ha ? { role: 'active', ...(opts.haInstance ? { instance: opts.haInstance } : {}) } : {}) }));

  app.get('/readyz', { config: { permission: 'open' }, schema: { hide: true, response: { 200: Api.Readiness, 503: Api.Readiness } } }, async (request, reply) => {
    // Anyone may ask whether the terminal is ready (a load balancer, a monitor); the links in
    // detail (peers' party keys and endpoints, channels reconciling) only a caller with the
    // officer token or a session, as /metrics.
    const detailed = request.principal !== undefined;
    // Bounded: a database that does not answer (every connection waiting on a lock, a server gone
    // silent) is a prompt 503 to a health checker, not a request that never ends.
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<'silent'>((resolve) => (timer = setTimeout(() => resolve('silent'), READY_PROBE_MS)));
    try {
      if ((await Promise.race([reads.probe(), silent])) === 'silent') return reply.code(503).send({ ok: false, reason: `database not answering within ${READY_PROBE_MS / 1000} s` });
    } catch {
      return reply.code(503).send({ ok: false, reason: 'database unreachable' });
    } finally {
      clearTimeout(timer);
    }
    const full = opts.storeFull?.();
    if (full !== undefined) return reply.code(503).send({ ok: false, reason: `database full since ${new Date(full).toISOString().replace(/\.\d{3}Z$/, 'Z')}: nothing can be stored; free space on the database host` });
    const stalled = opts.storeStalled?.();
    if (stalled !== undefined) return reply.code(503).send({ ok: false, reason: `database commits stalled since ${new Date(stalled).toISOString().replace(/\.\d{3}Z$/, 'Z')} (STORE_STALLED): nothing sent or received is stored; find what holds the database (a lock, an unanswering server, a disk)` });
    const lockLost = opts.lockLost?.();
    if (lockLost !== undefined) return reply.code(503).send({ ok: false, reason: `database lock lost since ${new Date(lockLost).toISOString().replace(/\.\d{3}Z$/, 'Z')} (TERMINAL_LOCK_LOST): nothing is signed until it is taken again` });
    const links = opts.links();
    const up = links.filter((l) => carriesTraffic(l.state as LineState)).length;
    const shown = links.map((l) => ({ peer: l.peer, code: l.code, state: l.state, endpoint: l.endpoint, since: l.since, reason: l.reason ?? null }));
    const reconciling = opts.reconciling?.() ?? [];
    const forked = reconciling.filter((r) => r.why === 'own-log-forked');
    const more = (extra: Record<string, unknown>) => (detailed ? extra : {});
    if (forked.length) return reply.code(503).send({ ok: false, reason: `own log forked on ${forked.length} channel(s) (CHANNEL_OWN_LOG_FORKED): nothing is signed there until repaired (docs/operations.md "Backup and restore")`, peersUp: up, peers: links.length, ...more({ reconciling: [...reconciling] }) });
    const behind = reconciling.filter((r) => r.why === 'clock-behind-log');
    if (behind.length === reconciling.length && behind.length) return reply.code(503).send({ ok: false, reason: `clock behind this terminal's own last entry on ${behind.length} channel(s) (CLOCK_BEHIND_LOG): nothing is signed there until the clock passes it, or until repaired (docs/operations.md "Clocks")`, peersUp: up, peers: links.length, ...more({ reconciling: [...reconciling] }) });
    if (reconciling.length) return reply.code(503).send({ ok: false, reason: `reconciling ${reconciling.length} channel(s) with the peers: fetching this terminal's own entries back before signing`, peersUp: up, peers: links.length, ...more({ reconciling: [...reconciling] }) });
    if (links.length > 0 && up === 0) {
      const iso = (t: number | undefined) => (t === undefined ? '' : ` since ${new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z')}`);
      const why = links.map((l) => `${l.code} ${l.state}${iso(l.since)}${l.reason ? ` (${l.reason})` : ''}`).join('; ');
      return reply.code(503).send({ ok: false, reason: `no peer reachable: ${why}`, peersUp: 0, peers: links.length, ...more({ links: shown }) });
    }
    return { ok: true, peersUp: up, peers: links.length, ...more({ links: shown }) };
  });

  // Who this terminal is and its links: the console's header, for every signed-in officer (one
  // granted a single channel too).
  app.get('/api/v1/status', { config: { permission: 'authenticated' }, schema: { summary: 'Who this terminal is, its peers and links', response: { 200: Api.Status } } }, async () => ({
    party: self.party,
    code: self.code,
    fingerprint: fingerprint(self.party),
    channels: directory.channelIds().length,
    links: opts.links().map((l) => ({ peer: l.peer, code: l.code, state: l.state, endpoint: l.endpoint, since: l.since, reason: l.reason ?? null, transport: l.transport })),
    time: opts.now(),
    ...reconcilingOf(opts.reconciling),
    ...(opts.ha ? { ha: await opts.ha() } : {}),
    ...databaseTrouble(opts.storeFull?.(), opts.storeStalled?.(), opts.lockLost?.()),
    ...ownKeyRevokedOf(opts.ownKeyRevoked),
  }));

  app.get('/api/v1/card', { config: { permission: 'terminal.read' }, schema: { summary: "This party's card, to give to peers", response: { 200: Api.PartyCard } } }, async () => self.card);

  app.get('/api/v1/peers', { config: { permission: 'terminal.read' }, schema: { summary: 'Known peers', response: { 200: Type.Array(Api.Peer) } } }, async () => {
    const links = new Map(opts.links().map((l) => [l.peer, l.state]));
    return (await reads.peers()).map((p) => presentPeer(p, links.get(p.party)));
  });

  app.post(
    '/api/v1/peers',
    {
      config: { permission: 'terminal.manage' },
      schema: {
        summary: 'Pair with a peer: its card and the fingerprint confirmed out of band',
        body: Type.Object({ card: Type.Unknown(), fingerprint: Type.String({ minLength: 1, maxLength: 100 }), sameCode: Type.Optional(Type.Boolean({ description: 'pair even though another peer uses the same code (a party that re-issued its key)' })) }),
        response: { 201: Api.PeerAdded },
      },
    },
    async (request, reply) => {
      const { card, fingerprint: fp, sameCode } = request.body as { card: unknown; fingerprint: string; sameCode?: boolean };
      return reply.code(201).send(await opts.peers.addPeer(card, fp, { sameCode: sameCode === true }));
    },
  );
}

/** The channels reconciling, as a member of the status only when there are any. */
function reconcilingOf(fn: ReconcilingFn | undefined): { reconciling?: Array<{ channel: string; have: number; peerHolds: number; why: string; forkedAt?: number; peer?: string }> } {
  const list = fn?.() ?? [];
  return list.length ? { reconciling: [...list] } : {};
}

/** The status's `database` member: present only while the database is full or its commits stall. */
function databaseTrouble(fullSince: number | undefined, stalledSince: number | undefined, lockLostSince: number | undefined): { database?: Api.DatabaseTrouble } {
  if (fullSince === undefined && stalledSince === undefined && lockLostSince === undefined) return {};
  return { database: { ...(fullSince !== undefined ? { fullSince } : {}), ...(stalledSince !== undefined ? { stalledSince } : {}), ...(lockLostSince !== undefined ? { lockLostSince } : {}) } };
}

/** The channels where this terminal's own key is revoked, as a member of the status only when there are any. */
function ownKeyRevokedOf(fn: (() => Api.OwnKeyRevoked | undefined) | undefined): { ownKeyRevoked?: Api.OwnKeyRevoked } {
  const r = fn?.();
  return r ? { ownKeyRevoked: r } : {};
}

/**
 * The officer API: REST and a WebSocket of events, described by an OpenAPI document at
 * /openapi.json. Bound to loopback. Officers sign in to console sessions; the CLI on the host
 * uses the credential file DATA/officer.token; every route requires a permission (auth.ts).
 * Routes are thin: validate, call a ChannelService use case, present exactly the fields that leave.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import Type, { type Static } from 'typebox';
import { writeBundle, fingerprint, OfficerRef, PRECEDENCES, TIERS, ROLES, type BodyOf, type PartyCard, type Role, type SealedEntry } from '../../protocol/index.js';
import type { ChannelService } from '../channels/channel-service.js';
import type { TerminalEvent } from '../events/event-bus.js';
import { apiErrorHandler, TerminalError } from '../errors.js';
import type { LinkState } from '../federation/peer-link.js';
import { registerOperationsRoutes, type OperationsRoutesOptions } from './operations-routes.js';
import type { OfficerService } from '../officers/officer-service.js';
import { roleAllows, rolesOn, type PrecedenceCaps } from '../officers/permissions.js';
import { officerAuth } from './auth.js';
import { authRoutes } from './auth-routes.js';
import { officersRoutes } from './officers-routes.js';
import { consoleRoutes } from './console-routes.js';

export interface OfficerServerOptions {
  readonly service: ChannelService;
  /** Fastify's schemaController option (e.g. lazyValidators().schemaController). */
  readonly schemaController?: FastifyServerOptions['schemaController'];
  readonly token: string;
  readonly logger: FastifyBaseLogger;
  /** Link state per peer party, for status and channel views. */
  readonly links: () => Array<{ peer: string; code: string; state: LinkState; endpoint: string | null }>;
  /** Link-test health per channel and peer. */
  readonly linkHealth?: () => Array<{ channel: string; peer: string; code: string; state: string; lastEchoAt: number | null; lastRttMs: number | null; lastOffsetMs: number | null; since: number }>;
  /** Default officer for acknowledgements and messages until officer accounts exist. */
  readonly defaultOfficer: { name: string; title: string; role: Role };
  readonly version: string;
  /** Crisis operations: drill scheduler and metrics (drills, readiness and /metrics routes). */
  readonly operations: Omit<OperationsRoutesOptions, 'service'>;
  /** Officer accounts and sessions (built by the composition root, terminal.ts). */
  readonly officers: OfficerService;
  /** Session cookie without `Secure`: only for plain HTTP on loopback, by explicit choice. */
  readonly insecureCookies?: boolean;
  /** Highest precedence per sending role (default: duty officers up to IMMEDIATE). */
  readonly precedenceCaps?: PrecedenceCaps;
  /** Sign-in attempts per address per minute. */
  readonly loginRateLimit?: number;
  /** The built console served at /console/ (default dist/web of this checkout). */
  readonly consoleDir?: string;
}

const ChannelParams = Type.Object({ id: Type.String({ minLength: 4, maxLength: 64, pattern: '^[0-9a-f]+$' }) });
const Reason = Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })) });
const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });

/** Most messages one batch request may carry. */
export const MAX_BATCH_MESSAGES = 1000;
/** A message as an officer drafts it (who sends it comes from the account: auth.ts). */
const draftFields = {
  text: Type.String({ minLength: 1, maxLength: 16_000 }),
  lang: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' })),
  precedence: Type.Optional(Type.Enum(PRECEDENCES)),
  replyTo: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  drill: Type.Optional(Type.Boolean()),
};
const MessageDraft = Type.Object(draftFields);
type MessageDraftBody = Static<typeof MessageDraft>;

/** The signed body of a drafted message, with defaults filled in. */
function messageBody(m: MessageDraftBody, from: OfficerRef | undefined): BodyOf<'message'> {
  return {
    text: m.text,
    lang: m.lang ?? 'en',
    precedence: m.precedence ?? 'ROUTINE',
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    ...(m.subject ? { subject: m.subject } : {}),
    ...(m.drill ? { drill: true } : {}),
    ...(from ? { from } : {}),
  };
}

/**
 * Whether the caller may read a channel: the host credential may; an officer needs a role on
 * that channel (a channel grant replaces the terminal-wide roles) that allows channel.read.
 */
export function mayRead(principal: FastifyRequest['principal'], channel: string): boolean {
  if (!principal || principal.kind !== 'officer') return principal?.kind === 'terminal';
  return rolesOn(principal.officer.roles, channel).some((r) => roleAllows(r, 'channel.read'));
}

/**
 * The channels the caller may read, for routes that span channels (what awaits acknowledgement,
 * escalation steps): undefined when it may read every channel on the terminal.
 */
export function readableChannels(principal: FastifyRequest['principal'], service: Pick<ChannelService, 'channelIds'>): string[] | undefined {
  const all = service.channelIds();
  const readable = all.filter((id) => mayRead(principal, id));
  return readable.length === all.length ? undefined : readable;
}

/** Builds (does not start) the officer API server. */
export async function buildOfficerServer(opts: OfficerServerOptions): Promise<FastifyInstance> {
  const { service } = opts;
  const app = Fastify({ loggerInstance: opts.logger, bodyLimit: 64 * 1024 * 1024, ...(opts.schemaController ? { schemaController: opts.schemaController } : {}) });
  app.setErrorHandler(apiErrorHandler('officer', 'officer API'));
  app.setNotFoundHandler(async (request) => {
    throw new TerminalError('NOT_FOUND', { what: `${request.method} ${request.url.slice(0, 200)}` });
  });
  app.addContentTypeParser(['application/x-ndjson', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  await app.register(swagger, {
    openapi: {
      info: { title: 'Hotline officer API', version: opts.version, description: 'Officer API of a Hotline terminal. Officers sign in with POST /api/v1/auth/login (session cookie; send X-CSRF-Token on state-changing requests); on the terminal host, `Authorization: Bearer <DATA/officer.token>`, optionally acting as an officer named in X-Hotline-Officer.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'hotline_session' } } },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  await app.register(websocket);

  const { officers } = opts;
  await app.register(officerAuth, { service, officers, token: opts.token, insecureCookies: opts.insecureCookies, precedenceCaps: opts.precedenceCaps, loginRateLimit: opts.loginRateLimit });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await service.store.getMeta('ready-probe');
    } catch {
      return reply.code(503).send({ ok: false, reason: 'database unreachable' });
    }
    const links = opts.links();
    const up = links.filter((l) => l.state === 'up').length;
    if (links.length > 0 && up === 0) return reply.code(503).send({ ok: false, reason: 'no peer endpoint reachable' });
    return { ok: true, peersUp: up, peers: links.length };
  });

  app.get('/api/v1/status', { schema: { summary: 'Who this terminal is, its peers and links' } }, async () => ({
    party: service.self.party,
    code: service.self.code,
    fingerprint: fingerprint(service.self.party),
    channels: service.channelIds().length,
    links: opts.links(),
    time: service.now(),
  }));

  app.get('/api/v1/card', { schema: { summary: 'This party\'s card, to give to peers' } }, async () => service.self.card);

  app.get('/api/v1/peers', { schema: { summary: 'Known peers' } }, async () => {
    const links = new Map(opts.links().map((l) => [l.peer, l]));
    return (await service.store.listPeers()).map((p) => ({ party: p.party, code: p.code, fingerprint: p.fingerprint, endpoints: (JSON.parse(p.card) as PartyCard).endpoints, link: links.get(p.party)?.state ?? 'down' }));
  });

  app.post(
    '/api/v1/peers',
    { schema: { summary: 'Pair with a peer: its card and the fingerprint confirmed out of band', body: Type.Object({ card: Type.Unknown(), fingerprint: Type.String({ minLength: 1, maxLength: 100 }) }) } },
    async (request, reply) => {
      const { card, fingerprint: fp } = request.body as { card: unknown; fingerprint: string };
      const added = await service.addPeer(card, fp);
      return reply.code(201).send(added);
    },
  );

  app.get('/api/v1/channels', { schema: { summary: 'Channels on this terminal (those the caller may read)' } }, async (request) =>
    service.channelIds().filter((id) => mayRead(request.principal, id)).map((id) => {
      const v = service.view(id);
      return { id: v.id, state: v.state, title: v.title, tier: v.tier, proposer: v.proposer, parties: v.parties.map((p) => p.code), entries: v.entries };
    }),
  );

  app.post(
    '/api/v1/channels',
    {
      schema: {
        summary: 'Propose a channel charter',
        body: Type.Object({
          title: Type.Record(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' }), Type.String({ minLength: 1, maxLength: 500 }), { minProperties: 1 }),
          tier: Type.Enum(TIERS),
          parties: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 31 }),
          roles: Type.Optional(Type.Array(Type.Enum(ROLES), { minItems: 1 })),
          languages: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
          linkTestIntervalSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
          ackDeadlineSec: Type.Optional(Type.Object({ FLASH: Type.Optional(Type.Integer({ minimum: 1 })), IMMEDIATE: Type.Optional(Type.Integer({ minimum: 1 })), PRIORITY: Type.Optional(Type.Integer({ minimum: 1 })), ROUTINE: Type.Optional(Type.Integer({ minimum: 1 })) })),
          expires: Type.Optional(Type.Integer({ minimum: 0 })),
          note: Type.Optional(Type.String({ maxLength: 4000 })),
        }),
      },
    },
    async (request, reply) => reply.code(201).send(await service.propose(request.body as Parameters<ChannelService['propose']>[0])),
  );

  app.get('/api/v1/channels/:id', { schema: { summary: 'A channel: state, members, link, counts', params: ChannelParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const v = service.view(id);
    const links = new Map(opts.links().map((l) => [l.peer, l.state]));
    const messages = await service.store.countMessages(v.id, service.self.party);
    const evidence = await service.store.listEvidence(v.id);
    return {
      ...v,
      parties: v.parties.map((p) => ({ ...p, link: p.party === service.self.party ? 'self' : (links.get(p.party) ?? 'down') })),
      messages,
      equivocations: evidence.length,
    };
  });

  for (const action of ['accept', 'decline', 'withdraw', 'suspend', 'resume', 'close'] as const) {
    app.post(
      `/api/v1/channels/:id/${action}`,
      { schema: { summary: `Charter action: ${action}`, params: ChannelParams, body: Type.Optional(Reason) } },
      async (request) => {
        const { id } = request.params as { id: string };
        const reason = (request.body as { reason?: string } | undefined)?.reason;
        const need = (what: string) => {
          if (!reason) throw new TerminalError('BAD_REQUEST', { detail: `A reason is required to ${what} a channel; it goes on the record.` });
          return reason;
        };
        let sealed;
        switch (action) {
          case 'accept':
            sealed = await service.accept(id);
            break;
          case 'decline':
            sealed = await service.decline(id, need('decline'));
            break;
          case 'withdraw':
            sealed = await service.withdraw(id, need('withdraw'));
            break;
          case 'suspend':
            sealed = await service.write(id, 'channel.suspend', { reason: need('suspend') });
            break;
          case 'resume':
            sealed = await service.write(id, 'channel.resume', reason ? { reason } : {});
            break;
          case 'close':
            sealed = await service.write(id, 'channel.close', { reason: need('close') });
            break;
        }
        return { entry: sealed.hash, channel: service.view(id) };
      },
    );
  }

  app.get(
    '/api/v1/channels/:id/messages',
    { schema: { summary: 'Messages with receipt and acknowledgement status, oldest first: all of them, or the latest `limit`', params: ChannelParams, querystring: Type.Object({ unacked: Type.Optional(Type.Boolean()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })) }) } },
    async (request) => {
      const { id } = request.params as { id: string };
      const q = request.query as { unacked?: boolean; limit?: number };
      const log = service.channel(id);
      const rows = await service.store.listMessages(log.id, { unackedOnly: q.unacked, limit: q.limit });
      return rows.map((m) => ({
        id: m.hash,
        from: service.label(m.author),
        own: m.author === service.self.party,
        seq: m.seq,
        time: m.time,
        precedence: m.precedence,
        lang: m.lang,
        text: m.text,
        replyTo: m.replyTo,
        drill: m.drill,
        deadlineAt: m.deadlineAt,
        receiptedAt: m.receiptedAt,
        ackedAt: m.ackedAt,
        ackedBy: m.ackedBy ? (JSON.parse(m.ackedBy) as unknown) : null,
      }));
    },
  );

  app.post(
    '/api/v1/channels/:id/messages',
    {
      schema: {
        summary: 'Send a message',
        params: ChannelParams,
        body: Type.Object({ ...draftFields, from: Type.Optional(OfficerRef) }),
        response: { 201: Type.Object({ id: Type.String(), seq: Type.Integer(), time: Type.Integer() }), 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const b = request.body as MessageDraftBody & { from?: OfficerRef };
      const sealed = await service.send(id, messageBody(b, b.from), { audit: request.auditWithEntry(201, (s: SealedEntry) => ({ id: s.hash })) });
      return reply.code(201).send({ id: sealed.hash, seq: sealed.entry.seq, time: sealed.entry.time });
    },
  );

  app.post(
    '/api/v1/channels/:id/messages/batch',
    {
      schema: {
        summary: 'Send several messages at once (a gateway): each is its own signed entry, and all commit together or none does',
        params: ChannelParams,
        body: Type.Object({
          messages: Type.Array(MessageDraft, { minItems: 1, maxItems: MAX_BATCH_MESSAGES }),
          from: Type.Optional(OfficerRef),
        }),
        response: { 201: Type.Object({ messages: Type.Array(Type.Object({ id: Type.String(), seq: Type.Integer(), time: Type.Integer() })) }), 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const b = request.body as { messages: MessageDraftBody[]; from?: OfficerRef };
      const sealed = await service.sendMany(
        id,
        b.messages.map((m) => messageBody(m, b.from)),
        { audit: request.auditWithEntry(201, (made: readonly SealedEntry[]) => ({ count: made.length, first: made[0]!.hash, last: made.at(-1)!.hash })) },
      );
      return reply.code(201).send({ messages: sealed.map((s) => ({ id: s.hash, seq: s.entry.seq, time: s.entry.time })) });
    },
  );

  app.post(
    '/api/v1/messages/:id/ack',
    { schema: { summary: 'Acknowledge a message of the other side', params: Type.Object({ id: Type.String({ minLength: 6, maxLength: 64, pattern: '^[0-9a-f]+$' }) }), body: Type.Optional(Type.Object({ officer: Type.Optional(OfficerRef), note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) })) } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const b = (request.body ?? {}) as { officer?: { name: string; title: string; role: Role }; note?: string };
      const sealed = await service.acknowledge(id, b.officer ?? opts.defaultOfficer, b.note, { audit: request.auditWithEntry(201, (s) => ({ id: s.hash, message: (s.entry.body as { message: string }).message })) });
      return reply.code(201).send({ id: sealed.hash, message: sealed.entry.body.message, time: sealed.entry.time });
    },
  );

  app.get('/api/v1/channels/:id/export', { schema: { summary: 'Transcript bundle (JSON Lines) for offline verification', params: ChannelParams } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const log = service.channel(id);
    const cards = [service.self.card, ...(await service.store.listPeers()).map((p) => JSON.parse(p.card) as PartyCard)];
    const raws: string[] = [];
    for await (const e of service.store.streamEntries(log.id)) raws.push(e.raw);
    void reply.header('content-type', 'application/x-ndjson');
    return writeBundle({ channel: log.id, exportedBy: service.self.code, exportedAt: service.now() }, cards, raws);
  });

  app.post('/api/v1/import', { schema: { summary: 'Import a bundle file (the sneakernet path): entries are verified and merged' } }, async (request) => {
    const text = typeof request.body === 'string' ? request.body : '';
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) throw new TerminalError('BAD_REQUEST', { detail: 'The bundle is empty.' });
    const entries: string[] = [];
    for (const line of lines.slice(1)) if (line.startsWith('{"author":')) entries.push(line);
    const first = await service.receive(entries, 'import');
    // Entries out of order across authors settle in a second pass.
    const second = first.pending > 0 ? await service.receive(entries, 'import') : undefined;
    return { accepted: first.accepted + (second?.accepted ?? 0), duplicate: first.duplicate, pending: second?.pending ?? first.pending, rejected: [...first.rejected, ...(second?.rejected ?? [])].slice(0, 50) };
  });

  app.get('/api/v1/channels/:id/link', { schema: { summary: 'Link-test state per peer and recent round-trip/offset samples', params: ChannelParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const log = service.channel(id);
    const health = (opts.linkHealth?.() ?? []).filter((h) => h.channel === log.id);
    const since = service.now() - 24 * 3_600_000;
    const samples: Record<string, unknown[]> = {};
    for (const peer of service.peersOf(log.id)) samples[service.label(peer)] = await service.store.listLinkSamples(log.id, peer, since, 500);
    return { health, samples };
  });

  app.get('/api/v1/channels/:id/evidence', { schema: { summary: 'Equivocation evidence', params: ChannelParams } }, async (request) => {
    const { id } = request.params as { id: string };
    return service.store.listEvidence(service.channel(id).id);
  });

  // Each event is written as JSON once, however many consoles are listening.
  const eventText = new WeakMap<TerminalEvent, string>();
  const textOf = (e: TerminalEvent): string => {
    let text = eventText.get(e);
    if (text === undefined) {
      text = JSON.stringify(e);
      eventText.set(e, text);
    }
    return text;
  };
  app.get('/api/v1/events', { websocket: true, schema: { summary: 'Live events: entries, state changes, alarms (WebSocket), for the channels the caller may read' } }, (socket, request) => {
    // A commit of many entries emits one event each, synchronously: the frames written meanwhile
    // leave in one write to the socket (corked until the end of this turn of the event loop), not
    // one system call per event (measured: 10 to 13% of a terminal's main thread at 4,000 msg/s).
    const tcp = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    let corked = false;
    const cork = () => {
      if (corked || !tcp) return;
      corked = true;
      tcp.cork();
      process.nextTick(() => {
        corked = false;
        tcp.uncork();
      });
    };
    const listener = (e: TerminalEvent) => {
      const channel = (e as { channel?: string }).channel;
      if (channel !== undefined && !mayRead(request.principal, channel)) return;
      if (socket.readyState !== socket.OPEN) return;
      cork();
      socket.send(textOf(e));
    };
    const unsubscribe = service.events.onAny(listener);
    socket.on('close', unsubscribe);
  });

  await registerOperationsRoutes(app, { service, ...opts.operations });
  await authRoutes(app, { officers, loginRateLimit: opts.loginRateLimit });
  await officersRoutes(app, { officers, service });
  await consoleRoutes(app, { dir: opts.consoleDir });

  return app;
}

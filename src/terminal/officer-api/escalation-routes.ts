/**
 * Officer API of crisis operations: what awaits acknowledgement here (with its countdown), our
 * messages the other side has not acknowledged by their deadline, escalation policies per channel,
 * the record of escalation steps, and the duty roster.
 *
 * Registered on the officer server by the terminal (terminal.ts), behind the same authentication;
 * reading needs `channel.read`, changing policies or the roster `terminal.manage`.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { ChannelEscalation, EscalationSettingsFiles } from '../escalation/settings-files.js';
import { escalationStart, escalationSteps } from '../schedulers/escalation-scheduler.js';
import * as Api from './api-schemas.js';
import { readableChannels } from './auth.js';
import type { MessageRow } from '../../store/index.js';
import { receiptsIn } from './messages-routes.js';
import { presentAwaiting, presentReceipts } from './presenters.js';
import { owedBy } from '../channels/addressees.js';
import { ChannelParams, type OfficerApiPorts, type ReadPorts } from './route-kit.js';

/** Options of {@link escalationRoutes}. */
export interface EscalationRoutesOptions extends Pick<OfficerApiPorts, 'self' | 'directory' | 'now' | 'messages'>, ReadPorts {
  readonly files: EscalationSettingsFiles;
}

/** Messages /api/v1/pending lists unless asked for another number, and the most it lists (and /api/v1/overdue). */
export const PENDING_LIMIT = 500;
export const PENDING_LIMIT_MAX = 10_000;

/** Each message's receipt state per party (presenters.ts presentReceipts), for rows of any channels. */
async function receiptStates(opts: Pick<EscalationRoutesOptions, 'reads' | 'directory'>, rows: readonly MessageRow[]): Promise<(m: MessageRow) => Pick<Api.Pending, 'receipts' | 'receiptedAt'>> {
  const byChannel = new Map<string, MessageRow[]>();
  for (const m of rows) byChannel.set(m.channel, [...(byChannel.get(m.channel) ?? []), m]);
  const states = new Map<string, Awaited<ReturnType<typeof receiptsIn>>>();
  for (const [channel, of] of byChannel) states.set(channel, await receiptsIn(opts, channel, of));
  const label = (party: string) => opts.directory.label(party);
  return (m) => presentReceipts(m, states.get(m.channel)!.partiesOf(m), states.get(m.channel)!.times, label);
}

/**
 * Whom our message `m` awaits, by code (the parties of the charter in force it was addressed to),
 * and in a channel of three parties or more which of them have acknowledged it already.
 */
async function addressees(opts: Pick<EscalationRoutesOptions, 'reads' | 'directory' | 'now'>, m: MessageRow): Promise<Pick<Api.Overdue, 'to' | 'acknowledgedBy'>> {
  const peers = opts.directory.channelIds().includes(m.channel) ? owedBy(opts.directory.channel(m.channel), m, opts.now()) : opts.directory.peersOf(m.channel);
  const to = peers.map((p) => opts.directory.label(p));
  if (peers.length < 2) return { to };
  const acked = new Set(await opts.reads.ackersOf(m));
  return { to, acknowledgedBy: peers.filter((p) => acked.has(p)).map((p) => opts.directory.label(p)) };
}

/**
 * The channels whose messages may await an acknowledgement here (undefined: all): readable by the
 * caller, and not left. A party an amendment removed can no longer acknowledge there (CHANNEL_LEFT),
 * so what it had not acknowledged is neither pending nor overdue any more; the channel's record stays.
 */
function awaitingIn(principal: Parameters<typeof readableChannels>[0], directory: EscalationRoutesOptions['directory']): string[] | undefined {
  const readable = readableChannels(principal, directory);
  const all = readable ?? directory.channelIds();
  const open = all.filter((id) => directory.member(id));
  return readable === undefined && open.length === all.length ? undefined : open;
}

/** Registers the routes on the officer server. */
export async function escalationRoutes(app: FastifyInstance, opts: EscalationRoutesOptions): Promise<void> {
  const { self, directory, reads, files } = opts;
  const label = (party: string) => directory.label(party);

  app.get(
    '/api/v1/pending',
    {
      config: { permission: 'channel.read' },
      schema: {
        response: { 200: Type.Array(Api.Pending) },
        summary: `Messages of the other side awaiting acknowledgement here, earliest deadline first, with the time left and the escalation reached: the first \`limit\` (default ${PENDING_LIMIT}); /api/v1/pending/summary counts them all`,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PENDING_LIMIT_MAX })) }),
      },
    },
    async (request) => {
      const now = opts.now();
      const settings = files.current();
      const { limit = PENDING_LIMIT } = request.query as { limit?: number };
      const channels = awaitingIn(request.principal, directory);
      const rows = await reads.unacked({ notFrom: self.party, limit, ...(channels ? { channels } : {}) });
      const receipts = await receiptStates(opts, rows);
      return rows.map((m) => {
        const policy = settings.policyFor(m.channel, label(m.author));
        const steps = escalationSteps(policy);
        const start = escalationStart(m, policy);
        const taken = steps[m.escalationLevel - 1];
        const next = steps[m.escalationLevel];
        return {
          ...presentAwaiting(m, now, label, self.party),
          ...receipts(m),
          escalation: {
            level: taken?.level ?? 0,
            levelName: taken?.levelName ?? null,
            steps: m.escalationLevel,
            next: next ? { level: next.level, levelName: next.levelName, at: start + next.offsetMs } : null,
          },
        };
      });
    },
  );

  app.get(
    '/api/v1/pending/summary',
    {
      config: { permission: 'channel.read' },
      schema: {
        summary: 'How many messages of the other side await acknowledgement here, in all and per channel',
        response: { 200: Api.PendingSummary },
      },
    },
    async (request) => {
      const channels = awaitingIn(request.principal, directory);
      const counts = (await reads.unackedByChannel()).filter((c) => !channels || channels.includes(c.channel));
      return { total: counts.reduce((n, c) => n + c.count, 0), channels: Object.fromEntries(counts.map((c) => [c.channel, c.count])) };
    },
  );

  app.get(
    '/api/v1/overdue',
    { config: { permission: 'channel.read' }, schema: { summary: `Our messages not acknowledged by every party they are addressed to by their deadline, earliest first (${PENDING_LIMIT_MAX} at most)`, response: { 200: Type.Array(Api.Overdue) } } },
    async (request) => {
      const now = opts.now();
      const channels = awaitingIn(request.principal, directory);
      const rows = await reads.unacked({ deadlineBefore: now, from: self.party, limit: PENDING_LIMIT_MAX, ...(channels ? { channels } : {}) });
      const receipts = await receiptStates(opts, rows);
      const out: Api.Overdue[] = [];
      for (const m of rows) out.push({ ...presentAwaiting(m, now, label, self.party), ...receipts(m), ...(await addressees(opts, m)) });
      return out;
    },
  );

  app.get(
    '/api/v1/escalations',
    { config: { permission: 'channel.read' }, schema: { summary: 'Escalation steps taken: who was notified, how, when, and the outcome', querystring: Type.Object({ message: Type.Optional(Type.String({ pattern: '^[0-9a-f]{6,64}$', description: 'a message id or a unique prefix of at least 6 characters' })), channel: Type.Optional(Type.String({ pattern: '^[0-9a-f]{6,64}$' })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) }) } },
    async (request) => {
      const q = request.query as { message?: string; channel?: string; limit?: number };
      const channel = q.channel ? directory.channel(q.channel).id : undefined;
      const channels = readableChannels(request.principal, directory);
      // An id or a unique prefix, as everywhere else (MESSAGE_NOT_FOUND or an ambiguous prefix otherwise).
      const message = q.message ? (await opts.messages.findMessage(q.message)).hash : undefined;
      return reads.escalationSteps({ ...(message ? { message } : {}), ...(channel ? { channel } : {}), ...(channels ? { channels } : {}), limit: q.limit ?? 1000 });
    },
  );

  policyRoutes(app, opts);
}

/** Escalation policies of a channel, and the duty roster. */
function policyRoutes(app: FastifyInstance, opts: EscalationRoutesOptions): void {
  const { directory, files } = opts;
  const label = (party: string) => directory.label(party);

  app.get('/api/v1/channels/:id/escalation', { config: { permission: 'channel.read', scope: 'channel' }, schema: { summary: 'Escalation policies of a channel: those written for it, and the one in effect per party', params: ChannelParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const log = directory.channel(id);
    const settings = files.current();
    const own = files.channel(log.id);
    return {
      channel: log.id,
      configured: settings.configured,
      ...own,
      effective: directory.peersOf(log.id).map((p) => {
        const code = label(p);
        return { party: code, policy: settings.policyFor(log.id, code) };
      }),
      onWatch: settings.onWatch(opts.now(), log.id),
    };
  });

  app.put(
    '/api/v1/channels/:id/escalation',
    { config: { permission: 'terminal.manage', scope: 'channel' }, schema: { summary: 'Replace the escalation policies of a channel: {"contacts"?: {...}, "policies": [...]} or one policy {"levels": [...]}; a contact\'s webhook secret given as "(secret)", as GET shows it, keeps the stored one', params: ChannelParams, body: Type.Object({}, { additionalProperties: true }) } },
    async (request) => {
      const { id } = request.params as { id: string };
      const log = directory.channel(id);
      const body = request.body as Record<string, unknown>;
      const input = (Array.isArray(body.policies) ? body : { policies: [body] }) as unknown as ChannelEscalation;
      await files.setChannel(log.id, input);
      return { channel: log.id, ...files.channel(log.id) };
    },
  );

  app.get('/api/v1/roster', { config: { permission: 'channel.read' }, schema: { summary: 'The duty roster, and who is on watch now (for one channel with ?channel=)', querystring: Type.Object({ channel: Type.Optional(Type.String({ pattern: '^[0-9a-f]{6,64}$' })) }) } }, async (request) => {
    const q = request.query as { channel?: string };
    const settings = files.current();
    const channel = q.channel ? directory.channel(q.channel).id : undefined;
    const roster = settings.roster;
    const officers = Object.fromEntries(Object.entries(roster.officers).map(([k, o]) => [k, o.webhook ? { ...o, webhook: { ...o.webhook, secret: '(secret)' } } : o]));
    return { officers, shifts: roster.shifts, onWatch: settings.onWatch(opts.now(), channel), time: opts.now() };
  });

  app.put('/api/v1/roster', { config: { permission: 'terminal.manage' }, schema: { summary: 'Replace the duty roster: {"officers": {...}, "shifts": [...]}; an officer\'s webhook secret given as "(secret)", as GET shows it, keeps the stored one', body: Type.Object({}, { additionalProperties: true }) } }, async (request) => {
    const settings = await files.setRoster(request.body);
    return { officers: Object.keys(settings.roster.officers).length, shifts: settings.roster.shifts.length, onWatch: settings.onWatch(opts.now()) };
  });
}

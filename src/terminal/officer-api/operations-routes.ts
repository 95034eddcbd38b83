/**
 * Officer API routes of crisis operations: drills (on demand and scheduled), the readiness report,
 * and Prometheus metrics at /metrics. Registered by buildOfficerServer; behind the officer token
 * like every /api route (Prometheus sends it with `authorization: {credentials_file: DATA/officer.token}`).
 * Each route declares its permission beside its schema.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { OfficerRef, sealedFromStored, type BodyOf, type OfficerRef as OfficerRefT } from '../../protocol/index.js';
import { TerminalError } from '../errors.js';
import type { TerminalMetrics } from '../metrics.js';
import { DEFAULT_DRILL_WINDOW, formatWindow, parseWindow, sendDrill, type DrillPlan, type DrillSchedule } from '../operations/drills.js';
import { DEFAULT_SHIFTS, parseShifts, readinessReport } from '../operations/readiness.js';
import type { DrillScheduler } from '../schedulers/drill-scheduler.js';
import * as Api from './api-schemas.js';
import { signingOfficer } from './auth.js';
import { ackDeadline } from './presenters.js';
import { ChannelParams, LangTagParam, type OfficerApiPorts, type ReadPorts } from './route-kit.js';
import type { MessageRow } from '../../store/index.js';

/** Crisis operations of the terminal: its drill scheduler and metrics. */
export interface OperationsOptions {
  /** The running drill scheduler; without one, the drill-schedule routes are not served. */
  readonly drills?: Pick<DrillScheduler, 'schedule' | 'setSchedule'>;
  /** The terminal's metrics; without them, /metrics is not served. */
  readonly metrics?: TerminalMetrics;
}

/** Options of {@link operationsRoutes}. */
export interface OperationsRoutesOptions extends OperationsOptions, Pick<OfficerApiPorts, 'directory' | 'actions' | 'now'>, ReadPorts {}

const iso = (ms: number) => new Date(ms).toISOString();

function presentSchedule(channel: string, schedule: DrillSchedule | null, plan: DrillPlan | null) {
  return {
    channel,
    schedule: schedule ? { enabled: schedule.enabled, window: formatWindow(schedule), timezone: 'UTC' } : null,
    plan: plan && schedule?.enabled ? { window: `${iso(plan.windowStart)}/${iso(plan.windowEnd)}`, at: plan.at, status: plan.status, message: plan.message ?? null } : null,
  };
}

/** Every acknowledgement of each drill (a channel of three or more: each party's), read by position. */
async function drillAcks(reads: ReadPorts['reads'], channel: string, messages: readonly MessageRow[]): Promise<Map<string, Array<{ party: string; officer: string; title: string; at: number }>>> {
  const drills = messages.filter((m) => m.drill);
  const byHash = new Map<string, Array<{ party: string; officer: string; title: string; at: number }>>();
  if (drills.length === 0) return byHash;
  for (const e of await reads.pageEntries(channel, drills.map((m) => ({ channel, author: m.author, seq: m.seq })))) {
    if (e.kind !== 'ack') continue;
    const b = sealedFromStored(e.raw).entry.body as BodyOf<'ack'>;
    byHash.set(b.message, [...(byHash.get(b.message) ?? []), { party: e.author, officer: b.officer.name, title: b.officer.title, at: e.time }]);
  }
  return byHash;
}

/** Registers the routes on the officer API. */
export async function operationsRoutes(app: FastifyInstance, opts: OperationsRoutesOptions): Promise<void> {
  const { directory, reads, metrics, drills } = opts;

  app.post(
    '/api/v1/channels/:id/drills',
    {
      // Sending a drill needs message.send but not the FLASH precedence cap: running drills is
      // the watch's own job.
      config: { permission: 'message.send', scope: 'channel' },
      schema: {
        summary: 'Send a drill now: a FLASH message marked DRILL that the other side must acknowledge',
        params: ChannelParams,
        body: Type.Object(
          {
            from: Type.Optional(OfficerRef),
            text: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
            lang: Type.Optional(LangTagParam),
          },
          { additionalProperties: false },
        ),
        response: { 201: Api.DrillSent },
      },
      // No body at all (`curl -X POST .../drills`) means the defaults.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const b = (request.body ?? {}) as { from?: OfficerRefT; text?: string; lang?: string };
      const from = signingOfficer(request, b.from);
      const sealed = await sendDrill(opts.actions, id, { ...(from ? { from } : {}), ...(b.text ? { text: b.text } : {}), ...(b.lang ? { lang: b.lang } : {}) });
      metrics?.drillsSent.inc({ trigger: 'manual' });
      const deadlineAt = ackDeadline(directory.view(id).charter, 'FLASH', sealed.entry.time);
      return reply.code(201).send({ id: sealed.hash, seq: sealed.entry.seq, time: sealed.entry.time, precedence: 'FLASH', drill: true, deadlineAt });
    },
  );

  if (drills) drillScheduleRoutes(app, opts, drills);

  app.get(
    '/api/v1/channels/:id/readiness',
    {
      config: { permission: 'channel.read', scope: 'channel' },
      schema: {
        summary: 'Readiness report: drills sent, acknowledged, missed, time to acknowledge (median, p90, worst) by party, officer and shift',
        params: ChannelParams,
        querystring: Type.Object({ shifts: Type.Optional(Type.String({ maxLength: 100 })), party: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }),
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const q = request.query as { shifts?: string; party?: string };
      let shifts = DEFAULT_SHIFTS;
      if (q.shifts !== undefined) {
        try {
          shifts = parseShifts(q.shifts);
        } catch (e) {
          throw new TerminalError('BAD_REQUEST', { detail: (e as Error).message });
        }
      }
      const view = directory.view(id);
      const codes = new Map(view.parties.map((p) => [p.party, p.code]));
      // A party the charter does not name sent no drill here: say so, not "no drills yet".
      if (q.party !== undefined && !view.parties.some((p) => p.party === q.party || p.code === q.party))
        throw new TerminalError('BAD_REQUEST', { detail: `${q.party} is not a party of channel ${view.id.slice(0, 12)}; its parties are ${view.parties.map((p) => p.code).join(', ')}` });
      const messages = await reads.messages(view.id);
      // A channel that ever had three parties or more: each drill judged by the parties it went to.
      const log = directory.channel(view.id);
      const ever = [...new Set([...log.authors(), ...view.parties.map((p) => p.party)])];
      const acks = ever.length > 2 ? await drillAcks(reads, view.id, messages) : undefined;
      const addressed = acks ? new Map(messages.filter((m) => m.drill).map((m) => [m.hash, ever.filter((p) => p !== m.author && log.addressedToAt(m.author, m.seq, p) === true)])) : undefined;
      for (const p of ever) if (!codes.has(p)) codes.set(p, directory.label(p));
      const report = readinessReport({ channel: view.id, messages, codes, now: opts.now(), shifts, ...(q.party ? { sender: q.party } : {}), ...(acks ? { acks } : {}), ...(addressed ? { addressed } : {}) });
      return { ...report, title: view.title };
    },
  );

  if (metrics)
    app.get('/metrics', { config: { permission: 'terminal.read' }, schema: { summary: 'Prometheus metrics (text exposition format)' } }, async (_request, reply) => {
      const { contentType, text } = await metrics.scrape();
      return reply.header('content-type', contentType).send(text);
    });
}

/** GET and PUT /api/v1/channels/:id/drill-schedule, over the running drill scheduler. */
function drillScheduleRoutes(app: FastifyInstance, opts: OperationsRoutesOptions, drills: NonNullable<OperationsOptions['drills']>): void {
  const { directory } = opts;

  app.get(
    '/api/v1/channels/:id/drill-schedule',
    { config: { permission: 'channel.read', scope: 'channel' }, schema: { summary: 'The daily drill schedule of a channel and its next planned drill', params: ChannelParams, response: { 200: Api.DrillScheduleView } } },
    async (request) => {
      const channel = directory.channel((request.params as { id: string }).id).id;
      const s = await drills.schedule(channel);
      return presentSchedule(channel, s.schedule, s.plan);
    },
  );

  app.put(
    '/api/v1/channels/:id/drill-schedule',
    {
      config: { permission: 'terminal.manage', scope: 'channel' },
      schema: {
        summary: `Schedule a daily drill at a random time inside a UTC window (default ${DEFAULT_DRILL_WINDOW}), or stop with enabled: false`,
        params: ChannelParams,
        body: Type.Object({ enabled: Type.Optional(Type.Boolean()), window: Type.Optional(Type.String({ maxLength: 40 })) }, { additionalProperties: false }),
        response: { 200: Api.DrillScheduleView },
      },
    },
    async (request) => {
      const b = request.body as { enabled?: boolean; window?: string };
      const channel = directory.channel((request.params as { id: string }).id).id;
      const previous = (await drills.schedule(channel)).schedule;
      const window = b.window !== undefined ? parseWindow(b.window) : (previous ?? parseWindow(DEFAULT_DRILL_WINDOW));
      const r = await drills.setSchedule(channel, { enabled: b.enabled ?? true, fromMinute: window.fromMinute, toMinute: window.toMinute });
      return presentSchedule(channel, r.schedule, r.next);
    },
  );
}

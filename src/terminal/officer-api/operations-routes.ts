/**
 * Officer API routes of crisis operations: drills (on demand and scheduled), the readiness report,
 * and Prometheus metrics at /metrics. Registered by buildOfficerServer; behind the officer token
 * like every /api route (Prometheus sends it with `authorization: {credentials_file: DATA/officer.token}`).
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { OfficerRef, type Role } from '../../protocol/index.js';
import type { ChannelService } from '../channels/channel-service.js';
import { TerminalError } from '../errors.js';
import type { TerminalMetrics } from '../metrics.js';
import { DEFAULT_DRILL_WINDOW, formatWindow, parseWindow, sendDrill, type DrillPlan, type DrillSchedule } from '../operations/drills.js';
import { DEFAULT_SHIFTS, parseShifts, readinessReport } from '../operations/readiness.js';
import type { DrillScheduler } from '../schedulers/drill-scheduler.js';

export interface OperationsRoutesOptions {
  readonly service: ChannelService;
  /** The drill scheduler (built by the composition root, terminal.ts). */
  readonly drills: DrillScheduler;
  /** The terminal's metrics; without them, /metrics is not served. */
  readonly metrics?: TerminalMetrics;
}

const ChannelParams = Type.Object({ id: Type.String({ minLength: 4, maxLength: 64, pattern: '^[0-9a-f]+$' }) });
const iso = (ms: number) => new Date(ms).toISOString();

function presentSchedule(channel: string, schedule: DrillSchedule | null, plan: DrillPlan | null) {
  return {
    channel,
    schedule: schedule ? { enabled: schedule.enabled, window: formatWindow(schedule), timezone: 'UTC' } : null,
    plan: plan && schedule?.enabled ? { window: `${iso(plan.windowStart)}/${iso(plan.windowEnd)}`, at: plan.at, status: plan.status, message: plan.message ?? null } : null,
  };
}

/** Registers the routes on the officer API. */
export async function registerOperationsRoutes(app: FastifyInstance, opts: OperationsRoutesOptions): Promise<void> {
  const { service, metrics, drills } = opts;

  app.post(
    '/api/v1/channels/:id/drills',
    {
      schema: {
        summary: 'Send a drill now: a FLASH message marked DRILL that the other side must acknowledge',
        params: ChannelParams,
        body: Type.Object(
          {
            from: Type.Optional(OfficerRef),
            text: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
            lang: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' })),
          },
          { additionalProperties: false },
        ),
      },
      // No body at all (`curl -X POST .../drills`) means the defaults. Sending a drill needs
      // message.send but not the FLASH precedence cap: running drills is the watch's own job.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const b = (request.body ?? {}) as { from?: { name: string; title: string; role: Role }; text?: string; lang?: string };
      const sealed = await sendDrill(service, id, { ...(b.from ? { from: b.from } : {}), ...(b.text ? { text: b.text } : {}), ...(b.lang ? { lang: b.lang } : {}) });
      metrics?.drillsSent.inc({ trigger: 'manual' });
      const charter = service.view(id).charter;
      return reply.code(201).send({ id: sealed.hash, seq: sealed.entry.seq, time: sealed.entry.time, precedence: 'FLASH', drill: true, deadlineAt: sealed.entry.time + charter.ackDeadlineSec.FLASH * 1000 });
    },
  );

  app.get('/api/v1/channels/:id/drill-schedule', { schema: { summary: 'The daily drill schedule of a channel and its next planned drill', params: ChannelParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const channel = service.channel(id).id;
    const s = await drills.schedule(channel);
    return presentSchedule(channel, s.schedule, s.plan);
  });

  app.put(
    '/api/v1/channels/:id/drill-schedule',
    {
      schema: {
        summary: `Schedule a daily drill at a random time inside a UTC window (default ${DEFAULT_DRILL_WINDOW}), or stop with enabled: false`,
        params: ChannelParams,
        body: Type.Object({ enabled: Type.Optional(Type.Boolean()), window: Type.Optional(Type.String({ maxLength: 40 })) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const b = request.body as { enabled?: boolean; window?: string };
      const channel = service.channel(id).id;
      const previous = (await drills.schedule(channel)).schedule;
      const window = b.window !== undefined ? parseWindow(b.window) : (previous ?? parseWindow(DEFAULT_DRILL_WINDOW));
      const r = await drills.setSchedule(channel, { enabled: b.enabled ?? true, fromMinute: window.fromMinute, toMinute: window.toMinute });
      return presentSchedule(channel, r.schedule, r.next);
    },
  );

  app.get(
    '/api/v1/channels/:id/readiness',
    {
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
      const view = service.view(id);
      const codes = new Map(view.parties.map((p) => [p.party, p.code]));
      const messages = await service.store.listMessages(view.id);
      const report = readinessReport({ channel: view.id, messages, codes, now: service.now(), shifts, ...(q.party ? { sender: q.party } : {}) });
      return { ...report, title: view.title };
    },
  );

  if (metrics)
    app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format)' } }, async (_request, reply) => {
      const { contentType, text } = await metrics.scrape();
      return reply.header('content-type', contentType).send(text);
    });
}

/**
 * The officer API of crisis operations on two terminals back to back (one ManualClock): drills on
 * demand, the drill schedule, the readiness report, /metrics after some traffic, /healthz, /readyz.
 */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { T0 } from '../../src/testkit/scenario.js';
import { TerminalMetrics } from '../../src/terminal/metrics.js';
import { buildOfficerServer } from '../../src/terminal/officer-api/officer-server.js';
import { AuditLog } from '../../src/terminal/officers/audit-log.js';
import { OfficerService } from '../../src/terminal/officers/officer-service.js';
import { DrillScheduler, seededRandom } from '../../src/terminal/schedulers/drill-scheduler.js';
import { LinkTester } from '../../src/terminal/schedulers/link-tester.js';
import type { LinkState } from '../../src/terminal/federation/peer-link.js';
import { backToBack, portsOf, type BackToBack } from './back-to-back.js';
import { apiPorts } from '../officers/fixture.js';

const TOKEN = 'test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

/** The value of one sample of the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const got = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[2]);
  }
  return undefined;
}

describe('officer API: drills, readiness, metrics, health', () => {
  let t: BackToBack | undefined;
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    await t?.cleanup();
    app = t = undefined;
  });

  async function setup() {
    t = await backToBack(T0 + 9 * 3_600_000); // 09:00Z
    const channel = await t.activeChannel({ linkTestIntervalSec: 60 });
    const metrics = new TerminalMetrics();
    const tester = new LinkTester(portsOf(t.a));
    const echoer = new LinkTester(portsOf(t.b));
    tester.start();
    echoer.start();
    const links: Array<{ peer: string; code: string; state: LinkState; endpoint: string | null }> = [{ peer: t.b.self.party, code: 'CN', state: 'up', endpoint: 'https://cn.example:7443' }];
    metrics.bind({ ...portsOf(t.a), writerStats: () => t!.a.writerStats, links: () => links, linkHealth: () => tester.health() });
    const drills = new DrillScheduler(portsOf(t.a), { random: seededRandom(11) });
    app = await buildOfficerServer({
      ports: apiPorts(t.a),
      store: t.a.store,
      token: TOKEN,
      logger: pino({ level: 'silent' }),
      links: () => links,
      linkHealth: () => tester.health(),
      defaultOfficer: { name: 'US duty officer', title: 'Duty Officer', role: 'duty-officer' },
      version: 'test',
      officers: new OfficerService(t.a.store.officers, t.clock, new AuditLog(t.a.store.officers, t.clock), { issuer: 'Hotline US' }),
      operations: { drills, metrics },
    });
    return { t, app, channel, metrics, tester, links };
  }

  it('a drill on demand is acknowledged and shows in the readiness report, by officer and shift', async () => {
    const { t, app, channel } = await setup();
    const sent = await app.inject({ method: 'POST', url: `/api/v1/channels/${channel.slice(0, 12)}/drills`, headers: auth, payload: { from: { name: 'Cdr Smith', title: 'Watch Officer', role: 'duty-officer' } } });
    expect(sent.statusCode).toBe(201);
    const drill = sent.json<{ id: string; deadlineAt: number; drill: boolean }>();
    expect(drill).toMatchObject({ drill: true, precedence: 'FLASH', deadlineAt: T0 + 9 * 3_600_000 + 180_000 });
    await t.settle();

    // Marked as a drill in the message list of both sides.
    const listed = (await app.inject({ method: 'GET', url: `/api/v1/channels/${channel}/messages`, headers: auth })).json<Array<{ id: string; drill: boolean; precedence: string }>>();
    expect(listed.find((m) => m.id === drill.id)).toMatchObject({ drill: true, precedence: 'FLASH' });

    let report = (await app.inject({ method: 'GET', url: `/api/v1/channels/${channel}/readiness`, headers: auth })).json<{ overall: { sent: number; acknowledged: number; pending: number } }>();
    expect(report.overall).toMatchObject({ sent: 1, acknowledged: 0, pending: 1 });
    // A party the charter does not name: refused as such, not reported as "no drills yet".
    const stranger = await app.inject({ method: 'GET', url: `/api/v1/channels/${channel}/readiness?party=XX`, headers: auth });
    expect(stranger.statusCode).toBe(400);
    expect(stranger.json()).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^XX is not a party of channel [0-9a-f]{12}; its parties are /) });

    // CN's duty officer acknowledges 42 s later.
    t.clock.advance(42_000);
    await t.b.acknowledge(drill.id, { name: 'Lt Cdr Wang', title: 'Duty Officer', role: 'duty-officer' });
    await t.settle();
    const r = await app.inject({ method: 'GET', url: `/api/v1/channels/${channel}/readiness?shifts=6,14,22`, headers: auth });
    expect(r.statusCode).toBe(200);
    report = r.json();
    expect(report).toMatchObject({
      overall: { sent: 1, acknowledged: 1, missed: 0, pending: 0, timeToAck: { medianMs: 42_000, p90Ms: 42_000, worstMs: 42_000 } },
      byParty: [{ party: 'US', answeredBy: ['CN'], sent: 1, acknowledged: 1 }],
      byOfficer: [{ party: 'CN', officer: 'Lt Cdr Wang', acknowledged: 1, timeToAck: { medianMs: 42_000 } }],
      byShift: [{ shift: '06-14', sent: 1, acknowledged: 1 }, { shift: '14-22', sent: 0 }, { shift: '22-06', sent: 0 }],
      title: { en: 'Maritime line' },
    });

    const bad = await app.inject({ method: 'GET', url: `/api/v1/channels/${channel}/readiness?shifts=8,x`, headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toMatch(/whole UTC hours/);
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/channels/abcdef/drills', headers: auth });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ code: string }>().code).toBe('CHANNEL_NOT_FOUND');
  });

  it('drill schedule: PUT sets the window and plans the next drill, GET shows it, a bad window is refused', async () => {
    const { app, channel } = await setup();
    const put = await app.inject({ method: 'PUT', url: `/api/v1/channels/${channel}/drill-schedule`, headers: auth, payload: { window: '13:00-15:00' } });
    expect(put.statusCode).toBe(200);
    const s = put.json<{ schedule: { enabled: boolean; window: string }; plan: { at: number; status: string } }>();
    expect(s.schedule).toEqual({ enabled: true, window: '13:00-15:00', timezone: 'UTC' });
    expect(s.plan.status).toBe('planned');
    expect(s.plan.at).toBeGreaterThanOrEqual(T0 + 13 * 3_600_000);
    expect(s.plan.at).toBeLessThan(T0 + 15 * 3_600_000);
    const got = (await app.inject({ method: 'GET', url: `/api/v1/channels/${channel}/drill-schedule`, headers: auth })).json<typeof s>();
    expect(got.plan.at).toBe(s.plan.at);
    const off = (await app.inject({ method: 'PUT', url: `/api/v1/channels/${channel}/drill-schedule`, headers: auth, payload: { enabled: false } })).json<typeof s>();
    expect(off.schedule).toEqual({ enabled: false, window: '13:00-15:00', timezone: 'UTC' });
    expect(off.plan).toBeNull();
    const bad = await app.inject({ method: 'PUT', url: `/api/v1/channels/${channel}/drill-schedule`, headers: auth, payload: { window: '25:00-26:00' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toMatch(/not HH:MM-HH:MM in UTC/);
  });

  it('/metrics exposes entries in and out, sync lag, link RTT and offset, unacknowledged by precedence, escalations and notifier failures', async () => {
    const { t, app, channel, metrics, tester, links } = await setup();
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);

    // Traffic: a link test (US->CN, echo back), a FLASH message each way, one acknowledged.
    await tester.tick();
    await t.settle();
    const flash = await t.a.send(channel, { text: 'Request you hold clear of grid 12N 114E', lang: 'en', precedence: 'FLASH' });
    await t.b.send(channel, { text: 'Noted', lang: 'en', precedence: 'IMMEDIATE' });
    await t.settle();
    t.clock.advance(10_000);
    await t.b.acknowledge(flash.hash, { name: 'Lt Cdr Wang', title: 'Duty Officer', role: 'duty-officer' });
    await t.settle();
    metrics.escalationsFired.inc({ channel, level: '1' });
    metrics.notifierFailures.inc({ notifier: 'webhook' });

    let res = await app.inject({ method: 'GET', url: '/metrics', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    let text = res.body;
    expect(sample(text, 'hotline_entries_out_total', { kind: 'message' })).toBe(1);
    expect(sample(text, 'hotline_entries_out_total', { kind: 'link.test' })).toBe(1);
    expect(sample(text, 'hotline_entries_in_total', { kind: 'message' })).toBe(1);
    expect(sample(text, 'hotline_entries_in_total', { kind: 'ack' })).toBe(1);
    expect(sample(text, 'hotline_entries_in_total', { kind: 'link.echo' })).toBe(1);
    expect(sample(text, 'hotline_entries_in_total', { kind: 'receipt' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'hotline_link_rtt_seconds', { peer: 'CN', channel })).toBe(0);
    expect(sample(text, 'hotline_link_clock_offset_seconds', { peer: 'CN', channel })).toBe(0);
    expect(sample(text, 'hotline_link_test_state', { peer: 'CN', channel, state: 'up' })).toBe(1);
    expect(sample(text, 'hotline_link_state', { peer: 'CN', state: 'up' })).toBe(1);
    expect(sample(text, 'hotline_link_state', { peer: 'CN', state: 'down' })).toBe(0);
    // US's FLASH was acknowledged; CN's IMMEDIATE awaits US.
    expect(sample(text, 'hotline_unacknowledged_messages', { precedence: 'FLASH', direction: 'out' })).toBe(0);
    expect(sample(text, 'hotline_unacknowledged_messages', { precedence: 'IMMEDIATE', direction: 'in' })).toBe(1);
    expect(sample(text, 'hotline_overdue_messages', { precedence: 'IMMEDIATE', direction: 'in' })).toBe(0);
    expect(sample(text, 'hotline_escalations_fired_total', { channel, level: '1' })).toBe(1);
    expect(sample(text, 'hotline_notifier_failures_total', { notifier: 'webhook' })).toBe(1);
    const lagBefore = sample(text, 'hotline_sync_lag_entries', { peer: 'CN' })!;
    expect(lagBefore).toBeGreaterThanOrEqual(0);
    // Without a sync stream, the lag comes from CN's signed receipts: at most US's own trailing
    // receipts (receipts are not themselves receipted) remain.
    expect(lagBefore).toBeLessThanOrEqual(2);

    // The link is cut: what US writes now is not stored by CN, and the lag says so; the deadline passes.
    t.cut();
    links[0]!.state = 'down';
    await t.a.send(channel, { text: 'Are you receiving?', lang: 'en', precedence: 'FLASH' });
    await t.a.send(channel, { text: 'Please confirm', lang: 'en', precedence: 'PRIORITY' });
    t.clock.advance(16 * 60_000);
    res = await app.inject({ method: 'GET', url: '/metrics', headers: auth });
    text = res.body;
    expect(sample(text, 'hotline_sync_lag_entries', { peer: 'CN' })).toBe(lagBefore + 2);
    expect(sample(text, 'hotline_unacknowledged_messages', { precedence: 'FLASH', direction: 'out' })).toBe(1);
    expect(sample(text, 'hotline_overdue_messages', { precedence: 'FLASH', direction: 'out' })).toBe(1);
    expect(sample(text, 'hotline_overdue_messages', { precedence: 'IMMEDIATE', direction: 'in' })).toBe(1);
    expect(sample(text, 'hotline_link_state', { peer: 'CN', state: 'down' })).toBe(1);

    // Restored: CN stores and receipts them; the lag falls back.
    t.restore();
    links[0]!.state = 'up';
    await t.settle();
    text = (await app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
    expect(sample(text, 'hotline_sync_lag_entries', { peer: 'CN' })).toBe(0);
  });

  it('/healthz answers without a token; /readyz checks the database and that a peer endpoint is reachable', async () => {
    const { t, app, links } = await setup();
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ ok: true, party: expect.any(String) });
    let ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    // Without a credential: ready or not, and how many peers; the links' keys and endpoints only with one.
    expect(ready.json()).toEqual({ ok: true, peersUp: 1, peers: 1 });
    ready = await app.inject({ method: 'GET', url: '/readyz', headers: auth });
    expect(ready.json()).toMatchObject({ ok: true, peersUp: 1, peers: 1, links: [{ code: 'CN', state: 'up', reason: null }] });

    Object.assign(links[0]!, { state: 'down', since: Date.UTC(2026, 11, 4, 0, 12, 3), reason: 'the peer stopped answering heartbeats' });
    ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ ok: false, reason: 'no peer reachable: CN down since 2026-12-04T00:12:03Z (the peer stopped answering heartbeats)', peersUp: 0 });

    // No peers configured yet (a fresh terminal being paired): ready, so officers can reach it.
    links.length = 0;
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    // The database is gone.
    await t.a.store.close();
    ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ ok: false, reason: 'database unreachable' });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

/**
 * What the console's operations screen edits and browses (#15 item 11), through the officer API:
 * the duty roster given back as GET shows it keeps a webhook secret it cannot see; a bad roster
 * is refused and changes nothing; the audit log pages back, newest first, and filters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { officerFixture, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('duty roster through the API', () => {
  it('keeps a webhook secret given back as "(secret)", and refuses a bad roster without changing the stored one', async () => {
    f = await officerFixture();
    const secret = 'k'.repeat(32);
    const roster = { officers: { chen: { name: 'Lt Chen', console: true, webhook: { url: 'https://ops.example/hook', secret } } }, shifts: [{ officer: 'chen', role: 'duty-officer', daily: { from: '08:00', to: '20:00' } }] };
    expect((await f.host('PUT', '/api/v1/roster', roster)).statusCode).toBe(200);
    const shown = (await f.host('GET', '/api/v1/roster')).json() as { officers: Record<string, { webhook?: { secret: string } }>; shifts: unknown[] };
    expect(shown.officers.chen!.webhook!.secret).toBe('(secret)');
    // Given back with a shift changed and the mask in place of the secret: the secret stays.
    const edited = { officers: shown.officers, shifts: [{ officer: 'chen', role: 'duty-officer', daily: { from: '06:00', to: '18:00' } }] };
    // (The mask alone is 8 characters, too short for a secret: accepted only because the stored one replaced it.)
    expect((await f.host('PUT', '/api/v1/roster', edited)).statusCode).toBe(200);
    // A bad roster (an impossible time) is refused; the stored one is unchanged.
    const bad = await f.host('PUT', '/api/v1/roster', { officers: shown.officers, shifts: [{ officer: 'chen', role: 'duty-officer', daily: { from: '25:00', to: '18:00' } }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'BAD_REQUEST' });
    const after = (await f.host('GET', '/api/v1/roster')).json() as { shifts: Array<{ daily: { from: string } }> };
    expect(after.shifts[0]!.daily.from).toBe('06:00');
    // A new officer's webhook with only the mask has no secret to keep: refused.
    const masked = await f.host('PUT', '/api/v1/roster', { officers: { ...shown.officers, new: { name: 'New', webhook: { url: 'https://x.example', secret: '(secret)' } } }, shifts: [] });
    expect(masked.statusCode).toBe(400);
  });
});

describe('audit log pages', () => {
  it('pages back newest first with a cursor, and filters by actor, action and time', async () => {
    f = await officerFixture();
    for (let i = 0; i < 5; i++) await f.add(`Clerk ${i}`, ['observer']);
    const all = (await f.t.a.store.officers.listAudit()).map((r) => r.seq);
    expect(all.length).toBeGreaterThanOrEqual(5);
    const first = (await f.host('GET', '/api/v1/audit/records?limit=2')).json() as { records: Array<{ seq: number; action: string; actor: string; at: number }>; next: number | null };
    expect(first.records.map((r) => r.seq)).toEqual([all.at(-1), all.at(-2)]);
    expect(first.next).toBe(all.at(-2));
    const second = (await f.host('GET', `/api/v1/audit/records?limit=2&before=${first.next}`)).json() as typeof first;
    expect(second.records.map((r) => r.seq)).toEqual([all.at(-3), all.at(-4)]);
    // To the end: the last page says so.
    const rest = (await f.host('GET', `/api/v1/audit/records?limit=1000&before=${second.next}`)).json() as typeof first;
    expect(rest.next).toBeNull();
    expect(rest.records.at(-1)!.seq).toBe(all[0]);
    // Filters: the action's prefix, the actor, a time window.
    const adds = (await f.host('GET', '/api/v1/audit/records?action=officer')).json() as typeof first;
    expect(adds.records.length).toBeGreaterThanOrEqual(5);
    expect(adds.records.every((r) => r.action.startsWith('officer.'))).toBe(true);
    expect(((await f.host('GET', '/api/v1/audit/records?action=offic')).json() as typeof first).records).toEqual([]);
    const actor = adds.records[0]!.actor;
    expect(((await f.host('GET', `/api/v1/audit/records?actor=${encodeURIComponent(actor)}`)).json() as typeof first).records.every((r) => r.actor === actor)).toBe(true);
    const at = adds.records[0]!.at;
    expect(((await f.host('GET', `/api/v1/audit/records?since=${at + 1}`)).json() as typeof first).records.every((r) => r.at > at)).toBe(true);
    // Bad paging is refused by the schema.
    expect((await f.host('GET', '/api/v1/audit/records?limit=0')).statusCode).toBe(400);
    expect((await f.host('GET', '/api/v1/audit/records?action=a%20b')).statusCode).toBe(400);
  });
});

describe('what the console offers', () => {
  it('the session says what the terminal-wide roles and each channel grant allow, as the routes check it', async () => {
    f = await officerFixture();
    const admin = await f.login('Capt Reyes', await f.add('Capt Reyes', ['admin', 'duty-officer'], { [f.channel]: 'observer' }));
    const s = (await admin.call('GET', '/api/v1/auth/session')).json() as { permissions: string[]; terminalPermissions: string[]; channelPermissions: Record<string, string[]> };
    expect(s.terminalPermissions).toContain('terminal.manage');
    expect(s.channelPermissions[f.channel]).not.toContain('terminal.manage');
    // The editor offered by terminalPermissions: the roster may be changed; the channel's policy may not.
    expect((await admin.call('PUT', '/api/v1/roster', { officers: {}, shifts: [] })).statusCode).toBe(200);
    expect((await admin.call('PUT', `/api/v1/channels/${f.channel}/escalation`, { levels: [{ name: 'desk', contacts: ['console'], waitSec: 60 }] })).statusCode).toBe(403);
  });

  it('lists the audit page route in the OpenAPI document', async () => {
    f = await officerFixture();
    const doc = (await f.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }> };
    expect(doc.paths['/api/v1/audit/records']?.get?.parameters?.map((p) => p.name).sort()).toEqual(['action', 'actor', 'before', 'limit', 'since', 'until']);
  });
});

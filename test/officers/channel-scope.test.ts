import { afterEach, describe, expect, it } from 'vitest';
import { officerFixture, type OfficerFixture } from './fixture.js';

describe('channel scope of an officer', () => {
  let f: OfficerFixture | undefined;
  afterEach(async () => f?.close());

  it('lists only the channels an officer holds a reading role on', async () => {
    f = await officerFixture();
    // A second channel the officer below has no grant on.
    const other = (await f.host('POST', '/api/v1/channels', { title: { en: 'Other line' }, tier: 'technical', parties: ['CN'] })).json() as { id: string };
    const creds = await f.add('Cdr Grant', [], { [f.channel]: 'duty-officer' });
    const session = await f.login('Cdr Grant', creds);
    const listed = (await session.call('GET', '/api/v1/channels')).json() as Array<{ id: string }>;
    expect(listed.map((c) => c.id)).toEqual([f.channel]);
    expect((await session.call('GET', `/api/v1/channels/${other.id}`)).statusCode).toBe(403);
    // Who this terminal is (the console's header): readable with a channel grant alone.
    expect((await session.call('GET', '/api/v1/status')).json()).toMatchObject({ code: 'US' });
    // The host credential sees every channel.
    const all = (await f.host('GET', '/api/v1/channels')).json() as Array<{ id: string }>;
    expect(all.map((c) => c.id).sort()).toEqual([f.channel, other.id].sort());
  });
});

describe('routes spanning channels, for an officer granted some channels only', () => {
  let f: OfficerFixture | undefined;
  afterEach(async () => f?.close());

  it('shows what awaits acknowledgement and the escalation steps only on the channels the officer may read', async () => {
    f = await officerFixture();
    // A second channel, with a message of CN awaiting acknowledgement at US, on which the officer has no grant.
    const other = await f.t.activeChannel({ title: 'Other line' });
    const hidden = await f.t.b.send(other, { text: 'On the other line', lang: 'en', precedence: 'FLASH' });
    await f.t.settle();
    const creds = await f.add('Cdr Grant', [], { [f.channel]: 'duty-officer' });
    const session = await f.login('Cdr Grant', creds);
    const get = async <T>(url: string, as: 'officer' | 'host' = 'officer') => {
      const r = as === 'officer' ? await session.call('GET', url) : await f!.host('GET', url);
      expect(r.statusCode, `${as} ${url}: ${r.body}`).toBe(200);
      return r.json() as T;
    };

    const mine = await get<Array<{ id: string; channel: string }>>('/api/v1/pending');
    expect(mine.map((m) => m.id)).toEqual([f.cnMessage]);
    expect(await get('/api/v1/pending/summary')).toEqual({ total: 1, channels: { [f.channel]: 1 } });
    // Escalation steps: one taken on each channel.
    for (const [channel, message] of [[f.channel, f.cnMessage], [other, hidden.hash]] as const)
      await f.t.a.store.escalations.record({ kind: 'escalation', message, channel, level: 1, levelName: 'duty officer', repeat: 0, contact: 'ops-room', via: 'console', address: 'console', attempt: 1, at: f.t.clock.now(), outcome: 'delivered', error: null });
    expect((await get<Array<{ channel: string }>>('/api/v1/escalations')).map((s) => s.channel)).toEqual([f.channel]);
    expect(await get<unknown[]>(`/api/v1/escalations?channel=${other}`)).toEqual([]);
    expect((await get<Array<{ channel: string }>>('/api/v1/escalations', 'host')).map((s) => s.channel)).toEqual([f.channel, other]);
    // A message named by a prefix of its id, as everywhere else.
    expect((await get<Array<{ message: string }>>(`/api/v1/escalations?message=${hidden.hash.slice(0, 8)}`, 'host')).map((s) => s.message)).toEqual([hidden.hash]);
    // The host credential sees both channels.
    const all = await get<Array<{ id: string }>>('/api/v1/pending', 'host');
    expect(all.map((m) => m.id).sort()).toEqual([f.cnMessage, hidden.hash].sort());
    expect(await get('/api/v1/pending/summary', 'host')).toEqual({ total: 2, channels: { [f.channel]: 1, [other]: 1 } });
  });
});

describe('channel prefixes in the escalation, roster and grant routes', () => {
  let f: OfficerFixture | undefined;
  afterEach(async () => f?.close());

  it('take at least 6 hex digits, as every other id of the API and the CLI', async () => {
    f = await officerFixture();
    const four = f.channel.slice(0, 4);
    const six = f.channel.slice(0, 6);
    for (const url of [`/api/v1/escalations?channel=${four}`, `/api/v1/roster?channel=${four}`]) {
      const r = await f.host('GET', url);
      expect(r.statusCode, url).toBe(400);
      expect(r.body, url).toMatch(/at least 6/);
    }
    for (const url of [`/api/v1/escalations?channel=${six}`, `/api/v1/roster?channel=${six}`]) expect((await f.host('GET', url)).statusCode, url).toBe(200);
    const grant = await f.host('POST', '/api/v1/officers', { name: 'Cdr Short', title: 'Duty', roles: [], channelRoles: { [four]: 'duty-officer' } });
    expect(grant.statusCode).toBe(400);
    const granted = await f.host('POST', '/api/v1/officers', { name: 'Cdr Long', title: 'Duty', roles: [], channelRoles: { [six]: 'duty-officer' } });
    expect(granted.statusCode, granted.body).toBe(201);
    expect(granted.body).toContain(f.channel);
  });
});

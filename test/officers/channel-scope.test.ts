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
    // The host credential sees every channel.
    const all = (await f.host('GET', '/api/v1/channels')).json() as Array<{ id: string }>;
    expect(all.map((c) => c.id).sort()).toEqual([f.channel, other.id].sort());
  });
});

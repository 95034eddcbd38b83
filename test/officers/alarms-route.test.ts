/**
 * GET /api/v1/alarms (alarms-route.ts): the alarms raised lately, so that a console that was not
 * connected when one was raised (TERMINAL_RUNS_AGAIN after a stalled disk, CLOCK_SET_BACK at a
 * start) shows it all the same; newest first, at most the last 50, and only the channels the
 * caller may read (alarms of no channel for everyone signed in).
 */
import { afterEach, expect, it } from 'vitest';
import { officerFixture, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => f?.close());

interface Listed {
  alarms: Array<{ at: number; code: string; message: string; channel?: string; peer?: string }>;
}

it('lists the alarms raised since the server started, newest first, the last 50, by what the caller may read', async () => {
  f = await officerFixture();
  const other = await f.t.activeChannel({ title: 'Other line' });
  const events = f.t.a.events;
  events.emit({ type: 'alarm', code: 'TERMINAL_RUNS_AGAIN', message: 'This terminal did not run for 17 s' });
  events.emit({ type: 'alarm', code: 'OWN_KEY_REVOKED', message: 'on the first line', channel: f.channel });
  events.emit({ type: 'alarm', code: 'OWN_KEY_REVOKED', message: 'on the other line', channel: other });
  events.emit({ type: 'alarm', code: 'LINK_DOWN', message: 'Link to CN is down', peer: 'cn-party' });

  const all = (await f.host('GET', '/api/v1/alarms')).json() as Listed;
  expect(all.alarms.map((a) => a.message)).toEqual(['Link to CN is down', 'on the other line', 'on the first line', 'This terminal did not run for 17 s']);
  expect(all.alarms[0]).toMatchObject({ code: 'LINK_DOWN', peer: 'cn-party' });
  expect(typeof all.alarms[0]!.at).toBe('number');

  // An officer granted the first line only: that line's alarms and those of no channel.
  const creds = await f.add('Cdr Grant', [], { [f.channel]: 'observer' });
  const session = await f.login('Cdr Grant', creds);
  const mine = (await session.call('GET', '/api/v1/alarms')).json() as Listed;
  expect(mine.alarms.map((a) => a.message)).toEqual(['Link to CN is down', 'on the first line', 'This terminal did not run for 17 s']);

  // Without a credential: nothing.
  expect((await f.app.inject({ method: 'GET', url: '/api/v1/alarms' })).statusCode).toBe(401);

  // The last 50 only.
  for (let i = 0; i < 60; i++) events.emit({ type: 'alarm', code: 'LINK_UP', message: `up ${i}` });
  const kept = (await f.host('GET', '/api/v1/alarms')).json() as Listed;
  expect(kept.alarms).toHaveLength(50);
  expect(kept.alarms[0]!.message).toBe('up 59');
  expect(kept.alarms.at(-1)!.message).toBe('up 10');
});

/**
 * An officer's refused attempt (FORBIDDEN: the officer lacks the role) leaves an audit record
 * naming the actor, the action, `refused: true` and the code, for reads as for changes; the chain
 * still verifies. An unauthenticated caller's failures write no audit record (metrics and the log
 * only), so a flood of them cannot grow the audit log (found by fault injection).
 */
import { afterEach, expect, it } from 'vitest';
import { officerFixture, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

async function records(fx: OfficerFixture) {
  const out = [];
  for await (const r of fx.officers.audit.records()) out.push({ ...r, detail: (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as { refused?: boolean; code?: string; status?: number } });
  return out;
}

it('audits an officer refused FORBIDDEN (a change and a read), not an anonymous caller', async () => {
  f = await officerFixture();
  const observer = await f.login('Observer', await f.add('Observer', ['observer']));
  const before = (await records(f)).length;

  const send = await observer.call('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'Not mine to send' });
  expect(send.statusCode).toBe(403);
  const list = await observer.call('GET', '/api/v1/officers');
  expect(list.statusCode).toBe(403);
  const anonymous = await f.app.inject({ method: 'GET', url: '/api/v1/officers' });
  expect(anonymous.statusCode).toBe(401);

  const added = (await records(f)).slice(before);
  const refused = added.filter((r) => r.detail.refused === true);
  expect(refused.map((r) => [r.actor, r.action, r.detail.code, r.detail.status])).toEqual([
    ['Observer', 'message.send', 'FORBIDDEN', 403],
    ['Observer', 'officers.manage', 'FORBIDDEN', 403],
  ]);
  expect(added.every((r) => r.actor === 'Observer')).toBe(true); // nothing for the anonymous caller
  expect((await f.officers.audit.verify()).ok).toBe(true);
});

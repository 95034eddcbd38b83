/**
 * Acknowledgements and charter actions by whom (#14 D11): on a terminal with officer accounts,
 * every signed action names a registered officer whose roles are checked; the host credential
 * acts only as such a named officer (the CLI's --officer), never anonymously or under a free-text
 * name; a second acknowledgement of a message by the same officer is refused unless explicit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OfficerRef } from '../../src/protocol/index.js';
import { officerFixture, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const ackedBy = async (fx: OfficerFixture, ackId: string): Promise<OfficerRef> => {
  const e = (await fx.t.a.store.listEntries(fx.channel, { kinds: ['ack'] })).find((x) => x.hash === ackId)!;
  return (JSON.parse(e.raw) as { body: { officer: OfficerRef } }).body.officer;
};

describe('who signs', () => {
  it('without officer accounts, the host credential acknowledges under the name given', async () => {
    f = await officerFixture();
    const r = await f.host('POST', `/api/v1/messages/${f.cnMessage}/ack`, { officer: { name: 'Lt Cdr Wang', title: 'Duty Officer', role: 'duty-officer' } });
    expect(r.statusCode).toBe(201);
    expect((await ackedBy(f, r.json().id)).name).toBe('Lt Cdr Wang');
  });

  it('with officer accounts, refuses the anonymous host credential and free-text names, and signs as the named officer', async () => {
    f = await officerFixture();
    await f.add('Cdr Smith', ['duty-officer']);
    const url = `/api/v1/messages/${f.cnMessage}/ack`;
    const before = (await f.t.a.store.listEntries(f.channel, { kinds: ['ack'] })).length;

    const bare = await f.host('POST', url, {});
    expect(bare.statusCode).toBe(403);
    expect(bare.json()).toMatchObject({ code: 'OFFICER_REQUIRED', message: expect.stringContaining('--officer NAME') });
    const freeText = await f.host('POST', url, { officer: { name: 'The Minister', title: 'Minister', role: 'principal' } });
    expect(freeText.json()).toMatchObject({ code: 'OFFICER_REQUIRED' });
    const charter = await f.host('POST', `/api/v1/channels/${f.channel}/suspend`, { reason: 'test' });
    expect(charter.json()).toMatchObject({ code: 'OFFICER_REQUIRED' });
    expect((await f.t.a.store.listEntries(f.channel, { kinds: ['ack'] })).length).toBe(before);

    const named = await f.host('POST', url, {}, { 'x-hotline-officer': 'Cdr Smith' });
    expect(named.statusCode).toBe(201);
    expect(await ackedBy(f, named.json().id)).toMatchObject({ name: 'Cdr Smith', role: 'duty-officer' });
    // A duty officer may not suspend: the charter's roles are checked for the named officer too.
    expect((await f.host('POST', `/api/v1/channels/${f.channel}/suspend`, { reason: 'test' }, { 'x-hotline-officer': 'Cdr Smith' })).statusCode).toBe(403);
  });

  it('refuses a second acknowledgement by the same officer unless it says "again"', async () => {
    f = await officerFixture();
    await f.add('Cdr Smith', ['duty-officer']);
    await f.add('Lt Jones', ['duty-officer']);
    const url = `/api/v1/messages/${f.cnMessage}/ack`;
    const as = (name: string, body: object = {}) => f!.host('POST', url, body, { 'x-hotline-officer': name });
    expect((await as('Cdr Smith')).statusCode).toBe(201);
    const again = await as('Cdr Smith');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'ACK_REPEATED', message: expect.stringContaining('already acknowledged by Cdr Smith') });
    expect((await as('Lt Jones')).statusCode).toBe(201);
    expect((await as('Cdr Smith', { again: true })).statusCode).toBe(201);
    expect((await f.t.a.store.listEntries(f.channel, { kinds: ['ack'] })).length).toBe(3);
  });
});

/**
 * The channel routes (channels-routes.ts) on their own: the list and a channel's view as
 * api-schemas.ts presents them, charter actions with their reasons on the record, permission
 * refusals naming the action, transcript bundles out and back in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelDetail, ChannelSummary, CharterActionResult, ImportResult } from '../../src/terminal/officer-api/api-schemas.js';
import { officerFixture, TOKEN, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('channel routes', () => {
  it('lists channels and shows one by a prefix: members with their link, message counts, the charter', async () => {
    f = await officerFixture();
    const list = (await f.host('GET', '/api/v1/channels')).json() as ChannelSummary[];
    expect(list).toEqual([{ id: f.channel, state: 'active', title: expect.any(Object), tier: expect.any(String), proposer: 'US', parties: ['US', 'CN'], entries: expect.any(Number) }]);
    const res = await f.host('GET', `/api/v1/channels/${f.channel.slice(0, 8)}`);
    expect(res.statusCode).toBe(200);
    const c = res.json() as ChannelDetail;
    expect(c).toMatchObject({ id: f.channel, state: 'active', messages: { total: 1, unacknowledged: 1 }, equivocations: 0, charter: { ackDeadlineSec: { FLASH: 180 } } });
    expect(c.parties.map((p) => [p.code, p.link, p.accepted])).toEqual([['US', 'self', true], ['CN', 'down', true]]);
    expect((await f.host('GET', '/api/v1/channels/abcdef12')).json()).toMatchObject({ code: 'CHANNEL_NOT_FOUND' });
  });

  it('suspends only with a reason, resumes, and refuses an officer whose role lacks the charter action', async () => {
    f = await officerFixture();
    const url = `/api/v1/channels/${f.channel}`;
    const bare = await f.host('POST', `${url}/suspend`, {});
    expect(bare.statusCode).toBe(400);
    expect(bare.json().message).toContain('A reason is required to suspend a channel');
    const suspended = await f.host('POST', `${url}/suspend`, { reason: 'Maintenance window' });
    expect(suspended.statusCode).toBe(200);
    expect((suspended.json() as CharterActionResult).channel).toMatchObject({ id: f.channel, state: 'suspended' });
    const duty = await f.login('Cdr Smith', await f.add('Cdr Smith', ['duty-officer']));
    const refused = await duty.call('POST', `${url}/resume`, {});
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toContain('"charter.resume"');
    // Officers exist now: the host credential signs only as a named one (#14 D11).
    expect((await f.host('POST', `${url}/resume`, {})).json()).toMatchObject({ code: 'OFFICER_REQUIRED' });
    await f.add('Amb Lee', ['plenipotentiary']);
    const resumed = await f.host('POST', `${url}/resume`, {}, { 'x-hotline-officer': 'Amb Lee' });
    expect((resumed.json() as CharterActionResult).channel.state).toBe('active');
  });

  it('amends a channel to protocol version 2 (refused when it changes nothing); once accepted, new entries are version 2 and a message is provable on its own', async () => {
    f = await officerFixture();
    const url = `/api/v1/channels/${f.channel}`;
    expect((await f.host('POST', `${url}/amend`, { reason: 'Nothing' })).json()).toMatchObject({ code: 'BAD_REQUEST' });
    const amended = await f.host('POST', `${url}/amend`, { protocol: 2, reason: 'Proofs of single messages for the record' });
    expect(amended.statusCode, amended.body).toBe(200);
    await f.t.settle();
    await f.t.b.accept(f.channel);
    await f.t.settle();
    expect(((await f.host('GET', url)).json() as ChannelDetail).charter).toMatchObject({ protocol: 2 });
    expect((await f.host('POST', `${url}/amend`, { protocol: 2, reason: 'Again' })).json().message).toContain('already speaks protocol version 2');
    const sent = await f.host('POST', `${url}/messages`, { text: 'Provable', precedence: 'PRIORITY' });
    expect(sent.statusCode, sent.body).toBe(201);
    await f.t.settle();
    const id = (sent.json() as { id: string }).id;
    const stored = (await f.t.a.store.listEntries(f.channel)).find((e) => e.hash === id)!;
    expect(JSON.parse(stored.raw)).toMatchObject({ v: 2, kind: 'message' });
    const proof = await f.host('GET', `/api/v1/messages/${id}/proof`);
    expect(proof.statusCode, proof.body).toBe(200);
    expect(proof.json()).toMatchObject({ v: 2 });
  });

  it('amends the terms: what changes is shown with the pending amendment; what cannot be is refused, naming it, and nothing is written', async () => {
    f = await officerFixture();
    const url = `/api/v1/channels/${f.channel}`;
    const entries = (await f.t.a.store.listEntries(f.channel)).length;
    const refusals: Array<[Record<string, unknown>, RegExp]> = [
      [{ removeParties: ['US'] }, /cannot remove its own party \(US\)/],
      [{ removeParties: ['RU'] }, /RU is not a party of the charter in force \(its parties: US, CN\)/],
      [{ addParties: ['CN'] }, /CN is already a party/],
      [{ addParties: ['RU'] }, /PARTY_UNKNOWN|not a known peer|unknown/i],
      [{ addLanguages: ['fr'] }, /a language added needs the title in it: give title.fr/],
      [{ title: { fr: 'Ligne' } }, /a title in "fr", which is not a language of the amended charter/],
      [{ removeLanguages: ['de'] }, /has no language "de"/],
      [{ roles: ['observer'] }, /roles are those of the parties added/],
      [{ expires: 1_900_000_000_000 }, /expires is the time until which its proposal may be accepted.*close it then/],
      [{ partyRoles: { RU: ['observer'] } }, /RU is not a party of the amended charter \(its parties: US, CN\)/],
      [{ partyRoles: { CN: ['no-such-role'] } }, /BAD_REQUEST|must be equal to one of the allowed values/],
      [{ ackDeadlineSec: { FLASH: 100_000 } }, /must not grow shorter as precedence falls/],
      [{ linkTestIntervalSec: 60 }, /would change nothing/],
    ];
    for (const [body, why] of refusals) {
      const r = await f.host('POST', `${url}/amend`, { ...body, reason: 'x' });
      expect([400, 422], JSON.stringify(body)).toContain(r.statusCode);
      expect(`${(r.json() as { code: string }).code}: ${(r.json() as { message: string }).message}`, JSON.stringify(body)).toMatch(why);
    }
    expect((await f.t.a.store.listEntries(f.channel)).length).toBe(entries);
    const amended = await f.host('POST', `${url}/amend`, { ackDeadlineSec: { FLASH: 120 }, linkTestIntervalSec: 30, addLanguages: ['fr'], title: { fr: 'Ligne maritime' }, partyRoles: { cn: ['duty-officer', 'plenipotentiary'] }, reason: 'Agreed in June' });
    expect(amended.statusCode, amended.body).toBe(200);
    const pending = (amended.json() as CharterActionResult).channel.pendingAmendment!;
    expect(pending).toMatchObject({ proposer: 'US', accepted: ['US'], awaiting: ['CN'], reason: 'Agreed in June' });
    expect(pending.changes).toEqual([
      { kind: 'party-roles', party: expect.any(String), code: 'CN', from: ['plenipotentiary', 'principal', 'duty-officer', 'observer'], to: ['duty-officer', 'plenipotentiary'] },
      { kind: 'language-added', lang: 'fr' },
      { kind: 'title', lang: 'fr', from: null, to: 'Ligne maritime' },
      { kind: 'ack-deadline', precedence: 'FLASH', from: 180, to: 120 },
      { kind: 'link-test-interval', from: 60, to: 30 },
    ]);
    expect(((await f.host('GET', '/api/v1/channels')).json() as ChannelSummary[])[0]!.amendment).toEqual({ proposer: 'US', awaiting: ['CN'] });
  });

  it("refuses to amend back to terms the channel already had unless a note tells the charters apart (answers name an amendment by its charter's hash)", async () => {
    f = await officerFixture();
    const url = `/api/v1/channels/${f.channel}`;
    expect((await f.host('POST', `${url}/amend`, { linkTestIntervalSec: 30, reason: 'Exercise week' })).statusCode).toBe(200);
    await f.t.settle();
    await f.t.b.accept(f.channel);
    await f.t.settle();
    expect(f.t.a.view(f.channel).charter.linkTestIntervalSec).toBe(30);
    const entries = (await f.t.a.store.listEntries(f.channel)).length;
    const back = await f.host('POST', `${url}/amend`, { linkTestIntervalSec: 60, reason: 'Exercise over' });
    expect(back.statusCode).toBe(400);
    expect((back.json() as { message: string }).message).toMatch(/would be exactly the one it was proposed with.*give it a note saying what it is for \(note, `--note`\)/);
    expect((await f.t.a.store.listEntries(f.channel)).length).toBe(entries);
    const noted = await f.host('POST', `${url}/amend`, { linkTestIntervalSec: 60, note: 'Back to the minute after the exercise', reason: 'Exercise over' });
    expect(noted.statusCode, noted.body).toBe(200);
    expect((noted.json() as CharterActionResult).channel.pendingAmendment!.changes).toEqual([
      { kind: 'link-test-interval', from: 30, to: 60 },
      { kind: 'note', from: null, to: 'Back to the minute after the exercise' },
    ]);
  });

  it('exports a transcript bundle that imports back as entries already held', async () => {
    f = await officerFixture();
    const bundle = await f.host('GET', `/api/v1/channels/${f.channel}/export`);
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toContain('application/x-ndjson');
    const lines = bundle.body.trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ channel: f.channel, exportedBy: 'US' });
    const importBundle = (text: string) => f!.app.inject({ method: 'POST', url: '/api/v1/import', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' }, payload: text });
    const imported = await importBundle(bundle.body);
    expect(imported.statusCode).toBe(200);
    const r = imported.json() as ImportResult;
    expect(r).toMatchObject({ accepted: 0, pending: 0, rejected: [] });
    expect(r.duplicate).toBeGreaterThan(3);
    expect((await importBundle('\n')).json()).toMatchObject({ code: 'BUNDLE_EMPTY', message: expect.stringContaining('The bundle is empty') });
    // A file that is not a bundle is refused, not "0 imported" (#14 D10).
    const notBundle = await importBundle('{"author":"x"}\n');
    expect(notBundle.statusCode).toBe(422);
    expect(notBundle.json()).toMatchObject({ code: 'BUNDLE_NOT_A_BUNDLE' });
  });

  it('judges IMPORT_NOT_A_PARTY on a whole bundle, not on a part of one (?part=N: the sender judged the whole)', async () => {
    f = await officerFixture();
    const channel = 'c'.repeat(64);
    const foreign = [
      JSON.stringify({ channel, type: 'hotline.bundle', v: 1 }),
      JSON.stringify({ author: 'A'.repeat(43), body: { charter: { title: { en: 'Not yours' }, parties: [{ party: 'A'.repeat(43), code: 'AA' }] } }, kind: 'charter.propose', seq: 1 }),
    ].join('\n');
    const post = (url: string) => f!.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' }, payload: `${foreign}\n` });
    const whole = await post('/api/v1/import');
    expect(whole.statusCode).toBe(409);
    expect(whole.json()).toMatchObject({ code: 'IMPORT_NOT_A_PARTY' });
    // A part: its entries are judged one by one as always (this fake one is refused).
    const part = await post('/api/v1/import?part=1');
    expect(part.statusCode, part.body).toBe(200);
    expect((part.json() as ImportResult).accepted).toBe(0);
    expect((part.json() as ImportResult).rejected.length).toBe(1);
  });

  it('shows an officer granted another channel nothing of this one', async () => {
    f = await officerFixture();
    const other = await f.t.activeChannel({ title: 'Other line' });
    const session = await f.login('Cdr Grant', await f.add('Cdr Grant', [], { [other]: 'observer' }));
    for (const path of ['', '/link', '/evidence', '/messages']) {
      const r = await session.call('GET', `/api/v1/channels/${f.channel}${path}`);
      expect(r.statusCode, path).toBe(403);
      expect(r.json().message).toContain('"channel.read"');
    }
    expect((await session.call('GET', `/api/v1/channels/${other}/evidence`)).json()).toEqual([]);
  });
});

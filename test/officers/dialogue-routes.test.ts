/**
 * The dialogue routes (officer-api/dialogue-routes.ts) over two terminals back to back: US acts
 * through the officer API, CN through its own terminal; both hold the same dialogue. The channel
 * log's rules answer with the protocol's codes; the permission table and the charter's dialogue
 * rules decide who may ask.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DialogueView, DialogueWritten } from '../../src/terminal/officer-api/api-schemas.js';
import { officerFixture, type OfficerFixture } from './fixture.js';

const CN_PRINCIPAL = { name: 'Li Na', title: 'Director-General', role: 'principal' } as const;
const CN_MINISTER = { name: 'Wang Lei', title: 'Minister', role: 'plenipotentiary' } as const;

describe('dialogue routes', () => {
  let f: OfficerFixture;
  let base: string;
  const post = async (path: string, body: unknown, status = 201) => {
    const res = await f.host('POST', `${base}${path}`, body);
    expect(res.statusCode, res.body).toBe(status);
    return res.json() as DialogueWritten & { code?: string };
  };
  const view = async () => (await f.host('GET', `${base}/dialogue`)).json() as DialogueView;

  beforeAll(async () => {
    f = await officerFixture();
    base = `/api/v1/channels/${f.channel}`;
  });
  afterAll(async () => f?.close());

  it('opens an issue and shows both parties\' positions side by side', async () => {
    const issue = await post('/issues', { title: { en: 'Trade', zh: '贸易' }, category: 'trade' });
    await post(`/issues/${issue.object.slice(0, 8)}/positions`, { text: 'Tariffs must fall.' });
    await f.t.b.write(f.channel, 'issue.position', { issue: issue.object, party: f.t.b.self.party, text: '关税问题需要对等。', lang: 'zh', by: CN_MINISTER });
    await f.t.settle();
    const v = await view();
    expect(v.parties.map((p) => p.code)).toEqual(['US', 'CN']);
    expect(v.issues[0]!.current.map((p) => [p.party, p.lang])).toEqual([[f.t.a.self.party, 'en'], [f.t.b.self.party, 'zh']]);
    expect(v.issues[0]!.current[0]!.by.name).toBe('US delegation');
  });

  it('refuses a readout before the meeting is accepted and has begun, then takes it', async () => {
    const start = f.t.clock.now() + 3_600_000;
    const m = await post('/meetings', { title: { en: 'Call' }, kind: 'call', level: 'ministerial', start, end: start + 3_600_000, place: 'Telephone', participants: [{ party: 'CN', name: 'Wang Lei', title: 'Minister' }], zones: { US: 'America/New_York', CN: 'Asia/Shanghai' } });
    expect((await post(`/meetings/${m.object}/readouts`, { text: 'We talked.' }, 409)).code).toBe('DIALOGUE_MEETING_NOT_HELD');
    await f.t.b.write(f.channel, 'meeting.accept', { meeting: m.object, schedule: m.object, by: CN_PRINCIPAL });
    await f.t.settle();
    f.t.clock.advance(3_700_000);
    await post(`/meetings/${m.object}/readouts`, { text: 'We talked.', release: true });
    const meeting = (await view()).meetings[0]!;
    expect(meeting.status).toBe('accepted');
    expect(meeting.zones[f.t.b.self.party]).toBe('Asia/Shanghai');
    expect(meeting.currentReadouts).toHaveLength(1);
  });

  it('adopts a joint text only when both endorse the same version', async () => {
    const t = await post('/texts', { title: { en: 'Joint statement' }, type: 'joint-statement', content: { en: 'Draft.' } });
    await f.t.b.write(f.channel, 'text.amend', { draft: t.object, base: t.object, content: { en: 'Draft, amended.' }, by: CN_PRINCIPAL });
    await f.t.settle();
    expect((await post(`/texts/${t.object}/endorse`, { version: t.object }, 409)).code).toBe('DIALOGUE_SUPERSEDED');
    await post(`/texts/${t.object}/endorse`, {});
    let text = (await view()).texts[0]!;
    expect(text.adopted).toBeUndefined();
    await f.t.b.write(f.channel, 'text.endorse', { draft: t.object, version: text.latest.hash, by: CN_MINISTER });
    await f.t.settle();
    text = (await view()).texts[0]!;
    expect(text.adopted?.n).toBe(2);
  });

  it('lets only the owing party update a commitment, and confirms only what is done', async () => {
    const c = await post('/commitments', { owner: 'CN', what: 'Name a point of contact.', due: f.t.clock.now() + 86_400_000 });
    expect((await post(`/commitments/${c.object}/update`, { status: 'done', note: 'Done for them.' }, 403)).code).toBe('DIALOGUE_WRONG_PARTY');
    expect((await post(`/commitments/${c.object}/confirm`, {}, 409)).code).toBe('DIALOGUE_NOT_DONE');
    const upd = await f.t.b.write(f.channel, 'commitment.update', { commitment: c.object, status: 'done', note: 'Director Chen.', by: CN_PRINCIPAL });
    await f.t.settle();
    await post(`/commitments/${c.object}/confirm`, {});
    const commitment = (await view()).commitments[0]!;
    expect(commitment.updates[0]!.hash).toBe(upd.hash);
    expect(commitment.verdict).toBe('confirmed');
  });

  it('announces each change on the events socket, naming the object it changes', async () => {
    const { presentEvent } = await import('../../src/terminal/officer-api/presenters.js');
    const frames: unknown[] = [];
    const off = f.t.a.events.onAny((e) => {
      const p = presentEvent(e, () => undefined);
      if (p?.type === 'entry') frames.push(p);
    });
    const issue = await post('/issues', { title: { en: 'Energy' }, category: 'cooperation' });
    await post(`/issues/${issue.object}/positions`, { text: 'Cooperate.' });
    off();
    expect(frames).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'issue.open', object: issue.object }), expect.objectContaining({ kind: 'issue.position', object: issue.object })]));
  });

  it('proposes a charter with dialogue rules, which then decide who may do what', async () => {
    const res = await f.host('POST', '/api/v1/channels', { title: { en: 'Energy line' }, tier: 'working', parties: ['CN'], dialogue: { positions: ['plenipotentiary'], categories: ['energy'] } });
    expect(res.statusCode, res.body).toBe(201);
    const id = (res.json() as { id: string }).id;
    const shown = (await f.host('GET', `/api/v1/channels/${id}`)).json() as { charter: { dialogue?: unknown } };
    expect(shown.charter.dialogue).toEqual({ positions: ['plenipotentiary'], categories: ['energy'] });
  });

  it('serves the printable record, of the channel or of one meeting, as HTML that runs nothing', async () => {
    const whole = await f.host('GET', `${base}/record`);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toContain('text/html');
    expect(whole.headers['content-security-policy']).toContain("default-src 'none'");
    expect(whole.body).toContain('Joint statement');
    expect(whole.body).toContain(`hotline export ${f.channel}`);
    const meeting = (await view()).meetings[0]!;
    const one = await f.host('GET', `${base}/record?meeting=${meeting.hash.slice(0, 10)}`);
    expect(one.statusCode).toBe(200);
    expect(one.body).toContain(meeting.hash);
  });

  it('answers an unknown object with DIALOGUE_NOT_FOUND', async () => {
    expect((await post('/issues/abcdef123456/positions', { text: 'x' }, 404)).code).toBe('DIALOGUE_NOT_FOUND');
  });

  it('lets a principal state positions but not endorse: FORBIDDEN naming dialogue.endorse', async () => {
    const c = await f.login('Principal Doe', await f.add('Principal Doe', ['principal']));
    const t = (await view()).texts[0]!;
    const res = await c.call('POST', `${base}/texts/${t.hash}/endorse`, {});
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect((res.json() as { message: string }).message).toContain('"dialogue.endorse"');
    const issue = (await view()).issues[0]!;
    const ok = await c.call('POST', `${base}/issues/${issue.hash}/positions`, { text: 'Revised.' });
    expect(ok.statusCode, ok.body).toBe(201);
    const after = (await view()).issues[0]!;
    expect(after.current[0]!.by).toEqual({ name: 'Principal Doe', title: 'Principal Doe title', role: 'principal' });
    expect(after.positions.filter((p) => p.party === f.t.a.self.party)).toHaveLength(2);
  });
});

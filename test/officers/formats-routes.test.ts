/**
 * The format routes (formats-routes.ts) and formatted messages through the officer API (#17): the
 * formats held, a charter proposed with agreed formats, a formatted message sent, listed with its
 * format and fields, refused with a clear code when its format is not agreed or a field breaks a
 * rule, and the exported bundle carrying the definitions so that it verifies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderMessage, shippedFormats, verifyBundle } from '../../src/protocol/index.js';
import type WebSocket from 'ws';
import type { ApiEvent, ChannelView, EntryEvent, FormatDetail, FormatSummary, Message, SendResult } from '../../src/terminal/officer-api/api-schemas.js';
import { officerFixture, TOKEN, type OfficerFixture } from './fixture.js';
import { LAUNCH_FIELDS, SQUARE } from '../protocol/format-fixtures.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const square = SQUARE;
const launchFields = LAUNCH_FIELDS;

/** A channel US proposes through the API with `formats`, accepted by CN. */
async function formattedChannel(fx: OfficerFixture, formats: string[]): Promise<string> {
  const res = await fx.host('POST', '/api/v1/channels', { title: { en: 'Military contacts', zh: '军事联络' }, tier: 'military', parties: ['CN'], formats });
  expect(res.statusCode, res.body).toBe(201);
  const id = (res.json() as ChannelView).id;
  await fx.t.settle();
  await fx.t.b.accept(id);
  await fx.t.settle();
  return id;
}

describe('format routes', () => {
  it('lists the formats held, shows one by id, id@version or hash, and says when none matches', async () => {
    f = await officerFixture();
    const list = (await f.host('GET', '/api/v1/formats')).json() as FormatSummary[];
    expect(list.map((x) => x.id)).toContain('launch-notification');
    const launch = list.find((x) => x.id === 'launch-notification')!;
    expect(launch).toMatchObject({ version: 1, precedence: 'IMMEDIATE', title: { en: 'Launch notification', zh: '发射通报', ru: 'Уведомление о пуске' } });
    for (const name of ['launch-notification', 'launch-notification@1', launch.hash]) {
      const one = (await f.host('GET', `/api/v1/formats/${name}`)).json() as FormatDetail;
      expect(one.hash).toBe(launch.hash);
      expect(shippedFormats().get(one.hash)).toEqual(one.definition);
    }
    expect((await f.host('GET', '/api/v1/formats/no-such-format')).json()).toMatchObject({ code: 'FORMAT_NOT_FOUND' });
    // Fields checked as the officer types, nothing sent.
    expect((await f.host('POST', '/api/v1/formats/standard-phrase/check', { fields: { phrase: 'understood' } })).json()).toEqual({ ok: true });
    expect((await f.host('POST', '/api/v1/formats/standard-phrase/check', { fields: { phrase: 'hello' } })).json()).toMatchObject({ ok: false, field: 'phrase', rule: 'enum' });
  });

  it('sends a formatted message on a channel that agreed its format; it is listed with format and fields, and the text is its rendering', async () => {
    f = await officerFixture();
    const channel = await formattedChannel(f, ['launch-notification', 'standard-phrase']);
    expect(((await f.host('GET', `/api/v1/channels/${channel}/formats`)).json() as FormatSummary[]).map((x) => x.id).sort()).toEqual(['launch-notification', 'standard-phrase']);
    const sent = await f.host('POST', `/api/v1/channels/${channel}/messages`, { format: { id: 'launch-notification' }, fields: launchFields });
    expect(sent.statusCode, sent.body).toBe(201);
    await f.t.settle();
    const listed = ((await f.host('GET', `/api/v1/channels/${channel}/messages`)).json() as Message[]).find((m) => m.id === (sent.json() as SendResult).id)!;
    const def = [...shippedFormats().values()].find((d) => d.id === 'launch-notification')!;
    expect(listed).toMatchObject({ precedence: 'IMMEDIATE', lang: 'en', format: { id: 'launch-notification', version: 1 }, fields: launchFields });
    expect(listed.text).toContain(renderMessage(def, launchFields, 'en').text);
    // With ?lang=, rendered in that language, with its shapes for the map.
    const zh = ((await f.host('GET', `/api/v1/channels/${channel}/messages?lang=zh`)).json() as Message[]).find((m) => m.id === listed.id)!;
    expect(zh.rendered).toMatchObject({ lang: 'zh', title: '发射通报', fields: expect.arrayContaining([{ name: 'launch_type', label: '发射类型', value: '弹道导弹发射' }, { name: 'window_start', label: '发射窗口开始', value: '2026-12-03T12:00:00Z (031200ZDEC26)', at: Date.parse('2026-12-03T12:00:00Z') }]) });
    expect(zh.rendered!.geometry).toEqual([
      { field: 'launch_area', label: '发射区域', shape: 'circle', points: [[124.5, 40.1]], radiusM: 20_000 },
      { field: 'impact_area', label: '落区', shape: 'polygon', points: square.map((p) => [p.lon, p.lat]) },
    ]);
    // CN holds it too, with the same fields.
    const atCn = await f.t.b.store.listMessages(channel);
    expect(atCn.find((m) => m.hash === listed.id)?.formatted).toContain('"launch_type":"ballistic-missile"');
  });

  it("gives a formatted message its format's deadline when shorter than the charter's, the same in the list and on the events socket", async () => {
    f = await officerFixture();
    const channel = await formattedChannel(f, ['launch-notification']);
    const frames: ApiEvent[] = [];
    const ws = (await f.app.injectWS('/api/v1/events', { headers: { authorization: `Bearer ${TOKEN}` } }, { onInit: (w: WebSocket) => w.on('message', (d) => frames.push(JSON.parse(String(d)) as ApiEvent)) })) as WebSocket;
    // ROUTINE: the charter gives a day; the launch notification asks for an answer within 900 s.
    const sent = await f.host('POST', `/api/v1/channels/${channel}/messages`, { format: { id: 'launch-notification' }, fields: launchFields, precedence: 'ROUTINE' });
    expect(sent.statusCode, sent.body).toBe(201);
    await f.t.settle();
    const listed = ((await f.host('GET', `/api/v1/channels/${channel}/messages`)).json() as Message[]).find((m) => m.id === (sent.json() as SendResult).id)!;
    expect(listed.precedence).toBe('ROUTINE');
    expect(listed.deadlineAt! - listed.time).toBe(900_000);
    const frame = frames.find((e): e is EntryEvent => e.type === 'entry' && e.hash === listed.id);
    expect(frame?.deadlineAt).toBe(listed.deadlineAt);
    ws.terminate();
  });

  it('refuses a format the charter did not agree, and fields that break a rule, naming field and rule', async () => {
    f = await officerFixture();
    const notAgreed = await f.host('POST', `/api/v1/channels/${f.channel}/messages`, { format: { id: 'launch-notification' }, fields: launchFields });
    expect(notAgreed.statusCode).toBe(422);
    expect(notAgreed.json()).toMatchObject({ code: 'FORMAT_NOT_AGREED' });
    const channel = await formattedChannel(f, ['launch-notification']);
    const bad = await f.host('POST', `/api/v1/channels/${channel}/messages`, { format: { id: 'launch-notification' }, fields: { ...launchFields, window_start: 'tomorrow' } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'FORMAT_FIELDS_INVALID' });
    expect(bad.json().message).toContain('"window_start"');
    expect(bad.json().message).toContain('"datetime"');
    const orphan = await f.host('POST', `/api/v1/channels/${channel}/messages`, { text: 'x', fields: {} });
    expect(orphan.json()).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('exports a bundle that carries the definitions and verifies', async () => {
    f = await officerFixture();
    const channel = await formattedChannel(f, ['all']);
    expect((await f.host('POST', `/api/v1/channels/${channel}/messages`, { format: { id: 'standard-phrase' }, fields: { phrase: 'pass-astern' }, lang: 'zh' })).statusCode).toBe(201);
    await f.t.settle();
    const bundle = (await f.host('GET', `/api/v1/channels/${channel}/export`)).body;
    expect(bundle).toContain('"type":"hotline.format"');
    const report = verifyBundle(bundle);
    expect(report.firstError).toBeNull();
    expect(report.messages.at(-1)).toMatchObject({ format: { id: 'standard-phrase' }, fields: { phrase: 'pass-astern' }, text: expect.stringContaining('我准备从你船尾通过') });
  });
});

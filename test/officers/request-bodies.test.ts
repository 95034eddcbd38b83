/**
 * What is signed must be what was sent (#14 D10, API side): a request body is taken as sent or
 * refused with a clear 4xx and nothing stored — no coercion of types, no unknown members dropped,
 * no duplicate member names resolved silently — and a malformed X-Hotline-Officer header is the
 * caller's error, not a 500.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { officerFixture, TOKEN, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const raw = (fx: OfficerFixture, url: string, payload: string, headers: Record<string, string> = {}) =>
  fx.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers } });

describe('request bodies', () => {
  it('refuses a number for a text, an unknown member and a member named twice, storing nothing', async () => {
    f = await officerFixture();
    const url = `/api/v1/channels/${f.channel}/messages`;
    const before = (await f.t.a.store.listMessages(f.channel)).length;

    const number = await f.host('POST', url, { text: 12345 });
    expect(number.statusCode).toBe(400);
    expect(number.json().message).toMatch(/"text" \(in the request body\) must be string/);

    const unknown = await f.host('POST', url, { text: 'hello', precedance: 'FLASH' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/unknown field "precedance" \(in the request body\)/);

    const twice = await raw(f, url, '{"text":"stand down","precedence":"ROUTINE","text":"launch"}');
    expect(twice.statusCode).toBe(422);
    expect(twice.json()).toMatchObject({ code: 'JSON_DUPLICATE_MEMBER', message: expect.stringContaining('"text" twice') });
    const nested = await raw(f, `${url}/batch`, '{"messages":[{"text":"a","lang":"en","lang":"fr"}]}');
    expect(nested.statusCode).toBe(422);

    expect(await f.t.a.store.listMessages(f.channel)).toHaveLength(before);
    // The same request, well formed, is taken.
    expect((await f.host('POST', url, { text: 'hello' })).statusCode).toBe(201);
  });

  it('answers a malformed X-Hotline-Officer header with 400 and a code saying what is wrong', async () => {
    f = await officerFixture();
    const r = await f.host('GET', '/api/v1/status', undefined, { 'x-hotline-officer': '%E0%A4%A' });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'AUTH_BAD_OFFICER_HEADER', message: expect.stringContaining('percent-encoded') });
  });

  it('takes an officer name in X-Hotline-Officer percent-encoded or as raw UTF-8 (curl -H with a Cyrillic name), the same officer both ways', async () => {
    f = await officerFixture();
    await f.add('Лейтенант Петров', ['duty-officer']);
    const who = async (header: string) => (await f!.host('GET', '/api/v1/auth/session', undefined, { 'x-hotline-officer': header })).json() as { kind: string; name: string };
    expect(await who(encodeURIComponent('Лейтенант Петров'))).toMatchObject({ kind: 'officer', name: 'Лейтенант Петров' });
    // What Node hands on for the raw bytes: one Latin-1 character per byte.
    expect(await who(Buffer.from('Лейтенант Петров', 'utf8').toString('latin1'))).toMatchObject({ kind: 'officer', name: 'Лейтенант Петров' });
  });
});

describe('bodies a client may send by mistake', () => {
  it('refuses a compressed body with 415 saying to send it uncompressed, storing nothing', async () => {
    f = await officerFixture();
    const url = `/api/v1/channels/${f.channel}/messages`;
    const before = (await f.t.a.store.listMessages(f.channel)).length;
    const { gzipSync } = await import('node:zlib');
    const r = await f.app.inject({ method: 'POST', url, payload: gzipSync(Buffer.from('{"text":"hello"}')), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect(r.statusCode).toBe(415);
    expect(r.json()).toMatchObject({ code: 'UNSUPPORTED_CONTENT_ENCODING', message: expect.stringContaining('gzip') });
    expect(await f.t.a.store.listMessages(f.channel)).toHaveLength(before);
    // "identity" is no encoding at all.
    expect((await raw(f, url, '{"text":"hello"}', { 'content-encoding': 'identity' })).statusCode).toBe(201);
  });

  it('refuses a member named __proto__ or constructor.prototype with a message naming it', async () => {
    f = await officerFixture();
    const url = `/api/v1/channels/${f.channel}/messages`;
    const r = await raw(f, url, '{"text":"hello","__proto__":{"precedence":"FLASH"}}');
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/__proto__/);
    expect(r.json().message).not.toMatch(/not valid JSON/i);
  });
});

describe('sign-in bodies', () => {
  it('refuses a sign-in body over 64 KiB with 413 before reading it as JSON', async () => {
    f = await officerFixture();
    const r = await f.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: JSON.stringify({ name: 'x', password: 'p'.repeat(70 * 1024) }), headers: { 'content-type': 'application/json' } });
    expect(r.statusCode).toBe(413);
    expect(r.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('a text within its character limit but over the entry limit once encoded', () => {
  it('is refused 413 ENTRY_TOO_LARGE (not a 500), nothing is signed, and the next message goes out', async () => {
    f = await officerFixture();
    const url = `/api/v1/channels/${f.channel}/messages`;
    const before = (await f.t.a.store.listMessages(f.channel)).length;
    // 15,000 control characters: under the 16,000-character limit, 90 KB once each is written \u0001.
    const r = await f.host('POST', url, { text: '\u0001'.repeat(15_000) });
    expect(r.statusCode).toBe(413);
    expect(r.json()).toMatchObject({ code: 'ENTRY_TOO_LARGE', message: expect.stringContaining('once encoded') });
    expect(await f.t.a.store.listMessages(f.channel)).toHaveLength(before);
    expect((await f.host('POST', url, { text: 'hello' })).statusCode).toBe(201);
    expect(await f.t.a.store.listMessages(f.channel)).toHaveLength(before + 1);
  });
});

describe('an officer named in free text on the host credential', () => {
  it('is refused with a control or bidirectional character in the name or title; a plain one is signed', async () => {
    f = await officerFixture();
    const url = `/api/v1/channels/${f.channel}/messages`;
    const before = (await f.t.a.store.listMessages(f.channel)).length;
    for (const from of [{ name: 'Same \u202eOfficer', title: 'Duty Officer' }, { name: 'Li', title: 'Duty\u0000Officer' }, { name: 'Lt\u200bCdr Li', title: 'Duty Officer' }]) {
      const r = await f.host('POST', url, { text: 'hello', from: { ...from, role: 'duty-officer' } });
      expect(r.statusCode).toBe(400);
      expect(r.json().message).toMatch(/holds an invisible or control character \(U\+(202E|0000|200B)\)/);
    }
    const blank = await f.host('POST', url, { text: 'hello', from: { name: '   ', title: 'Duty Officer', role: 'duty-officer' } });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().message).toMatch(/name is blank/);
    expect(await f.t.a.store.listMessages(f.channel)).toHaveLength(before);
    expect((await f.host('POST', url, { text: 'hello', from: { name: 'Лейтенант Петров', title: 'Duty Officer', role: 'duty-officer' } })).statusCode).toBe(201);
  });
});

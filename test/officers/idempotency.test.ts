/**
 * Idempotency keys (#14 C7): a send repeated with the same Idempotency-Key gets the first answer
 * and writes nothing; the same key with another request is refused; without a key every send is
 * a new message.
 */
import { afterEach, expect, it } from 'vitest';
import type { BatchResult, Message, SendResult } from '../../src/terminal/officer-api/api-schemas.js';
import { officerFixture, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const own = async (fx: OfficerFixture) => ((await fx.host('GET', `/api/v1/channels/${fx.channel}/messages`)).json() as Message[]).filter((m) => m.own);

it('answers a repeated send with its first answer and sends one message', async () => {
  f = await officerFixture();
  const before = (await own(f)).length;
  const body = { text: 'Request your intentions', lang: 'en', precedence: 'IMMEDIATE' };
  const first = await f.host('POST', `/api/v1/channels/${f.channel}/messages`, body, { 'idempotency-key': 'watch-7-0001' });
  expect(first.statusCode).toBe(201);
  const again = await f.host('POST', `/api/v1/channels/${f.channel}/messages`, body, { 'idempotency-key': 'watch-7-0001' });
  expect(again.statusCode).toBe(201);
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect((again.json() as SendResult).id).toBe((first.json() as SendResult).id);
  expect((await own(f)).length).toBe(before + 1);

  const other = await f.host('POST', `/api/v1/channels/${f.channel}/messages`, { ...body, text: 'Something else' }, { 'idempotency-key': 'watch-7-0001' });
  expect(other.statusCode).toBe(422);
  expect(other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  const bad = await f.host('POST', `/api/v1/channels/${f.channel}/messages`, body, { 'idempotency-key': 'has a space' });
  expect(bad.statusCode).toBe(400);
  // Without a key, the same text is a new message.
  await f.host('POST', `/api/v1/channels/${f.channel}/messages`, body);
  expect((await own(f)).length).toBe(before + 2);
  expect((await own(f)).length).toBe(before + 2);
});

it('answers a repeated batch, even sent twice at once, with one set of messages', async () => {
  f = await officerFixture();
  const before = (await own(f)).length;
  const body = { messages: [{ text: 'one' }, { text: 'two' }, { text: 'three' }] };
  const [a, b] = await Promise.all([
    f.host('POST', `/api/v1/channels/${f.channel}/messages/batch`, body, { 'idempotency-key': 'file-lines-1-3' }),
    f.host('POST', `/api/v1/channels/${f.channel}/messages/batch`, body, { 'idempotency-key': 'file-lines-1-3' }),
  ]);
  expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
  expect((a.json() as BatchResult).messages.map((m) => m.id)).toEqual((b.json() as BatchResult).messages.map((m) => m.id));
  expect((await own(f)).length).toBe(before + 3);
});

/**
 * The message routes (messages-routes.ts) on their own: the list as api-schemas.ts Message
 * presents it, send and acknowledge, who signs (the officer signed in; the host credential the
 * officer it names, or the terminal's default officer), and refusals naming the permission.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AckResult, Message, SendResult } from '../../src/terminal/officer-api/api-schemas.js';
import { officerFixture, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const messages = async (fx: OfficerFixture, query = '') => (await fx.host('GET', `/api/v1/channels/${fx.channel}/messages${query}`)).json() as Message[];

describe('message routes', () => {
  it('lists a message of the other side with its deadline, then acknowledged by the default officer when the host credential names nobody', async () => {
    f = await officerFixture();
    const [cn] = await messages(f);
    expect(cn).toEqual({
      id: f.cnMessage,
      from: 'CN',
      own: false,
      seq: expect.any(Number),
      time: expect.any(Number),
      precedence: 'PRIORITY',
      lang: 'en',
      text: 'CN to US: test',
      replyTo: null,
      drill: false,
      deadlineAt: cn!.time + 3_600_000,
      receiptedAt: expect.any(Number),
      // Addressed to US alone: its own receipt (two-party channels look as before).
      receipts: [{ party: expect.any(String), code: 'US', at: cn!.receiptedAt }],
      ackedAt: null,
      ackedBy: null,
      acks: [],
    });
    const ack = await f.host('POST', `/api/v1/messages/${f.cnMessage.slice(0, 10)}/ack`, {});
    expect(ack.statusCode).toBe(201);
    // The answer names who signed, as the other side sees it (the CLI prints it).
    expect(ack.json() as AckResult).toEqual({ id: expect.stringMatching(/^[0-9a-f]{64}$/), message: f.cnMessage, time: expect.any(Number), officer: { name: 'US duty officer', title: 'Duty Officer', role: 'duty-officer' } });
    const after = (await messages(f)).find((m) => m.id === f!.cnMessage)!;
    expect(after.ackedBy).toMatchObject({ code: 'US', officer: { name: 'US duty officer', title: 'Duty Officer', role: 'duty-officer' } });
    // Every acknowledgement, with its officer and time (#15 item 7).
    expect(after.acks).toEqual([{ party: expect.any(String), code: 'US', officer: { name: 'US duty officer', title: 'Duty Officer', role: 'duty-officer' }, time: expect.any(Number), entry: ack.json<AckResult>().id }]);
    expect(await messages(f, '?unacked=true')).toEqual([]);
  });

  it('sends as the officer signed in, answers only the id, seq and time, and refuses a claim to be another officer on an acknowledgement', async () => {
    f = await officerFixture();
    const duty = await f.login('Cdr Smith', await f.add('Cdr Smith', ['duty-officer']));
    const sent = await duty.call('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'Watch relieved', precedence: 'PRIORITY', replyTo: f.cnMessage });
    expect(sent.statusCode).toBe(201);
    expect(Object.keys(sent.json() as SendResult).sort()).toEqual(['id', 'seq', 'time']);
    const listed = (await messages(f)).find((m) => m.id === (sent.json() as SendResult).id);
    expect(listed).toMatchObject({ own: true, from: 'US', text: 'Watch relieved', replyTo: f.cnMessage, ackedAt: null });
    const claimed = await duty.call('POST', `/api/v1/messages/${f.cnMessage}/ack`, { officer: { name: 'The Minister', title: 'Minister', role: 'principal' } });
    expect(claimed.statusCode).toBe(403);
    expect(claimed.json().message).toContain('officer.impersonate');
    const own = await duty.call('POST', `/api/v1/messages/${f.cnMessage}/ack`, { officer: { name: 'Cdr Smith', title: 'Cdr Smith title', role: 'duty-officer' } });
    expect(own.statusCode).toBe(201);
  });

  it('refuses an observer sending or acknowledging, naming the permission, and a message that is not held', async () => {
    f = await officerFixture();
    const observer = await f.login('Ms Watcher', await f.add('Ms Watcher', ['observer']));
    const send = await observer.call('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'x' });
    expect(send.statusCode).toBe(403);
    expect(send.json().message).toContain('"message.send"');
    const ack = await observer.call('POST', `/api/v1/messages/${f.cnMessage}/ack`, {});
    expect(ack.statusCode).toBe(403);
    expect(ack.json().message).toContain('"message.ack"');
    expect((await f.host('POST', `/api/v1/messages/${'ab'.repeat(32)}/ack`, {}, { 'x-hotline-officer': 'Ms Watcher' })).json()).toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
  });
});

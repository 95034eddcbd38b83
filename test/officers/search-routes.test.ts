/**
 * The search route and the message list's pages (#15) through the officer API: pages back with
 * `before` without gaps, search results newest first with `next`, each as the timeline shows it
 * (every acknowledgement), and requests the schema refuses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Message, SearchResults } from '../../src/terminal/officer-api/api-schemas.js';
import { officerFixture, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('search and pages', () => {
  it('pages the list back from a message, and searches by text, precedence and time with a next page', async () => {
    f = await officerFixture();
    const fx = f;
    const texts = Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? `ВНИМАНИЕ ${i}` : `routine ${i}`));
    const sent = await fx.host('POST', `/api/v1/channels/${fx.channel}/messages/batch`, { messages: texts.map((text, i) => ({ text, precedence: i === 8 ? 'IMMEDIATE' : 'ROUTINE' })) });
    expect(sent.statusCode).toBe(201);
    const list = async (q: string) => (await fx.host('GET', `/api/v1/channels/${fx.channel}/messages${q}`)).json() as Message[];
    const all = await list('');
    const newest = await list('?limit=5');
    const older = await list(`?limit=5&before=${newest[0]!.id}`);
    const oldest = await list(`?limit=5&before=${older[0]!.id}`);
    expect([...oldest, ...older, ...newest].map((m) => m.id)).toEqual(all.slice(-15).map((m) => m.id));

    const search = async (q: string) => {
      const r = await fx.host('GET', `/api/v1/channels/${fx.channel}/search?${q}`);
      expect(r.statusCode, r.body).toBe(200);
      return r.json() as SearchResults;
    };
    const first = await search(`q=${encodeURIComponent('внимание')}&limit=2`);
    expect(first.messages.map((m) => m.text)).toEqual(['ВНИМАНИЕ 8', 'ВНИМАНИЕ 4']);
    expect(first.next).toBe(first.messages[1]!.id);
    const second = await search(`q=${encodeURIComponent('внимание')}&limit=2&before=${first.next}`);
    expect(second).toEqual({ messages: [expect.objectContaining({ text: 'ВНИМАНИЕ 0', acks: [] })], next: null });
    expect((await search('precedence=IMMEDIATE,FLASH')).messages.map((m) => m.text)).toEqual(['ВНИМАНИЕ 8']);
    const t = all.find((m) => m.text === 'routine 5')!.time;
    expect((await search(`q=routine&since=${t}&until=${t}`)).messages.every((m) => m.time === t)).toBe(true);
    // The other side's message, acknowledged: found with its acknowledgement.
    await fx.host('POST', `/api/v1/messages/${fx.cnMessage}/ack`, { note: 'seen' });
    const cn = (await search('q=CN%20to%20US')).messages;
    expect(cn.map((m) => [m.id, m.acks?.map((a) => a.note)])).toEqual([[fx.cnMessage, ['seen']]]);
  });

  it('refuses what the schema does not allow and a cursor that is not a message here', async () => {
    f = await officerFixture();
    const fx = f;
    for (const q of ['precedence=URGENT', 'limit=0', 'limit=501', 'before=xyz', 'since=-1'])
      expect((await fx.host('GET', `/api/v1/channels/${fx.channel}/search?${q}`)).statusCode, q).toBe(400);
    const unknown = await fx.host('GET', `/api/v1/channels/${fx.channel}/search?before=${'0'.repeat(64)}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    expect((await fx.host('GET', `/api/v1/channels/${fx.channel}/messages?before=${'0'.repeat(64)}`)).statusCode).toBe(404);
  });
});

/**
 * The events socket (events-route.ts) on its own: frames as api-schemas.ts ApiEvent defines them,
 * a message's frame with its acknowledgement deadline, only the channels the caller may read,
 * and nothing of the terminal's own plumbing.
 */
import WebSocketClient from 'ws';
import type WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvent, EntryEvent } from '../../src/terminal/officer-api/api-schemas.js';
import { SESSION_COOKIE } from '../../src/terminal/officer-api/auth.js';
import { officerFixture, TOKEN, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

/** Opens the socket with these headers; collects its frames. */
async function listen(fx: OfficerFixture, headers: Record<string, string>): Promise<{ ws: WebSocket; frames: ApiEvent[] }> {
  const frames: ApiEvent[] = [];
  await fx.app.ready(); // injectWS, unlike inject, does not start the server
  const ws = (await fx.app.injectWS('/api/v1/events', { headers }, { onInit: (w: WebSocket) => w.on('message', (d) => frames.push(JSON.parse(String(d)) as ApiEvent)) })) as WebSocket;
  return { ws, frames };
}

const entries = (frames: readonly ApiEvent[]) => frames.filter((e): e is EntryEvent => e.type === 'entry');

describe('events socket', () => {
  it('sends each entry as a frame with its signed body, and a message with its acknowledgement deadline', async () => {
    f = await officerFixture();
    const { ws, frames } = await listen(f, { authorization: `Bearer ${TOKEN}` });
    const sent = await f.host('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'Exercise begins 0600Z', precedence: 'IMMEDIATE' });
    expect(sent.statusCode).toBe(201);
    const { id, time } = sent.json() as { id: string; time: number };
    await f.t.settle();
    const mine = entries(frames).find((e) => e.hash === id);
    expect(mine).toMatchObject({ type: 'entry', channel: f.channel, kind: 'message', own: true, authorCode: 'US', time, body: { text: 'Exercise begins 0600Z', precedence: 'IMMEDIATE' } });
    // The charter's default deadline for IMMEDIATE: 900 s.
    expect(mine!.deadlineAt).toBe(time + 900_000);
    // CN's receipt of it follows, as a frame of its own.
    expect(entries(frames).some((e) => e.kind === 'receipt' && !e.own)).toBe(true);
    ws.terminate();
  });

  it('keeps the terminal\'s own plumbing (peer-seen) off the socket', async () => {
    f = await officerFixture();
    const { ws, frames } = await listen(f, { authorization: `Bearer ${TOKEN}` });
    const next = new Promise((r) => ws.once('message', r));
    f.t.a.events.emit({ type: 'peer-seen', peer: f.t.b.self.party });
    f.t.a.events.emit({ type: 'alarm', code: 'LINK_DOWN', message: 'Link to CN is down.', peer: f.t.b.self.party });
    await next; // the first frame written after both
    expect(frames).toEqual([{ type: 'alarm', code: 'LINK_DOWN', message: 'Link to CN is down.', peer: f.t.b.self.party }]);
    ws.terminate();
  });

  it('shows an officer granted one channel only the events of that channel', async () => {
    f = await officerFixture();
    const other = await f.t.activeChannel({ title: 'Other line' });
    const session = await f.login('Cdr Grant', await f.add('Cdr Grant', [], { [f.channel]: 'duty-officer' }));
    const { ws, frames } = await listen(f, { cookie: `${SESSION_COOKIE}=${session.cookie}` });
    await f.t.b.send(other, { text: 'on the other line', lang: 'en', precedence: 'ROUTINE' });
    await f.t.b.send(f.channel, { text: 'on the granted line', lang: 'en', precedence: 'ROUTINE' });
    await f.t.settle();
    const seen = entries(frames);
    expect(seen.some((e) => (e.body as { text?: string }).text === 'on the granted line')).toBe(true);
    expect(seen.filter((e) => e.channel === other)).toEqual([]);
    ws.terminate();
  });

  it('refuses a caller that is not signed in', async () => {
    f = await officerFixture();
    await f.app.ready();
    await expect(f.app.injectWS('/api/v1/events', {})).rejects.toThrow(/401/);
  });
});

describe('events socket keepalive', () => {
  it('pings an open socket, keeps it open while the client answers, and closes one whose client stopped answering', async () => {
    f = await officerFixture({}, { eventsPingMs: 20 });
    // Over a real socket: the in-memory injectWS pair does not carry control frames both ways.
    const url = await f.app.listen({ host: '127.0.0.1', port: 0 });
    const ws = new WebSocketClient(`${url.replace('http', 'ws')}/api/v1/events`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    // A console on a quiet line: pinged again and again (a proxy sees traffic), and still open.
    let pings = 0;
    await new Promise<void>((resolve) => ws.on('ping', () => ++pings === 3 && resolve()));
    expect(ws.readyState).toBe(ws.OPEN);
    // A client that stops answering (suspended, half-open) is closed at the next ping.
    (ws as unknown as { pong: () => void }).pong = () => undefined;
    await new Promise<void>((resolve) => ws.once('close', () => resolve()));
    expect(ws.readyState).toBe(ws.CLOSED);
  });
});

/**
 * A hostile peer on the other end of this terminal's own link (CN dials RU's stream, RU answers):
 * RU says it holds channels it is not a party to (as nothing, to be sent everything; as far ahead
 * of CN, to stop CN signing there), asks (`want`) for the entries of such a channel, floods wants
 * for its own channel, and answers batches CN never sent. CN sends RU nothing of the other
 * channels, never more than the window of unanswered batches however many wants come, ignores the
 * made-up answers, and its lines with US keep working. RU is a real terminal first (paired, a channel
 * opened); then its own server is replaced by this test's, on RU's address and with RU's TLS key,
 * so that CN's pin still holds.
 */
import { createServer, type Server } from 'node:https';
import { describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseEntry } from '../../src/protocol/index.js';
import { loadTerminalIdentity } from '../../src/terminal/identity/index.js';
import { WINDOW } from '../../src/terminal/federation/wire.js';
import { Harness, waitFor } from './harness.js';

interface Heard {
  id: number;
  entries: string[];
}

/** RU's stream server, as a hostile RU would run it: records every `entries` frame CN sends. */
async function hostileServer(port: number, tls: { keyPem: string; certPem: string }, lie: Record<string, number>): Promise<{ server: Server; streams: WebSocket[]; heard: Heard[] }> {
  const server = createServer({ key: tls.keyPem, cert: tls.certPem, requestCert: true, rejectUnauthorized: false });
  const wss = new WebSocketServer({ server, path: '/fed/v1/stream' });
  const streams: WebSocket[] = [];
  const heard: Heard[] = [];
  wss.on('connection', (ws) => {
    streams.push(ws);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { t: string; id?: number; entries?: string[] };
      // Holds nothing of the channels CN names (CN pushes its own entries of them from the
      // start), and names the channels it is not in: as holding nothing (push me everything) and
      // as holding more of CN's log than CN does (stop signing until you have it back).
      if (frame.t === 'hello') ws.send(JSON.stringify({ t: 'holds', holds: { ...lie, ...Object.fromEntries((frame as unknown as { channels: string[] }).channels.map((c) => [c, 0])) } }));
      if (frame.t === 'entries') heard.push({ id: frame.id!, entries: frame.entries! });
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  return { server, streams, heard };
}

describe('e2e: a hostile peer answering this terminal’s stream', () => {
  it('gets nothing of a channel it is not in, at most the window under a want flood, and cannot wedge the other lines', async () => {
    const h = await Harness.create();
    const [us, cn, ru] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China'), h.party('RU', 'Russia')]);
    await Promise.all([h.pair(us, cn), h.pair(cn, ru)]);
    const [usCn, cnRu] = await Promise.all([
      h.openChannel(us, cn, { title: { en: 'US-CN line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 }),
      h.openChannel(cn, ru, { title: { en: 'CN-RU line' }, tier: 'technical', parties: ['RU'], linkTestIntervalSec: 86_400 }),
    ]);
    for (let i = 0; i < 3; i++) {
      await us.api('POST', `/api/v1/channels/${usCn}/messages`, { text: `US to CN ${i}` });
      await cn.api('POST', `/api/v1/channels/${usCn}/messages`, { text: `CN to US ${i}` });
      await cn.api('POST', `/api/v1/channels/${cnRu}/messages`, { text: `CN to RU ${i}` });
    }
    const cnParty = (await loadTerminalIdentity(cn.dir)).party;
    const usParty = (await loadTerminalIdentity(us.dir)).party;

    // RU's terminal stops; the hostile server takes its address, with its TLS key.
    const { tls } = await loadTerminalIdentity(ru.dir);
    await ru.stop();
    // A channel of US and CN whose CN log RU "holds" from nothing, and another it "holds" far ahead.
    const usCn2 = await h.openChannel(us, cn, { title: { en: 'US-CN second line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    const hostile = await hostileServer(ru.federationPort, tls, { [usCn]: 0, [usCn2]: 1_000_000 });
    h.defer(() => {
      for (const ws of hostile.streams) ws.terminate();
      hostile.server.close();
    });
    const stream = await waitFor('CN to dial the hostile RU', () => hostile.streams.find((ws) => ws.readyState === 1), 20_000);
    // CN pushes its own entries of the CN-RU channel (RU said it holds nothing), unanswered.
    await waitFor('CN to push the CN-RU channel', () => hostile.heard.length > 0);
    h.step(`CN sent ${hostile.heard.length} batch(es) after the hello`);

    // 1. Wants for the US-CN channel, which RU is not a party to: US's entries, CN's, the proposal.
    const send = (frame: object) => stream.send(JSON.stringify(frame));
    for (const author of [usParty, cnParty]) send({ t: 'want', channel: usCn, author, fromSeq: 1, toSeq: 1024 });
    send({ t: 'want', channel: usCn, author: '', fromSeq: 1, toSeq: 1 });

    // 2. A flood of wants for the CN-RU channel, and answers to batches CN never sent.
    for (let i = 0; i < 2000; i++) send({ t: 'want', channel: cnRu, author: i % 2 ? cnParty : '', fromSeq: 1 + (i % 5), toSeq: 5 + (i % 7) });
    for (let id = 1000; id < 1200; id++) send({ t: 'stored', id, accepted: 0, duplicate: 0, pending: 0, rejected: [] });
    // A link test of the CN-RU channel or a round of CN's pushes would come within this.
    await new Promise((r) => setTimeout(r, 3000));

    const channelOf = (raw: string): string | null => {
      const p = parseEntry(raw);
      if (!p.ok) throw new Error(`CN sent an entry that does not parse: ${p.error.message}`);
      return p.sealed.entry.channel ?? p.sealed.hash;
    };
    const sent = hostile.heard.flatMap((b) => b.entries.map(channelOf));
    expect(sent.filter((c) => c === usCn)).toEqual([]);
    expect(sent.every((c) => c === cnRu)).toBe(true);
    // Nothing was answered: at most the window of batches, whatever RU asked and made up.
    expect(hostile.heard.length).toBeLessThanOrEqual(WINDOW);
    expect(cn.log).toMatch(/FED_WANT_REFUSED/);
    expect(cn.log).toMatch(/FED_STORED_UNKNOWN/);
    expect(cn.log).toMatch(/FED_HOLDS_IGNORED/);

    // Answered, the window opens again: the link is not wedged, wants are served. (How many
    // batches the flood took depends on timing: its wants join per author, so the window may not
    // have filled, and then nothing was left queued. A want asked after the answers is served
    // whichever it was.)
    const before = hostile.heard.length;
    for (const b of [...hostile.heard]) send({ t: 'stored', id: b.id, accepted: b.entries.length, duplicate: 0, pending: 0, rejected: [] });
    send({ t: 'want', channel: cnRu, author: cnParty, fromSeq: 1, toSeq: 3 });
    await waitFor('CN to serve wants once answered', () => hostile.heard.length > before);
    expect(hostile.heard.flatMap((b) => b.entries.map(channelOf)).every((c) => c === cnRu)).toBe(true);

    // CN's line with US was never held up.
    const m = await us.api<{ id: string }>('POST', `/api/v1/channels/${usCn}/messages`, { text: 'Still there?' });
    await waitFor('CN to receive US’s message', async () => (await cn.messages(usCn)).some((x) => x.id === m.id));
    const r = await cn.api<{ id: string }>('POST', `/api/v1/channels/${usCn}/messages`, { text: 'Yes.' });
    await waitFor('US to receive CN’s answer', async () => (await us.messages(usCn)).some((x) => x.id === r.id));
    // RU's claim to hold CN's log of the second line far ahead of CN stopped nothing there.
    const s2 = await cn.apiRaw('POST', `/api/v1/channels/${usCn2}/messages`, { text: 'Second line.' });
    expect(s2.status).toBe(201);
    expect(cn.log).not.toMatch(/CHANNEL_RECONCILING/);
  }, 180_000);
});

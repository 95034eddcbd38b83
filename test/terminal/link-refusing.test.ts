/**
 * A line whose stream is up while the peer refuses every own entry sent on a channel is not "up":
 * the outbound link keeps the refusal (the peer's code, since when, across reconnections), the
 * line shows `refusing` with it, and readiness does not count the peer. The peer taking the
 * channel's entries again ends it. A channel whose own log forked is not pushed at all. The
 * `heads` frame reaches the reconciler with the seq the `holds` after it names.
 */
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { EventBus } from '../../src/terminal/events/event-bus.js';
import { PeerLink } from '../../src/terminal/federation/peer-link.js';
import type { LinkRefusal } from '../../src/terminal/federation/link-answers.js';
import { STORED_OVERDUE_MS, type LinkStall } from '../../src/terminal/federation/stored-watch.js';
import { carriesTraffic, combineLine } from '../../src/terminal/federation/link-state.js';
import { generateTlsIdentity } from '../../src/terminal/tls/tls-identity.js';

const PEER = 'P'.repeat(43);
const CH = 'c'.repeat(64);
const CH2 = 'd'.repeat(64);
const HASH = 'e'.repeat(64);
const quiet = { info() {}, warn() {} };

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A peer's federation server that answers every own batch as `judge` says; `hello` as `greet` says (default: heads, then holds). */
async function fakePeer(judge: (frame: { id: number; entries: string[] }) => object | undefined, greet?: () => object[]) {
  const tls = await generateTlsIdentity('fake peer');
  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem, requestCert: true, rejectUnauthorized: false });
  const wss = new WebSocketServer({ server });
  const batches: string[][] = [];
  const sockets: WebSocket[] = [];
  /** Batches `judge` left unanswered (a peer whose storage stalls), answered by `release`. */
  const held: Array<() => void> = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { t: string; id: number; entries: string[] };
      if (frame.t === 'hello')
        for (const f of greet?.() ?? [{ t: 'heads', heads: { [CH]: HASH } }, { t: 'holds', holds: { [CH]: 2, [CH2]: 0 } }]) ws.send(Buffer.isBuffer(f) ? f : JSON.stringify(f), { binary: Buffer.isBuffer(f) });
      if (frame.t === 'entries') {
        batches.push(frame.entries);
        const answer = judge(frame);
        const send = () => ws.send(JSON.stringify({ t: 'stored', id: frame.id, ...(answer ?? taken(frame.entries.length)) }));
        if (answer === undefined) held.push(send);
        else send();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const release = () => {
    for (const send of held.splice(0)) send();
  };
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, pin: tls.spkiFingerprint, batches, sockets, held, release };
}

async function until(what: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function link(peer: Awaited<ReturnType<typeof fakePeer>>, opts: { withheld?: (c: string) => boolean; clock?: () => number; ticks?: Array<() => void> } = {}) {
  const client = await generateTlsIdentity('us');
  const events = new EventBus();
  let head = 3;
  const holds: Array<[string, number, string | undefined]> = [];
  const refusals: Array<LinkRefusal | null> = [];
  const stalls: Array<LinkStall | null> = [];
  const own = (channel: string, from: number, to: number) => Promise.resolve(channel === CH || channel === CH2 ? Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => `${channel.slice(0, 1)}#${from + i}`) : []);
  const l = new PeerLink({
    peer: PEER,
    code: 'CN',
    endpoints: [peer.url],
    expectedFingerprint: peer.pin,
    tls: { keyPem: client.keyPem, certPem: client.certPem },
    entries: { ownEntries: own, entriesFor: () => Promise.resolve([]), committedHead: () => head, proposalEntry: () => Promise.resolve(undefined) } as never,
    directory: { channelIds: () => [CH, CH2], shares: () => true, sendableUpTo: (_c, _p, _after, upTo) => upTo },
    events,
    log: quiet,
    onHolds: (channel, seq, hash) => holds.push([channel, seq, hash]),
    onRefusing: (r) => refusals.push(r),
    onNotStoring: (s) => stalls.push(s),
    ...(opts.withheld ? { withheld: opts.withheld } : {}),
    ...(opts.clock ? { now: opts.clock } : {}),
    ...(opts.ticks ? { repeat: (_ms: number, fn: () => void) => (opts.ticks!.push(fn), () => {}) } : {}),
  });
  cleanups.push(() => l.stop());
  l.start();
  const write = (seq: number) => {
    head = seq;
    events.emit({ type: 'entry', channel: CH, hash: 'h', author: 'S'.repeat(43), authorCode: 'US', seq, kind: 'message', time: 0, own: true, body: {} });
  };
  return { l, holds, refusals, stalls, write };
}

const refused = { accepted: 0, duplicate: 0, pending: 0, rejected: [{ code: 'ENTRY_EQUIVOCATION', message: 'US signed two different entries at #3' }] };
const taken = (n: number) => ({ accepted: n, duplicate: 0, pending: 0, rejected: [] });

describe('the answer to hello, across releases (docs/protocol.md §12)', () => {
  it('a server of an earlier release (holds alone) links, with no hash to compare; a frame of a later release is dropped, not fatal', async () => {
    const old = await fakePeer(() => taken(1), () => [{ t: 'holds', holds: { [CH]: 2, [CH2]: 0 } }]);
    const a = await link(old);
    await until(() => a.l.state === 'up');
    expect(a.holds).toContainEqual([CH, 2, undefined]);
    const later = await fakePeer(() => taken(1), () => [{ t: 'a-frame-of-a-later-release', x: 1 }, { t: 'heads', heads: { [CH]: HASH } }, { t: 'holds', holds: { [CH]: 2, [CH2]: 0 } }]);
    const b = await link(later);
    await until(() => b.l.state === 'up');
    expect(b.holds).toContainEqual([CH, 2, HASH]);
  });

  it('a binary message is not a frame: the client drops it, even one whose bytes spell a frame', async () => {
    const odd = await fakePeer(() => taken(1), () => [Buffer.from(JSON.stringify({ t: 'holds', holds: { [CH]: 7, [CH2]: 0 } })), { t: 'heads', heads: { [CH]: HASH } }, { t: 'holds', holds: { [CH]: 2, [CH2]: 0 } }]);
    const a = await link(odd);
    await until(() => a.l.state === 'up' && a.holds.length >= 2);
    expect(a.holds).toEqual([[CH, 2, HASH], [CH2, 0, undefined]]);
  });
});

describe('a peer that cannot be reached', () => {
  it("is 'connecting' on the first attempt only, then 'down' through every retry, since the outage began", async () => {
    const client = await generateTlsIdentity('us');
    // A server that hangs up on every connection: each attempt fails at once, and the link retries
    // after 100, 200, 400 ms...
    let attempts = 0;
    const server = net.createServer((socket) => {
      attempts++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const states: string[] = [];
    const l = new PeerLink({
      peer: PEER,
      code: 'CN',
      endpoints: [`https://127.0.0.1:${(server.address() as AddressInfo).port}`],
      expectedFingerprint: 'f'.repeat(64),
      tls: { keyPem: client.keyPem, certPem: client.certPem },
      entries: {} as never,
      directory: { channelIds: () => [], shares: () => false, sendableUpTo: (_c, _p, after) => after },
      events: new EventBus(),
      log: quiet,
      onState: (state) => states.push(state),
    });
    cleanups.push(() => l.stop());
    l.start();
    await until(() => attempts >= 2);
    const since = l.since;
    await until(() => attempts >= 5);
    expect(states).toEqual(['connecting', 'down']);
    expect(l.state).toBe('down');
    expect(l.reason?.code).toBe('LINK_UNREACHABLE');
    expect(l.since).toBe(since);
  });
});

describe('a peer that refuses our entries', () => {
  it('shows the line refusing (with the code) while the stream is up, across a reconnection, and up again once it takes them', async () => {
    let refuse = true;
    const peer = await fakePeer((f) => (refuse && f.entries[0]!.startsWith('c') ? refused : taken(f.entries.length)));
    const { l, holds, refusals, write } = await link(peer);
    await until(() => l.refusal !== null && l.state === 'up');
    // The hash of the last own entry the peer holds reached the reconciler's hook, with its seq.
    expect(holds).toContainEqual([CH, 2, HASH]);
    expect(holds).toContainEqual([CH2, 0, undefined]);
    expect(l.refusal).toMatchObject({ channel: CH, code: 'ENTRY_EQUIVOCATION', rejected: 1 });
    expect(refusals).toHaveLength(1);
    const line = combineLine({ state: l.state, since: l.since, reason: null, refusing: l.refusal }, []);
    expect(line.state).toBe('refusing');
    // Its link tests, entries too, go unanswered meanwhile: still refusing, the reason says both.
    const withTests = combineLine({ state: l.state, since: l.since, reason: null, refusing: l.refusal }, [{ channel: 'c'.repeat(64), state: 'down', since: l.since }]);
    expect(withTests.state).toBe('refusing');
    expect(withTests.reason).toContain('link tests go unanswered meanwhile');
    expect(line.reason).toContain(`refuses this terminal's entries on channel ${CH.slice(0, 12)}: ENTRY_EQUIVOCATION`);
    expect(carriesTraffic(line.state)).toBe(false);

    // Reconnected, it refuses the same entries again: still refusing, since the first time.
    const since = l.refusal!.since;
    peer.sockets.at(-1)!.terminate();
    await until(() => l.state !== 'up');
    await until(() => l.state === 'up' && peer.batches.length >= 3);
    expect(l.refusal).toMatchObject({ channel: CH, since });

    // The peer takes the channel's entries again (repaired): the refusal ends.
    refuse = false;
    write(4);
    await until(() => l.refusal === null);
    expect(refusals.at(-1)).toBeNull();
    expect(combineLine({ state: l.state, since: l.since, reason: null, refusing: l.refusal }, []).state).toBe('up');
  });

  it('pushes nothing of a channel whose own log forked', async () => {
    const peer = await fakePeer((f) => taken(f.entries.length));
    const { l } = await link(peer, { withheld: (c) => c === CH });
    // The pump goes through the channels in order: CH's own entries would have gone before CH2's.
    await until(() => l.state === 'up' && peer.batches.length >= 1);
    expect(peer.batches.flat().every((e) => e.startsWith('d'))).toBe(true);
  });
});

describe('a peer that answers heartbeats but stores nothing', () => {
  it('shows the line down once a batch the peer read goes unanswered past the allowance, and up again when the peer answers', async () => {
    // Its database locked, say: heartbeats need no commit, so they are still answered.
    let stall = false;
    const peer = await fakePeer((f) => (stall ? undefined : taken(f.entries.length)));
    let now = 1_000_000;
    const ticks: Array<() => void> = [];
    const { l, stalls, write } = await link(peer, { clock: () => now, ticks });
    const tick = () => ticks.at(-1)!();
    const line = () => combineLine({ state: l.state, since: l.since, reason: null, notStoring: l.notStoring }, []);
    // The first pump: one batch of each channel, both answered.
    await until(() => l.state === 'up' && peer.batches.length >= 2);
    stall = true;
    write(4); // one more own entry in each channel: two batches
    await until(() => peer.held.length === 2);
    // Not read yet as far as this terminal knows: no clock runs, however long it waits.
    now += 10 * STORED_OVERDUE_MS;
    tick(); // the heartbeat's ping, queued after the two batches
    expect(l.notStoring).toBeNull();
    // Its pong proves the peer read them: the clock starts now.
    await until(() => l.readUnanswered === 2);
    now += STORED_OVERDUE_MS - 1;
    tick();
    expect(l.notStoring).toBeNull();
    expect(line().state).toBe('up');
    now += 1;
    tick();
    expect(l.notStoring).toEqual({ since: now - STORED_OVERDUE_MS, batches: 2 });
    expect(stalls).toEqual([{ since: now - STORED_OVERDUE_MS, batches: 2 }]);
    expect(l.state).toBe('up'); // the stream itself is fine
    expect(line()).toMatchObject({ state: 'down', since: now - STORED_OVERDUE_MS });
    expect(line().reason).toContain('has stored none of the entries sent to it since then (2 batches unanswered)');
    expect(carriesTraffic(line().state)).toBe(false);
    tick();
    expect(stalls).toHaveLength(1); // one alarm, not one per check

    // The peer answers (its database back): up again, with one "stores again".
    stall = false;
    peer.release();
    await until(() => l.notStoring === null);
    expect(stalls.at(-1)).toBeNull();
    expect(line().state).toBe('up');
  });

  it('keeps counting across a reconnection while the peer still stores nothing, and stops once it said it holds everything', async () => {
    let stall = true;
    const peer = await fakePeer((f) => (stall ? undefined : taken(f.entries.length)));
    let now = 1_000_000;
    const ticks: Array<() => void> = [];
    const { l, stalls } = await link(peer, { clock: () => now, ticks });
    await until(() => l.state === 'up' && peer.held.length >= 1);
    ticks.at(-1)!();
    await until(() => l.readUnanswered >= 1);
    const readAt = now;
    now += STORED_OVERDUE_MS / 2;
    // The peer drops the stream (its frame handler failed, say): a new stream, the same entries again.
    peer.sockets.at(-1)!.terminate();
    await until(() => l.state !== 'up');
    await until(() => l.state === 'up' && peer.held.length >= 2);
    ticks.at(-1)!();
    await until(() => l.readUnanswered >= 1);
    now += STORED_OVERDUE_MS / 2;
    ticks.at(-1)!();
    // Counted from the first stream's batch, not restarted by the reconnection.
    expect(l.notStoring?.since).toBe(readAt);
    expect(stalls).toHaveLength(1);
    stall = false;
    peer.release();
    await until(() => l.notStoring === null);
  });
});

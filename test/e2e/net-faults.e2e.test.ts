/**
 * Network faults between two terminals: each party's federation port is reached through a TCP
 * proxy of the test's own (the endpoint in its party card), which can stall (half-open: nothing
 * forwarded, nothing closed), delay, throttle, or cut connections in the middle of a frame, both
 * ways or one way. The line is shown down within seconds and never up while nothing passes, each
 * reconnection attempt through a silent path gives up after its handshake deadline, a FLASH sent
 * meanwhile is overdue at its deadline, and once the path is restored the line comes back up and
 * every message sent meanwhile arrives exactly once and is receipted. A path with a 4 s round trip
 * from the first byte (beyond the first dial's deadline) is still dialled. Measured figures are printed.
 */
import { describe, expect, it } from 'vitest';
import { Harness, freePort, waitFor, type Party } from './harness.js';
import { FaultProxy } from './fault-proxy.js';

type Link = { code: string; state: string; transport?: string; since?: number; reason?: string | null };
const linkOf = async (p: Party, peer: string): Promise<Link | undefined> =>
  (await p.status().catch(() => undefined))?.links.find((l) => l.code === peer) as Link | undefined;

/** US and CN, each reached through a FaultProxy, with an active channel (link test every `linkTestSec`). */
async function setup(linkTestSec = 1) {
  const h = await Harness.create();
  const [pu, pc] = [await freePort(), await freePort()];
  const us = await h.party('US', 'United States', { endpoints: [`https://127.0.0.1:${pu}`], start: false });
  const cn = await h.party('CN', 'China', { endpoints: [`https://127.0.0.1:${pc}`], start: false });
  const toUs = await FaultProxy.open(pu, us.federationPort);
  const toCn = await FaultProxy.open(pc, cn.federationPort);
  h.defer(() => void toUs.close());
  h.defer(() => void toCn.close());
  await us.start();
  await cn.start();
  await h.pair(us, cn);
  const channel = await h.openChannel(us, cn, { title: { en: 'Line' }, tier: 'military', parties: ['CN'], linkTestIntervalSec: linkTestSec, ackDeadlineSec: { FLASH: 3 } });
  const all = (f: (p: FaultProxy) => void) => [toUs, toCn].forEach(f);
  return { h, us, cn, toUs, toCn, all, channel };
}

/** Sends `n` messages from `p`, one every `everyMs`, each with its own Idempotency-Key, retried until accepted. */
async function sendSome(p: Party, channel: string, label: string, n: number, everyMs: number): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let i = 1; i <= n; i++) {
    const text = `${label} #${i}`;
    const key = `${label.replace(/[^A-Za-z0-9]/g, "_")}-${i}`;
    let last = '';
    await waitFor(`${text} accepted`, async () => {
      const r = await p.apiRaw('POST', `/api/v1/channels/${channel}/messages`, { text, precedence: 'ROUTINE' }, { 'idempotency-key': key }, 10_000).catch((e: Error) => void (last = e.message));
      if (r) last = `${r.status} ${r.text.slice(0, 300)}`;
      if (r?.status === 201) ids.set(text, (r.body as { id: string }).id);
      return r?.status === 201;
    }, 30_000, 200).catch((e: Error) => {
      throw new Error(`${e.message}; last answer: ${last}`);
    });
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return ids;
}

/** Each sent message is held once by the receiver and receipted at the sender. */
async function delivered(from: Party, to: Party, channel: string, sent: Map<string, string>, ms = 30_000): Promise<void> {
  await waitFor(`${to.code} to hold and ${from.code} to see receipted every message of ${from.code}`, async () => {
    const at = await to.messages(channel);
    const mine = await from.messages(channel);
    const receipted = new Set(mine.filter((m) => m.own && m.receiptedAt !== null).map((m) => m.id));
    return [...sent.values()].every((id) => at.some((m) => m.id === id) && receipted.has(id));
  }, ms, 250);
  const at = await to.messages(channel);
  for (const [text, id] of sent) {
    expect(at.filter((m) => m.text === text).length, `${text} once`).toBe(1);
    expect(at.find((m) => m.text === text)?.id).toBe(id);
  }
}

/** The link's state (line/stream) as `hotline status` shows it, sampled every 100 ms: each change with its time. */
function timeline(p: Party, peer: string) {
  const changes: Array<{ state: string; at: number }> = [];
  const t = Date.now();
  const timer = setInterval(() => void linkOf(p, peer).then((l) => {
    const v = l ? `${l.state}/${l.transport}` : '?';
    if (changes.at(-1)?.state !== v) changes.push({ state: v, at: Date.now() - t });
  }), 100);
  return {
    changes,
    text: () => changes.map((c) => `${c.state}@${c.at}`).join(' -> '),
    /** Whether the line, once shown down, was shown up again before `to` (ms from the start). */
    upAgainAfterDown: (to: number) => {
      const down = changes.findIndex((c) => c.state.startsWith('down'));
      return down >= 0 && changes.slice(down).some((c) => c.state.startsWith('up') && c.at < to);
    },
    /** Whether the line was ever shown down. */
    wentDown: () => changes.some((c) => c.state.startsWith('down')),
    stop: () => clearInterval(timer),
  };
}

describe('e2e: network faults between two terminals', () => {
  it('stall, latency, throttle, cuts mid-frame: link state follows, nothing lost, doubled or wedged', async () => {
    const { h, us, cn, toUs, toCn, all, channel } = await setup(1);
    const report: string[] = [];
    const note = (s: string) => {
      report.push(s);
      h.step(s);
    };

    // 1. Half-open: nothing forwarded either way, nothing closed, for 15 s; a FLASH sent meanwhile.
    let t0 = Date.now();
    all((p) => (p.stalled = true));
    const tlUs = timeline(us, 'CN');
    const tlCn = timeline(cn, 'US');
    const stallAt = t0;
    const flash = await us.api<{ id: string }>('POST', `/api/v1/channels/${channel}/messages`, { text: 'FLASH during the stall', precedence: 'FLASH' });
    const sending = Promise.all([sendSome(us, channel, 'stall US', 5, 500), sendSome(cn, channel, 'stall CN', 5, 500)]);
    const downUs = await waitFor('US to see CN down', async () => { const l = await linkOf(us, 'CN'); return l && l.state === 'down' ? l : undefined; }, 30_000, 100);
    note(`stall: US sees CN down after ${Date.now() - t0} ms (${downUs.reason})`);
    const downCn = await waitFor('CN to see US down', async () => { const l = await linkOf(cn, 'US'); return l && l.state === 'down' ? l : undefined; }, 30_000, 100);
    note(`stall: CN sees US down after ${Date.now() - t0} ms (${downCn.reason})`);
    // Link tests every second (down after three unanswered), heartbeat 2.5-5 s: seen within seconds.
    expect(Date.now() - t0).toBeLessThan(10_000);
    const [sentUs, sentCn] = await sending;
    const overdue = await waitFor('US to list its FLASH overdue', async () => (await us.api<Array<{ id: string }>>('GET', '/api/v1/overdue')).find((m) => m.id === flash.id), 30_000, 250);
    note(`stall: US lists its FLASH overdue after ${Date.now() - t0} ms`);
    expect(overdue).toBeDefined();
    const metricsDown = (await us.apiRaw('GET', '/metrics')).text.split('\n').filter((l) => l.startsWith('hotline_link_state')).join(' ');
    expect(metricsDown).toContain('hotline_link_state{peer="CN",state="up"} 0');
    await new Promise((r) => setTimeout(r, Math.max(0, 15_000 - (Date.now() - t0))));
    note(`stall 15 s: US's view of CN: ${tlUs.text()}; CN's view of US: ${tlCn.text()}; metrics: ${metricsDown}`);
    // Shown down, and never up again while nothing passed. Each attempt to reconnect through the
    // silent path gives up after its connect deadline (test/terminal/tls.test.ts); the link coming
    // up within 15 s of the restore (below) shows no attempt hung.
    expect(tlUs.wentDown() && !tlUs.upAgainAfterDown(Date.now() - stallAt)).toBe(true);
    expect(tlCn.wentDown() && !tlCn.upAgainAfterDown(Date.now() - stallAt)).toBe(true);
    // A retry through the silent path stays 'down' (one outage, one state), never 'connecting'.
    expect(tlUs.changes.slice(tlUs.changes.findIndex((c) => c.state.startsWith('down'))).some((c) => c.state.startsWith('connecting'))).toBe(false);
    expect(tlCn.changes.slice(tlCn.changes.findIndex((c) => c.state.startsWith('down'))).some((c) => c.state.startsWith('connecting'))).toBe(false);
    t0 = Date.now();
    all((p) => p.restore());
    await us.linkUp(cn, undefined, 30_000);
    note(`stall: US link up ${Date.now() - t0} ms after the restore`);
    expect(Date.now() - t0).toBeLessThan(15_000);
    await cn.linkUp(us, undefined, 30_000);
    note(`stall: CN link up ${Date.now() - t0} ms after the restore`);
    await delivered(us, cn, channel, sentUs);
    await delivered(cn, us, channel, sentCn);
    await delivered(us, cn, channel, new Map([['FLASH during the stall', flash.id]]));
    note(`stall: all delivered and receipted ${Date.now() - t0} ms after the restore`);
    await waitFor('US and CN to see the line up', async () => (await linkOf(us, 'CN'))?.state === 'up' && (await linkOf(cn, 'US'))?.state === 'up', 30_000, 100);
    note(`stall: line up both ways ${Date.now() - t0} ms after the restore; US: ${tlUs.text()}; CN: ${tlCn.text()}`);
    tlUs.stop();
    tlCn.stop();

    // 1b. The cable cut (every connection reset) and nothing forwarded for 10 s, then restored.
    t0 = Date.now();
    all((p) => (p.stalled = true));
    all((p) => p.resetAll());
    const tl2 = timeline(us, 'CN');
    const during = await Promise.all([sendSome(us, channel, 'drop US', 3, 500), sendSome(cn, channel, 'drop CN', 3, 500)]);
    await waitFor('US to see CN down', async () => (await linkOf(us, 'CN'))?.state === 'down', 30_000, 100);
    note(`drop: US sees CN down after ${Date.now() - t0} ms`);
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - t0))));
    t0 = Date.now();
    all((p) => p.restore());
    await us.linkUp(cn, undefined, 30_000);
    await cn.linkUp(us, undefined, 30_000);
    note(`drop: links up ${Date.now() - t0} ms after the restore`);
    await delivered(us, cn, channel, during[0]);
    await delivered(cn, us, channel, during[1]);
    await waitFor('US and CN to see the line up', async () => (await linkOf(us, 'CN'))?.state === 'up' && (await linkOf(cn, 'US'))?.state === 'up', 30_000, 100);
    note(`drop: delivered, line up ${Date.now() - t0} ms after the restore; US: ${tl2.text()}`);
    tl2.stop();

    // 2. Latency.
    for (const delay of [500, 1500, 3000]) {
      all((p) => (p.delayMs = delay));
      t0 = Date.now();
      const states: string[] = [];
      const watch = setInterval(() => void linkOf(us, 'CN').then((l) => { if (l && states.at(-1) !== `${l.state}/${l.transport}`) states.push(`${l.state}/${l.transport}`); }), 200);
      const [a, b] = await Promise.all([sendSome(us, channel, `delay${delay} US`, 5, 1000), sendSome(cn, channel, `delay${delay} CN`, 5, 1000)]);
      await delivered(us, cn, channel, a, 60_000);
      await delivered(cn, us, channel, b, 60_000);
      clearInterval(watch);
      note(`latency ${delay} ms each way: delivered in ${Date.now() - t0} ms; US's view of CN: ${states.join(' -> ')}`);
      // Half a second each way is slow, not broken: the stream stays, the line is never shown down.
      if (delay === 500) expect(states.filter((x) => !/^(up|degraded)\/up$/.test(x))).toEqual([]);
      all((p) => p.restore());
      await us.linkUp(cn, undefined, 30_000);
    }

    // 2b. A slow path from the first byte: every connection cut, then 2 s each way. A 4 s round
    // trip is beyond the first dial's 3 s for the upgrade: a dial that timed out once TLS was
    // through lengthens the next one's (peer-link.ts nextConnectDeadline), so the line comes back.
    all((p) => (p.delayMs = 2000));
    all((p) => p.resetAll());
    t0 = Date.now();
    await waitFor('US and CN to dial each other again through a 4 s round trip', async () => (await linkOf(us, 'CN'))?.transport === 'up' && (await linkOf(cn, 'US'))?.transport === 'up', 90_000, 250);
    note(`round trip 4 s from the first byte: streams up both ways ${Date.now() - t0} ms after the cut`);
    {
      const [a, b] = await Promise.all([sendSome(us, channel, 'rtt4 US', 2, 500), sendSome(cn, channel, 'rtt4 CN', 2, 500)]);
      await delivered(us, cn, channel, a, 60_000);
      await delivered(cn, us, channel, b, 60_000);
      note(`round trip 4 s: delivered and receipted ${Date.now() - t0} ms after the cut`);
    }
    all((p) => p.restore());
    await us.linkUp(cn, undefined, 30_000);

    // 3. Throttle.
    all((p) => (p.bytesPerSec = 2000));
    t0 = Date.now();
    {
      const states: string[] = [];
      const watch = setInterval(() => void linkOf(us, 'CN').then((l) => { if (l && states.at(-1) !== `${l.state}/${l.transport}`) states.push(`${l.state}/${l.transport}`); }), 200);
      // A burst on a line already measured: one batch of 60 messages, one frame of about 45 KB
      // (three TLS records of 16 KB, 8 s each at this rate). The heartbeat counts the bytes under
      // TLS (tls/raw-bytes.ts), so the stream carrying it is not cut between records and the
      // burst is not sent again and again for ever.
      const batch = await us.api<{ messages: Array<{ id: string }> }>('POST', `/api/v1/channels/${channel}/messages/batch`, { messages: Array.from({ length: 60 }, (_, i) => ({ text: `burst ${i} ${'x'.repeat(300)}`, precedence: 'ROUTINE' })) });
      const burst = new Map(batch.messages.map((m, i) => [`burst ${i} ${'x'.repeat(300)}`, m.id]));
      const [a, b] = await Promise.all([sendSome(us, channel, 'slow US', 10, 200), sendSome(cn, channel, 'slow CN', 10, 200)]);
      await delivered(us, cn, channel, a, 120_000);
      await delivered(cn, us, channel, b, 90_000);
      await delivered(us, cn, channel, burst, 120_000);
      clearInterval(watch);
      note(`throttle 2 KB/s: delivered, with a burst of 60 messages, in ${Date.now() - t0} ms; US's view of CN: ${states.join(' -> ')}; heartbeat cuts: ${(us.log.match(/LINK_HEARTBEAT_LOST/g) ?? []).length} at US, ${(cn.log.match(/unresponsive federation stream cut/g) ?? []).length} at CN`);
    }
    all((p) => p.restore());

    // 4. Cuts in the middle of a frame, under traffic.
    t0 = Date.now();
    {
      const sendingCuts = Promise.all([sendSome(us, channel, 'cut US', 20, 150), sendSome(cn, channel, 'cut CN', 20, 150)]);
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 500));
        all((p) => (p.cutNext = true));
        await new Promise((r) => setTimeout(r, 300));
        all((p) => (p.cutNext = false));
      }
      const [a, b] = await sendingCuts;
      await delivered(us, cn, channel, a);
      await delivered(cn, us, channel, b);
      note(`cuts mid-frame (${toUs.cuts + toCn.cuts} connections cut): delivered ${Date.now() - t0} ms after the first cut`);
    }
    await us.linkUp(cn, undefined, 30_000);
    await cn.linkUp(us, undefined, 30_000);
    expect(await us.api<unknown[]>('GET', `/api/v1/channels/${channel}/evidence`)).toEqual([]);
    expect(await cn.api<unknown[]>('GET', `/api/v1/channels/${channel}/evidence`)).toEqual([]);
    process.stderr.write(`\n==== network faults ====\n${report.join('\n')}\n`);
  }, 600_000);
  it('one path stalled (US to CN only): each side says what it sees, and what can flow does', async () => {
    const { h, us, cn, toCn, channel } = await setup(1);
    const alarms: string[] = [];
    await us.events((e) => {
      const ev = e as { type: string; code?: string };
      if (ev.type === 'alarm' && ev.code) alarms.push(`US:${ev.code}`);
    });
    await cn.events((e) => {
      const ev = e as { type: string; code?: string };
      if (ev.type === 'alarm' && ev.code) alarms.push(`CN:${ev.code}`);
    });
    const t0 = Date.now();
    toCn.stalled = true;
    const [tu, tc] = [timeline(us, 'CN'), timeline(cn, 'US')];
    const [a, b] = await Promise.all([sendSome(us, channel, 'oneway US', 5, 500), sendSome(cn, channel, 'oneway CN', 5, 500)]);
    await new Promise((r) => setTimeout(r, 12_000));
    const atCn = new Set((await cn.messages(channel)).map((m) => m.id));
    const atUs = new Set((await us.messages(channel)).map((m) => m.id));
    const report = [
      `one-way stall 15 s: US's view of CN: ${tu.text()}`,
      `CN's view of US: ${tc.text()}`,
      `during: US->CN delivered ${[...a.values()].filter((id) => atCn.has(id)).length}/5, CN->US delivered ${[...b.values()].filter((id) => atUs.has(id)).length}/5`,
    ];
    // CN's own stream to US works, but nothing of US reaches CN: neither side shows the line up.
    expect(tu.wentDown() && !tu.upAgainAfterDown(Date.now() - t0)).toBe(true);
    expect(tc.wentDown() && !tc.upAgainAfterDown(Date.now() - t0)).toBe(true);
    // What can flow does (CN to US); what cannot waits, and nothing is lost (below).
    expect([...b.values()].every((id) => atUs.has(id))).toBe(true);
    toCn.restore();
    await delivered(us, cn, channel, a);
    await delivered(cn, us, channel, b);
    await waitFor('US and CN to see the line up', async () => (await linkOf(us, 'CN'))?.state === 'up' && (await linkOf(cn, 'US'))?.state === 'up', 30_000, 100);
    tu.stop();
    tc.stop();
    report.push(`after restore ${Date.now() - t0 - 15_000} ms: delivered, line up; alarms: ${alarms.join(' ')}`);
    for (const r of report) h.step(r);
    process.stderr.write(`\n==== one-way ====\n${report.join('\n')}\n`);
    expect(await cn.api<unknown[]>('GET', `/api/v1/channels/${channel}/evidence`)).toEqual([]);
    // Link tests held one way and answered late measure the delay, not the clocks (one clock here).
    expect(alarms.filter((x) => x.endsWith('CLOCK_SKEW'))).toEqual([]);
  }, 300_000);
});

/**
 * Lines cut in part: some directions or some pairs of parties, not all.
 *
 * Three parties, and the line between two of them down both ways: US and RU each reach CN, not
 * each other. A FLASH of US reaches RU through CN (docs/protocol.md §12, relaying), and RU's
 * receipt of it reaches US by US asking CN for RU's entries (federation/relay-wants.ts), not an
 * hour later with CN's next entry. A version-2 channel: its link tests are frames, not entries,
 * so once the cut's state changes have settled nothing else of CN's would carry it (checked: with
 * the relay wants off, this test times out waiting for RU's receipt).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { Harness, check, ensureBuilt, freePort, waitFor, type Party } from './harness.js';

/** Local TCP ports of the sockets process `pid` holds (its fds joined with /proc/net/tcp*). */
function portsOf(pid: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      /* closed meanwhile */
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && inodes.has(cols[9]!)) ports.add(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

/** A TCP forwarder that refuses the connections of one process (when `blocked` is set) and resets those it carries. */
class SelectiveForwarder {
  blocked: number | undefined;
  readonly #carried = new Map<Socket, { from: number; upstream: Socket }>();
  private constructor(readonly port: number, readonly server: Server) {}

  static async open(port: number, target: number, pidOf: (clientPort: number) => number | undefined): Promise<SelectiveForwarder> {
    const server = createServer();
    const f = new SelectiveForwarder(port, server);
    server.on('connection', (client) => {
      const from = pidOf(client.remotePort ?? 0) ?? 0;
      if (f.blocked !== undefined && from === f.blocked) return void client.resetAndDestroy();
      const upstream = connect(target, '127.0.0.1');
      f.#carried.set(client, { from, upstream });
      const drop = () => {
        client.destroy();
        upstream.destroy();
        f.#carried.delete(client);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    return f;
  }

  /** From now on, `pid`'s connections are refused; those carried for it are reset. */
  block(pid: number): void {
    this.blocked = pid;
    for (const [client, c] of this.#carried) {
      if (c.from !== pid) continue;
      client.resetAndDestroy();
      c.upstream.resetAndDestroy();
    }
  }

  async close(): Promise<void> {
    for (const [client, c] of this.#carried) {
      client.destroy();
      c.upstream.destroy();
    }
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let h: Harness;
beforeAll(async () => {
  await ensureBuilt();
});
afterEach(async () => {
  await h?.cleanup();
});

const linkState = async (p: Party, peer: string) => ((await p.status()).links.find((l) => l.code === peer) as { state: string } | undefined)?.state;

it("gets a party's receipt through the third party when the line between the two is down", async () => {
  h = await Harness.create();
  const [pu, pr] = [await freePort(), await freePort()];
  const us = await h.party('US', 'United States', { endpoints: [`https://127.0.0.1:${pu}`], start: false });
  const cn = await h.party('CN', 'China');
  const ru = await h.party('RU', 'Russia', { endpoints: [`https://127.0.0.1:${pr}`], start: false });
  const parties = [us, cn, ru];
  const pidOf = (clientPort: number) => parties.find((p) => p.proc?.pid !== undefined && portsOf(p.proc.pid).has(clientPort))?.proc?.pid;
  const toUs = await SelectiveForwarder.open(pu, us.federationPort, pidOf);
  const toRu = await SelectiveForwarder.open(pr, ru.federationPort, pidOf);
  h.defer(() => void toUs.close());
  h.defer(() => void toRu.close());
  await us.start();
  await ru.start();
  await h.pair(us, cn);
  await h.pair(us, ru);
  await h.pair(cn, ru);
  const { id } = await us.api<{ id: string }>('POST', '/api/v1/channels', { title: { en: 'Three-way line' }, tier: 'military', parties: ['CN', 'RU'], linkTestIntervalSec: 3600, protocol: 2 });
  for (const p of [cn, ru]) {
    await waitFor(`${p.code} to receive the proposal`, async () => (await p.channel(id).catch(() => undefined))?.state === 'proposed');
    await p.api('POST', `/api/v1/channels/${id}/accept`, {});
  }
  await waitFor('the channel to be active everywhere', async () => (await Promise.all(parties.map((p) => p.channel(id)))).every((c) => c.state === 'active'));

  // The line between US and RU goes down, both ways; both still reach CN.
  toUs.block(ru.proc!.pid!);
  toRu.block(us.proc!.pid!);
  await waitFor('US to see RU down and RU to see US down', async () => (await linkState(us, 'RU')) !== 'up' && (await linkState(ru, 'US')) !== 'up', 30_000);
  expect(await linkState(us, 'CN')).toBe('up');
  expect(await linkState(ru, 'CN')).toBe('up');

  // The state changes of the cut (link.state entries, their receipts) settle first: nothing of any
  // party arrives anywhere for 3 s. From then on, CN writes nothing that would carry RU's receipt.
  let last = '';
  let sameSince = Date.now();
  await waitFor('the line to be quiet', async () => {
    const counts = JSON.stringify(await Promise.all(parties.map(async (p) => (await p.channel(id)).parties.map((x: { entries: number }) => x.entries))));
    if (counts !== last) [last, sameSince] = [counts, Date.now()];
    return Date.now() - sameSince >= 3000;
  }, 60_000, 250);
  const receipts: Array<{ author?: string; body?: unknown }> = [];
  await us.events((e) => {
    if (e.type === 'entry' && e.kind === 'receipt') receipts.push(e);
  });
  const sent = await us.api<{ id: string; seq: number }>('POST', `/api/v1/channels/${id}/messages`, { text: 'Missile test window moved to 0400Z', precedence: 'FLASH' });
  await waitFor('RU to hold the FLASH (relayed by CN)', async () => (await ru.messages(id)).some((m) => m.id === sent.id), 30_000);
  const usCode = (await us.status()).party as string;
  const covers = (r: { author?: string; body?: unknown }, who: string) =>
    r.author === who && ((r.body as { holds?: Array<{ author: string; seq: number }> }).holds ?? []).some((x) => x.author === usCode && x.seq >= sent.seq);
  const ruId = (await ru.status()).party as string;
  const cnId = (await cn.status()).party as string;
  await waitFor("US to hold RU's receipt of the FLASH, asked of CN", () => receipts.some((r) => covers(r, ruId)), 20_000);
  expect(receipts.some((r) => covers(r, cnId))).toBe(true);
  // Still no line between the two: it came through CN.
  expect(await linkState(us, 'RU')).not.toBe('up');
  const shown = (await us.cli(['channel', 'show', id]).then(check('channel show'))).stdout;
  expect(shown).toMatch(/RU\s+accepted\s+link (down|degraded|connecting)/);
});

it('shows a line degraded when the peer cannot reach this terminal, and fetches its entries over its own connection', async () => {
  h = await Harness.create();
  const pu = await freePort();
  const us = await h.party('US', 'United States', { endpoints: [`https://127.0.0.1:${pu}`], start: false });
  const cn = await h.party('CN', 'China');
  const toUs = await SelectiveForwarder.open(pu, us.federationPort, (port) => (cn.proc?.pid !== undefined && portsOf(cn.proc.pid).has(port) ? cn.proc.pid : undefined));
  h.defer(() => void toUs.close());
  us.env = { HOTLINE_INBOUND_GRACE_MS: '3000' };
  await us.start();
  await h.pair(us, cn);
  const channel = await h.openChannel(us, cn, { title: { en: 'Line' }, tier: 'military', parties: ['CN'], protocol: 2 });
  expect(await linkState(us, 'CN')).toBe('up');

  // A firewall in front of US: CN's connections to US are refused; US's to CN go on.
  toUs.block(cn.proc!.pid!);
  const line = await waitFor('US to show its line to CN degraded', async () => {
    const l = (await us.status()).links.find((x) => x.code === 'CN') as { state: string; reason: string | null; transport?: string } | undefined;
    return l?.state === 'degraded' ? l : undefined;
  }, 30_000);
  // The outbound stream is up and its link tests answered: only the missing stream from CN says it.
  expect(line.transport).toBe('up');
  expect(line.reason).toMatch(/no stream to this terminal.*reachable from the peer/);
  const shown = (await us.cli(['status']).then(check('status'))).stdout;
  expect(shown).toMatch(/CN.*degraded/);
  // CN's messages still arrive: US fetches them over its own connection (pull-fallback.ts), and
  // its receipts go back on its stream. CN sees the line degraded, not down: it cannot reach US,
  // but US's stream to it is up.
  const sent = await cn.api<{ id: string }>('POST', `/api/v1/channels/${channel}/messages`, { text: 'Request you confirm the corridor', precedence: 'FLASH' });
  await waitFor('US to hold CN\'s FLASH, fetched', async () => (await us.messages(channel)).some((m) => m.id === sent.id), 20_000);
  await waitFor('CN to see it receipted by US', async () => (await cn.messages(channel)).find((m) => m.id === sent.id)?.receiptedAt != null, 20_000);
  const cnLine = await waitFor('CN to show its line to US degraded', async () => {
    const l = (await cn.status()).links.find((x) => x.code === 'US') as { state: string; reason: string | null } | undefined;
    return l?.state === 'degraded' ? l : undefined;
  }, 20_000);
  expect(cnLine.reason).toMatch(/cannot reach the peer.*the peer's own stream to this terminal is up/);
  // A channel CN proposes meanwhile reaches US too: US learns it from CN's list of the channels
  // they share (GET /fed/v1/channels) and fetches its proposal; US's acceptance goes out on its own
  // stream, and CN's messages there are fetched like the others'.
  const second = await h.openChannel(cn, us, { title: { en: 'Second line' }, tier: 'military', parties: ['US'], protocol: 2 });
  const onSecond = await cn.api<{ id: string }>('POST', `/api/v1/channels/${second}/messages`, { text: 'On the new line', precedence: 'IMMEDIATE' });
  await waitFor("US to hold CN's message on the new channel, fetched", async () => (await us.messages(second)).some((m) => m.id === onSecond.id), 20_000);

  // The firewall opened: CN's stream arrives, and the line is up again.
  toUs.blocked = undefined;
  await waitFor('US to show its line to CN up again', async () => (await linkState(us, 'CN')) === 'up', 30_000);
});

/**
 * High availability (#19), the kill test in a file of its own (it runs for minutes; beside the
 * other HA tests in ha.e2e.test.ts it runs on another worker): the active US instance is killed
 * (-9) again and again under traffic both ways. Every message an API accepted arrives exactly
 * once, and nothing US signed shares a sequence number.
 */
import { describe, expect, it } from 'vitest';
import { check, waitFor, type Party } from './harness.js';
import { activeOf, checkArrivals, checkPeerExport, haSetup, other, Traffic } from './ha-kit.js';

/**
 * Kill cycles (HOTLINE_HA_KILLS for a longer soak; 20 before CI time was cut). Eight still
 * alternate the victim, so each instance is killed four times as the active one and comes back
 * four times as a standby that later takes over; every kill lands at a random point of traffic
 * both ways at RATE a second each, and the invariants below (exactly once both ways, receipted
 * means durable, no sequence number twice, both keys signed, `failovers N` in status) are checked
 * over all of them. What fewer cycles lose is only sampling of rare kill points, not a property.
 */
const KILLS = Number(process.env.HOTLINE_HA_KILLS ?? 8);
const RATE = Number(process.env.HOTLINE_HA_RATE ?? 100);

describe('e2e: high availability on PostgreSQL, kill -9 under traffic', () => {
  it(`survives ${KILLS} kill -9 of the active instance under traffic both ways: exactly once, no sequence number twice`, async () => {
    const s = await haSetup();
    const { h, peer, channel } = s;
    let active: Party = s.a;
    const toPeer = new Traffic({ targets: () => [active, other(s, active)], channel, label: 'US→CN' });
    const toUs = new Traffic({ targets: () => [peer], channel, label: 'CN→US' });
    toPeer.start(RATE);
    toUs.start(RATE);
    const failovers: number[] = [];
    /** The instance killed last, coming back as a standby while the line runs on the other. */
    let restarting: Promise<void> = Promise.resolve();
    for (let cycle = 1; cycle <= KILLS; cycle++) {
      // A random point: during a commit, a receipt or between, whatever is running then; never
      // before the standby is back.
      await Promise.all([restarting, new Promise((r) => setTimeout(r, 300 + Math.random() * 1200))]);
      const victim = active;
      const standby = other(s, victim);
      const t0 = Date.now();
      await victim.kill9();
      await waitFor(`the standby to be ready after kill ${cycle}`, async () => (await fetch(`${standby.officerUrl}/readyz`)).status === 200, 20_000, 25);
      failovers.push(Date.now() - t0);
      active = standby;
      h.step(`kill ${cycle}: ${victim === s.a ? 'a' : 'b'} killed, ${standby === s.a ? 'a' : 'b'} ready after ${failovers.at(-1)} ms`);
      restarting = victim.start(); // back as a standby
    }
    await restarting;
    await toPeer.stop();
    await toUs.stop();
    const sorted = [...failovers].sort((x, y) => x - y);
    const p50 = sorted[Math.floor(sorted.length / 2)]!;
    process.stderr.write(`HA failover after kill -9 (${KILLS} cycles, ${RATE} msg/s each way): p50 ${p50} ms, max ${sorted.at(-1)} ms; sent US→CN ${toPeer.sent} (accepted ${toPeer.accepted.size}), CN→US ${toUs.sent} (accepted ${toUs.accepted.size})\n`);
    // The figures are reported above (docs/operations.md); this bound only says a failover happened.
    expect(sorted.at(-1)).toBeLessThan(15_000);
    // Under overload an active instance may also step down by itself (it could not renew in time):
    // the active one now is whichever says so.
    active = (await waitFor('an active instance', () => activeOf(s)))!;
    // How much was accepted while instances were being killed every few seconds is a figure of
    // availability on this machine (reported above; on a loaded 2-core CI runner it fell to 78%), not
    // a property: the properties are that nothing accepted is lost or doubled (below), and that the
    // line works again once the failovers stop: every message sent then is accepted.
    expect(toPeer.accepted.size).toBeGreaterThan(0);
    expect(toUs.accepted.size).toBe(toUs.sent);
    const settled = new Traffic({ targets: () => [active, other(s, active)], channel, label: 'US→CN after' });
    active = (await waitFor('an active instance', () => activeOf(s)))!;
    settled.start(20);
    await new Promise((r) => setTimeout(r, 2000));
    await settled.stop();
    expect(settled.accepted.size).toBe(settled.sent);

    // Everything accepted arrives, exactly once, both ways.
    await waitFor('CN to hold every message US accepted', async () => {
      const at = new Set((await peer.messages(channel)).map((m) => m.text));
      return [...toPeer.accepted.keys(), ...settled.accepted.keys()].every((t) => at.has(t));
    }, 60_000, 500);
    await waitFor('US to hold every message CN accepted', async () => {
      const at = new Set((await active.messages(channel)).map((m) => m.text));
      return [...toUs.accepted.keys()].every((t) => at.has(t));
    }, 60_000, 500);
    checkArrivals(toPeer, (await peer.messages(channel)).filter((m) => !m.own && !m.text.startsWith('US→CN after')));
    checkArrivals(settled, (await peer.messages(channel)).filter((m) => !m.own && m.text.startsWith('US→CN after')));
    checkArrivals(toUs, (await active.messages(channel)).filter((m) => !m.own));

    // Receipted means durable: what CN receipted of US is held at CN, what US receipted of CN is in US's database.
    const atPeer = new Set((await peer.messages(channel)).map((m) => m.id));
    for (const m of await active.messages(channel)) if (m.own && m.receiptedAt !== null) expect(atPeer.has(m.id)).toBe(true);
    const inUs = new Set((await s.sql<{ hash: string }>('select hash from entries where channel = $1', [channel])).map((r) => r.hash));
    for (const m of await peer.messages(channel)) if (m.own && m.receiptedAt !== null) expect(inUs.has(m.id)).toBe(true);

    // No sequence number of US twice: no evidence at CN, and CN's export verifies with US's log whole.
    expect(await peer.api<unknown[]>('GET', `/api/v1/channels/${channel}/evidence`)).toEqual([]);
    const { keys } = await checkPeerExport(s);
    expect(keys.size).toBe(2); // both instances signed
    const dupes = await s.sql('select author, seq from entries where channel = $1 group by author, seq having count(*) > 1', [channel]);
    expect(dupes).toEqual([]);
    expect(peer.log).not.toMatch(/EQUIVOCATION/);

    // The operator sees the failovers.
    const status = (await active.cli(['status']).then(check('status'))).stdout;
    expect(status).toMatch(new RegExp(`failovers ${KILLS}\\b`));
  }, 600_000);
});

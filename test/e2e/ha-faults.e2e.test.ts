/**
 * High availability (#19) under faults beyond the kill and pause of ha.e2e.test.ts, with traffic
 * both ways: another session holding a lock the instances need (the lease row, the entries table),
 * an active instance frozen for good (the PostgreSQL server restarted: test/manual/pg-restart.e2e.ts). Every message
 * an API accepted arrives exactly once, no sequence number of the party twice, the line comes back.
 */
import { describe, it } from 'vitest';
import pg from 'pg';
import { waitFor } from './harness.js';
import { activeOf, haSetup, settle, trafficBothWays, type HaSetup } from './ha-kit.js';

async function hold(s: HaSetup, sql: string, ms: number): Promise<void> {
  const c = new pg.Client({ connectionString: s.url, options: `-c search_path=${s.schema}` });
  await c.connect();
  await c.query('begin');
  await c.query(sql);
  s.h.step(`holding: ${sql}`);
  await new Promise((r) => setTimeout(r, ms));
  await c.query('rollback');
  await c.end();
  s.h.step('released');
}

describe('e2e: high availability under database faults', () => {
  for (const [name, sql] of [
    ['the lease row locked FOR UPDATE', 'select * from ha_lease for update'],
    ['the entries table locked exclusively', 'lock table entries in access exclusive mode'],
  ] as const) {
    it(`another session holding ${name} for 3 leases: nothing lost, doubled or wedged`, async () => {
      const s = await haSetup({ leaseMs: 2000 });
      const { toPeer, toUs } = trafficBothWays(s, 20);
      await new Promise((r) => setTimeout(r, 1500));
      const t0 = Date.now();
      await hold(s, sql, 6000);
      const active = (await waitFor('an active instance', () => activeOf(s), 30_000))!;
      s.h.step(`active ${active === s.a ? 'a' : 'b'} ready ${Date.now() - t0 - 6000} ms after the release`);
      await new Promise((r) => setTimeout(r, 1500));
      await settle(s, toPeer, toUs);
      process.stderr.write(`${name}: sent ${toPeer.sent}/${toUs.sent}, accepted ${toPeer.accepted.size}/${toUs.accepted.size}\n`);
    }, 240_000);
  }

  it('an active instance frozen for good (SIGSTOP): the peer leaves its silent endpoint and reaches the new active instance', async () => {
    // The frozen process's kernel still accepts TCP on its federation port, and nothing answers the
    // TLS handshake: the peer's attempt used to wait there for as long as the process stayed frozen,
    // never trying the other endpoint, so the peer's line to the party stayed down after failover.
    // A lease longer than the peer's heartbeat: CN drops the frozen stream, finds b's port still
    // closed (b is a standby until the lease expires) and dials a's endpoint again.
    const s = await haSetup({ leaseMs: 9000 });
    const { h, a, b, peer, channel } = s;
    await waitFor('CN to link to a', async () => (await peer.status()).links.find((l) => l.code === 'US')?.endpoint?.endsWith(`:${a.federationPort}`));
    const t0 = Date.now();
    a.proc!.kill('SIGSTOP');
    try {
      await waitFor('b to take over', async () => (await fetch(`${b.officerUrl}/readyz`)).status === 200, 30_000, 50);
      h.step(`b ready ${Date.now() - t0} ms after a froze`);
      const link = await peer.linkUp(b, `https://127.0.0.1:${b.federationPort}`, 30_000);
      h.step(`CN's link up via ${link.endpoint} ${Date.now() - t0} ms after a froze`);
      const fromCn = await peer.api<{ id: string }>('POST', `/api/v1/channels/${channel}/messages`, { text: 'CN to the new active instance', precedence: 'FLASH' });
      const fromUs = await b.api<{ id: string }>('POST', `/api/v1/channels/${channel}/messages`, { text: 'b to CN', precedence: 'FLASH' });
      await waitFor('b to hold CN\'s message', async () => (await b.messages(channel)).some((m) => m.id === fromCn.id));
      await waitFor('CN to hold b\'s message, receipted', async () => (await peer.messages(channel)).find((m) => m.id === fromCn.id)?.receiptedAt ?? undefined);
      await waitFor('CN to hold b\'s message', async () => (await peer.messages(channel)).some((m) => m.id === fromUs.id));
    } finally {
      a.proc!.kill('SIGCONT');
    }
  }, 180_000);
});

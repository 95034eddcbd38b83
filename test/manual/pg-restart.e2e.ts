/**
 * High availability (#19) with the PostgreSQL server restarted under traffic both ways: an instance
 * takes over, and every message an API accepted arrives exactly once. Out of `npm test` because it
 * restarts the PostgreSQL server every other test and process on the machine uses (the server of
 * /etc/postgresql, managed by pg_ctlcluster). Run: `npm run test:manual -- test/manual/pg-restart.e2e.ts`.
 */
import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { waitFor } from '../e2e/harness.js';
import { activeOf, haSetup, settle, trafficBothWays } from '../e2e/ha-kit.js';

describe('e2e (by hand): PostgreSQL restarted under a highly available terminal', () => {
  it('PostgreSQL restarted under traffic: an instance takes over, nothing lost or doubled', async () => {
    const s = await haSetup({ leaseMs: 2000 });
    const { toPeer, toUs } = trafficBothWays(s, 20);
    await new Promise((r) => setTimeout(r, 1500));
    const cluster = execFileSync('ls', ['/etc/postgresql']).toString().trim();
    const t0 = Date.now();
    try {
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'restart'], { stdio: 'pipe', timeout: 60_000 });
    } finally {
      try {
        execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'start'], { stdio: 'pipe' });
      } catch {
        // already running
      }
    }
    s.h.step(`restarted in ${Date.now() - t0} ms`);
    const active = (await waitFor('an active instance', () => activeOf(s), 30_000))!;
    s.h.step(`active ${active === s.a ? 'a' : 'b'} ready ${Date.now() - t0} ms after the restart began`);
    await new Promise((r) => setTimeout(r, 1500));
    await settle(s, toPeer, toUs);
    process.stderr.write(`PostgreSQL restart: sent ${toPeer.sent}/${toUs.sent}, accepted ${toPeer.accepted.size}/${toUs.accepted.size}\n`);
  }, 240_000);
});

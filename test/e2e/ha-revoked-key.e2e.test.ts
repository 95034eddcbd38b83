/**
 * High availability (#19) and key revocation (docs/protocol.md §3.5): an instance whose own
 * terminal key its party revoked (machine b stolen, revoked from instance a) must not take the
 * lease when the active instance dies: it would report ready and then have every entry refused
 * (ENTRY_KEY_REVOKED). It stays a standby, /readyz says why (HA_KEY_REVOKED) and its log tells the
 * operator what to do; the instance with the right key takes the lease back when it returns.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, waitFor } from './harness.js';
import { haSetup } from './ha-kit.js';

describe('e2e: high availability with a revoked instance key', () => {
  it('an instance whose key its party revoked takes no lease, says why on /readyz and in its log, and the right instance takes over again', async () => {
    const s = await haSetup({ leaseMs: 1000 });
    const { a, b } = s;
    const bKey = (JSON.parse(await readFile(join(b.dir, 'keys', 'terminal.json'), 'utf8')) as { publicKey: string }).publicKey;
    const revoked = await a.cli(['key', 'revoke', bKey, '--reason', 'machine b stolen']).then(check('key revoke of instance b'));
    expect(revoked.stdout).toMatch(/written into 1 channel record/);

    await a.kill9();
    const ready = await waitFor('b to refuse the lease (HA_KEY_REVOKED on /readyz)', async () => {
      const r = await fetch(`${b.officerUrl}/readyz`);
      const body = (await r.json()) as { ok: boolean; code?: string; reason: string };
      return body.code === 'HA_KEY_REVOKED' ? { status: r.status, body } : undefined;
    });
    expect(ready.status).toBe(503);
    expect(ready.body.reason).toMatch(/Instance b of the US terminal signs with terminal key .* which the party revoked from .*"machine b stolen"/);
    expect(ready.body.reason).toMatch(/restore this instance's own keys\//);
    await waitFor('b to log HA_KEY_REVOKED', () => b.log.includes('HA_KEY_REVOKED'));
    expect(await (await fetch(`${b.officerUrl}/healthz`)).json()).toMatchObject({ role: 'standby', instance: 'b' });
    // The lease was never b's.
    expect((await s.sql<{ instance: string }>('select instance from ha_lease where id = 1'))[0]?.instance).toBe('a');

    // The instance with the right key comes back and takes the lease; b still stays out.
    await a.start();
    await waitFor('a to be active again', async () => (await fetch(`${a.officerUrl}/readyz`)).status === 200, 30_000);
    expect((await fetch(`${b.officerUrl}/readyz`)).status).toBe(503);
    expect(b.log).not.toMatch(/instance b takes over/);
  });
});

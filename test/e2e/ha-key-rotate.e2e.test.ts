/**
 * High availability and key rotation: each instance keeps its own keys/ and card.json, and a
 * process that stepped down used to take the lease again with the identity it started with, so it
 * signed with its superseded key and served the old card (once the old key was revoked it even
 * refused the lease, HA_KEY_REVOKED, with the new key on disk). Now every instance reads its keys
 * again before each phase and takes up the card re-signed on another instance from the database.
 */
import { describe, expect, it } from 'vitest';
import { check, waitFor } from './harness.js';
import { haSetup } from './ha-kit.js';
import { sendReceipted, terminalKey } from './key-kit.js';

describe('e2e: high availability and a rotated key', () => {
  it('rotated and revoked on the active instance: the standby serves the new card, and the old process, active again, signs with the new key', async () => {
    const s = await haSetup({ leaseMs: 2000 });
    const { a, b, peer, channel } = s;
    const before = await terminalKey(a);
    await a.cli(['key', 'rotate']).then(check('key rotate on the active instance'));
    const after = await terminalKey(a);
    expect(after).not.toBe(before);
    await a.cli(['key', 'revoke', before, '--reason', 'rotated']).then(check('key revoke of the old key'));
    const card = (await a.apiRaw('GET', '/api/v1/card')).body as { issued: number; revocations: Array<{ key: string }> };
    expect(card.revocations.map((r) => r.key)).toContain(before);

    // a freezes until b takes over, then wakes and steps down: the same process, now a standby.
    a.proc!.kill('SIGSTOP');
    await waitFor('b to be active', async () => (await fetch(`${b.officerUrl}/readyz`)).status === 200, 30_000);
    a.proc!.kill('SIGCONT');
    const bCard = (await b.apiRaw('GET', '/api/v1/card')).body as { issued: number; revocations: Array<{ key: string }> };
    expect(bCard.issued).toBe(card.issued);
    expect(bCard.revocations.map((r) => r.key)).toContain(before);
    await waitFor('a to stand by', async () => ((await (await fetch(`${a.officerUrl}/healthz`)).json()) as { role: string }).role === 'standby', 30_000);

    // b dies: the process of a, which started with the old key, takes over and signs with the new one.
    await b.kill9();
    await waitFor('a to be active again', async () => (await fetch(`${a.officerUrl}/readyz`)).status === 200, 30_000);
    expect(a.log).not.toContain('HA_KEY_REVOKED');
    await sendReceipted(a, peer, channel, 'after the rotation and two failovers');
    const rows = await s.sql<{ raw: string }>("select raw from entries where kind = 'message' and raw like '%after the rotation and two failovers%'");
    expect(rows).toHaveLength(1);
    expect((JSON.parse(rows[0]!.raw) as { key: string }).key).toBe(after);
    const status = (await a.apiRaw('GET', '/api/v1/status')).body as { ownKeyRevoked?: unknown };
    expect(status.ownKeyRevoked).toBeUndefined();
  });
});

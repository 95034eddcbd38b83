/**
 * Redundant paths: CN publishes two endpoints, each a separate "cable" (a TCP forwarder) to its
 * federation port. Cutting the primary cable moves US's link to the second within seconds.
 */
import { describe, expect, it } from 'vitest';
import { Harness, check, freePort, waitFor } from './harness.js';

describe('e2e: endpoint failover', () => {
  it('keeps the line working over the second endpoint when the primary is cut', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States');
    const p1 = await freePort();
    const p2 = await freePort();
    const primary = `https://127.0.0.1:${p1}`;
    const secondary = `https://127.0.0.1:${p2}`;
    const cn = await h.party('CN', 'China', { endpoints: [primary, secondary], start: false });
    const cable1 = await h.forwarder(cn.federationPort, p1);
    const cable2 = await h.forwarder(cn.federationPort, p2);
    await cn.start();
    await h.pair(us, cn);
    expect((await us.linkUp(cn)).endpoint).toBe(primary);

    const id = (await us.cli(['channel', 'propose', '--with', 'CN', '--title', 'Air incidents line']).then(check('propose'))).stdout.trim();
    await waitFor('CN to receive the proposal', async () => (await cn.channel(id)).state === 'proposed');
    await cn.cli(['channel', 'accept', id]).then(check('accept'));
    await waitFor('US to see the channel active', async () => (await us.channel(id)).state === 'active');
    const before = (await us.cli(['send', id, 'Before the cut', '--precedence', 'PRIORITY']).then(check('send'))).stdout.trim();
    await waitFor('CN to hold the first message', async () => (await cn.messages(id)).some((m) => m.id === before));
    expect(cable1.connections).toBeGreaterThan(0);
    const viaSecondBefore = cable2.connections;

    // Cut the primary cable.
    h.step('cutting the primary cable');
    const cutAt = Date.now();
    await cable1.cut();
    const link = await us.linkUp(cn, secondary, 15_000);
    h.step(`link up via the second endpoint after ${Date.now() - cutAt} ms`);
    expect(link.endpoint).toBe(secondary);
    expect(cable2.connections).toBeGreaterThan(viaSecondBefore);

    const after = (await us.cli(['send', id, 'After the cut: do you read?', '--precedence', 'FLASH']).then(check('send after cut'))).stdout.trim();
    await waitFor('CN to receive the message sent after the cut', async () => (await cn.messages(id)).some((m) => m.id === after), 15_000);
    await waitFor('US to hold CN\'s receipt for it', async () => (await us.messages(id)).find((m) => m.id === after)?.receiptedAt ?? undefined, 15_000);

    // The operator sees it: `hotline status` names the second endpoint.
    const status = (await us.cli(['status']).then(check('status'))).stdout;
    expect(status).toContain(`link CN: up via ${secondary}`);
    expect(Date.now() - cutAt).toBeLessThan(30_000);
  }, 120_000);
});

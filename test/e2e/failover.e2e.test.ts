/**
 * Redundant paths: CN publishes two endpoints, each a separate "cable" (a TCP forwarder) to its
 * federation port. Cutting the cable in use moves US's link to the other one within seconds.
 */
import { describe, expect, it } from 'vitest';
import { Harness, check, freePort, waitFor } from './harness.js';

describe('e2e: endpoint failover', () => {
  it('keeps the line working over the other endpoint when the cable in use is cut', async () => {
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
    // The link may have settled on either endpoint while pairing; the cable in use is the one we cut.
    const inUse = (await us.linkUp(cn)).endpoint;
    expect([primary, secondary]).toContain(inUse);
    const [cut, spare, spareUrl] = inUse === primary ? [cable1, cable2, secondary] : [cable2, cable1, primary];

    const id = await h.openChannel(us, cn, { title: { en: 'Air incidents line' }, tier: 'military', parties: ['CN'] });
    const { id: before } = await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'Before the cut', precedence: 'PRIORITY' });
    await waitFor('CN to hold the first message', async () => (await cn.messages(id)).some((m) => m.id === before));
    expect(cut.connections).toBeGreaterThan(0);
    const viaSpareBefore = spare.connections;

    // Cut the primary cable.
    h.step(`cutting the cable of ${inUse}`);
    const cutAt = Date.now();
    await cut.cut();
    const link = await us.linkUp(cn, spareUrl, 15_000);
    h.step(`link up via ${spareUrl} after ${Date.now() - cutAt} ms`);
    expect(link.endpoint).toBe(spareUrl);
    expect(spare.connections).toBeGreaterThan(viaSpareBefore);

    const after = (await us.cli(['send', id, 'After the cut: do you read?', '--precedence', 'FLASH']).then(check('send after cut'))).stdout.trim();
    await waitFor('CN to receive the message sent after the cut', async () => (await cn.messages(id)).some((m) => m.id === after), 15_000);
    await waitFor('US to hold CN\'s receipt for it', async () => (await us.messages(id)).find((m) => m.id === after)?.receiptedAt ?? undefined, 15_000);

    // The operator sees it: `hotline status` names the second endpoint.
    const status = (await us.cli(['status']).then(check('status'))).stdout;
    expect(status).toContain(`link CN: up via ${spareUrl}`);
    expect(Date.now() - cutAt).toBeLessThan(30_000);
  }, 120_000);
});

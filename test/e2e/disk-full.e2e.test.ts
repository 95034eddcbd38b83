/**
 * Full storage and a peer that is down, with real terminal processes (#14 B6): a terminal whose
 * database reaches its cap answers STORE_FULL and says so in /readyz while its officer API keeps
 * answering; a terminal whose peer is down accepts at most HOTLINE_MAX_UNRECEIPTED of its own
 * entries for it, then refuses messages with PEER_BACKLOG_FULL, and sends again when the peer is back.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from './harness.js';

describe('e2e: disk full and back-pressure', () => {
  it('answers STORE_FULL with readiness false when the database is full, and refuses messages beyond the cap for a down peer', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States');
    const cn = await h.party('CN', 'China');
    await h.pair(us, cn);
    const id = (await us.cli(['channel', 'propose', '--with', 'CN', '--title', 'Line']).then(check('propose'))).stdout.trim();
    await waitFor('CN to receive the proposal', async () => (await cn.channel(id)).state === 'proposed');
    await cn.cli(['channel', 'accept', id]).then(check('accept'));
    await waitFor('US to see the channel active', async () => (await us.channel(id)).state === 'active');

    // Back-pressure: CN stops; US takes 40 more of its own entries, then refuses messages.
    await us.stop();
    us.env = { HOTLINE_MAX_UNRECEIPTED: '40' };
    await us.start();
    await us.linkUp(cn);
    await waitFor('US to sign again after its restart', async () => (await us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text: 'restarted' })).status === 201);
    await waitFor('CN to receipt everything', async () => (await us.messages(id)).every((m) => !m.own || m.receiptedAt !== null));
    await cn.stop();
    let refused: { status: number; body: unknown } | undefined;
    for (let i = 0; i < 60 && !refused; i++) {
      const r = await us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text: `while CN is down ${i}` });
      if (r.status !== 201) refused = r;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.body).toMatchObject({ code: 'PEER_BACKLOG_FULL' });
    // CN's allowance for a peer that stores nothing: 2 s instead of 30 (docs/operations.md "Link state").
    cn.env = { HOTLINE_PEER_STORE_OVERDUE_MS: '2000' };
    await cn.start();
    await waitFor('US to send again once CN receipted', async () => (await us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text: 'CN is back' })).status === 201, 60_000);

    // Disk full: US's database may grow only a little beyond its size now.
    await us.stop();
    const size = statSync(join(us.dir, 'hotline.db')).size;
    us.env = { HOTLINE_SQLITE_MAX_BYTES: String(size + 256 * 1024) };
    await us.start();
    await us.linkUp(cn);
    await waitFor('US to sign again after its restart', async () => (await us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text: 'restarted again' })).status === 201);
    let full: { status: number; body: unknown } | undefined;
    for (let i = 0; i < 400 && !full; i++) {
      const r = await us.apiRaw('POST', `/api/v1/channels/${id}/messages/batch`, { messages: Array.from({ length: 20 }, (_, k) => ({ text: `filler ${i}.${k} ${'x'.repeat(3000)}` })) });
      if (r.status !== 201) full = r;
    }
    expect(full?.status).toBe(503);
    expect(full?.body).toMatchObject({ code: 'STORE_FULL' });
    expect(JSON.stringify(full?.body)).not.toMatch(/no transaction is active/);
    const ready = await fetch(`${us.officerUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reason: string }).reason).toMatch(/^database full since \d{4}-/);
    // The terminal keeps answering its officers, and says what is wrong.
    expect((await us.status()).code).toBe('US');
    expect(us.proc!.exitCode).toBeNull();

    // CN's messages to the full US: CN's line to US is down because US cannot store (US says why
    // before it closes a stream), not "closed" with a route to check; LINK_NOT_STORING once that
    // lasts past the allowance, and from then no LINK_DOWN / LINK_UP at each of US's closings.
    // Full up to the last room a long message would take (the batches above leave some).
    for (let i = 0; i < 100; i++) if ((await us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text: `last filler ${i} ${'y'.repeat(15_000)}` })).status !== 201) break;
    const alarms: string[] = [];
    await cn.events((e) => {
      const a = e as { type: string; code?: string; peer?: string };
      if (a.type === 'alarm' && a.code?.startsWith('LINK_')) alarms.push(a.code);
    });
    const sent: string[] = [];
    for (let i = 0; i < 3; i++) sent.push((await cn.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: `to a full US ${i} ${'z'.repeat(15_000)}` })).id);
    const line = await waitFor('CN to show its line to US down for US\'s storage', async () => {
      const l = (await cn.status()).links.find((x) => x.code === 'US');
      return l?.state === 'down' && /cannot store what it is sent \(STORE_FULL|has stored none of the entries/.test(l.reason ?? '') ? l : undefined;
    });
    expect(line.reason).not.toMatch(/Check the peer's address|the stream to .* closed/);
    await waitFor('CN to raise LINK_NOT_STORING', () => alarms.includes('LINK_NOT_STORING'));
    const closings = () => (us.log.match(/failed to handle a federation frame/g) ?? []).length;
    const before = closings();
    const after = alarms.length;
    await waitFor('US to refuse CN\'s stream twice more', () => closings() >= before + 2, 30_000);
    expect(alarms.slice(after).filter((c) => c === 'LINK_DOWN' || c === 'LINK_UP')).toEqual([]);
    expect(closings()).toBeLessThan(40); // held 5 s each: not hundreds of redials a minute

    // Room again: everything CN sent arrives once, and CN's line is up.
    await us.stop();
    us.env = {};
    await us.start();
    const atUs = await waitFor('US to hold CN\'s messages', async () => {
      const ms = (await us.messages(id)).filter((m) => m.text.startsWith('to a full US '));
      return ms.length >= 3 ? ms : undefined;
    }, 60_000);
    expect(atUs.map((m) => m.id).sort()).toEqual([...sent].sort());
    await waitFor('CN to show its line to US up', async () => (await cn.status()).links.find((x) => x.code === 'US')?.state === 'up');
  }, 240_000); // five terminal starts, a few hundred writes and a full peer held: about 60 s, more on a busy machine
});

/**
 * Bounded memory end to end (#18): two terminals that keep only the last 16 entries per author
 * in memory (HOTLINE_LOG_WINDOW=16) exchange a long history; acknowledgements and replies name
 * messages that left memory long ago; both restart (their logs rebuilt from the lasting entries and
 * the tails, not replayed); traffic goes on, an early message is acknowledged after the restart and
 * a proof of the first message verifies.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Harness, waitFor } from './harness.js';

describe('e2e: channel logs bounded in memory', () => {
  it('judges acknowledgements and replies of messages beyond memory, across restarts of both sides', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States', { start: false }), h.party('CN', 'China', { start: false })]);
    for (const p of [us, cn]) p.env.HOTLINE_LOG_WINDOW = '16';
    await Promise.all([us.start(), cn.start()]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Long line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60, protocol: 2 });

    h.step('US sends 80 messages; CN holds them all');
    const sent: string[] = [];
    for (let i = 0; i < 80; i++) sent.push((await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: `Report ${i}`, precedence: 'ROUTINE' })).id);
    await waitFor('CN to hold 80 messages', async () => (await cn.messages(id)).length >= 80, 60_000);

    h.step('CN acknowledges the first message and answers the second, both long out of memory');
    await cn.api('POST', `/api/v1/messages/${sent[0]}/ack`, { note: 'late but seen' });
    const reply = await cn.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'Answer to report 1', precedence: 'ROUTINE', replyTo: sent[1] });
    await waitFor('US to see the acknowledgement and the reply', async () => {
      const ms = await us.messages(id);
      return ms.find((m) => m.id === sent[0])?.ackedAt != null && ms.some((m) => m.id === reply.id);
    });

    h.step('both terminals restart; their logs come back from the tails');
    await Promise.all([us.stop(), cn.stop()]);
    await Promise.all([us.start(), cn.start()]);
    await us.linkUp(cn);
    const after = await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'After the restart', precedence: 'ROUTINE' });
    await waitFor('CN to hold the new message', async () => (await cn.messages(id)).some((m) => m.id === after.id));
    await cn.api('POST', `/api/v1/messages/${sent[2]}/ack`, {});
    await waitFor('US to see the acknowledgement of an early message after the restart', async () => (await us.messages(id)).find((m) => m.id === sent[2])?.ackedAt != null);
    const view = await cn.channel(id);
    expect(view.state).toBe('active');
    // Memory holds each author's last entries (16, up to 32 before a trim), not the whole log.
    for (const p of [us, cn]) {
      const metrics = (await p.apiRaw('GET', '/metrics')).text;
      const held = Number(/hotline_log_entries\{where="held"\} (\d+)/.exec(metrics)?.[1]);
      const inMemory = Number(/hotline_log_entries\{where="memory"\} (\d+)/.exec(metrics)?.[1]);
      expect(held).toBeGreaterThan(90);
      expect(inMemory).toBeLessThanOrEqual(2 * 2 * 16 + 2);
    }

    h.step('a proof of the first message, named by a typed prefix, verifies; the channel bundle verifies whole');
    const file = join(h.root, 'proof.json');
    expect((await us.cli(['prove', sent[0]!.slice(0, 10)], { stdoutFile: file })).code).toBe(0);
    expect((await h.ok(['verify', file])).stdout).toMatch(/Proof of one message: VALID/);
    const bundle = join(h.root, 'bundle.jsonl');
    expect((await us.cli(['export', id], { stdoutFile: bundle })).code).toBe(0);
    expect((await h.ok(['verify', bundle])).stdout).toMatch(/VALID/);
    await h.cleanup();
  }, 240_000);
});

/**
 * What awaits acknowledgement, when there is a lot of it: the officer API lists the earliest
 * deadlines (a limit, not every message held) and counts the rest; the CLI says how many it did
 * not list. The other side's messages only: our own awaiting the peer are not the officer's to
 * acknowledge.
 */
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from './harness.js';

interface PendingItem {
  id: string;
  channel: string;
  precedence: string;
}

describe('e2e: pending', () => {
  it('lists the earliest deadlines first up to a limit, counts them all, and drops what is acknowledged', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Maritime line' }, tier: 'military', parties: ['CN'] });

    const sent = await us.api<{ messages: Array<{ id: string }> }>('POST', `/api/v1/channels/${id}/messages/batch`, {
      messages: [
        { text: 'Routine 1', precedence: 'ROUTINE' },
        { text: 'Routine 2', precedence: 'ROUTINE' },
        { text: 'Collision risk: respond.', precedence: 'FLASH' },
        { text: 'Priority 1', precedence: 'PRIORITY' },
      ],
    });
    const [, , flash, priority] = sent.messages.map((m) => m.id);
    h.step('waiting for CN to hold the four messages');
    await waitFor('CN to hold the messages', async () => (await cn.messages(id)).length === 4);

    // Earliest deadline first (FLASH 3 min, PRIORITY 1 h, ROUTINE 1 day), at most `limit`.
    const two = await cn.api<PendingItem[]>('GET', '/api/v1/pending?limit=2');
    expect(two.map((m) => [m.id, m.precedence])).toEqual([
      [flash, 'FLASH'],
      [priority, 'PRIORITY'],
    ]);
    expect(await cn.api('GET', '/api/v1/pending/summary')).toEqual({ total: 4, channels: { [id]: 4 } });
    expect((await cn.api<PendingItem[]>('GET', '/api/v1/pending')).length).toBe(4);
    const bad = await cn.apiRaw('GET', '/api/v1/pending?limit=0');
    expect(bad.status).toBe(400);

    const cli = (await cn.cli(['pending', '--limit', '1']).then(check('pending --limit 1'))).stdout;
    expect(cli).toContain(flash!.slice(0, 12));
    expect(cli).not.toContain(priority!.slice(0, 12));
    expect(cli).toContain('... and 3 more (--limit to list more).');
    const refused = await cn.cli(['pending', '--limit', 'lots']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);

    // A view of the channel shows the latest messages, oldest first.
    const shown = JSON.parse((await cn.cli(['channel', 'show', id, '--json', '--limit', '2']).then(check('channel show'))).stdout) as { messages: Array<{ id: string }> };
    expect(shown.messages.map((m) => m.id)).toEqual([flash, priority]);
    expect((await cn.api<Array<{ id: string }>>('GET', `/api/v1/channels/${id}/messages?limit=3`)).map((m) => m.id)).toEqual(sent.messages.slice(1).map((m) => m.id));

    // The sender's own messages await CN, not its own officers.
    expect(await us.api('GET', '/api/v1/pending')).toEqual([]);
    expect(await us.api('GET', '/api/v1/pending/summary')).toEqual({ total: 0, channels: {} });

    await cn.cli(['ack', flash!, '--name', 'Lt Cdr Wang']).then(check('ack'));
    expect(await cn.api('GET', '/api/v1/pending/summary')).toEqual({ total: 3, channels: { [id]: 3 } });
    expect((await cn.api<PendingItem[]>('GET', '/api/v1/pending?limit=1'))[0]!.id).toBe(priority);
  }, 180_000);
});

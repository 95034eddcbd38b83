/**
 * Mutual consent: nothing can be sent on a channel the other party has not accepted, and a
 * declined channel stays closed to messages at both terminals.
 */
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from './harness.js';

describe('e2e: mutual consent', () => {
  it('refuses to send before the peer accepts, and after it declines; both terminals show the channel declined', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);

    const id = (await us.cli(['channel', 'propose', '--with', 'CN', '--title', 'Border incidents line', '--ack-deadline', 'FLASH=120']).then(check('propose'))).stdout.trim();
    // A deadline given at propose time; the others keep their defaults.
    expect((await us.api<{ charter: { ackDeadlineSec: Record<string, number> } }>('GET', `/api/v1/channels/${id}`)).charter.ackDeadlineSec).toEqual({ FLASH: 120, IMMEDIATE: 900, PRIORITY: 3600, ROUTINE: 86400 });
    h.step('waiting for CN to see the proposal');
    await waitFor('CN to receive the proposal', async () => (await cn.channel(id)).state === 'proposed');

    // Before CN accepts: one clear line, non-zero exit, nothing sent.
    const early = await us.cli(['send', id, 'Are you there?', '--precedence', 'FLASH']);
    expect(early.code).not.toBe(0);
    expect(early.stdout).toBe('');
    expect(early.stderr.trim().split('\n')).toHaveLength(1);
    expect(early.stderr).toMatch(/^hotline: CHANNEL_NOT_ACTIVE: .*proposed.*accept/);
    expect((await us.messages(id)).length).toBe(0);

    // CN declines, with a reason on the record.
    const declined = await cn.cli(['channel', 'decline', id.slice(0, 12), '--reason', 'Not at this tier']).then(check('decline'));
    expect(declined.stdout).toContain('is now declined');
    h.step('waiting for US to see the decline');
    await waitFor('US to see the channel declined', async () => (await us.channel(id)).state === 'declined');

    for (const p of [us, cn]) {
      const shown = JSON.parse((await p.cli(['channel', 'show', id, '--json']).then(check(`${p.code} show`))).stdout) as { state: string; messages: unknown[] };
      expect(shown.state, `state at ${p.code}`).toBe('declined');
      expect(shown.messages).toEqual([]);
      const text = (await p.cli(['channel', 'list']).then(check(`${p.code} list`))).stdout;
      expect(text).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+declined`, 'm'));

      const late = await p.cli(['send', id, 'Reconsider?']);
      expect(late.code, `send at ${p.code} after the decline`).not.toBe(0);
      expect(late.stderr.trim().split('\n')).toHaveLength(1);
      expect(late.stderr).toMatch(/^hotline: CHANNEL_NOT_ACTIVE: .*declined/);
    }

    // Accepting a declined proposal is refused too.
    const accept = await cn.cli(['channel', 'accept', id]);
    expect(accept.code).not.toBe(0);
    expect((await cn.channel(id)).state).toBe('declined');
    expect((await us.messages(id)).length + (await cn.messages(id)).length).toBe(0);
  }, 180_000);
});

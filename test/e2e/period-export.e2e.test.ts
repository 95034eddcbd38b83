/**
 * Export by period end to end (#18, docs/protocol.md §15), with real terminal processes: US and
 * CN open a version-2 channel, talk, suspend and resume it; `hotline checkpoint` on US writes a
 * checkpoint, CN countersigns it by answering; later traffic follows. `hotline export --since`
 * writes a period bundle that holds the later messages and not the earlier ones, and `hotline
 * verify` finds it valid on its own, anchored and countersigned; leaving out an entry before the
 * anchor fails with CHECKPOINT_MISMATCH, and a period before any checkpoint is refused clearly.
 * `hotline checkpoint` waits for every party's answer, so `export --since now` works right after it
 * (the README's recipe); a version-1 channel is refused with the advice to amend it to protocol 2.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Harness, waitFor } from './harness.js';

describe('e2e: export by period', () => {
  it('exports a period anchored at a countersigned checkpoint that verifies on its own', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Decades line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60, protocol: 2 });

    h.step('before the checkpoint: messages, an acknowledgement, a suspension and a resumption');
    const before: string[] = [];
    for (let i = 0; i < 4; i++) before.push((await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: `Before ${i}: early traffic`, precedence: 'ROUTINE' })).id);
    await waitFor('CN to hold them', async () => (await cn.messages(id)).length >= 4);
    await cn.api('POST', `/api/v1/channels/${id}/suspend`, { reason: 'consultations' });
    await waitFor('US to see the suspension', async () => (await us.api<{ state: string }>('GET', `/api/v1/channels/${id}`)).state === 'suspended');
    await cn.api('POST', `/api/v1/channels/${id}/resume`, { reason: 'consultations done' });
    await waitFor('US to see the resumption', async () => (await us.api<{ state: string }>('GET', `/api/v1/channels/${id}`)).state === 'active');

    h.step('hotline checkpoint on US; CN countersigns by answering');
    const made = await us.cli(['checkpoint', id.slice(0, 12)]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/Checkpoint [0-9a-f]{12} \(seq \d+, .*\) commits to \d+ charter, key and dialogue entries/);
    // `hotline checkpoint` returns once every party has answered: the README's recipe works at once.
    expect(made.stdout).toMatch(/Every party has answered it/);
    const since = new Date(Date.now() + 1).toISOString();
    const fromNow = await us.cli(['export', id.slice(0, 12), '--since', 'now']);
    expect(fromNow.code, fromNow.stderr).toBe(0);
    expect((await us.cli(['export', id, '--since', since])).code).toBe(0);
    // A start before the checkpoint was written names the checkpoint a period can start at.
    const minuteAgo = await us.cli(['export', id, '--since', '-1m']);
    expect(minuteAgo.code).not.toBe(0);
    expect(minuteAgo.stderr).toMatch(/PERIOD_NO_CHECKPOINT: .* The oldest one is dated 20\d\d-.*--since now/);

    h.step('after it: more traffic, and CN acknowledges a message from before');
    for (let i = 0; i < 3; i++) await us.api('POST', `/api/v1/channels/${id}/messages`, { text: `After ${i}: the month under audit`, precedence: 'PRIORITY' });
    await cn.api('POST', `/api/v1/messages/${before[1]}/ack`, { note: 'Late, but acknowledged' });
    await waitFor('US to hold the acknowledgement', async () => (await us.messages(id)).find((m) => m.id === before[1])?.ackedAt != null);

    h.step('hotline export --since writes the period; hotline verify finds it valid on its own');
    const period = join(h.root, 'period.jsonl');
    const whole = join(h.root, 'whole.jsonl');
    expect((await us.cli(['export', id, '--since', since], { stdoutFile: period })).code).toBe(0);
    expect((await us.cli(['export', id], { stdoutFile: whole })).code).toBe(0);
    const text = readFileSync(period, 'utf8');
    expect(text).toContain('After 2: the month under audit');
    expect(text).toContain('Before 1: early traffic'); // acknowledged in the period: carried, not listed
    expect(text).not.toContain('Before 3: early traffic');
    expect(text.length).toBeLessThan(readFileSync(whole, 'utf8').length);
    const verified = await h.ok(['verify', period]);
    expect(verified.stdout).toMatch(/Verdict: VALID/);
    expect(verified.stdout).toMatch(/anchored at checkpoint [0-9a-f]{16} by US/);
    expect(verified.stdout).toMatch(/countersigned by CN at/);
    expect(verified.stdout).toMatch(/After 2: the month under audit/);
    expect(verified.stdout).toMatch(/suspended .* by CN/);

    h.step('leaving out an entry before the anchor fails; a period before any checkpoint is refused');
    const cut = join(h.root, 'cut.jsonl');
    writeFileSync(cut, text.split('\n').filter((l) => !l.includes('"kind":"channel.suspend"')).join('\n'));
    const bad = await h.cli(['verify', cut]);
    expect(bad.code).toBe(1);
    expect(`${bad.stdout}${bad.stderr}`).toMatch(/CHECKPOINT_MISMATCH/);
    const early = await us.cli(['export', id, '--since', '2020-01-01']);
    expect(early.code).not.toBe(0);
    expect(early.stderr).toMatch(/PERIOD_NO_CHECKPOINT/);

    h.step('a version-1 channel: no checkpoint, no period, and the advice is to amend it (not to write a checkpoint)');
    const v1 = await h.openChannel(us, cn, { title: { en: 'Old line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60 });
    for (const r of [await us.cli(['checkpoint', v1]), await us.cli(['export', v1, '--since', '-1m'])]) {
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/PERIOD_PROTOCOL_1: .*protocol version 1, which has no checkpoints.*hotline channel amend [0-9a-f]{12} --protocol 2/);
      expect(r.stderr).not.toMatch(/ENTRY_KIND_NOT_ALLOWED|export once/);
    }
    await h.cleanup();
  }, 180_000);
});

/**
 * Proof of one message end to end (#18, docs/protocol.md §14), with real terminal processes: US
 * and CN open a version-2 channel; US sends several messages, CN receipts them and acknowledges
 * one; `hotline prove` on US writes the proof of an early message, `hotline verify` reads it as a
 * non-specialist would (sent by, received, acknowledged, fingerprints), and no other message's
 * text is in it; altering a byte of it fails with a clear code.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Harness, waitFor } from './harness.js';

describe('e2e: proof of one message', () => {
  it('proves an early message without the others; an altered proof fails with its code', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Provable line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60, protocol: 2 });

    h.step('US sends messages; CN receipts them and acknowledges the second');
    const sent: string[] = [];
    for (let i = 0; i < 6; i++) {
      const m = await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: `Message ${i}: confidential ${i * 7919}`, precedence: i === 1 ? 'FLASH' : 'ROUTINE' });
      sent.push(m.id);
    }
    await waitFor('CN to hold them', async () => (await cn.messages(id)).length >= 6);
    await cn.api('POST', `/api/v1/messages/${sent[1]}/ack`, { note: 'Understood, standing by' });
    await waitFor('US to hold the receipts and the acknowledgement', async () => {
      const m = (await us.messages(id)).find((x) => x.id === sent[1]);
      return m?.receiptedAt != null && m.ackedAt != null;
    });

    h.step('hotline prove on US; hotline verify reads it');
    const file = join(h.root, 'proof.json');
    expect((await us.cli(['prove', sent[1]!.slice(0, 12)], { stdoutFile: file })).code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('Message 1: confidential 7919');
    for (const i of [0, 2, 3, 4, 5]) expect(text).not.toContain(`confidential ${i * 7919}`);
    const verified = await h.ok(['verify', file]);
    expect(verified.stdout).toMatch(/Proof of one message: VALID/);
    expect(verified.stdout).toMatch(/sent by +US/);
    expect(verified.stdout).toMatch(/by CN: receipt signed at/);
    expect(verified.stdout).toMatch(/by CN: .* at .*Understood, standing by/);
    expect(verified.stdout).toMatch(/US +\d{5} \d{5} \d{5} \d{5} \d{5} \d{5}/);

    h.step('an altered proof fails with a clear code');
    const altered = join(h.root, 'altered.json');
    writeFileSync(altered, text.replace('confidential 7919', 'confidential 7918'));
    const bad = await h.cli(['verify', altered]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/NOT VALID/);
    expect(bad.stderr).toMatch(/PROOF_BAD_BODY/);
    const doc = JSON.parse(text) as { receipts: Array<{ time: number }> };
    doc.receipts[0]!.time += 1;
    writeFileSync(altered, JSON.stringify(doc));
    expect((await h.cli(['verify', altered])).stderr).toMatch(/PROOF_BAD_SIGNATURE/);

    h.step('a message not yet receipted cannot be proven');
    await cn.stop();
    const late = await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'not yet receipted', precedence: 'ROUTINE' });
    const early = await us.cli(['prove', late.id]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/PROOF_NOT_READY/);
    await h.cleanup();
  }, 180_000);
});

/**
 * `hotline import` of a bundle of a channel this terminal is not a party of (a new user importing
 * another pair's export): one clear refusal naming the channel and the party, instead of a
 * rejection line per entry (ENTRY_UNKNOWN_KEY: the others' keys are not vouched for here).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, Harness } from './harness.js';

describe('e2e: importing a foreign channel', () => {
  it('is refused at once with IMPORT_NOT_A_PARTY, importing nothing', async () => {
    const h = await Harness.create();
    const [us, cn, ru] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China'), h.party('RU', 'Russia')]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Not yours' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    for (let i = 0; i < 5; i++) await us.api('POST', `/api/v1/channels/${id}/messages`, { text: `Message ${i}`, precedence: 'ROUTINE' });
    const bundle = join(h.root, 'foreign.jsonl');
    await us.cli(['export', id], { stdoutFile: bundle }).then(check('export'));

    const r = await ru.cli(['import', bundle]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`IMPORT_NOT_A_PARTY: This terminal \\(RU\\) is not a party of channel ${id.slice(0, 12)} "Not yours"`));
    expect(r.stderr).not.toContain('ENTRY_UNKNOWN_KEY');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse((await ru.cli(['channel', 'list', '--json']).then(check('list'))).stdout)).toEqual([]);
    await h.cleanup();
  }, 120_000);
});

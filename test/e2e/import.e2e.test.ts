/**
 * `hotline import` (#14 E14, D10): a channel's own export larger than the officer API's 64 MiB
 * request limit is carried back by hand (the CLI streams it in batches); entries that are refused
 * make it exit non-zero naming them and why; a file that is not a bundle is refused.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, Harness, waitFor } from './harness.js';

const MESSAGES = 4_300;
const TEXT_CHARS = 16_000;

describe('e2e: hotline import', () => {
  it('imports an export over 64 MiB, and exits non-zero on rejected entries or a file that is not a bundle', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Sneakernet' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    await cn.stop();

    // US writes more than 64 MiB of messages while CN is away, and exports the channel.
    for (let i = 0; i < MESSAGES; i += 500) {
      const messages = Array.from({ length: Math.min(500, MESSAGES - i) }, (_, k) => ({ text: `${i + k} `.padEnd(TEXT_CHARS, 'x'), precedence: 'ROUTINE' }));
      await us.api('POST', `/api/v1/channels/${id}/messages/batch`, { messages });
    }
    const bundle = join(h.root, 'big.jsonl');
    await us.cli(['export', id], { stdoutFile: bundle }).then(check('export'));
    expect((await stat(bundle)).size).toBeGreaterThan(64 * 1024 * 1024);
    await us.stop();

    // CN takes it in by hand.
    await cn.start();
    const imported = await cn.cli(['import', bundle]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(new RegExp(`Imported: \\d+ new, \\d+ already held, 0 waiting for predecessors, 0 rejected`));
    await waitFor('CN to show every message', async () => (await cn.channel(id)).messages.total === MESSAGES);

    // An altered entry is rejected: non-zero, named, with why.
    const lines = (await readFile(bundle, 'utf8')).split('\n');
    const last = lines.filter((l) => l.startsWith('{"author":')).at(-1)!;
    const altered = join(h.root, 'altered.jsonl');
    await writeFile(altered, `${lines[0]}\n${last.replace('"time":', '"time":1').replace(/"seq":(\d+)/, (_, s: string) => `"seq":${Number(s) + 1}`)}\n`);
    const refused = await cn.cli(['import', altered]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/rejected [0-9a-f]{12} ENTRY_/);
    expect(refused.stderr).toMatch(/not everything in .*altered\.jsonl was imported: 1 entries rejected/);

    // Not a bundle: refused, by the CLI and by the API.
    const notBundle = join(h.root, 'notes.txt');
    await writeFile(notBundle, 'minutes of the meeting\n{"a":1}\n');
    const wrong = await cn.cli(['import', notBundle]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is not a Hotline transcript bundle/);
    const api = await fetch(`${cn.officerUrl}/api/v1/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${(await readFile(join(cn.dir, 'officer.token'), 'utf8')).trim()}`, 'content-type': 'application/x-ndjson' },
      body: 'minutes of the meeting\n',
    });
    expect(api.status).toBe(422);
    expect(((await api.json()) as { code: string }).code).toBe('BUNDLE_NOT_A_BUNDLE');
  }, 240_000);
});

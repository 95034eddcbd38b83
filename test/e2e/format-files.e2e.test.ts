/**
 * Formats from files and charter amendments (#17), with real terminal processes:
 *  - a terminal loads a party's own definition and a French language pack from
 *    `<data-dir>/formats/` (data files only, no code); a bad file refuses the start, naming the
 *    file and the rule; `hotline format check` validates a file offline and prints its hash;
 *    `hotline format list` shows the loaded definition with its origin and the added language;
 *  - on a channel that agreed only standard phrases, a launch notification is refused
 *    (FORMAT_NOT_AGREED), also while an amendment adding it is pending; once CN accepted the
 *    amendment (`hotline channel amend --add-format`), it goes through, and CN reads it in French;
 *  - the exported bundle carries the definitions and the pack, and verifies.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor, type ApiMessage } from './harness.js';
import { LAUNCH_FIELDS } from '../protocol/format-fixtures.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/formats/${name}`, import.meta.url));
const FR_PACK = fixture('launch-notification@1.fr.json');
const DRILL = fixture('drill-report@1.json');

type Formatted = ApiMessage & { format?: { id: string; version: number; hash: string } };
type ChannelFormats = { charter: { formats?: Array<{ id: string }> }; pendingAmendment?: { hash: string } };
const agreed = (c: unknown) => ((c as ChannelFormats).charter.formats ?? []).map((f) => f.id);

describe('formats from data files, added to a charter by amendment', () => {
  it('loads definitions and language packs from the data directory; an amendment adds a format; French renders from a pack', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States', { start: false }), h.party('CN', 'China', { start: false })]);

    h.step('format files: both hold the drill report; CN also a French pack; a bad file refuses the start');
    for (const p of [us, cn]) {
      mkdirSync(join(p.dir, 'formats'), { recursive: true });
      copyFileSync(DRILL, join(p.dir, 'formats', 'drill-report@1.json'));
    }
    copyFileSync(FR_PACK, join(cn.dir, 'formats', 'launch-notification@1.fr.json'));
    const bad = join(us.dir, 'formats', 'broken.json');
    const { fields: _f, ...noFields } = JSON.parse(readFileSync(FR_PACK, 'utf8'));
    writeFileSync(bad, JSON.stringify(noFields));
    await expect(us.start()).rejects.toThrow(/broken\.json is invalid \(language-pack\): \(top level\): must have required properties fields/);
    const checked = await us.cli(['format', 'check', bad]);
    expect(checked.code).not.toBe(0);
    expect(checked.stderr).toMatch(/broken\.json is invalid \(language-pack\)/);
    rmSync(bad);
    const ok = await us.cli(['format', 'check', FR_PACK]).then(check('format check'));
    expect(ok.stdout).toMatch(/^valid: language pack "fr" for launch-notification@1 \(748a5485/);
    expect(ok.stdout).toMatch(/hash [0-9a-f]{64}/);
    expect((await us.cli(['format', 'check', DRILL]).then(check('format check'))).stdout).toMatch(/^valid: definition drill-report@1\n {2}hash [0-9a-f]{64}/);
    await Promise.all([us.start(), cn.start()]);
    await h.pair(us, cn);
    const listed = (await cn.cli(['format', 'list']).then(check('format list'))).stdout;
    expect(listed).toMatch(/drill-report@1\s+[0-9a-f]{12}\s+ROUTINE\s+Drill report\s+\[en\]\s+from .*drill-report@1\.json/);
    expect(listed).toMatch(/launch-notification@1 .*\[en zh ru \+fr\]/);

    h.step('a channel agreeing standard phrases only; a launch notification is refused');
    const id = (await us.cli(['channel', 'propose', '--with', 'CN', '--title', 'Military contacts', '--tier', 'military', '--format', 'standard-phrase']).then(check('propose'))).stdout.trim();
    await waitFor('CN to receive the proposal', async () => (await cn.channel(id).catch(() => undefined))?.state === 'proposed');
    await cn.cli(['channel', 'accept', id]).then(check('accept'));
    await waitFor('US to see the channel active', async () => (await us.channel(id)).state === 'active');
    const send = (format: string, fields: Record<string, unknown>) => us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { format: { id: format }, fields });
    const launch = { ...LAUNCH_FIELDS };
    expect((await send('launch-notification', launch)).body).toMatchObject({ code: 'FORMAT_NOT_AGREED' });

    h.step('US amends the charter to add the launch notification and the drill report; refused while pending');
    const noChange = await us.cli(['channel', 'amend', id, '--add-format', 'standard-phrase', '--reason', 'nothing']);
    expect(noChange.code).not.toBe(0);
    await us.cli(['channel', 'amend', id, '--add-format', 'launch-notification', '--add-format', 'drill-report@1', '--reason', 'Add launch notifications and drill reports']).then(check('amend'));
    await waitFor('CN to see the amendment pending', async () => !!((await cn.channel(id)) as unknown as ChannelFormats).pendingAmendment);
    expect((await send('launch-notification', launch)).body).toMatchObject({ code: 'FORMAT_NOT_AGREED' });

    h.step('CN accepts; the formats are agreed, and the launch notification goes through');
    await cn.cli(['channel', 'accept', id]).then(check('accept amendment'));
    await waitFor('US to see the amendment in force', async () => agreed(await us.channel(id)).includes('launch-notification'));
    expect(agreed(await cn.channel(id))).toEqual(['standard-phrase', 'launch-notification', 'drill-report']);
    const sent = await send('launch-notification', launch);
    expect(sent.status, sent.text).toBe(201);
    const drill = await send('drill-report', { name: 'Northern Shield', time: '2026-12-03T09:00:00Z' });
    expect(drill.status, drill.text).toBe(201);
    await waitFor('CN to hold both', async () => ((await cn.messages(id)) as Formatted[]).filter((m) => m.format).length === 2);

    h.step('CN reads the launch notification in French, from the pack');
    const shownFr = (await cn.cli(['channel', 'show', id, '--lang', 'fr']).then(check('channel show --lang fr'))).stdout;
    expect(shownFr).toContain('| Notification de lancement');
    expect(shownFr).toContain('| Type de lancement : Lancement de missile balistique');
    expect(shownFr).toContain('| Drill: Northern Shield');

    h.step('the bundle carries the definitions and the pack, and verifies');
    const bundle = join(h.root, 'amended.jsonl');
    await cn.cli(['export', id], { stdoutFile: bundle }).then(check('export'));
    const text = readFileSync(bundle, 'utf8');
    expect(text.match(/"type":"hotline\.format"/g)).toHaveLength(3);
    expect(text.match(/"type":"hotline\.format-lang"/g)).toHaveLength(1);
    const verified = await h.cli(['verify', bundle]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  }, 180_000);
});

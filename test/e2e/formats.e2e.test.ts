/**
 * Formatted notifications end to end (#17 "Done when"), with real terminal processes:
 *  - US proposes a channel agreeing formats with the CLI; CN accepts; US sends a launch
 *    notification (a launch area and an impact area) with `hotline send --format --fields
 *    --field`; CN reads it in Chinese with `hotline channel show --lang zh`, and answers with
 *    standard phrases, which US reads in English;
 *  - a message in a format the charter does not list is refused (FORMAT_NOT_AGREED), and so is one
 *    whose fields break the schema, each field rule tried (FORMAT_FIELDS_INVALID naming the rule);
 *  - the exported bundle carries the definitions and verifies; the verifier rejects it once a
 *    formatted message is altered or its definition is missing;
 *  - on a trilateral channel, an unplanned-encounter report with two positions renders in Russian
 *    on the third party's terminal.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor, type ApiMessage } from './harness.js';
import { LAUNCH_FIELDS, SQUARE } from '../protocol/format-fixtures.js';

type Formatted = ApiMessage & { format?: { id: string; version: number; hash: string }; fields?: Record<string, unknown>; replyTo?: string | null };

const square = SQUARE;
/** The launch notification's fields but its type, which the tests set or leave out. */
const { launch_type: _type, ...launchFields } = LAUNCH_FIELDS;

/** One bad value per field rule of docs/protocol.md §13.3, on the launch notification. */
const BAD: ReadonlyArray<[string, Record<string, unknown>]> = [
  ['required', { ...launchFields, launch_type: undefined }],
  ['unknown-field', { colour: 'red' }],
  ['enum', { launch_type: 'cruise-missile' }],
  ['datetime', { window_start: '2026-13-03T12:00:00Z' }],
  ['latitude', { launch_area: { circle: { centre: { lat: -90.5, lon: 0 }, radius: 1, unit: 'km' } } }],
  ['longitude', { launch_area: { circle: { centre: { lat: 0, lon: 181 }, radius: 1, unit: 'km' } } }],
  ['radius', { launch_area: { circle: { centre: { lat: 0, lon: 0 }, radius: -1, unit: 'km' } } }],
  ['polygon-points', { impact_area: [{ polygon: square.slice(0, 3) }] }],
  ['polygon-closed', { impact_area: [{ polygon: [...square.slice(0, 4), { lat: 30.5, lon: 130 }] }] }],
  ['polygon-self-intersecting', { impact_area: [{ polygon: [{ lat: 30, lon: 130 }, { lat: 31, lon: 131 }, { lat: 30, lon: 131 }, { lat: 31, lon: 130 }, { lat: 30, lon: 130 }] }] }],
  ['many', { impact_area: { polygon: square } }],
  ['type', { remarks: 'no language' }],
  ['language', { remarks: { lang: 'Chinese', text: '备注' } }],
  ['max-length', { vehicle: 'x'.repeat(201) }],
];

describe('formatted notifications between terminal processes', () => {
  it('US notifies a launch; CN reads it in Chinese and answers with standard phrases; refusals name the code and rule; the bundle verifies', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);

    h.step('US proposes a channel agreeing three formats; CN accepts');
    const proposed = await us.cli(['channel', 'propose', '--with', 'CN', '--title', 'en=Military contacts', '--title', 'zh=军事联络', '--tier', 'military', '--format', 'launch-notification', '--format', 'standard-phrase', '--format', 'unplanned-encounter']).then(check('propose'));
    const id = proposed.stdout.trim();
    await waitFor('CN to receive the proposal', async () => (await cn.channel(id).catch(() => undefined))?.state === 'proposed');
    await cn.api('POST', `/api/v1/channels/${id}/accept`, {});
    await waitFor('US to see the channel active', async () => (await us.channel(id)).state === 'active');

    const listed = await cn.cli(['format', 'list', '--lang', 'zh']).then(check('format list'));
    expect(listed.stdout).toMatch(/launch-notification@1\s+[0-9a-f]{12}\s+IMMEDIATE\s+发射通报/);
    expect((await cn.cli(['format', 'show', 'standard-phrase', '--lang', 'ru']).then(check('format show'))).stdout).toContain('Намерен пройти у вас по корме.');

    h.step('US sends a launch notification from a fields file and --field');
    const fieldsFile = join(h.root, 'launch.json');
    writeFileSync(fieldsFile, JSON.stringify(launchFields));
    const sent = await us.cli(['send', id, '--format', 'launch-notification', '--fields', fieldsFile, '--field', 'launch_type=ballistic-missile', '--field', 'remarks={"lang":"en","text":"Test flight, no payload"}']).then(check('send --format'));
    const launchId = sent.stdout.trim();
    const atCn = await waitFor('CN to hold the launch notification', async () => ((await cn.messages(id)) as Formatted[]).find((m) => m.id === launchId));
    expect(atCn).toMatchObject({ precedence: 'IMMEDIATE', format: { id: 'launch-notification', version: 1 }, fields: { ...launchFields, launch_type: 'ballistic-missile' } });

    const shownZh = (await cn.cli(['channel', 'show', id, '--lang', 'zh']).then(check('channel show --lang zh'))).stdout;
    expect(shownZh).toContain('| 发射通报');
    expect(shownZh).toContain('| 发射类型: 弹道导弹发射');
    expect(shownZh).toContain('2026-12-03T12:00:00Z (031200ZDEC26)');
    expect(shownZh).toMatch(/\| 发射区域: ◯ r 20 km @ 40\.10000, 124\.50000 · 40°06′00\.0″N 124°30′00\.0″E · MGRS 51T/);
    expect(shownZh).toMatch(/\| 落区: ▱ 30°00′00\.0″N 130°00′00\.0″E → /);
    expect(shownZh).toContain('Test flight, no payload [en]');

    h.step('CN answers with two standard phrases; US reads them in English');
    for (const phrase of ['understood', 'request-call'])
      // --reply-to takes a prefix, like every other id option.
      await cn.cli(['send', id, '--format', 'standard-phrase', '--field', `phrase=${phrase}`, '--reply-to', phrase === 'understood' ? launchId : launchId.slice(0, 8), '--lang', 'zh']).then(check(`send ${phrase}`));
    await waitFor('US to hold both phrases', async () => ((await us.messages(id)) as Formatted[]).filter((m) => m.format?.id === 'standard-phrase').length === 2);
    expect(((await us.messages(id)) as Formatted[]).filter((m) => m.format?.id === 'standard-phrase').map((m) => m.replyTo)).toEqual([launchId, launchId]);
    const shownEn = (await us.cli(['channel', 'show', id, '--lang', 'en']).then(check('channel show --lang en'))).stdout;
    expect(shownEn).toContain('| Understood.');
    expect(shownEn).toContain('| I request a call at the agreed level.');
    // The original text beside it is the sender's rendering, in Chinese.
    expect(shownEn).toContain('[zh] 标准用语');

    h.step('refusals: a format not agreed, then each field rule');
    const notAgreed = await us.cli(['send', id, '--format', 'exercise-notice', '--field', 'name=Northern Shield']);
    expect(notAgreed.code).toBe(1);
    expect(notAgreed.stderr).toContain('FORMAT_NOT_AGREED');
    const badCli = await us.cli(['send', id, '--format', 'launch-notification', '--fields', fieldsFile, '--field', 'launch_type=cruise-missile']);
    expect(badCli.code).toBe(1);
    expect(badCli.stderr).toMatch(/FORMAT_FIELDS_INVALID: The field "launch_type" .* breaks the rule "enum"/);
    for (const [rule, change] of BAD) {
      const fields = Object.fromEntries(Object.entries({ launch_type: 'space-launch', ...launchFields, ...change }).filter(([, v]) => v !== undefined));
      const r = await us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { format: { id: 'launch-notification' }, fields });
      expect(r.status, rule).toBe(422);
      expect(r.body, rule).toMatchObject({ code: 'FORMAT_FIELDS_INVALID' });
      expect((r.body as { message: string }).message, rule).toContain(`breaks the rule "${rule}"`);
    }
    expect(((await us.messages(id)) as Formatted[]).length).toBe(3);

    h.step('export, verify; the verifier rejects an altered formatted message and a bundle without definitions');
    const bundle = join(h.root, 'formats.jsonl');
    await us.cli(['export', id], { stdoutFile: bundle }).then(check('export'));
    const text = readFileSync(bundle, 'utf8');
    expect(text.match(/"type":"hotline\.format"/g)).toHaveLength(3);
    const verified = await h.cli(['verify', bundle]);
    expect(verified.code, verified.stderr).toBe(0);
    const altered = join(h.root, 'altered.jsonl');
    writeFileSync(altered, text.replace('"launch_type":"ballistic-missile"', '"launch_type":"cruise-missile"'));
    const rejected = await h.cli(['verify', altered, '--json']);
    expect(rejected.code).toBe(1);
    expect(JSON.parse(rejected.stdout)).toMatchObject({ valid: false });
    const bare = join(h.root, 'bare.jsonl');
    writeFileSync(bare, text.split('\n').filter((l) => !l.includes('"type":"hotline.format"')).join('\n'));
    const missing = await h.cli(['verify', bare, '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).firstError).toMatchObject({ code: 'FORMAT_UNKNOWN' });
  }, 180_000); // two or three terminal processes started and paired: about 30 s, more on a busy machine

  it('an unplanned-encounter report with two positions renders in Russian on the third party of a trilateral channel; a FLASH to two parties is receipted once both hold it', async () => {
    const h = await Harness.create();
    const [us, cn, ru] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China'), h.party('RU', 'Russia')]);
    await h.pair(us, cn);
    await h.pair(us, ru);
    await h.pair(cn, ru);
    const { id } = await us.api<{ id: string }>('POST', '/api/v1/channels', { title: { en: 'Incidents at sea', ru: 'Инциденты на море', zh: '海上事件' }, tier: 'military', parties: ['CN', 'RU'], formats: ['unplanned-encounter', 'standard-phrase'] });
    for (const p of [cn, ru]) {
      await waitFor(`${p.code} to receive the proposal`, async () => (await p.channel(id).catch(() => undefined))?.state === 'proposed');
      await p.api('POST', `/api/v1/channels/${id}/accept`, {});
    }
    await waitFor('the channel to be active everywhere', async () => (await Promise.all([us, cn, ru].map((p) => p.channel(id)))).every((c) => c.state === 'active'));

    const sent = await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, {
      format: { id: 'unplanned-encounter' },
      fields: {
        time: '2026-12-03T09:41:00Z',
        own_unit: { kind: 'vessel', name: 'USS Example', id: 'DDG-000' },
        own_position: { lat: 15.1534, lon: 117.7621 },
        other_unit: { kind: 'aircraft', name: 'Patrol aircraft', id: 'TAIL 0000' },
        other_position: { lat: 15.1602, lon: 117.7811 },
        closest_approach: 150,
        actions_taken: { lang: 'en', text: 'Altered course to starboard, reduced speed.' },
        request: 'intentions',
      },
    });
    await waitFor('RU to hold the report', async () => (await ru.messages(id)).some((m) => m.id === sent.id));
    const shown = (await ru.cli(['channel', 'show', id, '--lang', 'ru']).then(check('channel show --lang ru'))).stdout;
    expect(shown).toContain('| Донесение о незапланированной встрече');
    expect(shown).toContain('| Наша единица: Корабль USS Example (DDG-000)');
    expect(shown).toContain('| Другая единица: Воздушное судно Patrol aircraft (TAIL 0000)');
    expect(shown).toMatch(/\| Наше место: 15\.15340, 117\.76210 · 15°09′12\.2″N 117°45′43\.6″E · MGRS 50P/);
    expect(shown).toMatch(/\| Место другой единицы: 15\.16020, 117\.78110 · .* · MGRS 50P/);
    expect(shown).toContain('| Дистанция кратчайшего сближения: 150 m');
    expect(shown).toContain('| Просьба: Сообщите ваши намерения');
    expect(shown).toContain('(030941ZDEC26)');

    // Receipts per party: a FLASH to CN and RU while RU is stopped is received by CN only, and
    // not "receipted" (receiptedAt is the last addressed party's receipt); once RU is back, by both.
    await ru.stop();
    const flash = await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'FLASH to CN and RU', precedence: 'FLASH' });
    const ours = async () => (await us.messages(id)).find((m) => m.id === flash.id);
    const partial = await waitFor('US to hold CN\'s receipt of the FLASH', async () => {
      const m = await ours();
      return m?.receipts?.find((r) => r.code === 'CN')?.at ? m : undefined;
    });
    expect(partial.receipts!.map((r) => [r.code, r.at !== null])).toEqual([['CN', true], ['RU', false]]);
    expect(partial.receiptedAt).toBeNull();
    const pendingLine = (await us.cli(['channel', 'show', id]).then(check('channel show on US'))).stdout;
    expect(pendingLine).toMatch(/receipted by CN \S+; no receipt yet from RU/);
    await ru.start();
    const full = await waitFor('US to hold RU\'s receipt of the FLASH too', async () => {
      const m = await ours();
      return m?.receiptedAt ? m : undefined;
    }, 60_000);
    expect(full.receipts!.map((r) => r.code)).toEqual(['CN', 'RU']);
    expect(full.receipts!.every((r) => r.at !== null)).toBe(true);
    expect(full.receipts![0]!.at).toBe(partial.receipts![0]!.at);
    expect(full.receiptedAt).toBe(Math.max(...full.receipts!.map((r) => r.at!)));
  }, 180_000); // two or three terminal processes started and paired: about 30 s, more on a busy machine
});

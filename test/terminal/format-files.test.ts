/**
 * Format files (#17, docs/protocol.md §13.5, §13.7): definitions and language packs loaded from a
 * directory; each broken rule refuses the load, naming the file and the rule.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatHash } from '../../src/protocol/index.js';
import { loadFormatFiles } from '../../src/terminal/formats/format-files.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/formats/${name}`, import.meta.url));
const json = (name: string) => JSON.parse(readFileSync(fixture(name), 'utf8'));

function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-formats-'));
  for (const [name, value] of Object.entries(files)) writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  return dir;
}

describe('format files', () => {
  it('loads a definition and a pack beside the shipped library', () => {
    const dir = dirWith({ 'drill.json': json('drill-report@1.json'), 'fr.json': json('launch-notification@1.fr.json'), 'notes.txt': 'ignored' });
    const { catalogue, definitions, packs } = loadFormatFiles([dir, join(dir, 'absent')]);
    expect(definitions.map((d) => d.def.id)).toEqual(['drill-report']);
    expect(packs.map((p) => p.pack.lang)).toEqual(['fr']);
    const drill = catalogue.find('drill-report')!;
    expect(catalogue.origin(formatHash(drill))).toBe(join(dir, 'drill.json'));
    const launch = catalogue.find('launch-notification')!;
    expect(catalogue.origin(formatHash(launch))).toBe('shipped');
    expect(Object.keys(launch.languages)).toEqual(['en', 'zh', 'ru']);
    expect(Object.keys(catalogue.reading(formatHash(launch))!.languages)).toEqual(['en', 'zh', 'ru', 'fr']);
    expect(catalogue.packsOf(formatHash(launch))).toHaveLength(1);
  });

  it('refuses each broken rule, naming the file and the rule', () => {
    const fr = json('launch-notification@1.fr.json');
    const drill = json('drill-report@1.json');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ 'a.json': '{"type":' }, /a\.json is invalid \(json\)/],
      [{ 'a.json': { type: 'hotline.card' } }, /a\.json is invalid \(type\)/],
      [{ 'a.json': { ...drill, precedence: 'URGENT' } }, /a\.json is invalid \(definition\)/],
      [{ 'a.json': { ...drill, languages: { en: { ...drill.languages.en, template: '{x}' } } } }, /a\.json is invalid \(definition\): languages\.en\.template: \{x\} is not a field/],
      [{ 'a.json': drill, 'b.json': { ...drill, precedence: 'FLASH' } }, /b\.json is invalid \(clash\): drill-report@1 is already held from .*a\.json/],
      [{ 'a.json': { ...json('drill-report@1.json'), id: 'launch-notification' } }, /a\.json is invalid \(clash\): launch-notification@1 is already held from the shipped library/],
      [{ 'a.json': { ...fr, format: { ...fr.format, hash: '0'.repeat(64) } } }, /a\.json is invalid \(unbound\)/],
      [{ 'a.json': { ...fr, fields: { ...fr.fields, extra: 'x' } } }, /a\.json is invalid \(language-pack\): fields: "extra" is not a field/],
      [{ 'a.json': fr, 'b.json': { ...fr, title: 'Avis' } }, /b\.json is invalid \(clash\): .*a\.json already gives "fr"/],
    ];
    for (const [files, message] of cases) expect(() => loadFormatFiles([dirWith(files)]), String(message)).toThrow(message);
  });

  it('takes a copy of a shipped definition as the same format', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-formats-'));
    copyFileSync(fileURLToPath(new URL('../../src/protocol/formats/library/definitions/sar-request@1.json', import.meta.url)), join(dir, 'sar.json'));
    expect(loadFormatFiles([dir]).definitions).toEqual([]);
  });
});

/**
 * Language packs (docs/protocol.md §13.7): a language added as a data file, bound to one
 * definition by hash, hashed on its own; the definition's hash and what a charter agreed do not
 * change, and a message renders in the new language.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkFields,
  checkLanguagePack,
  formatHash,
  languagePackHash,
  renderMessage,
  shippedFormats,
  withLanguagePacks,
  type FormatLanguagePack,
} from '../../src/protocol/index.js';
import { LAUNCH_FIELDS } from './format-fixtures.js';

const FR: FormatLanguagePack = JSON.parse(readFileSync(new URL('../fixtures/formats/launch-notification@1.fr.json', import.meta.url), 'utf8'));
const launch = [...shippedFormats().values()].find((d) => d.id === 'launch-notification')!;

describe('language packs', () => {
  it('the shipped definitions keep the hashes agreed before they became JSON files', () => {
    expect(formatHash(launch)).toBe('748a5485482164ee859e7ca3b5075f443f272ffe1f543422431ad378e2bfc80c');
    expect(FR.format.hash).toBe(formatHash(launch));
  });

  it('a French pack checks against its definition and renders a message in French', () => {
    expect(checkLanguagePack(FR, launch)).toBeUndefined();
    const reading = withLanguagePacks(launch, [FR]);
    expect(Object.keys(reading.languages)).toEqual(['en', 'zh', 'ru', 'fr']);
    expect(formatHash(launch)).toBe(FR.format.hash); // the definition itself is untouched
    expect(checkFields(launch, LAUNCH_FIELDS)).toBeUndefined();
    const r = renderMessage(reading, LAUNCH_FIELDS, 'fr');
    expect(r.lang).toBe('fr');
    expect(r.title).toBe('Notification de lancement');
    expect(r.text).toContain('Type de lancement : Lancement de missile balistique');
    expect(r.text).toContain("Zone d'impact : ");
    // Without the pack, French falls back to a language of the definition.
    expect(renderMessage(launch, LAUNCH_FIELDS, 'fr').lang).not.toBe('fr');
  });

  it('has its own hash, in its own domain', () => {
    expect(languagePackHash(FR)).toMatch(/^[0-9a-f]{64}$/);
    expect(languagePackHash(FR)).not.toBe(languagePackHash({ ...FR, title: 'Avis de lancement' }));
  });

  it('is refused, with the rule, when it does not fit its definition', () => {
    const { vehicle: _v, ...fields } = FR.fields;
    expect(checkLanguagePack({ ...FR, fields }, launch)).toBe('fields: no label for "vehicle"');
    expect(checkLanguagePack({ ...FR, values: { launch_type: { 'space-launch': 'x' } } }, launch)).toBe('values.launch_type: no label for "ballistic-missile"');
    expect(checkLanguagePack({ ...FR, template: '{nope}' }, launch)).toBe('template: {nope} is not a field');
    expect(checkLanguagePack({ ...FR, lang: 'zh' }, launch)).toBe('lang: the definition already has "zh"');
    expect(checkLanguagePack({ ...FR, format: { ...FR.format, hash: '0'.repeat(64) } }, launch)).toMatch(/^format.hash: not the hash/);
    expect(checkLanguagePack({ ...FR, format: { ...FR.format, version: 2 } }, launch)).toMatch(/^format: names launch-notification@2/);
    expect(checkLanguagePack({ ...FR, extra: 1 })).toBeDefined();
    // Packs for another definition, or for a language it has, are left out of the reading.
    expect(withLanguagePacks(launch, [{ ...FR, format: { ...FR.format, hash: '0'.repeat(64) } }])).toBe(launch);
  });
});

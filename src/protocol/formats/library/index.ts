/**
 * The shipped library (docs/protocol.md §13.6): each base structure joined with every language
 * file into one definition, frozen, with its hash. A language is added by writing a file like
 * en.ts and listing it here.
 */
import { checkFormatDefinition, formatHash, type FormatDefinition, type LanguageSection } from '../definition.js';
import { BASES, type FormatBase } from './base.js';
import { en } from './en.js';
import type { LanguagePack } from './pack.js';
import { ru } from './ru.js';
import { zh } from './zh.js';

/** The language files of the shipped formats. */
export const LANGUAGE_PACKS: readonly LanguagePack[] = [en, zh, ru];

function section(b: FormatBase, pack: LanguagePack): LanguageSection {
  const labels = pack.formats[b.id];
  if (!labels) throw new Error(`language file ${pack.lang} has no labels for format ${b.id}`);
  const values: Record<string, Record<string, string>> = {};
  for (const f of b.fields) {
    if (f.type === 'designation') values[f.name] = { ...pack.designations };
    else if (f.type === 'enum') values[f.name] = { ...(labels.values?.[f.name] ?? {}) };
  }
  const template = labels.template ?? b.fields.map((f) => `{${f.name}:label}: {${f.name}}`).join('\n');
  return { title: labels.title, fields: { ...labels.fields }, values, template };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function build(): ReadonlyMap<string, FormatDefinition> {
  const byHash = new Map<string, FormatDefinition>();
  for (const b of BASES) {
    const def: FormatDefinition = { ...b, languages: Object.fromEntries(LANGUAGE_PACKS.map((p) => [p.lang, section(b, p)])) };
    const problem = checkFormatDefinition(def);
    // A shipped definition that does not check is a defect of this package, caught by its tests.
    if (problem) throw new Error(`shipped format ${b.id}: ${problem}`);
    byHash.set(formatHash(def), deepFreeze(def));
  }
  return byHash;
}

let library: ReadonlyMap<string, FormatDefinition> | undefined;

/** Every shipped definition, by hash. Built on first use. */
export function shippedFormats(): ReadonlyMap<string, FormatDefinition> {
  library ??= build();
  return library;
}

/** The shipped definition with this hash, if any: the default way a terminal resolves a format. */
export function shippedFormat(hash: string): FormatDefinition | undefined {
  return shippedFormats().get(hash);
}

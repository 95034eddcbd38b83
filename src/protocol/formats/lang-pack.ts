/**
 * Language packs (docs/protocol.md §13.7): a language added to a definition after it was agreed.
 * A pack is data, bound to one definition by its hash and hashed on its own, so adding a language
 * changes neither the definition's hash nor what a charter agreed, nor whether a message is valid:
 * it only gives one more reading of the same fields.
 */
import { canonicalize, sha256Hex } from '../encoding.js';
import { FormatLanguagePackSchema, compileValidator, type FormatDefinition, type FormatLanguagePack, type LanguageSection, type Validator } from '../schemas.js';
import { checkFormatDefinition, formatHash } from './definition.js';

export { FormatLanguagePackSchema, type FormatLanguagePack } from '../schemas.js';

export const validateLanguagePack: Validator<FormatLanguagePack> = compileValidator(FormatLanguagePackSchema);

/** SHA-256("hotline/1/format-lang\0" || canonical JSON of the pack), hex. */
export function languagePackHash(pack: FormatLanguagePack): string {
  return sha256Hex('hotline/1/format-lang\0', canonicalize(pack));
}

/** The language section a pack gives. */
export function packSection(pack: FormatLanguagePack): LanguageSection {
  return { title: pack.title, fields: pack.fields, values: pack.values, template: pack.template };
}

/**
 * Checks a pack on its own (its schema) and, given the definition it names, against it: the
 * definition's id, version and hash; a language the definition does not already have; complete
 * labels (the rules of §13.2 for a language section). Returns the first problem, or undefined.
 */
export function checkLanguagePack(value: unknown, def?: FormatDefinition): string | undefined {
  const shape = validateLanguagePack.firstError(value);
  if (shape !== undefined) return shape;
  if (!def) return undefined;
  const pack = value as FormatLanguagePack;
  if (pack.format.hash !== formatHash(def)) return `format.hash: not the hash of the definition ${def.id}@${def.version}`;
  if (pack.format.id !== def.id || pack.format.version !== def.version) return `format: names ${pack.format.id}@${pack.format.version}, the definition is ${def.id}@${def.version}`;
  if (def.languages[pack.lang]) return `lang: the definition already has "${pack.lang}"`;
  // The section rules are the definition's: check the definition as if it had this language.
  const problem = checkFormatDefinition({ ...def, languages: { [pack.lang]: packSection(pack) } });
  return problem?.replace(/^languages\.[^.]+\./, '');
}

/**
 * A definition with the languages of its packs added, for reading only: its hash is not the
 * definition's (hash and agree the definition itself, never this). Packs for other definitions,
 * or for a language the definition has, are left out.
 */
export function withLanguagePacks(def: FormatDefinition, packs: readonly FormatLanguagePack[]): FormatDefinition {
  const hash = formatHash(def);
  const extra = packs.filter((p) => p.format.hash === hash && !def.languages[p.lang]);
  if (extra.length === 0) return def;
  return { ...def, languages: { ...def.languages, ...Object.fromEntries(extra.map((p) => [p.lang, packSection(p)])) } };
}

/**
 * Agreed message formats (docs/protocol.md §13): a format is data, not code. A definition names
 * its typed fields, and for each language it supports the labels of those fields and of their
 * enumerated values, and a rendering template. Its identity is the hash of its canonical JSON, so
 * two parties that agreed a hash read exactly the same definition.
 */
import { canonicalize, sha256Hex } from '../encoding.js';
import {
  DESIGNATION_KINDS,
  FormatDefinitionSchema,
  compileValidator,
  type FieldSpec,
  type FormatDefinition,
  type FormatRef,
  type Validator,
} from '../schemas.js';

export {
  FIELD_TYPES,
  UNITS,
  DESIGNATION_KINDS,
  RADIUS_UNITS,
  FieldSpecSchema,
  LanguageSectionSchema,
  FormatDefinitionSchema,
  type FieldType,
  type Unit,
  type FieldSpec,
  type LanguageSection,
  type FormatDefinition,
} from '../schemas.js';

export const validateFormatDefinition: Validator<FormatDefinition> = compileValidator(FormatDefinitionSchema);

/** SHA-256("hotline/1/format\0" || canonical JSON of the definition), hex. */
export function formatHash(def: FormatDefinition): string {
  return sha256Hex('hotline/1/format\0', canonicalize(def));
}

/** The reference a charter lists for a definition. */
export function formatRef(def: FormatDefinition): FormatRef {
  return { id: def.id, version: def.version, hash: formatHash(def) };
}

/** Placeholders of a template: `{name}` and `{name:label}`. */
export const PLACEHOLDER = /\{([a-z][a-z0-9_]{0,39})(:label)?\}/g;

/**
 * Checks a definition beyond its schema: field names unique, each type's own members only and
 * present where needed, every language complete (a label for every field and every code, a
 * template naming only fields of the format). Returns the first problem, or undefined.
 */
export function checkFormatDefinition(value: unknown): string | undefined {
  const shape = validateFormatDefinition.firstError(value);
  if (shape !== undefined) return shape;
  const def = value as FormatDefinition;
  const names = new Set<string>();
  for (const f of def.fields) {
    if (names.has(f.name)) return `fields: "${f.name}" is named twice`;
    names.add(f.name);
    const problem = checkFieldSpec(f);
    if (problem) return `fields.${f.name}: ${problem}`;
  }
  for (const [lang, section] of Object.entries(def.languages)) {
    for (const f of def.fields) {
      if (section.fields[f.name] === undefined) return `languages.${lang}.fields: no label for "${f.name}"`;
      for (const code of codesOf(f))
        if (section.values[f.name]?.[code] === undefined) return `languages.${lang}.values.${f.name}: no label for "${code}"`;
    }
    for (const name of Object.keys(section.fields)) if (!names.has(name)) return `languages.${lang}.fields: "${name}" is not a field`;
    for (const [name, labels] of Object.entries(section.values)) {
      const f = def.fields.find((x) => x.name === name);
      if (!f || codesOf(f).length === 0) return `languages.${lang}.values: "${name}" is not an enumeration or designation`;
      for (const code of Object.keys(labels)) if (!codesOf(f).includes(code)) return `languages.${lang}.values.${name}: "${code}" is not a value of the field`;
    }
    for (const m of section.template.matchAll(PLACEHOLDER))
      if (!names.has(m[1]!)) return `languages.${lang}.template: {${m[1]}} is not a field`;
  }
  return undefined;
}

/** The codes that need a label in each language: an enumeration's values, a designation's kinds. */
export function codesOf(f: FieldSpec): readonly string[] {
  if (f.type === 'enum') return f.values ?? [];
  if (f.type === 'designation') return DESIGNATION_KINDS;
  return [];
}

function checkFieldSpec(f: FieldSpec): string | undefined {
  const has = (k: keyof FieldSpec) => f[k] !== undefined;
  if (f.type === 'enum' ? !has('values') : has('values')) return f.type === 'enum' ? 'an enumeration lists its values' : '"values" is for enumerations only';
  if (f.type === 'number' ? !has('unit') : has('unit')) return f.type === 'number' ? 'a number has a unit' : '"unit" is for numbers only';
  const numeric = f.type === 'number' || f.type === 'duration';
  if (!numeric && (has('minimum') || has('maximum') || has('integer'))) return 'bounds are for numbers and durations only';
  if (f.minimum !== undefined && f.maximum !== undefined && f.minimum > f.maximum) return 'minimum is above maximum';
  if (has('maxLength') && f.type !== 'text' && f.type !== 'free-text') return '"maxLength" is for texts only';
  return undefined;
}

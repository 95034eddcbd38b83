/**
 * A language file of the shipped formats: one per language (en.ts, zh.ts, ru.ts, ...). Adding a
 * language is adding such a file and listing it in library/index.ts; it changes each format's
 * definition, hence its hash, so a charter agrees the new version by amendment (§13.5).
 */
import type { DESIGNATION_KINDS } from '../definition.js';

export interface FormatLabels {
  readonly title: string;
  readonly fields: Readonly<Record<string, string>>;
  /** Labels of enumeration codes, by field. */
  readonly values?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The template; by default one line per field, "{name:label}: {name}", in the format's order. */
  readonly template?: string;
}

export interface LanguagePack {
  readonly lang: string;
  /** How a designation's kind reads in this language (vessel, aircraft, ...). */
  readonly designations: Readonly<Record<(typeof DESIGNATION_KINDS)[number], string>>;
  readonly formats: Readonly<Record<string, FormatLabels>>;
}

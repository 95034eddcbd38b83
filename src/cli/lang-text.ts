/**
 * Texts in several languages on the command line (#15 item 5): `--title LANG=TEXT` repeated, e.g.
 * `--title "en=Maritime line" --title "ru=Морская линия" --title "zh=海上热线"`; a text without
 * `LANG=` is English. Any language a charter lists, never a fixed pair.
 */
import { cliError } from './errors.js';

const LANG = /^([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)=(.*)$/s;

/** Collects a repeated option's values. */
export function repeated(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The texts of `option` by language: at least one, in any languages (a channel between parties that
 * share no English needs none; the terminal checks that a charter's title covers its languages).
 */
export function textsByLanguage(option: string, values: readonly string[], extra: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const m = LANG.exec(v);
    const [lang, text] = m ? [m[1]!, m[2]!] : ['en', v];
    if (text.trim() === '') throw cliError('CLI_BAD_ARGUMENT', { option, expected: 'LANG=TEXT with a text (e.g. zh=海上热线)', value: v });
    if (out[lang] !== undefined) throw cliError('CLI_BAD_ARGUMENT', { option, expected: `one text per language (${lang} given twice)`, value: v });
    out[lang] = text;
  }
  for (const [lang, text] of Object.entries(extra)) if (text !== undefined && out[lang] === undefined) out[lang] = text;
  if (Object.keys(out).length === 0) throw cliError('CLI_BAD_ARGUMENT', { option, expected: 'at least one LANG=TEXT', value: '' });
  return out;
}

/**
 * The text of `texts` to show an officer reading `lang`: that language, else its primary subtag's
 * (zh for zh-Hans), else English, else the first language in order (as formats pick theirs).
 */
export function inLanguage(texts: Readonly<Record<string, string>>, lang: string): string {
  const first = Object.keys(texts).sort()[0];
  return texts[lang] ?? texts[lang.split('-')[0]!] ?? texts.en ?? (first === undefined ? '' : texts[first]!);
}

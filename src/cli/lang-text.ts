/**
 * Texts in several languages on the command line (#15 item 5): `--title LANG=TEXT` repeated, e.g.
 * `--title "en=Maritime line" --title "ru=Морская линия" --title "zh=海上热线"`; a text without
 * `LANG=` is English. Any language a charter lists, never a fixed pair.
 */
import { cliError } from './errors.js';
import type { OfficerClient } from './officer-client.js';
import { printable } from './safe-text.js';

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

/** Whether `lang` is one of `languages`, or shares its primary subtag with one (zh-Hans for zh). */
export function amongLanguages(lang: string, languages: readonly string[]): boolean {
  const primary = (l: string) => l.split('-')[0]!.toLowerCase();
  return languages.some((l) => l.toLowerCase() === lang.toLowerCase() || primary(l) === primary(lang));
}

/**
 * After a message was sent: a note on stderr when its language is not one the channel's charter
 * names (a French text on an English and Chinese line): sent as written, since a party may mean
 * to, but the officer should know the other side may not read it. Silent if the channel cannot be
 * read (the message is sent either way).
 */
export async function warnForeignLanguage(client: OfficerClient, channel: string, lang: string): Promise<void> {
  const detail = await client.call<{ charter: { languages: string[] } }>('GET', `/api/v1/channels/${encodeURIComponent(channel)}`).catch(() => undefined);
  const languages = detail?.charter.languages;
  if (!languages?.length || amongLanguages(lang, languages)) return;
  process.stderr.write(`Note: sent in "${printable(lang)}", which is not a language of this channel's charter (${languages.map((l) => printable(l)).join(', ')}): the other side may not read it. --lang names the text's language.\n`);
}

/**
 * An officer-API error as the officer reads it (#15 item 5): the catalogue's message for its
 * stable code (locales/*.json "errors"), in the console's language; the API's own English message
 * when the catalogue has none, and in English (the API's message says more: names, times, counts).
 * A failure to reach the terminal at all is the catalogue's NETWORK message.
 */
import i18next from 'i18next';
import { ApiError } from './api.js';

/** The catalogue's message for an error code in `lang`, if it has one. */
export function catalogueError(code: string, lang: string): string | undefined {
  const text: unknown = i18next.getResource(lang, 'translation', `errors.${code}`);
  return typeof text === 'string' ? text : undefined;
}

/** What to show for an error caught from the officer API. */
export function errorText(e: unknown, lang: string = i18next.language): string {
  if (e instanceof ApiError) return lang === 'en' ? e.message : (catalogueError(e.code, lang) ?? e.message);
  const network =
    catalogueError('NETWORK', lang) ?? catalogueError('NETWORK', 'en') ?? 'Cannot reach the terminal.';
  return e instanceof Error && e.message ? `${network} (${e.message})` : network;
}

/** Small formatting helpers. */

/** "04:07", "1:02:03": a duration for countdowns. */
export function duration(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** A military date-time group in UTC: day, hour, minute, Z, month, year ("031200ZDEC26"). */
export function dtg(t: number): string {
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}Z${MONTHS[d.getUTCMonth()]}${two(d.getUTCFullYear() % 100)}`;
}

/**
 * A time as officers read it: UTC with its "Z" (and the date when it is not today's, in UTC),
 * e.g. "14:03:07Z" or "2026-12-03 14:03:07Z". The local time and the date-time group go in
 * {@link whenTitle}.
 */
export function when(t: number, now: number = Date.now()): string {
  const iso = new Date(t).toISOString();
  const time = `${iso.slice(11, 19)}Z`;
  return iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
}

/** The same time as a date-time group and in the officer's local time and language (Intl). */
export function whenTitle(t: number, lang: string): string {
  const local = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'long' }).format(new Date(t));
  return `${dtg(t)} · ${local}`;
}

export const utc = (t: number): string => new Date(t).toISOString();

/** A channel title in the reader's language when the charter has it, else English, else its first. */
export function titleOf(title: Record<string, string>, lang: string): string {
  return title[lang] ?? title.en ?? Object.values(title)[0] ?? '(untitled)';
}

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

/** "14:03:07" today, else "2025-03-01 14:03:07" (local time; the title gives UTC). */
export function when(t: number): string {
  const d = new Date(t);
  const time = d.toLocaleTimeString([], { hour12: false });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toISOString().slice(0, 10)} ${time}`;
}

export const utc = (t: number): string => new Date(t).toISOString();

/** A channel title in the reader's language when the charter has it, else English, else its first. */
export function titleOf(title: Record<string, string>, lang: string): string {
  return title[lang] ?? title.en ?? Object.values(title)[0] ?? '(untitled)';
}

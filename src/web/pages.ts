/**
 * The timeline as pages (#15): the newest page, loaded again now and then, and the older pages
 * loaded as the officer scrolls back, which stay as they were.
 */
import type { Message } from './api.js';

/**
 * Most messages the console keeps of a channel (newest first): a view left open on a busy line
 * for a whole watch does not grow without end. Beyond it, the oldest are let go (scrolling back
 * loads them again). More than a jump loads (Timeline.tsx: 500 + 100 pages of 200).
 */
export const MESSAGES_HELD = 25_000;

/** `newest` (newest first) followed by the messages of `previous` older than all of it, at most {@link MESSAGES_HELD}. */
export function mergePages(newest: readonly Message[], previous: readonly Message[]): readonly Message[] {
  const oldest = newest.at(-1);
  if (!oldest) return previous.length > 0 && newest.length === 0 ? [] : newest;
  const inPage = new Set(newest.map((m) => m.id));
  const older = previous.filter((m) => !inPage.has(m.id) && m.time <= oldest.time);
  return older.length > 0 ? [...newest, ...older].slice(0, MESSAGES_HELD) : newest;
}

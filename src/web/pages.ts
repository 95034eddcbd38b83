/**
 * The timeline as pages (#15): the newest page, loaded again now and then, and the older pages
 * loaded as the officer scrolls back, which stay as they were.
 */
import type { Message } from './api.js';

/** `newest` (newest first) followed by the messages of `previous` older than all of it. */
export function mergePages(newest: readonly Message[], previous: readonly Message[]): readonly Message[] {
  const oldest = newest.at(-1);
  if (!oldest) return previous.length > 0 && newest.length === 0 ? [] : newest;
  const inPage = new Set(newest.map((m) => m.id));
  const older = previous.filter((m) => !inPage.has(m.id) && m.time <= oldest.time);
  return older.length > 0 ? [...newest, ...older] : newest;
}

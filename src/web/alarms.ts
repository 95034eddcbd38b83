/**
 * What must not be missed, derived from what awaits acknowledgement (not only from live events):
 * every unacknowledged FLASH, every IMMEDIATE past its deadline, every message whose escalation
 * has begun. The console raises the banner and rings for these at sign-in, after a reload and
 * after reconnecting, as well as when a FLASH arrives.
 */
import type { Pending } from '../terminal/officer-api/api-schemas.js';

/** One alarm of the banner. */
export interface Alarm {
  readonly id: string;
  readonly channel: string;
  readonly from: string;
  readonly text: string;
  readonly precedence: string;
  readonly drill: boolean;
  /** Why it alarms. */
  readonly why: 'flash' | 'overdue' | 'escalated';
}

/** The alarms among what awaits acknowledgement, at `now`: FLASH first, then by deadline. */
export function alarmsOf(pending: readonly Pending[], now: number): Alarm[] {
  const out: Alarm[] = [];
  for (const p of pending) {
    const overdue = p.deadlineAt !== null && p.deadlineAt <= now;
    const why = p.precedence === 'FLASH' ? 'flash' : p.escalation.level > 0 ? 'escalated' : overdue && p.precedence === 'IMMEDIATE' ? 'overdue' : undefined;
    if (why) out.push({ id: p.id, channel: p.channel, from: p.from, text: p.text, precedence: p.precedence, drill: p.drill, why });
  }
  return out.sort((a, b) => Number(b.precedence === 'FLASH') - Number(a.precedence === 'FLASH'));
}

/** The alarms of `now` that were not in `before` (by id): these ring and notify. */
export function newAlarms(before: ReadonlySet<string>, now: readonly Alarm[]): Alarm[] {
  return now.filter((a) => !before.has(a.id));
}

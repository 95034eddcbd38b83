/** The console's pure logic (#15): what alarms (item 1), and times as officers read them (item 6). */
import { expect, it } from 'vitest';
import type { Pending } from '../../src/terminal/officer-api/api-schemas.js';
import { alarmsOf, newAlarms } from '../../src/web/alarms.js';

const pending = (id: string, precedence: string, deadlineAt: number | null, level = 0): Pending =>
  ({ id, channel: 'c1', from: 'US', text: `text ${id}`, precedence, drill: false, deadlineAt, escalation: { level, levelName: level ? 'watch chief' : null, steps: level, next: null } }) as unknown as Pending;

it('alarms for every FLASH, an IMMEDIATE past its deadline and any escalated message, FLASH first', () => {
  const list = [pending('r', 'ROUTINE', 1000), pending('i', 'IMMEDIATE', 5000), pending('f', 'FLASH', 9000), pending('e', 'PRIORITY', 9000, 1), pending('late', 'ROUTINE', 100)];
  expect(alarmsOf(list, 4000).map((a) => [a.id, a.why])).toEqual([['f', 'flash'], ['e', 'escalated']]);
  // Time passes: the IMMEDIATE is overdue; a ROUTINE past its deadline still only counts, it does not alarm.
  expect(alarmsOf(list, 5000).map((a) => [a.id, a.why])).toEqual([['f', 'flash'], ['i', 'overdue'], ['e', 'escalated']]);
  expect(alarmsOf([], 0)).toEqual([]);
});

it('rings for the alarms not seen before', () => {
  const now = alarmsOf([pending('f1', 'FLASH', null), pending('f2', 'FLASH', null)], 0);
  expect(newAlarms(new Set(['f1']), now).map((a) => a.id)).toEqual(['f2']);
  expect(newAlarms(new Set(['f1', 'f2']), now)).toEqual([]);
});

it('writes times as officers read them: UTC with Z, the date when not today, and the date-time group', async () => {
  const { dtg, when, whenTitle } = await import('../../src/web/format.js');
  const t = Date.UTC(2026, 11, 3, 12, 0, 5);
  expect(dtg(t)).toBe('031200ZDEC26');
  expect(when(t, Date.UTC(2026, 11, 3, 23, 0))).toBe('12:00:05Z');
  expect(when(t, Date.UTC(2026, 11, 4, 1, 0))).toBe('2026-12-03 12:00:05Z');
  expect(whenTitle(t, 'en')).toMatch(/^031200ZDEC26 · Dec 3, 2026/);
  expect(whenTitle(t, 'zh')).toMatch(/^031200ZDEC26 · 2026年12月3日/);
});

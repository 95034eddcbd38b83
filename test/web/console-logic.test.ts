/** The console's pure logic (#15): what alarms (item 1), and times as officers read them (item 6). */
import { expect, it } from 'vitest';
import type { Message, Pending } from '../../src/terminal/officer-api/api-schemas.js';
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

it('marks a receipt for the party that wrote it: receipted once every party has, a two-party message as before (receipts.ts)', async () => {
  const { receiptsOfOwn, withReceipt, awaitsReceiptOf } = await import('../../src/web/receipts.js');
  const parties = [{ party: 'us-id', code: 'US' }, { party: 'xx-id', code: 'XX' }, { party: 'cn-id', code: 'CN' }];
  const sent = { id: 'h', own: true, seq: 4, receiptedAt: null, receipts: receiptsOfOwn(parties, 'us-id') } as unknown as Message;
  expect(sent.receipts).toEqual([{ party: 'cn-id', code: 'CN', at: null }, { party: 'xx-id', code: 'XX', at: null }]);
  let m = withReceipt(sent, 'cn-id', 2000);
  expect([m.receipts!.map((r) => r.at), m.receiptedAt]).toEqual([[2000, null], null]);
  // The same party again changes nothing (events seen during a load are applied twice).
  expect(awaitsReceiptOf(m, 'cn-id')).toBe(false);
  expect(withReceipt(m, 'cn-id', 2500)).toBe(m);
  m = withReceipt(m, 'xx-id', 3000);
  expect([m.receipts!.map((r) => r.at), m.receiptedAt]).toEqual([[2000, 3000], 3000]);
  // Two parties: the one receipt makes it receipted; a message without receipts takes the first, as before.
  const two = withReceipt({ ...sent, receipts: receiptsOfOwn(parties.slice(0, 2), 'us-id') }, 'xx-id', 2000);
  expect([two.receipts, two.receiptedAt]).toEqual([[{ party: 'xx-id', code: 'XX', at: 2000 }], 2000]);
  expect(withReceipt({ ...sent, receipts: undefined } as unknown as Message, 'cn-id', 1500).receiptedAt).toBe(1500);
});

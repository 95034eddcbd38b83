/**
 * Alarms from what peers send: the first of a kind from a peer at once, the rest of the window
 * summed up in one, so that a flood of bad entries cannot bury the consoles.
 */
import { describe, expect, it } from 'vitest';
import { EventBus, type EventOf } from '../../../src/terminal/events/event-bus.js';
import { REPEAT_WINDOW_MS, RepeatedAlarms } from '../../../src/terminal/events/repeated-alarms.js';

function setup() {
  const events = new EventBus();
  const raised: EventOf<'alarm'>[] = [];
  events.on('alarm', (a) => raised.push(a));
  const logged: Array<{ level: string; o: object; m?: string }> = [];
  const log = { warn: (o: object, m?: string) => logged.push({ level: 'warn', o, m }), error: (o: object, m?: string) => logged.push({ level: 'error', o, m }) };
  // Windows end when the test says so: due[i] is the end of the i-th window opened.
  const due: Array<{ fn: () => void; ms: number }> = [];
  const alarms = new RepeatedAlarms(events, log, { later: (fn, ms) => due.push({ fn, ms }) });
  const endWindow = () => due.shift()!.fn();
  return { raised, logged, alarms, due, endWindow };
}

const bad = (i: number): EventOf<'alarm'> => ({ type: 'alarm', code: 'ENTRY_BAD_SIGNATURE', message: `Entry ${i} has a bad signature.`, peer: 'RU' });

describe('RepeatedAlarms', () => {
  it('raises the first of a flood at once and one summary per window after it', () => {
    const { raised, logged, alarms, due, endWindow } = setup();
    for (let i = 0; i < 5000; i++) alarms.raise('ENTRY_BAD_SIGNATURE RU', bad(i), { source: 'RU' });
    expect(raised.map((a) => a.message)).toEqual(['Entry 0 has a bad signature.']);
    expect(logged).toHaveLength(1);
    expect(due.map((d) => d.ms)).toEqual([REPEAT_WINDOW_MS]);

    endWindow();
    expect(raised).toHaveLength(2);
    expect(raised[1]).toMatchObject({ code: 'ENTRY_BAD_SIGNATURE', peer: 'RU', message: 'Entry 4999 has a bad signature. (4999 more like it in the last 10 s)' });
    expect(logged[1]!.o).toMatchObject({ code: 'ENTRY_BAD_SIGNATURE', repeated: 4999 });

    // Still coming: counted in the next window too; then a quiet window ends it.
    alarms.raise('ENTRY_BAD_SIGNATURE RU', bad(5000), { source: 'RU' });
    endWindow();
    expect(raised.map((a) => a.message).at(-1)).toBe('Entry 5000 has a bad signature. (1 more like it in the last 10 s)');
    endWindow();
    expect(raised).toHaveLength(3);
    expect(due).toHaveLength(0);

    // Once the window is over, the next one is raised at once again.
    alarms.raise('ENTRY_BAD_SIGNATURE RU', bad(6000), { source: 'RU' });
    expect(raised.map((a) => a.message).at(-1)).toBe('Entry 6000 has a bad signature.');
  });

  it('keeps kinds and peers apart, and logs at the level asked', () => {
    const { raised, logged, alarms } = setup();
    alarms.raise('ENTRY_BAD_SIGNATURE RU', bad(1), {});
    alarms.raise('ENTRY_BAD_SIGNATURE KP', { ...bad(2), peer: 'KP' }, {});
    alarms.raise('ENTRY_EQUIVOCATION c1 RU', { type: 'alarm', code: 'ENTRY_EQUIVOCATION', message: 'RU signed #7 twice.', channel: 'c1' }, {}, 'error');
    alarms.raise('ENTRY_BAD_SIGNATURE RU', bad(3), {});
    expect(raised.map((a) => a.message)).toEqual(['Entry 1 has a bad signature.', 'Entry 2 has a bad signature.', 'RU signed #7 twice.']);
    expect(logged.map((l) => l.level)).toEqual(['warn', 'warn', 'error']);
  });
});

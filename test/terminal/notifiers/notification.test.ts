/**
 * The words of a notice (src/terminal/notifiers/notification.ts): the same on every medium. An
 * overdue message of ours to more than one party names who has not acknowledged it.
 */
import { describe, expect, it } from 'vitest';
import { describeNotice, type Notice } from '../../../src/terminal/notifiers/notification.js';

const base: Omit<Notice, 'subject' | 'text'> = {
  kind: 'overdue',
  party: 'US',
  channel: 'ab'.repeat(32),
  message: { hash: 'f'.repeat(64), from: 'US', precedence: 'FLASH', text: 'Unidentified launch', time: Date.UTC(2026, 11, 7, 10, 0), deadlineAt: Date.UTC(2026, 11, 7, 10, 3), drill: false },
  level: 0,
  levelName: 'not acknowledged by deadline',
  repeat: 0,
  alarm: null,
  at: Date.UTC(2026, 11, 7, 10, 3, 1),
};

describe('notices', () => {
  it('says "the other side" for a message to one party, and names the parties that owe an acknowledgement otherwise', () => {
    const two = describeNotice(base);
    expect(two.subject).toBe('[Hotline US] NOT ACKNOWLEDGED by deadline: FLASH message ffffffffffff from US on channel abababababab');
    expect(two.text).toMatch(/^The other side has not acknowledged our FLASH message ffffffffffff on channel abababababab by its deadline\./);
    const one = describeNotice({ ...base, owedBy: ['RU'] });
    expect(one.subject).toContain('NOT ACKNOWLEDGED by deadline by RU:');
    expect(one.text).toMatch(/^RU has not acknowledged our FLASH message/);
    expect(describeNotice({ ...base, owedBy: ['CN', 'RU'] }).text).toMatch(/^CN, RU have not acknowledged/);
  });

  it('tells an officer how to acknowledge an escalated message, and quotes at most 500 characters of it', () => {
    const long = { ...base.message!, from: 'CN', text: 'x'.repeat(600) };
    const n = describeNotice({ ...base, kind: 'escalation', message: long, level: 2, levelName: 'watch officer', repeat: 1 });
    expect(n.subject).toBe('[Hotline US] FLASH awaiting acknowledgement: level 2 (watch officer), reminder 1 on channel abababababab');
    expect(n.text).toContain(`"${'x'.repeat(497)}..."`);
    expect(n.text).toContain('hotline ack ffffffffffffffff');
  });
});

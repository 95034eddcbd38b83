/**
 * `hotline channel show`: an anonymous acknowledgement names its party once, and a formatted
 * message (whose text has several lines) is one line, never a literal "\n".
 */
import { describe, expect, it } from 'vitest';
import { ackedByText, channelLines, oneLine } from '../../src/cli/channel-lines.js';
import type { Api } from '../../src/terminal/index.js';

const US = 'a'.repeat(64);
const CN = 'b'.repeat(64);
const channel = {
  id: 'c'.repeat(64),
  title: { en: 'Test' },
  state: 'open',
  tier: 'operational',
  proposer: 'US',
  charterHash: 'd'.repeat(64),
  charter: { ackDeadlineSec: { US: 300, CN: 300 }, linkTestIntervalSec: 60, languages: ['en', 'zh'], protocol: 1, formats: [] },
  parties: [
    { party: US, code: 'US', accepted: true, suspended: false, link: 'up', entries: 3, roles: ['duty-officer'] },
    { party: CN, code: 'CN', accepted: true, suspended: false, link: 'up', entries: 2, roles: ['duty-officer'] },
  ],
  equivocations: 0,
  messages: { total: 2, unacknowledged: 0 },
} as unknown as Api.ChannelDetail;

const message = (id: string, text: string, ackedBy: Api.AckedBy | null): Api.Message =>
  ({ id: id.repeat(64), from: 'US', own: true, seq: 2, time: 0, precedence: 'FLASH', lang: 'en', text, replyTo: null, drill: false, deadlineAt: 300_000, receiptedAt: 1000, ackedAt: 2000, ackedBy }) as Api.Message;

describe('hotline channel show', () => {
  it('an anonymous acknowledgement: "by CN duty officer", the party code once', () => {
    expect(ackedByText({ code: 'CN', officer: { name: 'CN duty officer', title: 'Duty Officer', role: 'duty-officer' } } as Api.AckedBy)).toBe('CN duty officer');
    expect(ackedByText({ code: 'CN', officer: { name: 'Li Wei', title: 'Duty Officer', role: 'duty-officer' } } as Api.AckedBy)).toBe('CN Li Wei');
    expect(ackedByText({ code: 'CN' })).toBe('CN');
    expect(ackedByText(null)).toBe('?');
    const lines = channelLines(channel, [message('1', 'Hello', { code: 'CN', officer: { name: 'CN duty officer', title: 'Duty Officer', role: 'duty-officer' } } as Api.AckedBy)]);
    expect(lines.join('\n')).toContain('acknowledged 1970-01-01T00:00:02Z by CN duty officer');
    expect(lines.join('\n')).not.toContain('CN CN');
  });

  it('a formatted message on one line, its fields below: no literal \\n', () => {
    const text = 'LAUNCH NOTIFICATION\nVehicle: test rocket\nWindow: 2026-12-10T09:00Z';
    const formatted = { ...message('2', text, null), format: { id: 'launch-notification', version: 1, hash: 'f'.repeat(64) } } as Api.Message;
    const lines = channelLines(channel, [formatted], new Map([['2'.repeat(64), 'Launch notification\nVehicle: test rocket']]));
    const all = lines.join('\n');
    expect(all).not.toContain('\\n');
    expect(all).toContain('LAUNCH NOTIFICATION / Vehicle: test rocket / Window: 2026-12-10T09:00Z');
    expect(lines.filter((l) => l.includes('| '))).toEqual(['                 | Launch notification', '                 | Vehicle: test rocket']);
    expect(oneLine('a\r\n\r\nb\n')).toBe('a / b');
  });

  it('what a peer wrote still cannot forge a line: other control characters stay escaped', () => {
    const all = channelLines(channel, [message('3', 'x\u001b[2Jy\u202e', null)]).join('\n');
    expect(all).not.toContain('\u001b');
    expect(all).not.toContain('\u202e');
    // A free text's line breaks stay escaped: a peer cannot make a line of its own that reads as a status.
    const forged = channelLines(channel, [message('4', 'All clear.\n                 received; acknowledged', null)]).join('\n');
    expect(forged).toContain('All clear.\\n');
    expect(forged.split('\n').filter((l) => l.trimStart().startsWith('received; acknowledged'))).toEqual([]);
  });

  it('our message to two parties: the receipt of each, and who has none yet; a two-party message as before', () => {
    const receipts = (cn: number | null, xx: number | null) => [{ party: CN, code: 'CN', at: cn }, { party: 'x', code: 'XX', at: xx }];
    const line = (m: Api.Message) => channelLines(channel, [m]).find((l) => l.includes('acknowledged'))!.trim();
    const base = message('5', 'FLASH to both', null);
    expect(line({ ...base, receiptedAt: null, receipts: receipts(1000, null) })).toMatch(/^receipted by CN 1970-01-01T00:00:01Z; no receipt yet from XX;/);
    expect(line({ ...base, receiptedAt: null, receipts: receipts(null, null) })).toMatch(/^no receipt yet from CN, XX;/);
    expect(line({ ...base, receiptedAt: 3000, receipts: receipts(1000, 3000) })).toMatch(/^receipted 1970-01-01T00:00:03Z \(CN 1970-01-01T00:00:01Z, XX 1970-01-01T00:00:03Z\);/);
    expect(line({ ...base, receiptedAt: 1000, receipts: [{ party: CN, code: 'CN', at: 1000 }] })).toMatch(/^receipted 1970-01-01T00:00:01Z;/);
    expect(line({ ...base, receiptedAt: null, receipts: [{ party: CN, code: 'CN', at: null }] })).toMatch(/^no receipt yet;/);
  });

  it('our message to two parties that one has acknowledged: by whom, and whose acknowledgement is awaited', () => {
    const line = (m: Api.Message) => channelLines(channel, [m]).find((l) => l.includes('acknowledged'))!.trim();
    const receipts = [{ party: CN, code: 'CN', at: 1000 }, { party: 'x', code: 'XX', at: 1000 }];
    const officer = { name: 'Lt Cdr Wang', title: 'Duty Officer', role: 'duty-officer' };
    const partly = { ...message('6', 'FLASH to both', null), ackedAt: null, receipts, acks: [{ party: CN, code: 'CN', officer, time: 2000, entry: 'e'.repeat(64) }], ackAwaited: ['XX'] } as Api.Message;
    expect(line(partly)).toMatch(/; acknowledged by CN; NOT acknowledged by XX \(deadline 1970-01-01T00:05:00Z\)$/);
    expect(line({ ...partly, acks: [], ackAwaited: ['CN', 'XX'] })).toMatch(/; NOT acknowledged by CN, XX \(deadline 1970-01-01T00:05:00Z\)$/);
    // Once both have: each one's acknowledgement, not only the last.
    const xxOfficer = { name: 'Capt Ivanov', title: 'Duty Officer', role: 'duty-officer' };
    const both = { ...partly, ackAwaited: undefined, ackedAt: 4000, ackedBy: { party: 'x', code: 'XX', officer: xxOfficer, entry: 'f'.repeat(64) }, acks: [...partly.acks!, { party: 'x', code: 'XX', officer: xxOfficer, time: 4000, entry: 'f'.repeat(64) }] } as Api.Message;
    expect(line(both)).toMatch(/; acknowledged by CN Lt Cdr Wang 1970-01-01T00:00:02Z, XX Capt Ivanov 1970-01-01T00:00:04Z$/);
  });

  it('a message written before this party joined the channel: history, no acknowledgement asked', () => {
    const line = (m: Api.Message) => channelLines(channel, [m]).find((l) => l.includes('received;'))!.trim();
    const old = { ...message('7', 'Before you joined', null), own: false, from: 'CN', ackedAt: null, deadlineAt: null } as Api.Message;
    expect(line(old)).toBe('received; from before this party joined: no acknowledgement asked');
  });

  it('with amendments pending, says which hash is the charter in force and which the amendment answered, and lists one proposed at the same time', () => {
    const a = { hash: 'a'.repeat(64), proposer: 'CN', accepted: ['CN'], awaiting: ['US'], reason: 'CN change', changes: [] };
    const shown = channelLines({ ...channel, pendingAmendment: a, alsoPending: [{ hash: 'b'.repeat(64), proposer: 'US', awaiting: ['CN'] }] }, [], new Map(), null).join('\n');
    expect(shown).toContain(`charter in force ${'d'.repeat(64)}`);
    expect(shown).toContain(`amendment proposed by CN: ${'a'.repeat(64)} (the hash its answers name;`);
    expect(shown).toContain(`also pending, proposed at the same time by US: amendment ${'b'.repeat(64)} (awaiting CN)`);
  });

  it('shows the terms to an officer who may not read the terminal\'s peers, saying the fingerprints are not shown', () => {
    const shown = channelLines(channel, [], new Map(), null).join('\n');
    expect(shown).toContain(`charter ${'d'.repeat(64)}`);
    expect(shown).toMatch(/fingerprints not shown: this officer may not read the terminal's peers/);
    expect(shown).not.toMatch(/not a paired peer/);
  });
});

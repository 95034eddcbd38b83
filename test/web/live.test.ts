/**
 * The console's handling of events (src/web/live.ts) in channels of three parties: a third party's
 * acknowledgement is listed without marking the message acknowledged here, and a message written
 * before this party joined the charter (its event carries no deadline) is not added to what awaits.
 */
import { describe, expect, it } from 'vitest';
import type { EntryEvent, Message, Pending, PendingSummary } from '../../src/terminal/officer-api/api-schemas.js';
import { applyToMessages, applyToPending } from '../../src/web/live.js';

const event = (over: Partial<EntryEvent>): EntryEvent => ({ type: 'entry', channel: 'c'.repeat(64), hash: 'h'.repeat(64), author: 'cn', authorCode: 'CN', seq: 5, kind: 'message', time: 1000, own: false, body: {}, ...over }) as EntryEvent;
const message = (over: Partial<Message>): Message => ({ id: 'm'.repeat(64), own: false, ackedAt: null, acks: [], ...over }) as unknown as Message;

describe('the console, three parties', () => {
  it("lists a third party's acknowledgement without marking the message acknowledged here; ours marks it", () => {
    const list = [message({ own: false })];
    const byCn = applyToMessages(list, event({ kind: 'ack', own: false, hash: 'a'.repeat(64), body: { message: 'm'.repeat(64), officer: { name: 'Wang', title: 'Duty Officer', role: 'duty-officer' } } }), 'ru', 10);
    expect(byCn[0]!.acks).toHaveLength(1);
    expect(byCn[0]!.ackedAt).toBeNull();
    const byUs = applyToMessages(byCn, event({ kind: 'ack', own: true, author: 'ru', authorCode: 'RU', hash: 'b'.repeat(64), time: 2000, body: { message: 'm'.repeat(64), officer: { name: 'Orlov', title: 'Duty Officer', role: 'duty-officer' } } }), 'ru', 10);
    expect(byUs[0]!.ackedAt).toBe(2000);
    // On our own message to CN and RU, once both have acknowledged (at the time of the last).
    const receipts = [{ party: 'cn', code: 'CN', at: null }, { party: 'ru', code: 'RU', at: null }];
    const own = applyToMessages([message({ own: true, receipts })], event({ kind: 'ack', own: false, hash: 'a'.repeat(64), body: { message: 'm'.repeat(64), officer: { name: 'Wang', title: 'Duty Officer', role: 'duty-officer' } } }), 'us', 10);
    expect(own[0]!.acks).toHaveLength(1);
    expect(own[0]!.ackedAt).toBeNull();
    const both = applyToMessages(own, event({ kind: 'ack', own: false, author: 'ru', authorCode: 'RU', hash: 'c'.repeat(64), time: 3000, body: { message: 'm'.repeat(64), officer: { name: 'Orlov', title: 'Duty Officer', role: 'duty-officer' } } }), 'us', 10);
    expect(both[0]!.ackedAt).toBe(3000);
    expect(both[0]!.ackedBy?.code).toBe('RU');
    // Two parties (one receipt listed, or none): the other's acknowledgement is the message's.
    const two = applyToMessages([message({ own: true })], event({ kind: 'ack', own: false, hash: 'a'.repeat(64), body: { message: 'm'.repeat(64), officer: { name: 'Wang', title: 'Duty Officer', role: 'duty-officer' } } }), 'us', 10);
    expect(two[0]!.ackedAt).toBe(1000);
  });

  it('adds a received message with a deadline to what awaits, and not one without (history from before this party joined)', () => {
    const empty = { pending: [] as readonly Pending[], summary: { total: 0, channels: {} } as PendingSummary };
    const body = { text: 'FLASH', lang: 'en', precedence: 'FLASH' };
    expect(applyToPending(empty, event({ body, deadlineAt: 181_000 }), 10).pending).toHaveLength(1);
    const history = applyToPending(empty, event({ body }), 10);
    expect(history.pending).toHaveLength(0);
    expect(history.summary.total).toBe(0);
  });
});

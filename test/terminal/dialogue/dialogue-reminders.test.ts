/**
 * Dialogue reminders (src/terminal/dialogue/dialogue-reminders.ts) through the escalation policies
 * and the real e-mail notifier, on a ManualClock: a meeting soon, a commitment due, then overdue;
 * each once, none after a restart, none for a commitment done.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DialogueReminders } from '../../../src/terminal/dialogue/dialogue-reminders.js';
import { EscalationSettings } from '../../../src/terminal/escalation/settings.js';
import { escalation, pairWithChannel, smtpReceiver } from '../escalation-fixture.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const by = { name: 'Jane Doe', title: 'Secretary of State', role: 'plenipotentiary' } as const;
const HOUR = 3_600_000;

describe('dialogue reminders', () => {
  it('reminds of a meeting and a commitment through the policy\'s dialogue contacts, once each, e-mail included', async () => {
    const t = await pairWithChannel();
    cleanups.push(t.cleanup);
    const smtp = await smtpReceiver();
    cleanups.push(smtp.close);
    const settings = EscalationSettings.from(
      {
        contacts: { desk: { email: 'desk@us.example' }, ops: { console: true } },
        policies: [{ channel: '*', levels: [{ name: 'duty officer', contacts: ['ops'], waitSec: 60 }], dialogue: ['desk', 'ops'], remindBeforeSec: 2 * 3600 }],
      },
      undefined,
      { smtp: true },
    );
    const esc = escalation(t.us, () => settings, smtp.port);
    const make = () => new DialogueReminders({ directory: t.us, store: t.us.store, self: t.us.self, clock: t.clock, events: t.us.events, settings: () => settings, dispatcher: esc.dispatcher });
    const reminders = make();
    const start = t.clock.now() + 5 * HOUR;
    const m = await t.us.write(t.channel, 'meeting.propose', { title: { en: 'Call' }, kind: 'call', level: 'ministerial', start, end: start + HOUR, place: 'Telephone', participants: [], agenda: [], by });
    await t.settle();
    await t.cn.write(t.channel, 'meeting.accept', { meeting: m.hash, schedule: m.hash, by });
    const c = await t.us.write(t.channel, 'commitment.add', { owner: t.cn.self.party, what: 'Reply on maritime safety.', lang: 'en', due: start + 2 * HOUR, by });
    const done = await t.us.write(t.channel, 'commitment.add', { owner: t.cn.self.party, what: 'Name a contact.', lang: 'en', due: start, by });
    await t.settle();
    await t.cn.write(t.channel, 'commitment.update', { commitment: done.hash, status: 'done', note: 'Director Chen.', by });
    await t.settle();

    await reminders.tick();
    expect(esc.events).toEqual([]);
    t.clock.advance(3.5 * HOUR); // the meeting is 1.5 h away
    await reminders.tick();
    const codes = () => esc.events.filter((e) => e.type === 'alarm').map((e) => (e as { code: string }).code);
    expect(codes()).toEqual(['MEETING_SOON']);
    await reminders.tick();
    expect(codes()).toEqual(['MEETING_SOON']);
    t.clock.advance(2 * HOUR); // the commitment is 1.5 h from its due date
    await reminders.tick();
    expect(codes()).toEqual(['MEETING_SOON', 'COMMITMENT_DUE']);
    t.clock.advance(2 * HOUR); // overdue
    await make().tick(); // a restart: what was sent is remembered
    expect(codes()).toEqual(['MEETING_SOON', 'COMMITMENT_DUE', 'COMMITMENT_OVERDUE']);
    await esc.scheduler.idle();
    const mails = smtp.mails.map((x) => x.data);
    expect(mails).toHaveLength(3);
    expect(mails[2]).toContain('COMMITMENT OVERDUE');
    expect(mails[2]).toContain(c.hash.slice(0, 12));
    expect(mails.join('\n')).not.toContain(done.hash.slice(0, 12));
    const steps = await t.us.store.escalations.list();
    expect(steps.filter((s) => s.kind === 'dialogue' && s.via === 'email' && s.outcome === 'delivered')).toHaveLength(3);
  });
});

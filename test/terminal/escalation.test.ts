/**
 * Deadlines, escalation levels, repeats, acknowledgement, notifiers and the duty roster — all on a
 * ManualClock, against a real HTTP server (webhook) and a real SMTP server (e-mail).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EscalationSettings } from '../../src/terminal/escalation/settings.js';
import { webhookSignature } from '../../src/terminal/notifiers/webhook-notifier.js';
import type { TerminalEvent } from './test-wing.js';
import { escalation, pairWithChannel, smtpReceiver, webhookReceiver } from './escalation-fixture.js';

const SECRET = 'a-webhook-secret-of-some-length';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(policy: (hook: string) => unknown, roster?: unknown) {
  const t = await pairWithChannel({ FLASH: 60 });
  cleanups.push(t.cleanup);
  const hook = await webhookReceiver();
  cleanups.push(hook.close);
  const smtp = await smtpReceiver();
  cleanups.push(smtp.close);
  const settings = EscalationSettings.from(policy(hook.url), roster, { smtp: true });
  const cn = escalation(t.cn, () => settings, smtp.port);
  const us = escalation(t.us, () => settings, smtp.port);
  return { ...t, hook, smtp, settings, cnEsc: cn, usEsc: us };
}

const twoLevels = (hook: string) => ({
  contacts: {
    'ops-room': { console: true, webhook: { url: hook, secret: SECRET } },
    supervisor: { email: 'supervisor@cn.example' },
    minister: { email: 'minister@cn.example' },
  },
  policies: [
    {
      channel: '*',
      levels: [
        { name: 'duty officer', contacts: ['ops-room'], waitSec: 120, repeats: 1 },
        { name: 'watch supervisor', contacts: ['supervisor'], waitSec: 300 },
        { name: 'principal', contacts: ['minister'], waitSec: 600 },
      ],
    },
  ],
});

describe('escalation', () => {
  it('notifies level 1 when the deadline passes, repeats it, then level 2; acknowledgement stops level 3', async () => {
    const t = await setup(twoLevels);
    const flash = await t.us.send(t.channel, { text: 'Unplanned encounter at 12N 114E.', lang: 'en', precedence: 'FLASH' });
    await t.settle();
    const row = (await t.cn.getMessage(flash.hash))!;
    expect(row.deadlineAt).toBe(flash.entry.time + 60_000);

    // Before the deadline: nothing.
    t.clock.advance(59_000);
    await t.cnEsc.scheduler.tick();
    expect(await t.cn.store.escalations.list()).toEqual([]);

    // Deadline passes: level 1 by console and signed webhook.
    t.clock.advance(1_000);
    await t.cnEsc.scheduler.tick();
    expect(t.hook.calls).toHaveLength(1);
    const call = t.hook.calls[0]!;
    expect(call.headers['x-hotline-signature']).toBe(webhookSignature(SECRET, call.body));
    expect(call.headers['x-hotline-event']).toBe('escalation');
    expect(JSON.parse(call.body)).toMatchObject({ type: 'hotline.notification', kind: 'escalation', level: 1, levelName: 'duty officer', repeat: 0, channel: t.channel, message: { hash: flash.hash, from: 'US', precedence: 'FLASH' } });
    const consoleEvent = t.cnEsc.events.find((e) => e.type === 'escalation') as Extract<TerminalEvent, { type: 'escalation' }>;
    expect(consoleEvent).toMatchObject({ kind: 'escalation', level: 1, message: flash.hash, contact: 'ops-room' });
    expect(consoleEvent.subject).toContain('FLASH awaiting acknowledgement: level 1 (duty officer)');

    // Another tick at the same time takes no step twice.
    await t.cnEsc.scheduler.tick();
    expect(t.hook.calls).toHaveLength(1);

    // The wait passes: level 1 again (its one repeat).
    t.clock.advance(120_000);
    await t.cnEsc.scheduler.tick();
    expect(t.hook.calls.map((c) => (JSON.parse(c.body) as { repeat: number }).repeat)).toEqual([0, 1]);
    expect(t.smtp.mails).toHaveLength(0);

    // Another wait: level 2, by e-mail, really received by the SMTP server.
    t.clock.advance(120_000);
    await t.cnEsc.scheduler.tick();
    expect(t.smtp.mails).toHaveLength(1);
    expect(t.smtp.mails[0]!.to).toEqual(['supervisor@cn.example']);
    expect(t.smtp.mails[0]!.data).toContain('level 2 (watch supervisor)');
    expect(t.smtp.mails[0]!.data).toContain('Unplanned encounter');

    // Acknowledged: level 3 never comes.
    await t.cn.acknowledge(flash.hash, { name: 'Lt Cdr Wang', title: 'Duty Officer', role: 'duty-officer' });
    await t.settle();
    t.clock.advance(3_600_000);
    await t.cnEsc.scheduler.tick();
    expect(t.smtp.mails.map((m) => m.to[0])).toEqual(['supervisor@cn.example']);

    const steps = await t.cn.store.escalations.list({ message: flash.hash });
    expect(steps.map((s) => [s.level, s.repeat, s.contact, s.via, s.outcome])).toEqual([
      [1, 0, 'ops-room', 'console', 'delivered'],
      [1, 0, 'ops-room', 'webhook', 'delivered'],
      [1, 1, 'ops-room', 'console', 'delivered'],
      [1, 1, 'ops-room', 'webhook', 'delivered'],
      [2, 0, 'supervisor', 'email', 'delivered'],
    ]);

    // The sender sees the acknowledgement with the officer who gave it and the time.
    const seen = (await t.us.getMessage(flash.hash))!;
    expect(seen.ackedAt).not.toBeNull();
    expect(JSON.parse(seen.ackedBy!)).toMatchObject({ code: 'CN', officer: { name: 'Lt Cdr Wang' } });
  });

  it('starts at receipt for FLASH when the policy says so, and a message acknowledged in time never escalates', async () => {
    const t = await setup((hook) => ({
      contacts: { 'ops-room': { webhook: { url: hook, secret: SECRET } } },
      policies: [{ startAtReceipt: ['FLASH'], levels: [{ name: 'duty officer', contacts: ['ops-room'], waitSec: 30 }] }],
    }));
    const flash = await t.us.send(t.channel, { text: 'FLASH', lang: 'en', precedence: 'FLASH' });
    const routine = await t.us.send(t.channel, { text: 'routine', lang: 'en', precedence: 'ROUTINE' });
    await t.settle();
    await t.cnEsc.scheduler.tick();
    expect(t.hook.calls.map((c) => (JSON.parse(c.body) as { message: { hash: string } }).message.hash)).toEqual([flash.hash]);
    await t.cn.acknowledge(routine.hash, { name: 'Wang', title: 'Duty Officer', role: 'duty-officer' });
    await t.settle();
    t.clock.advance(2 * 86_400_000);
    await t.cnEsc.scheduler.tick();
    expect((await t.cn.store.escalations.list({ message: routine.hash })).length).toBe(0);
  });

  it('applies changed policies to the messages already waiting, and walks a backlog by due time only', async () => {
    const t = await setup(twoLevels);
    const hook = t.hook.url;
    const atReceipt = EscalationSettings.from(
      { contacts: { 'ops-room': { webhook: { url: hook, secret: SECRET } } }, policies: [{ startAtReceipt: ['FLASH'], levels: [{ name: 'duty officer', contacts: ['ops-room'], waitSec: 30 }] }] },
      undefined,
      { smtp: true },
    );
    let current = t.settings;
    const cn = escalation(t.cn, () => current);
    cleanups.push(async () => cn.scheduler.stop());
    const flash = await t.us.send(t.channel, { text: 'FLASH under the old policy', lang: 'en', precedence: 'FLASH' });
    await t.settle();
    // Planned under the first policy: nothing before the deadline (60 s).
    await cn.scheduler.tick();
    expect(t.hook.calls).toHaveLength(0);
    expect((await t.cn.getMessage(flash.hash))?.escalationDueAt).toBe(flash.entry.time + 60_000);
    // The policy now starts FLASH at receipt: the message already held is escalated at the next tick.
    current = atReceipt;
    await cn.scheduler.tick();
    expect(t.hook.calls.map((c) => (JSON.parse(c.body) as { message: { hash: string } }).message.hash)).toEqual([flash.hash]);
    // One level only: nothing more is planned for it.
    expect(await t.cn.getMessage(flash.hash)).toMatchObject({ escalationLevel: 1, escalationDueAt: null });
    t.clock.advance(86_400_000);
    await cn.scheduler.tick();
    expect(t.hook.calls).toHaveLength(1);
  });

  it('takes a backlog falling due at once in one commit, and skips a message acknowledged after it was listed', async () => {
    const t = await setup(twoLevels);
    const atReceipt = EscalationSettings.from(
      { contacts: { 'ops-room': { webhook: { url: t.hook.url, secret: SECRET } } }, policies: [{ startAtReceipt: ['FLASH'], levels: [{ name: 'duty officer', contacts: ['ops-room'], waitSec: 30 }] }] },
      undefined,
      { smtp: true },
    );
    let current = t.settings;
    const cn = escalation(t.cn, () => current);
    cleanups.push(async () => cn.scheduler.stop());
    const sent: Array<{ hash: string }> = [];
    for (let i = 0; i < 40; i++) sent.push(await t.us.send(t.channel, { text: `FLASH ${i}`, lang: 'en', precedence: 'FLASH' }));
    await t.settle();
    await cn.scheduler.tick();
    expect(t.hook.calls).toHaveLength(0);

    // The policy changes: all 40 fall due at the next tick. One is acknowledged by an officer
    // right after the tick listed it, before its step is recorded.
    current = atReceipt;
    const store = t.cn.store;
    const transaction = vi.spyOn(store, 'transaction');
    const outside = vi.spyOn(store, 'setEscalation');
    const list = store.listEscalationsDue.bind(store);
    vi.spyOn(store, 'listEscalationsDue').mockImplementationOnce(async (at, limit) => {
      const due = await list(at, limit);
      await t.cn.acknowledge(sent[7]!.hash, { name: 'Wang', title: 'Duty Officer', role: 'duty-officer' });
      return due;
    });
    await cn.scheduler.tick();
    expect(transaction).toHaveBeenCalledTimes(1);
    expect(outside).not.toHaveBeenCalled();
    const notified = t.hook.calls.map((c) => (JSON.parse(c.body) as { message: { hash: string } }).message.hash);
    expect(notified).toHaveLength(39);
    expect(notified).not.toContain(sent[7]!.hash);
    expect(await t.cn.getMessage(sent[7]!.hash)).toMatchObject({ escalationLevel: 0 });
    expect(await t.cn.getMessage(sent[8]!.hash)).toMatchObject({ escalationLevel: 1, escalationDueAt: null });
    vi.restoreAllMocks();
  });

  it('tells the sender that its message was not acknowledged by the deadline (alarm and notifiers), once', async () => {
    const t = await setup(twoLevels);
    const flash = await t.us.send(t.channel, { text: 'Are you receiving?', lang: 'en', precedence: 'FLASH' });
    await t.settle();
    t.clock.advance(60_000);
    await t.usEsc.scheduler.tick();
    await t.usEsc.scheduler.tick();
    const alarm = t.usEsc.events.filter((e) => e.type === 'alarm' && e.code === 'ACK_OVERDUE');
    expect(alarm).toHaveLength(1);
    expect(alarm[0]).toMatchObject({ channel: t.channel });
    expect((alarm[0] as { message: string }).message).toContain(`NOT ACKNOWLEDGED by deadline: FLASH message ${flash.hash.slice(0, 12)}`);
    const steps = await t.us.store.escalations.list({ message: flash.hash });
    expect(steps.map((s) => [s.kind, s.via, s.outcome])).toEqual([
      ['overdue', 'console', 'delivered'],
      ['overdue', 'webhook', 'delivered'],
    ]);
    expect(JSON.parse(t.hook.calls[0]!.body)).toMatchObject({ kind: 'overdue', message: { hash: flash.hash, from: 'US' } });
  });

  it('records an unreachable webhook as retrying, retries with capped backoff on the clock, then records it as failed', async () => {
    const closed = await webhookReceiver();
    await closed.close(); // a port where nothing listens any more
    const t = await setup(() => ({
      contacts: { dead: { webhook: { url: closed.url, secret: SECRET } } },
      policies: [{ levels: [{ name: 'duty officer', contacts: ['dead'], waitSec: 3600 }] }],
      retry: { maxAttempts: 3, backoffSec: 10, maxBackoffSec: 15 },
    }));
    const flash = await t.us.send(t.channel, { text: 'hello?', lang: 'en', precedence: 'FLASH' });
    await t.settle();
    t.clock.advance(60_000);
    await t.cnEsc.scheduler.tick();
    let steps = await t.cn.store.escalations.list({ message: flash.hash });
    expect(steps.map((s) => [s.attempt, s.outcome])).toEqual([[1, 'retrying']]);
    expect(steps[0]!.error).toMatch(/^POST failed: ECONNREFUSED/);
    expect(t.cnEsc.dispatcher.pending()).toEqual([{ contact: 'dead', via: 'webhook', attempt: 2, dueAt: t.clock.now() + 10_000 }]);

    t.clock.advance(9_999);
    await t.cnEsc.scheduler.tick();
    expect(await t.cn.store.escalations.list({ message: flash.hash })).toHaveLength(1);
    t.clock.advance(1);
    await t.cnEsc.scheduler.tick();
    // Second failure: the next wait would be 20 s, capped at 15 s.
    expect(t.cnEsc.dispatcher.pending()[0]).toMatchObject({ attempt: 3, dueAt: t.clock.now() + 15_000 });
    t.clock.advance(15_000);
    await t.cnEsc.scheduler.tick();
    steps = await t.cn.store.escalations.list({ message: flash.hash });
    expect(steps.map((s) => [s.attempt, s.outcome])).toEqual([
      [1, 'retrying'],
      [2, 'retrying'],
      [3, 'failed'],
    ]);
    expect(t.cnEsc.dispatcher.pending()).toEqual([]);
  });

  it('retries a failed webhook on time when the clock is stepped back an hour while it waits (the wait is elapsed time)', async () => {
    const closed = await webhookReceiver();
    await closed.close();
    const t = await setup(() => ({
      contacts: { dead: { webhook: { url: closed.url, secret: SECRET } } },
      policies: [{ levels: [{ name: 'duty officer', contacts: ['dead'], waitSec: 3600 }] }],
      retry: { maxAttempts: 3, backoffSec: 10, maxBackoffSec: 15 },
    }));
    const flash = await t.us.send(t.channel, { text: 'hello?', lang: 'en', precedence: 'FLASH' });
    await t.settle();
    t.clock.advance(60_000);
    await t.cnEsc.scheduler.tick();
    expect((await t.cn.store.escalations.list({ message: flash.hash })).map((s) => s.outcome)).toEqual(['retrying']);
    t.clock.step(-3_600_000); // NTP sets a clock that was an hour ahead right
    expect(t.cnEsc.dispatcher.pending()[0]).toMatchObject({ attempt: 2, dueAt: t.clock.now() + 10_000 });
    t.clock.advance(10_000);
    await t.cnEsc.scheduler.tick();
    // Attempted again 10 s later, not an hour and 10 s later.
    expect((await t.cn.store.escalations.list({ message: flash.hash })).map((s) => [s.attempt, s.outcome])).toEqual([
      [1, 'retrying'],
      [2, 'retrying'],
    ]);
  });

  it('a webhook answering 500 is retried until it answers 2xx; retries stop when the message is acknowledged', async () => {
    const t = await setup((hook) => ({
      contacts: { hook: { webhook: { url: hook, secret: SECRET } } },
      policies: [{ levels: [{ name: 'duty officer', contacts: ['hook'], waitSec: 3600 }] }],
      retry: { maxAttempts: 5, backoffSec: 5 },
    }));
    t.hook.status = 500;
    const m1 = await t.us.send(t.channel, { text: 'one', lang: 'en', precedence: 'FLASH' });
    await t.settle();
    t.clock.advance(60_000);
    await t.cnEsc.scheduler.tick();
    t.hook.status = 200;
    t.clock.advance(5_000);
    await t.cnEsc.scheduler.tick();
    expect((await t.cn.store.escalations.list({ message: m1.hash })).map((s) => [s.outcome, s.error])).toEqual([
      ['retrying', 'HTTP 500 Internal Server Error'],
      ['delivered', null],
    ]);

    t.hook.status = 500;
    const m2 = await t.us.send(t.channel, { text: 'two', lang: 'en', precedence: 'FLASH' });
    await t.settle();
    t.clock.advance(60_000);
    await t.cnEsc.scheduler.tick();
    await t.cn.acknowledge(m2.hash, { name: 'Wang', title: 'Duty Officer', role: 'duty-officer' });
    await t.settle();
    t.clock.advance(5_000);
    await t.cnEsc.scheduler.tick();
    expect((await t.cn.store.escalations.list({ message: m2.hash })).map((s) => s.outcome)).toEqual(['retrying', 'cancelled']);
  });

  it('resolves "duty-officer" through the roster to whoever is on watch now, and records a failure when nobody is', async () => {
    const roster = {
      officers: {
        'lt-chen': { name: 'Lt Chen', email: 'chen@cn.example' },
        'lt-li': { name: 'Lt Li', email: 'li@cn.example' },
        'cdr-zhao': { name: 'Cdr Zhao', email: 'zhao@cn.example' },
      },
      shifts: [
        { officer: 'lt-chen', role: 'duty-officer', daily: { from: '00:00', to: '12:00' } },
        { officer: 'lt-li', role: 'duty-officer', daily: { from: '12:00', to: '00:00' } },
        { officer: 'cdr-zhao', role: 'watch-supervisor', start: '2026-01-02T00:00:00Z', end: '2026-01-03T00:00:00Z' },
      ],
    };
    const t = await setup(() => ({ policies: [{ levels: [{ name: 'duty officer', contacts: ['duty-officer'], waitSec: 60 }, { name: 'watch supervisor', contacts: ['watch-supervisor'], waitSec: 60 }] }] }), roster);
    expect(t.settings.onWatch(t.clock.now(), t.channel).map((w) => w.officer)).toEqual(['lt-chen']);
    const m = await t.us.send(t.channel, { text: 'x', lang: 'en', precedence: 'FLASH' });
    await t.settle();
    t.clock.advance(60_000);
    await t.cnEsc.scheduler.tick();
    t.clock.advance(60_000);
    await t.cnEsc.scheduler.tick();
    expect(t.smtp.mails.map((x) => x.to[0])).toEqual(['chen@cn.example']);
    const steps = await t.cn.store.escalations.list({ message: m.hash });
    expect(steps.map((s) => [s.level, s.contact, s.via, s.outcome])).toEqual([
      [1, 'lt-chen', 'email', 'delivered'],
      [2, 'watch-supervisor', 'none', 'failed'],
    ]);
    expect(steps[1]!.error).toContain('nobody is on watch as watch-supervisor');
    // In the afternoon, Lt Li has the watch.
    expect(t.settings.onWatch(t.clock.now() + 13 * 3_600_000, t.channel).map((w) => w.name)).toEqual(['Lt Li']);
  });

  it('delivers link alarms through the same notifiers: down, then up again', async () => {
    const t = await setup(twoLevels);
    const alarm = (code: string) => t.cn.events.emit({ type: 'alarm', code, message: `Link tests with US on channel x: ${code}`, channel: t.channel, peer: t.us.self.party } satisfies TerminalEvent);
    alarm('LINK_TEST_UP'); // at start-up: news to nobody
    alarm('LINK_TEST_DOWN');
    await t.cnEsc.scheduler.idle();
    alarm('LINK_TEST_UP');
    await t.cnEsc.scheduler.idle();
    const codes = t.hook.calls.map((c) => (JSON.parse(c.body) as { alarm: { code: string } }).alarm.code);
    expect(codes).toEqual(['LINK_TEST_DOWN', 'LINK_TEST_UP']);
    const steps = await t.cn.store.escalations.list({ channel: t.channel });
    expect(steps.every((s) => s.kind === 'alarm' && s.outcome === 'delivered')).toBe(true);
  });
  it('delivers a link alarm, which names a peer and no channel, by the policy set for the channels shared with that peer', async () => {
    const t = await pairWithChannel({ FLASH: 60 });
    cleanups.push(t.cleanup);
    const hook = await webhookReceiver();
    cleanups.push(hook.close);
    // The policy written for this channel only (as `hotline escalation set CHANNEL` writes it): no "*" policy.
    const base = twoLevels(hook.url);
    const settings = EscalationSettings.from({ ...base, policies: [{ ...base.policies[0]!, channel: t.channel }] }, undefined, { smtp: true });
    expect(settings.policyFor(undefined, 'US').levels[0]!.contacts).toEqual(['console']);
    const cn = escalation(t.cn, () => settings);
    t.cn.events.emit({ type: 'alarm', code: 'LINK_DOWN', message: 'Link to US is down', peer: t.us.self.party } satisfies TerminalEvent);
    await cn.scheduler.idle();
    expect(hook.calls.map((c) => (JSON.parse(c.body) as { alarm: { code: string } }).alarm.code)).toEqual(['LINK_DOWN']);
  });

  it('tells an outage once, however often the link retries meanwhile, and a change of level', async () => {
    const t = await setup(twoLevels);
    const alarm = (code: string, channel?: string) => t.cn.events.emit({ type: 'alarm', code, message: `Link to US: ${code}`, ...(channel ? { channel } : {}), peer: t.us.self.party } satisfies TerminalEvent);
    // What a peer link emits while the peer cannot be reached: down, then each attempt connecting and down again.
    for (const code of ['LINK_DOWN', 'LINK_CONNECTING', 'LINK_DOWN', 'LINK_CONNECTING', 'LINK_DOWN', 'LINK_CONNECTING', 'LINK_DOWN', 'LINK_UP']) {
      alarm(code);
      await t.cnEsc.scheduler.idle();
    }
    // The link tests of a channel: degraded, then down (told), down again (not), up.
    for (const code of ['LINK_TEST_DEGRADED', 'LINK_TEST_DOWN', 'LINK_TEST_DOWN', 'LINK_TEST_UP']) {
      alarm(code, t.channel);
      await t.cnEsc.scheduler.idle();
    }
    // A second outage is told again.
    alarm('LINK_DOWN');
    await t.cnEsc.scheduler.idle();
    const codes = t.hook.calls.map((c) => (JSON.parse(c.body) as { alarm: { code: string } }).alarm.code);
    expect(codes).toEqual(['LINK_DOWN', 'LINK_UP', 'LINK_TEST_DEGRADED', 'LINK_TEST_DOWN', 'LINK_TEST_UP', 'LINK_DOWN']);
  });
});

describe('escalation configuration', () => {
  const load = (escalationJson: unknown, roster?: unknown, smtp = true) => () => EscalationSettings.from(escalationJson, roster, { smtp });
  const level = { name: 'duty officer', contacts: ['ops'], waitSec: 60 };
  const contacts = { ops: { console: true } };

  it('names the field of an unknown contact, an invalid wait, a policy with no levels and a bad webhook URL', () => {
    expect(load({ contacts, policies: [{ levels: [{ ...level, contacts: ['nobody'] }] }] })).toThrow(/escalation\.json: policies\[0\]\.levels\[0\]\.contacts\[0\]: unknown contact "nobody"/);
    expect(load({ contacts, policies: [{ levels: [level, { ...level, waitSec: 0 }] }] })).toThrow(/escalation\.json: policies\[0\]\.levels\[1\]\.waitSec: invalid wait 0/);
    expect(load({ contacts, policies: [{ levels: [{ ...level, waitSec: '5m' }] }] })).toThrow(/policies\[0\]\.levels\[0\]\.waitSec: invalid wait "5m"/);
    expect(load({ contacts, policies: [{ levels: [] }] })).toThrow(/policies\[0\]\.levels: the policy has no levels/);
    // A channel selector is "*" or an id prefix of at least 4 hex digits (files written before 6 was the rule elsewhere keep working).
    expect(load({ contacts, policies: [{ channel: 'abc', levels: [level] }] })).toThrow(/policies\[0\]\.channel/);
    expect(load({ contacts, policies: [{ channel: 'abcd', levels: [level] }] })).not.toThrow();
    expect(load({ contacts, policies: [{ channel: 'abcdef', levels: [level] }] })).not.toThrow();
    expect(load({ contacts: { ops: { webhook: { url: 'not a url', secret: SECRET } } }, policies: [{ levels: [level] }] })).toThrow(/contacts\.ops\.webhook\.url: bad webhook URL "not a url"/);
    expect(load({ contacts: { ops: { webhook: { url: 'ftp://x.example/', secret: SECRET } } }, policies: [{ levels: [level] }] })).toThrow(/bad webhook URL/);
    expect(load({ contacts: { ops: {} }, policies: [{ levels: [level] }] })).toThrow(/contacts\.ops: no way to reach this contact/);
    expect(load({ contacts: { ops: { email: 'ops@example.org' } }, policies: [{ levels: [level] }] }, undefined, false)).toThrow(/contacts\.ops\.email: e-mail needs an SMTP server/);
    expect(load({ contacts, policies: [{ levels: [level], overdue: ['ghost'] }] })).toThrow(/policies\[0\]\.overdue\[0\]: unknown contact "ghost"/);
    expect(load({ contacts, policies: [{ levels: [level], colour: 'red' }] })).toThrow(/policies\[0\]: unknown field "colour"/);
  });

  it('checks the roster: unknown officer, bad times, a shift that ends before it starts', () => {
    const roster = (shift: object) => ({ officers: { chen: { name: 'Lt Chen', console: true } }, shifts: [{ officer: 'chen', role: 'duty-officer', ...shift }] });
    expect(load({ contacts, policies: [] }, roster({ officer: 'wang', daily: { from: '08:00', to: '20:00' } }))).toThrow(/roster\.json: shifts\[0\]\.officer: unknown officer "wang"/);
    expect(load({ contacts, policies: [] }, roster({ daily: { from: '8am', to: '20:00' } }))).toThrow(/roster\.json: shifts\[0\]\.daily\.from/);
    expect(load({ contacts, policies: [] }, roster({ start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }))).toThrow(/shifts\[0\]\.end: the shift ends/);
    expect(load({ contacts, policies: [] }, roster({}))).toThrow(/shifts\[0\]: a shift needs "start" and "end"/);
  });

  it('picks the most specific policy: channel and party, then channel, then party, then "*"', () => {
    const s = EscalationSettings.from(
      {
        contacts,
        policies: [
          { levels: [{ ...level, name: 'any' }] },
          { party: 'CN', levels: [{ ...level, name: 'party' }] },
          { channel: 'abcdef', levels: [{ ...level, name: 'channel' }] },
          { channel: 'abcdef', party: 'CN', levels: [{ ...level, name: 'both' }] },
        ],
      },
      undefined,
      { smtp: false },
    );
    expect(s.policyFor('abcdef01', 'CN').levels[0]!.name).toBe('both');
    expect(s.policyFor('abcdef01', 'RU').levels[0]!.name).toBe('channel');
    expect(s.policyFor('ffff00', 'CN').levels[0]!.name).toBe('party');
    expect(s.policyFor('ffff00', 'RU').levels[0]!.name).toBe('any');
    expect(EscalationSettings.defaults().policyFor('ffff00', 'RU').levels[0]!.contacts).toEqual(['console']);
  });
});

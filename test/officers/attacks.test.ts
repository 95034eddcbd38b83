/**
 * Attacks on the officer API, as tests: brute force, CSRF, session fixation, reuse after
 * sign-out, idle and absolute expiry (by the injected clock, no sleeping), TOTP replay,
 * impersonation inside signed entries, precedence above a role's cap, and audit-log tampering.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseEntry } from '../../src/protocol/index.js';
import type { Store } from '../../src/store/index.js';
import { SESSION_COOKIE } from '../../src/terminal/officer-api/auth.js';
import { verifyAudit } from '../../src/terminal/officers/audit-chain.js';
import { WebSocket } from 'ws';
import { TOKEN, cookieOf, officerFixture, type OfficerFixture } from './fixture.js';
import { dribble, within } from '../slow-clients.js';

let f: OfficerFixture | undefined;

/** The stored entry with this hash (the store has no index on hashes: a scan, fine in a test). */
const rawEntry = async (store: Store, channel: string, hash: string) => (await store.listEntries(channel)).find((e) => e.hash === hash);
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const login = (fx: OfficerFixture, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fx.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });

describe('sign-in', () => {
  it('requires the second factor for roles that send or sign, and accepts a password alone only for observers', async () => {
    f = await officerFixture();
    const duty = await f.add('Cdr Smith', ['duty-officer']);
    const obs = await f.add('Ms Watcher', ['observer']);
    const noCode = await login(f, { name: 'Cdr Smith', password: duty.password });
    expect(noCode.statusCode).toBe(401);
    expect(noCode.json()).toMatchObject({ code: 'AUTH_FAILED' });
    expect((await login(f, { name: 'Ms Watcher', password: obs.password })).statusCode).toBe(200);
    const ok = await login(f, { name: 'Cdr Smith', password: duty.password, totp: await f.totp(duty.totpSecret) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ officer: { name: 'Cdr Smith' }, secondFactor: 'totp' });
    const c = ok.cookies.find((x) => x.name === SESSION_COOKIE)!;
    expect(c).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
  });

  it('refuses a TOTP code used once already (replay within its window)', async () => {
    f = await officerFixture();
    const duty = await f.add('Cdr Smith', ['duty-officer']);
    const code = await f.totp(duty.totpSecret);
    expect((await login(f, { name: 'Cdr Smith', password: duty.password, totp: code })).statusCode).toBe(200);
    const replay = await login(f, { name: 'Cdr Smith', password: duty.password, totp: code });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('AUTH_FAILED');
  });

  it('locks a name out after 5 failures with a message saying when to retry, also for the right password, until the lockout ends', async () => {
    f = await officerFixture();
    const duty = await f.add('Cdr Smith', ['duty-officer']);
    for (let i = 1; i <= 4; i++) {
      const r = await login(f, { name: 'Cdr Smith', password: `guess-${i}`, totp: '000000' });
      expect(r.statusCode).toBe(401);
      expect(r.json().message).toContain(`${5 - i} attempt(s) left`);
    }
    const fifth = await login(f, { name: 'Cdr Smith', password: 'guess-5', totp: '000000' });
    expect(fifth.statusCode).toBe(429);
    expect(fifth.json()).toMatchObject({ code: 'AUTH_LOCKED_OUT' });
    expect(fifth.json().message).toMatch(/locked until \d{4}-\d\d-\d\dT.*\(15 min from now\)/);
    const right = await login(f, { name: 'Cdr Smith', password: duty.password, totp: await f.totp(duty.totpSecret) });
    expect(right.statusCode).toBe(429);
    f.t.clock.advance(15 * 60_000);
    expect((await login(f, { name: 'Cdr Smith', password: duty.password, totp: await f.totp(duty.totpSecret) })).statusCode).toBe(200);
    const audit = await f.officers.audit.export();
    expect(audit).toContain('"action":"auth.login.failed"');
    expect(audit).toContain('"action":"auth.login.locked"');
  });

  it('lets an admin lift a lockout at once (officer unlock): the same password and code work again, an observer may not, and it is audited', async () => {
    f = await officerFixture();
    const duty = await f.add('Cdr Smith', ['duty-officer']);
    const obs = await f.add('Ms Watcher', ['observer']);
    for (let i = 1; i <= 5; i++) await login(f, { name: 'Cdr Smith', password: `guess-${i}`, totp: '000000' });
    const locked = await login(f, { name: 'Cdr Smith', password: duty.password, totp: await f.totp(duty.totpSecret) });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().message).toContain('hotline officer unlock "Cdr Smith"');
    // An observer's session may not unlock anyone.
    const watcher = await f.login('Ms Watcher', obs);
    expect((await watcher.call('POST', '/api/v1/officers/Cdr%20Smith/unlock')).statusCode).toBe(403);
    // The host credential (an admin's CLI) may: nothing else changes.
    const r = await f.host('POST', '/api/v1/officers/Cdr%20Smith/unlock');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ name: 'Cdr Smith', wasLockedUntil: expect.any(Number) });
    f.t.clock.advance(30_000); // a fresh TOTP step: each code is good once
    expect((await login(f, { name: 'Cdr Smith', password: duty.password, totp: await f.totp(duty.totpSecret) })).statusCode).toBe(200);
    expect(await f.officers.audit.export()).toContain('"action":"officer.unlock"');
    expect((await f.host('POST', '/api/v1/officers/Nobody/unlock')).json()).toMatchObject({ code: 'OFFICER_NOT_FOUND' });
  });

  it('counts failures for unknown names too, so probing names reveals nothing', async () => {
    f = await officerFixture();
    const r = await login(f, { name: 'Nobody', password: 'x', totp: '123456' });
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('AUTH_FAILED');
  });

  it('rate-limits sign-in attempts per address', async () => {
    f = await officerFixture({}, { loginRateLimit: 3 });
    for (let i = 0; i < 3; i++) await login(f, { name: `n${i}`, password: 'x' });
    const r = await login(f, { name: 'n9', password: 'x' });
    expect(r.statusCode).toBe(429);
    expect(r.json().code).toBe('AUTH_RATE_LIMITED');
  });
});

describe('sessions', () => {
  it('refuses a cookie-authenticated state change without the CSRF token (or with a wrong one)', async () => {
    f = await officerFixture();
    const duty = await f.login('Cdr Smith', await f.add('Cdr Smith', ['duty-officer']));
    const none = await duty.call('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'hi' }, { csrf: false });
    expect(none.statusCode).toBe(403);
    expect(none.json().code).toBe('AUTH_CSRF');
    const wrong = await duty.call('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'hi' }, { csrf: 'forged' });
    expect(wrong.json().code).toBe('AUTH_CSRF');
    expect((await duty.call('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'hi' })).statusCode).toBe(201);
    // Reads need no token.
    expect((await duty.call('GET', `/api/v1/channels/${f.channel}`, undefined, { csrf: false })).statusCode).toBe(200);
  });

  it('never adopts a session id the browser brought (fixation) and ends a live one it replaces', async () => {
    f = await officerFixture();
    const creds = await f.add('Cdr Smith', ['duty-officer']);
    const planted = 'attacker-chosen-session-id';
    const res = await login(f, { name: 'Cdr Smith', password: creds.password, totp: await f.totp(creds.totpSecret) }, { cookie: `${SESSION_COOKIE}=${planted}` });
    expect(res.statusCode).toBe(200);
    const issued = cookieOf(res)!;
    expect(issued).not.toBe(planted);
    expect(issued.length).toBeGreaterThanOrEqual(43);
    const withPlanted = await f.app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie: `${SESSION_COOKIE}=${planted}` } });
    expect(withPlanted.statusCode).toBe(401);
    expect(withPlanted.json().code).toBe('AUTH_REQUIRED');
    // Signing in again from a browser with a live session ends that session.
    f.t.clock.advance(30_000);
    const again = await login(f, { name: 'Cdr Smith', password: creds.password, totp: await f.totp(creds.totpSecret) }, { cookie: `${SESSION_COOKIE}=${issued}` });
    expect(cookieOf(again)).not.toBe(issued);
    const old = await f.app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie: `${SESSION_COOKIE}=${issued}` } });
    expect(old.json().code).toBe('AUTH_SESSION_ENDED');
  });

  it('refuses a session id after sign-out', async () => {
    f = await officerFixture();
    const duty = await f.login('Cdr Smith', await f.add('Cdr Smith', ['duty-officer']));
    expect((await duty.call('GET', '/api/v1/auth/session')).statusCode).toBe(200);
    const out = await duty.call('POST', '/api/v1/auth/logout');
    expect(out.statusCode).toBe(200);
    const reuse = await duty.call('GET', `/api/v1/channels/${f.channel}`);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().code).toBe('AUTH_SESSION_ENDED');
  });

  it('ends a session after 15 idle minutes, measured by the injected clock', async () => {
    f = await officerFixture();
    const duty = await f.login('Cdr Smith', await f.add('Cdr Smith', ['duty-officer']));
    f.t.clock.advance(14 * 60_000);
    expect((await duty.call('GET', '/api/v1/auth/session')).statusCode).toBe(200); // activity restarts the idle clock
    f.t.clock.advance(14 * 60_000);
    expect((await duty.call('GET', '/api/v1/auth/session')).statusCode).toBe(200);
    f.t.clock.advance(15 * 60_000);
    const idle = await duty.call('GET', '/api/v1/auth/session');
    expect(idle.statusCode).toBe(401);
    expect(idle.json()).toMatchObject({ code: 'AUTH_SESSION_EXPIRED' });
    expect(idle.json().message).toContain('15 min without activity');
  });

  it('ends a session 12 hours after sign-in however active it is', async () => {
    f = await officerFixture();
    const duty = await f.login('Cdr Smith', await f.add('Cdr Smith', ['duty-officer']));
    for (let i = 0; i < 60; i++) {
      f.t.clock.advance(14 * 60_000);
      const r = await duty.call('GET', '/api/v1/auth/session');
      if (r.statusCode !== 200) {
        expect(r.json()).toMatchObject({ code: 'AUTH_SESSION_EXPIRED' });
        expect(r.json().message).toContain('12 h after sign-in');
        return;
      }
    }
    f.t.clock.advance(15 * 60_000);
    throw new Error('the session outlived its absolute timeout');
  });

  it('lists own sessions and revokes one; disabling an officer ends their sessions', async () => {
    f = await officerFixture();
    const creds = await f.add('Cdr Smith', ['duty-officer']);
    const one = await f.login('Cdr Smith', creds);
    const two = await f.login('Cdr Smith', creds);
    const list = (await one.call('GET', '/api/v1/auth/sessions')).json() as Array<{ id: string; active: boolean }>;
    expect(list.filter((s) => s.active)).toHaveLength(2);
    const other = list.find((s) => s.active)!; // newest first: session two
    expect((await one.call('POST', `/api/v1/auth/sessions/${other.id}/revoke`)).statusCode).toBe(200);
    expect((await two.call('GET', '/api/v1/auth/session')).statusCode).toBe(401);
    expect((await f.host('POST', '/api/v1/officers/Cdr%20Smith/disable')).statusCode).toBe(200);
    expect((await one.call('GET', '/api/v1/auth/session')).json().code).toBe('AUTH_SESSION_ENDED');
  });
});

describe('who speaks inside signed entries', () => {
  it('signs messages and acknowledgements with the officer\'s published name, title and role, never what the client claims', async () => {
    f = await officerFixture();
    const duty = await f.login('Cdr Smith', await f.add('Cdr Smith', ['duty-officer']));
    const sent = await duty.call('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'from the watch', precedence: 'IMMEDIATE' });
    expect(sent.statusCode).toBe(201);
    const raw = (await rawEntry(f.t.a.store, f.channel, sent.json().id))!.raw;
    const parsed = parseEntry(raw);
    expect(parsed.ok && parsed.sealed.entry.body).toMatchObject({ from: { name: 'Cdr Smith', title: 'Cdr Smith title', role: 'duty-officer' } });
    expect(raw).not.toContain('127.0.0.1');
    const forged = await duty.call('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'x', from: { name: 'The Minister', title: 'Minister', role: 'principal' } });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().message).toContain('officer.impersonate');
    const ack = await duty.call('POST', `/api/v1/messages/${f.cnMessage}/ack`, {});
    expect(ack.statusCode).toBe(201);
    const ackRaw = (await rawEntry(f.t.a.store, f.channel, ack.json().id))!.raw;
    expect(ackRaw).toContain('"officer":{"name":"Cdr Smith","role":"duty-officer","title":"Cdr Smith title"}');
    // The session and address are in the local audit log only.
    const sends = (await f.t.a.store.officers.listAudit()).filter((r) => r.action === 'message.send').map((r) => JSON.parse(r.detail) as Record<string, unknown>);
    expect(sends[0]).toMatchObject({ ip: '127.0.0.1', session: expect.stringMatching(/^[0-9a-f]{16}$/), status: 201, role: 'duty-officer', id: sent.json().id });
    expect(sends[1]).toMatchObject({ status: 403 }); // refusals are recorded too
    expect(sends).toHaveLength(2); // one record per request: the one committed with the entry is not written again
    const acks = (await f.t.a.store.officers.listAudit()).filter((r) => r.action === 'message.ack').map((r) => JSON.parse(r.detail) as Record<string, unknown>);
    expect(acks).toEqual([expect.objectContaining({ status: 201, id: ack.json().id, message: f.cnMessage, session: expect.stringMatching(/^[0-9a-f]{16}$/) })]);
    expect((await f.officers.audit.verify()).ok).toBe(true);
  });

  it('caps a duty officer at IMMEDIATE and lets a principal send FLASH', async () => {
    f = await officerFixture();
    const duty = await f.login('Cdr Smith', await f.add('Cdr Smith', ['duty-officer']));
    const flash = await duty.call('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'x', precedence: 'FLASH' });
    expect(flash.statusCode).toBe(403);
    expect(flash.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect(flash.json().message).toContain('"message.send:FLASH"');
    const principal = await f.login('Minister', await f.add('Minister', ['principal']));
    expect((await principal.call('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'x', precedence: 'FLASH' })).statusCode).toBe(201);
  });

  it('holds a batch to the same rules, message by message: the signed sender, the most urgent precedence, all or nothing, one audit record', async () => {
    f = await officerFixture();
    const duty = await f.login('Cdr Smith', await f.add('Cdr Smith', ['duty-officer']));
    const url = `/api/v1/channels/${f.channel}/messages/batch`;
    const before = await f.t.a.store.listMessages(f.channel);
    // One FLASH among ROUTINE ones: the duty officer's cap refuses the whole batch.
    const capped = await duty.call('POST', url, { messages: [{ text: 'a' }, { text: 'b', precedence: 'FLASH' }, { text: 'c' }] });
    expect(capped.statusCode).toBe(403);
    expect(capped.json().message).toContain('"message.send:FLASH"');
    // A claimed sender, at the batch or in a message, is never what gets signed.
    const forged = await duty.call('POST', url, { from: { name: 'The Minister', title: 'Minister', role: 'principal' }, messages: [{ text: 'x' }] });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().message).toContain('officer.impersonate');
    // A reply to something that is not a message of the channel: nothing of the batch is sent.
    const badRef = await duty.call('POST', url, { messages: [{ text: 'fine' }, { text: 'answer', replyTo: 'ab'.repeat(32) }] });
    expect(badRef.statusCode).toBe(400);
    expect(badRef.json().message).toContain('Message 2 of the batch');
    expect(await f.t.a.store.listMessages(f.channel)).toHaveLength(before.length);

    // A sender claimed inside a message is a member the API does not know: refused, nothing sent (#14 D10).
    const claimed = await duty.call('POST', url, { messages: [{ text: 'one' }, { text: 'two', from: { name: 'The Minister', title: 'Minister', role: 'principal' } }] });
    expect(claimed.statusCode).toBe(400);
    expect(claimed.json().message).toMatch(/unknown field "messages\.1\.from"/);
    expect(await f.t.a.store.listMessages(f.channel)).toHaveLength(before.length);

    const ok = await duty.call('POST', url, { messages: [{ text: 'one', precedence: 'IMMEDIATE' }, { text: 'two' }, { text: 'three', lang: 'fr', replyTo: f.cnMessage }] });
    expect(ok.statusCode).toBe(201);
    const made = ok.json().messages as Array<{ id: string; seq: number }>;
    expect(made).toHaveLength(3);
    expect(made.map((m) => m.seq)).toEqual([made[0]!.seq, made[0]!.seq + 1, made[0]!.seq + 2]);
    const bodies = await Promise.all(made.map(async (m) => {
      const parsed = parseEntry((await rawEntry(f!.t.a.store, f!.channel, m.id))!.raw);
      return parsed.ok ? parsed.sealed.entry.body : undefined;
    }));
    expect(bodies).toEqual([
      expect.objectContaining({ text: 'one', precedence: 'IMMEDIATE', from: { name: 'Cdr Smith', title: 'Cdr Smith title', role: 'duty-officer' } }),
      expect.objectContaining({ text: 'two', precedence: 'ROUTINE', from: { name: 'Cdr Smith', title: 'Cdr Smith title', role: 'duty-officer' } }),
      expect.objectContaining({ text: 'three', lang: 'fr', replyTo: f.cnMessage }),
    ]);
    // The peer gets them like any other messages.
    await f.t.settle();
    expect((await f.t.b.store.listMessages(f.channel)).map((m) => m.text)).toEqual(expect.arrayContaining(['one', 'two', 'three']));
    const sends = (await f.t.a.store.officers.listAudit()).filter((r) => r.action === 'message.send').map((r) => JSON.parse(r.detail) as Record<string, unknown>);
    expect(sends.map((r) => r.status)).toEqual([403, 403, 400, 201]);
    expect(sends[3]).toMatchObject({ route: '/api/v1/channels/:id/messages/batch', count: 3, first: made[0]!.id, last: made[2]!.id, role: 'duty-officer' });
    expect((await f.officers.audit.verify()).ok).toBe(true);
  });

  it('the host credential may act as a named officer (CLI --officer), whose name then goes in the entry', async () => {
    f = await officerFixture();
    await f.add('Cdr Smith', ['duty-officer']);
    const r = await f.host('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'via CLI' }, { 'x-hotline-officer': 'Cdr Smith' });
    expect(r.statusCode).toBe(201);
    expect((await rawEntry(f.t.a.store, f.channel, r.json().id))!.raw).toContain('"from":{"name":"Cdr Smith"');
    const observer = await f.add('Ms Watcher', ['observer']);
    void observer;
    const denied = await f.host('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'x' }, { 'x-hotline-officer': 'Ms Watcher' });
    expect(denied.statusCode).toBe(403);
  });
});

describe('audit log', () => {
  it('verifies, and detects an altered, removed or reordered record', async () => {
    f = await officerFixture();
    const duty = await f.login('Cdr Smith', await f.add('Cdr Smith', ['duty-officer']));
    await duty.call('POST', `/api/v1/channels/${f.channel}/messages`, { text: 'one' });
    await duty.call('POST', '/api/v1/auth/logout');
    const verdict = await f.host('GET', '/api/v1/audit/verify');
    expect(verdict.json()).toMatchObject({ ok: true });
    const rows = (await f.t.a.store.officers.listAudit()).map((r) => ({ ...r }));
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['officer.add', 'auth.login', 'message.send', 'auth.logout']));
    const altered = rows.map((r, i) => (i === 1 ? { ...r, detail: '{"tampered":true}' } : r));
    expect(verifyAudit(altered)).toMatchObject({ ok: false, seq: 2 });
    expect(verifyAudit(altered).ok === false && verifyAudit(altered)).toMatchObject({ problem: expect.stringContaining('altered') });
    expect(verifyAudit(rows.filter((_, i) => i !== 1))).toMatchObject({ ok: false, seq: 3 });
    expect(verifyAudit([rows[0]!, rows[2]!, rows[1]!, ...rows.slice(3)])).toMatchObject({ ok: false });
    // A forger who recomputes the hash of the altered record still breaks the next link.
    const { auditHash } = await import('../../src/terminal/officers/audit-chain.js');
    const rehashed = altered.map((r, i) => (i === 1 ? { ...r, hash: auditHash(r) } : r));
    expect(verifyAudit(rehashed)).toMatchObject({ ok: false, seq: 3 });
  });
});

describe('shutdown', () => {
  it('closes within seconds while a client dribbles its headers and another its body; open WebSockets hear 1001', async () => {
    f = await officerFixture();
    const url = await f.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(url);
    const net = await import('node:net');
    const open = (): import('node:net').Socket => {
      const s = net.connect(Number(port), '127.0.0.1');
      s.on('error', () => undefined);
      return s;
    };
    const headers = open();
    const body = open();
    const closed = [headers, body].map((s) => new Promise((resolve) => s.once('close', resolve)));
    body.write(`POST /api/v1/channels/${f.channel}/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
    const drips = [dribble(headers, 'GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Padding: ' + 'a'.repeat(1000), 50), dribble(body, ' '.repeat(100_000), 50)];
    const events = new WebSocket(`ws://127.0.0.1:${port}/api/v1/events`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await new Promise((resolve, reject) => events.once('open', resolve).once('error', reject));
    const eventsClosed = new Promise((resolve) => events.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      await within(f.app.close(), 8_000, 'the officer API did not close within 8 s');
      expect(Date.now() - t0).toBeLessThan(5_000);
      await Promise.all(closed);
      // A console's event socket open meanwhile was told the terminal is going away (1001), not cut.
      expect(await eventsClosed).toEqual({ code: 1001, reason: 'terminal stopping' });
    } finally {
      for (const d of drips) d.stop();
      headers.destroy();
      body.destroy();
    }
  });
});

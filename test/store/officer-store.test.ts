/**
 * The OfficerStore contract (store.officers), one body for SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import type { AuditRow, OfficerRow, SessionRow } from '../../src/store/index.js';
import { BACKENDS, useStore } from './backends.js';

function officer(over: Partial<OfficerRow> = {}): OfficerRow {
  return {
    id: `o-${Math.random().toString(36).slice(2)}`,
    name: 'Cdr Smith',
    title: 'Duty Officer',
    roles: { terminal: ['duty-officer'], channels: { abcd: 'principal' } },
    disabled: false,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    totpLastStep: null,
    createdAt: 1000,
    updatedAt: 1000,
    ...over,
  };
}

function session(over: Partial<SessionRow> = {}): SessionRow {
  return { idHash: 'aa'.repeat(32), officer: 'o1', csrfHash: 'bb'.repeat(32), secondFactor: 'totp', createdAt: 10, lastSeenAt: 10, expiresAt: 1000, revokedAt: null, ip: '127.0.0.1', userAgent: 'test', ...over };
}

const chain = (action: string) => (last: AuditRow | undefined): AuditRow => ({
  seq: (last?.seq ?? 0) + 1,
  at: 5,
  actor: 'admin',
  action,
  detail: '{}',
  prevHash: last?.hash ?? '',
  hash: `${last?.hash ?? ''}>${action}`,
});

describe.each(BACKENDS)('officer store on $name', (backend) => {
  const ctx = useStore(backend);

  it('adds, finds, lists and updates officers; a taken name writes nothing', async () => {
    const s = ctx.store.officers;
    const a = officer();
    expect(await s.hasEnabledOfficer()).toBe(false);
    expect(await s.addOfficer(a)).toBe(true);
    expect(await s.hasEnabledOfficer()).toBe(true);
    expect(await s.addOfficer(officer({ id: 'other', title: 'Impostor' }))).toBe(false);
    await s.addOfficer(officer({ id: 'o-b', name: 'Amb Lee', totpSecret: null, disabled: true }));
    expect(await s.hasEnabledOfficer()).toBe(true);
    expect(await s.getOfficer(a.id)).toEqual(a);
    expect(await s.getOfficerByName('Cdr Smith')).toEqual(a);
    expect((await s.listOfficers()).map((o) => o.name)).toEqual(['Amb Lee', 'Cdr Smith']);
    expect(await s.updateOfficer(a.id, { disabled: true, roles: { terminal: ['observer'], channels: {} }, updatedAt: 2000 })).toBe(true);
    expect(await s.hasEnabledOfficer()).toBe(false);
    expect(await s.getOfficer(a.id)).toMatchObject({ disabled: true, roles: { terminal: ['observer'], channels: {} }, updatedAt: 2000, title: 'Duty Officer' });
    expect(await s.updateOfficer('nobody', { updatedAt: 1 })).toBe(false);
  });

  it('accepts each TOTP time step once, and only newer ones', async () => {
    const s = ctx.store.officers;
    const a = officer();
    await s.addOfficer(a);
    expect(await s.useTotpStep(a.id, 100)).toBe(true);
    expect(await s.useTotpStep(a.id, 100)).toBe(false);
    expect(await s.useTotpStep(a.id, 99)).toBe(false);
    expect(await s.useTotpStep(a.id, 101)).toBe(true);
  });

  it('keeps WebAuthn credentials per officer and their counters', async () => {
    const s = ctx.store.officers;
    await s.addCredential({ id: 'cred1', officer: 'o1', publicKey: 'pk', counter: 0, transports: ['usb'], createdAt: 1, lastUsedAt: null });
    await s.useCredential('cred1', 7, 9);
    expect(await s.listCredentials('o1')).toEqual([{ id: 'cred1', officer: 'o1', publicKey: 'pk', counter: 7, transports: ['usb'], createdAt: 1, lastUsedAt: 9 }]);
    expect(await s.deleteCredentials('o1')).toBe(1);
    expect(await s.listCredentials('o1')).toEqual([]);
  });

  it('creates, touches, lists and revokes sessions', async () => {
    const s = ctx.store.officers;
    await s.createSession(session());
    await s.createSession(session({ idHash: 'cc'.repeat(32), createdAt: 20, lastSeenAt: 20 }));
    await s.createSession(session({ idHash: 'dd'.repeat(32), officer: 'o2' }));
    await s.touchSession('aa'.repeat(32), 50);
    await s.touchSession('aa'.repeat(32), 40); // never moves back
    expect((await s.getSession('aa'.repeat(32)))?.lastSeenAt).toBe(50);
    expect((await s.listSessions({ officer: 'o1' })).map((x) => x.idHash)).toEqual(['cc'.repeat(32), 'aa'.repeat(32)]);
    expect(await s.revokeSession('aa'.repeat(32), 60)).toBe(true);
    expect(await s.revokeSession('aa'.repeat(32), 61)).toBe(false);
    expect(await s.revokeOfficerSessions('o1', 70)).toBe(1);
    expect((await s.listSessions()).filter((x) => x.revokedAt === null).map((x) => x.officer)).toEqual(['o2']);
  });

  it('counts login failures per name and clears them', async () => {
    const s = ctx.store.officers;
    expect(await s.getLoginFailures('x')).toBeUndefined();
    await s.putLoginFailures({ name: 'x', failures: 1, lastFailureAt: 5, lockedUntil: null });
    await s.putLoginFailures({ name: 'x', failures: 5, lastFailureAt: 9, lockedUntil: 100 });
    expect(await s.getLoginFailures('x')).toEqual({ name: 'x', failures: 5, lastFailureAt: 9, lockedUntil: 100 });
    await s.clearLoginFailures('x');
    expect(await s.getLoginFailures('x')).toBeUndefined();
  });

  it('appends audit records in a gapless chain, also when appends race', async () => {
    const s = ctx.store.officers;
    await s.appendAudit(chain('a'));
    await Promise.all(['b', 'c', 'd', 'e'].map((x) => s.appendAudit(chain(x))));
    const rows = await s.listAudit();
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    expect((await s.listAudit({ fromSeq: 4 })).map((r) => r.seq)).toEqual([4, 5]);
    await expect(s.appendAudit((last) => ({ ...chain('z')(last), seq: 99 }))).rejects.toThrow(/does not follow/);
  });

  it('pages the audit log newest first, before a seq, by actor, action (or its prefix) and time', async () => {
    const s = ctx.store.officers;
    for (const x of ['auth.login', 'message.send', 'auth.logout', 'authx', 'auth.login']) await s.appendAudit(chain(x));
    expect((await s.auditPage({ limit: 2 })).map((r) => r.seq)).toEqual([5, 4]);
    expect((await s.auditPage({ limit: 10, beforeSeq: 4 })).map((r) => r.seq)).toEqual([3, 2, 1]);
    expect((await s.auditPage({ limit: 10, action: 'auth' })).map((r) => r.seq)).toEqual([5, 3, 1]);
    expect((await s.auditPage({ limit: 10, action: 'auth.login' })).map((r) => r.seq)).toEqual([5, 1]);
    expect(await s.auditPage({ limit: 10, actor: 'nobody' })).toEqual([]);
    expect(await s.auditPage({ limit: 10, since: 6 })).toEqual([]);
    expect((await s.auditPage({ limit: 10, since: 5, until: 6 })).length).toBe(5);
  });

  it('joins a transaction: officer writes roll back with it', async () => {
    await expect(
      ctx.store.transaction(async (tx) => {
        await tx.officers.addOfficer(officer({ id: 'tx' }));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await ctx.store.officers.getOfficer('tx')).toBeUndefined();
    const reopened = await ctx.reopen();
    expect(await reopened.officers.listOfficers()).toEqual([]);
  });
});

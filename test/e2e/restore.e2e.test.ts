/**
 * Restore from a backup (#14 A1): US's database is backed up while it runs (`hotline backup`, or
 * SQLite's online backup directly, the sqlite3 tool's alternative), US sends more, stops, and the
 * old copy is put back (`hotline restore`, or by hand). Its peer CN holds every entry of US's
 * that it receipted: US must fetch them back before it signs anything new, never sign a sequence
 * number twice, and traffic must then resume both ways with an export that verifies.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, inject, it } from 'vitest';
import { check, Harness, waitFor } from './harness.js';

/**
 * SQLite's online backup (the API the `sqlite3` shell's `.backup` uses), from `from` to `to`,
 * without depending on the shell being installed.
 */
async function sqliteBackup(from: string, to: string): Promise<void> {
  const db = new Database(from);
  try {
    await db.backup(to);
  } finally {
    db.close();
  }
}

describe('e2e: restoring an old copy of the database', () => {
  it('fetches its own entries back from the peer, re-signs nothing, and traffic resumes', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Restore line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    const send = (p: typeof us, text: string) => p.api<{ id: string; seq: number }>('POST', `/api/v1/channels/${id}/messages`, { text, precedence: 'ROUTINE' });
    for (let i = 0; i < 5; i++) await send(us, `before backup ${i}`);
    await waitFor('CN to hold the first 5', async () => (await cn.messages(id)).length === 5);

    // The documented procedure (docs/operations.md "Backup and restore"): `hotline backup` while it runs.
    const db = join(us.dir, 'hotline.db');
    const backup = join(h.root, 'us-backup.db');
    // It keeps serving meanwhile: sends during the backup are answered.
    const during = Promise.all([0, 1, 2, 3, 4].map((i) => send(us, `during backup ${i}`)));
    const made = await us.cli(['backup', '--out', backup]).then(check('hotline backup'));
    const later: Array<{ id: string; seq: number }> = await during;
    expect(made.stdout).toMatch(/: 1 channel\(s\), \d+ entries, [\d.]+ KiB; integrity ok, schema \d{4}_\w+\./);
    expect(made.stdout).toMatch(/Mode 0600: it holds the officers' login secrets/);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    // Never over an existing file, and never while the terminal runs.
    const again = await us.cli(['backup', '--out', backup]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/BACKUP_FILE_EXISTS/);
    const early = await us.cli(['restore', '--from', backup]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/STORE_LOCKED: Another terminal already runs on .*process \d+/);
    h.step('backed up');

    for (let i = 0; i < 15; i++) later.push(await send(us, `after backup ${i}`));
    await send(cn, 'from CN while US was whole');
    await waitFor('CN to hold all 25 of US and US to hold CN\'s', async () =>
      (await cn.messages(id)).filter((m) => m.from === 'US').length === 25 && (await us.messages(id)).some((m) => m.from === 'CN'));
    await waitFor('US to hold receipts for everything', async () => (await us.messages(id)).filter((m) => m.own).every((m) => m.receiptedAt !== null));
    const usHead = Math.max(...later.map((m) => m.seq));
    await us.stop();

    // Restore: the old copy replaces the database, which is moved aside, not deleted.
    const current = readFileSync(db);
    const restored = await us.cli(['restore', '--from', backup]).then(check('hotline restore'));
    const aside = /kept as (\S+hotline\.db\.before-restore-\d{8}T\d{6}Z) /.exec(restored.stdout)?.[1];
    expect(aside && readFileSync(aside).equals(current)).toBe(true);
    expect(existsSync(`${db}-shm`)).toBe(false);
    expect(restored.stdout).toMatch(/start the terminal with its peers reachable/);
    expect(restored.stdout).toMatch(/own-heads\.json \(kept\) tells it the database was restored/);
    h.step('restored');
    // Started while its peer is down, with no start-up wait at all for an ordinary restart: the
    // database is below what US remembers signing (own-heads.json beside it), so it recognises
    // the restore, signs nothing until CN has answered, however long that takes, and says why.
    await cn.stop();
    process.env.HOTLINE_RECONCILE_WAIT_MS = '0';
    try {
      await us.start();
    } finally {
      delete process.env.HOTLINE_RECONCILE_WAIT_MS;
    }
    const refused = await us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text: 'too early', precedence: 'ROUTINE' });
    expect(refused.status).toBe(503);
    expect((refused.body as { code: string }).code).toBe('CHANNEL_RECONCILING');
    const ready = await fetch(`${us.officerUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/reconciling/);
    const status = await us.cli(['status']);
    expect(status.stdout).toMatch(new RegExp(`channel ${id.slice(0, 12)}: reconciling`));
    const remembered = /had signed up to (\d+) .*until every peer of the channel \(CN\) has said what it holds, with no time limit/.exec(us.log);
    expect(Number(remembered?.[1])).toBeGreaterThanOrEqual(usHead);
    await cn.start();

    // US fetches its lost entries back from CN before writing anything of its own.
    await waitFor('US to hold its 25 messages again', async () => (await us.messages(id)).filter((m) => m.own).length === 25, 30_000);
    const next = await waitFor('US to sign again', async () => {
      const r = await us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text: 'after restore', precedence: 'ROUTINE' });
      return r.status === 201 || r.status === 200 ? (r.body as { seq: number }) : undefined;
    }, 30_000);
    expect(next.seq).toBeGreaterThan(usHead);
    await send(cn, 'from CN after the restore');
    await waitFor('both messages to cross', async () =>
      (await cn.messages(id)).some((m) => m.text === 'after restore') && (await us.messages(id)).some((m) => m.text === 'from CN after the restore'));

    // Nothing was signed twice: no equivocation evidence on either side, and both exports verify.
    expect(await cn.api<unknown[]>('GET', `/api/v1/channels/${id}/evidence`)).toEqual([]);
    expect(await us.api<unknown[]>('GET', `/api/v1/channels/${id}/evidence`)).toEqual([]);
    for (const p of [us, cn]) {
      const file = join(h.root, `${p.code}.jsonl`);
      await p.cli(['export', id], { stdoutFile: file }).then(check(`export ${p.code}`));
      const v = await h.cli(['verify', file]);
      expect(v.stdout).toContain('Verdict: VALID');
      expect(v.code).toBe(0);
    }
    expect(us.log).not.toMatch(/EQUIVOCATION/);
    // The terminal said what it did: the peer held more of its log, fetched back before signing.
    expect(us.log).toMatch(/holds this terminal's entries up to \d+ .*Fetching them back/);
  }, 180_000);

  it('restores a backup older than a channel: the channel and its own entries come back from the peer', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const backup = join(h.root, 'us-before-channel.db');
    await sqliteBackup(join(us.dir, 'hotline.db'), backup);
    const id = await h.openChannel(us, cn, { title: { en: 'Younger than the backup' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    let last = 0;
    for (let i = 0; i < 5; i++) last = (await us.api<{ seq: number }>('POST', `/api/v1/channels/${id}/messages`, { text: `us ${i}`, precedence: 'ROUTINE' })).seq;
    await cn.api('POST', `/api/v1/channels/${id}/messages`, { text: 'cn answers', precedence: 'ROUTINE' });
    await waitFor('both to hold all 6, receipted', async () => (await cn.messages(id)).length === 6 && (await us.messages(id)).every((m) => m.receiptedAt !== null || !m.own));
    await us.stop();
    for (const f of ['hotline.db', 'hotline.db-wal', 'hotline.db-shm']) rmSync(join(us.dir, f), { force: true });
    await sqliteBackup(backup, join(us.dir, 'hotline.db'));
    await us.start();
    await waitFor('US to hold the channel and its 6 messages again', async () => (await us.messages(id)).length === 6, 60_000);
    const next = await waitFor('US to sign again', async () => {
      const r = await us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text: 'after restore', precedence: 'ROUTINE' });
      return r.status === 201 ? (r.body as { seq: number }) : undefined;
    }, 30_000);
    expect(next.seq).toBeGreaterThan(last);
    await waitFor('CN to receive it', async () => (await cn.messages(id)).some((m) => m.text === 'after restore'));
    expect(await cn.api<unknown[]>('GET', `/api/v1/channels/${id}/evidence`)).toEqual([]);
    // Nothing signed on the channel before CN said what it holds (no receipt, no link test at a
    // number CN already held): US remembered the channel in own-heads.json.
    expect(await us.api<unknown[]>('GET', `/api/v1/channels/${id}/evidence`)).toEqual([]);
    expect(us.log).not.toMatch(/EQUIVOCATION/);
  }, 180_000);

  it('on PostgreSQL: hotline backup (pg_dump), more traffic, pg_restore of the old dump; own entries come back, nothing re-signed', async () => {
    const url = inject('pgUrl');
    const schema = `e2e_restore_${randomBytes(4).toString('hex')}`;
    const psql = (command: string) => execFileSync('psql', ['-q', '-d', url, '-c', command]);
    const h = await Harness.create();
    h.defer(() => void psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const [us, cn] = await Promise.all([h.party('US', 'United States', { init: ['--postgres', url, '--postgres-schema', schema] }), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Restore line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    const send = (text: string) => us.api<{ id: string; seq: number }>('POST', `/api/v1/channels/${id}/messages`, { text, precedence: 'ROUTINE' });
    await send('before the dump');
    // The documented procedure (docs/operations.md "Backup and restore"): `hotline backup` runs pg_dump.
    const dump = join(h.root, 'us.dump');
    const made = await us.cli(['backup', '--out', dump]).then(check('hotline backup'));
    expect(made.stdout).toContain(`pg_dump of schema ${schema} (custom format)`);
    expect(statSync(dump).mode & 0o777).toBe(0o600);
    let last = 0;
    for (let i = 0; i < 10; i++) last = (await send(`after the dump ${i}`)).seq;
    await waitFor('CN to hold all 11', async () => (await cn.messages(id)).length === 11);
    await waitFor('US to hold receipts for all', async () => (await us.messages(id)).every((m) => m.receiptedAt !== null));
    await us.stop();
    psql(`DROP SCHEMA ${schema} CASCADE`);
    execFileSync('pg_restore', ['-d', url, dump]);
    await us.start();
    await waitFor('US to hold its 11 messages again', async () => (await us.messages(id)).length === 11, 30_000);
    const next = await waitFor('US to sign again', async () => {
      const r = await us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text: 'after restore', precedence: 'ROUTINE' });
      return r.status === 201 ? (r.body as { seq: number }) : undefined;
    }, 30_000);
    expect(next.seq).toBeGreaterThan(last);
    await waitFor('CN to receive it', async () => (await cn.messages(id)).some((m) => m.text === 'after restore'));
    expect(await cn.api<unknown[]>('GET', `/api/v1/channels/${id}/evidence`)).toEqual([]);
    // Nothing signed on the channel before CN said what it holds (no receipt, no link test at a
    // number CN already held): US remembered the channel in own-heads.json.
    expect(await us.api<unknown[]>('GET', `/api/v1/channels/${id}/evidence`)).toEqual([]);
    expect(us.log).not.toMatch(/EQUIVOCATION/);
  }, 180_000);
});

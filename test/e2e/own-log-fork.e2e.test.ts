/**
 * A forked own log, end to end (docs/operations.md "Backup and restore", "A forked own log"): US's
 * WHOLE data directory (database and own-heads.json) is restored from an old backup while its peer
 * CN is down, and the start-up wait is short, so US signs new entries at numbers CN already holds
 * other entries at. When CN is back, US recognises it from CN's `holds` (the hash of the last own
 * entry CN holds) and the copies CN relays: alarm CHANNEL_OWN_LOG_FORKED naming where, CN not
 * blamed, nothing more signed or pushed there, also after a restart. `hotline repair --forked`
 * then removes the forked part, the next start fetches CN's copies back, and traffic resumes.
 */
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Harness, check, waitFor } from './harness.js';
import { secretsOf, signedInConsole } from '../web/console-kit.js';

async function sqliteBackup(from: string, to: string): Promise<void> {
  const db = new Database(from);
  try {
    await db.backup(to);
  } finally {
    db.close();
  }
}

interface Reconciling {
  channel: string;
  why: string;
  forkedAt?: number;
  peer?: string;
}

describe('e2e: a forked own log after restoring a whole data directory', () => {
  it('is recognised with CHANNEL_OWN_LOG_FORKED (the peer not blamed), stops the channel, and is repaired', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Fork line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    // Once US has officers (the console check below), only a named officer signs.
    let actAs: Record<string, string> = {};
    const send = (text: string) => us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text, precedence: 'ROUTINE' }, actAs);
    for (let i = 0; i < 3; i++) expect((await send(`before backup ${i}`)).status).toBe(201);
    await waitFor('CN to hold the first 3', async () => (await cn.messages(id)).length === 3);
    const ownSeqs = async () => (await us.messages(id)).filter((m) => m.own).map((m) => m.seq);
    const backupHead = Math.max(...(await ownSeqs()));

    // The whole data directory's state goes to the backup: the database and own-heads.json.
    const db = join(us.dir, 'hotline.db');
    const heads = join(us.dir, 'own-heads.json');
    // own-heads.json is written a moment after own entries commit: copied once it names the last
    // message, and before the database (so it never names more than the database holds).
    await waitFor('own-heads.json to name the last message', () => existsSync(heads) && ((JSON.parse(readFileSync(heads, 'utf8')) as { heads: Record<string, number> }).heads[id] ?? 0) >= backupHead);
    copyFileSync(heads, join(h.root, 'us-own-heads.json'));
    await sqliteBackup(db, join(h.root, 'us.db'));
    h.step('backed up the whole data directory');

    // Two more messages reach CN; then both stop.
    for (let i = 0; i < 2; i++) expect((await send(`after backup ${i}`)).status).toBe(201);
    await waitFor('CN to hold all 5', async () => (await cn.messages(id)).filter((m) => m.from === 'US').length === 5);
    await Promise.all([us.stop(), cn.stop()]);

    // Restored, and started with CN down and no start-up wait: US signs on from the backup's head.
    for (const f of ['hotline.db', 'hotline.db-wal', 'hotline.db-shm', 'own-heads.json']) rmSync(join(us.dir, f), { force: true });
    await sqliteBackup(join(h.root, 'us.db'), db);
    copyFileSync(join(h.root, 'us-own-heads.json'), heads);
    us.env.HOTLINE_RECONCILE_WAIT_MS = '0';
    await us.start();
    const forked: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await waitFor(`US to sign forked ${i}`, async () => {
        const a = await send(`forked ${i}`);
        return a.status === 201 ? (a.body as { seq: number }) : undefined;
      });
      forked.push(r.seq);
    }
    expect(Math.min(...forked)).toBeGreaterThan(backupHead);
    h.step('US signed numbers CN holds other entries at');

    // CN is back: US sees that its own log forked, where, and that CN is not at fault.
    await cn.start();
    const fork = await waitFor('US to see its own log forked', async () => {
      const s = await us.api<{ reconciling?: Reconciling[] }>('GET', '/api/v1/status');
      return s.reconciling?.find((r) => r.channel === id && r.why === 'own-log-forked');
    }, 30_000);
    expect(fork.peer).toBe('CN');
    expect(fork.forkedAt).toBeGreaterThan(backupHead);
    expect(fork.forkedAt).toBeLessThanOrEqual(Math.min(...forked));
    expect(us.log).toMatch(/CHANNEL_OWN_LOG_FORKED/);
    expect(us.log).toMatch(new RegExp(`own log of channel ${id.slice(0, 12)} forked (at|at or before) #\\d+.*CN is not at fault`));
    // The honest peer is not framed: no "check that peer", no claim given up.
    expect(us.log).not.toMatch(/CHANNEL_RECONCILE_FAILED|[Cc]heck that peer/);
    // Forked entries US pushed before it knew (a race with CN's own stream, which may tell first)
    // were refused: then the line says so, not "up" (test/terminal/link-refusing.test.ts pins it down).
    // The fork may be seen on CN's stream to US before US's own dial to CN (in its retry backoff
    // while CN was down) is through again: wait for that transport, then read the line.
    const line = await waitFor('US\'s own connection to CN to be up', async () => {
      const l = (await us.status()).links.find((x) => x.code === 'CN');
      return l?.transport === 'up' ? l : undefined;
    }, 30_000);
    // With the transport up, a line not refusing carries traffic: 'up', or 'degraded' while the link
    // tests missed while CN was down have not been answered again yet, or CN's stream back is not
    // yet up (a project CI run read 'degraded' here once). Never 'down', never a refusal of another kind.
    if (line.state === 'refusing') expect(line.reason).toMatch(new RegExp(`refuses this terminal's entries on channel ${id.slice(0, 12)}: ENTRY_(EQUIVOCATION|WRONG_PREVIOUS_HASH)`));
    else if (line.state === 'degraded') expect(line.reason).toMatch(/link tests late|no stream to this terminal/);
    else expect(line.state).toBe('up');

    // A hard stop: nothing more is signed there, and the officer is told why and what to do.
    const refused = await send('after the fork');
    expect(refused.status).toBe(409);
    expect((refused.body as { code: string; message: string }).code).toBe('CHANNEL_OWN_LOG_FORKED');
    expect((refused.body as { message: string }).message).toContain('hotline repair --data DIR --forked');
    const status = await us.cli(['status']);
    expect(status.stdout).toMatch(new RegExp(`channel ${id.slice(0, 12)}: OWN LOG FORKED at #${fork.forkedAt}`));
    expect((await fetch(`${us.officerUrl}/readyz`)).status).toBe(503);
    // And on the channel itself, in the API and `hotline channel show`.
    expect((await us.api<{ reconciling?: Reconciling }>('GET', `/api/v1/channels/${id}`)).reconciling).toMatchObject({ why: 'own-log-forked', forkedAt: fork.forkedAt, peer: 'CN' });
    const shown = await us.cli(['channel', 'show', id]);
    expect(shown.stdout).toMatch(new RegExp(`ALARM: this terminal's OWN LOG FORKED at #${fork.forkedAt} \\(CHANNEL_OWN_LOG_FORKED\\): CN holds`));
    // And on the console: a banner on every page while it lasts, naming the channel, where and
    // who holds the other entries, and the same on the channel itself (an officer signing in after
    // the alarm went by still sees it).
    const watch = secretsOf((await us.cli(['officer', 'add', 'Cdr Vance', '--title', 'Watch Officer', '--role', 'duty-officer']).then(check('officer add'))).stdout);
    actAs = { 'x-hotline-officer': 'Cdr Vance' };
    const screen = await signedInConsole(h, us, 'Cdr Vance', watch);
    try {
      const banner = screen.page.getByTestId('forked-banner');
      await banner.waitFor({ timeout: 15_000 });
      const said = (await banner.textContent()) ?? '';
      expect(said).toContain('Fork line');
      expect(said).toContain(`forked at #${fork.forkedAt}`);
      expect(said).toContain('CN is not at fault');
      await banner.getByRole('button', { name: /Open/ }).click();
      const onChannel = screen.page.getByTestId('own-log-forked');
      await onChannel.waitFor({ timeout: 10_000 });
      expect(await onChannel.textContent()).toContain(`#${fork.forkedAt}`);
      expect(screen.problems).toEqual([]);
    } finally {
      await screen.close();
    }

    // The hard stop survives a restart, even with CN down and no start-up wait (own-heads.json).
    await cn.stop();
    await us.stop();
    await us.start();
    const still = await send('after a restart');
    expect(still.status).toBe(409);
    expect((still.body as { code: string }).code).toBe('CHANNEL_OWN_LOG_FORKED');
    await cn.start();

    // The documented repair: stop, cut the forked part, start with the peer reachable.
    await us.stop();
    delete us.env.HOTLINE_RECONCILE_WAIT_MS;
    const repaired = await us.cli(['repair', '--forked', id.slice(0, 12), '--from', String(fork.forkedAt)]);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/Removed \d+ of this terminal's own entries/);
    await us.start();
    await waitFor('US to hold CN\'s copies of its 5 messages again', async () => {
      const texts = (await us.messages(id)).filter((m) => m.own).map((m) => m.text);
      return texts.filter((t) => t.startsWith('after backup')).length === 2 && !texts.some((t) => t.startsWith('forked'));
    }, 30_000);
    const next = await waitFor('US to sign again', async () => {
      const r = await send('after the repair');
      return r.status === 201 ? (r.body as { seq: number }) : undefined;
    }, 30_000);
    expect(next.seq).toBeGreaterThan(backupHead);
    await cn.api('POST', `/api/v1/channels/${id}/messages`, { text: 'CN after the repair', precedence: 'ROUTINE' });
    await waitFor('both messages to cross', async () =>
      (await cn.messages(id)).some((m) => m.text === 'after the repair') && (await us.messages(id)).some((m) => m.text === 'CN after the repair'), 30_000);
    const after = await us.api<{ reconciling?: Reconciling[]; links: Array<{ code: string; state: string }> }>('GET', '/api/v1/status');
    expect(after.reconciling ?? []).toEqual([]);
    await waitFor('US to show the line to CN up', async () => (await us.status()).links.find((l) => l.code === 'CN')?.state === 'up', 30_000);
  }, 240_000);

  it('is recognised too when the peer holds more of the old chain than the fork is long (the entries fetched back do not chain)', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Fork line, short fork' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    const send = (text: string) => us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text, precedence: 'ROUTINE' });
    expect((await send('before backup')).status).toBe(201);
    await waitFor('CN to hold it', async () => (await cn.messages(id)).length === 1);
    const backupHead = Math.max(...(await us.messages(id)).filter((m) => m.own).map((m) => m.seq));
    const heads = join(us.dir, 'own-heads.json');
    await waitFor('own-heads.json to name the last message', () => existsSync(heads) && ((JSON.parse(readFileSync(heads, 'utf8')) as { heads: Record<string, number> }).heads[id] ?? 0) >= backupHead);
    copyFileSync(heads, join(h.root, 'us-own-heads.json'));
    await sqliteBackup(join(us.dir, 'hotline.db'), join(h.root, 'us.db'));
    // Five more reach CN: CN will hold more of the old chain than the fork is long.
    for (let i = 0; i < 5; i++) expect((await send(`after backup ${i}`)).status).toBe(201);
    await waitFor('CN to hold all 6', async () => (await cn.messages(id)).filter((m) => m.from === 'US').length === 6);
    await Promise.all([us.stop(), cn.stop()]);
    for (const f of ['hotline.db', 'hotline.db-wal', 'hotline.db-shm', 'own-heads.json']) rmSync(join(us.dir, f), { force: true });
    await sqliteBackup(join(h.root, 'us.db'), join(us.dir, 'hotline.db'));
    copyFileSync(join(h.root, 'us-own-heads.json'), heads);
    us.env.HOTLINE_RECONCILE_WAIT_MS = '0';
    await us.start();
    const forked = await waitFor('US to sign one forked message', async () => {
      const a = await send('forked');
      return a.status === 201 ? (a.body as { seq: number }) : undefined;
    });
    await cn.start();
    // CN holds more than US: US fetches its "own" entries back, and the first does not chain on its head.
    const fork = await waitFor('US to see its own log forked', async () => {
      const st = await us.api<{ reconciling?: Reconciling[] }>('GET', '/api/v1/status');
      return st.reconciling?.find((r) => r.channel === id && r.why === 'own-log-forked');
    }, 30_000);
    expect(fork.peer).toBe('CN');
    expect(fork.forkedAt).toBeGreaterThan(backupHead);
    // Seen either where CN refuses US's forked entry (its seq) or at the first entry fetched back
    // that does not chain on US's head (the next seq): which comes first is a race.
    expect(fork.forkedAt).toBeLessThanOrEqual(forked.seq + 1);
    expect(us.log).toMatch(/CN is not at fault/);
    expect(us.log).not.toMatch(/CHANNEL_RECONCILE_FAILED|[Cc]heck that peer/);
    expect((await send('after the fork')).status).toBe(409);
  }, 240_000);
});

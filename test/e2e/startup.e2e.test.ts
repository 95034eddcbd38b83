/**
 * Starting a terminal on data or ports that another process holds (#14 2b, 2c): a second
 * `hotline serve` on the same data directory would sign with the same sequence numbers, and its
 * peers would keep that as evidence of equivocation against the party forever. It must refuse, name
 * the process that holds the data, and exit; so must a terminal whose port is taken.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

describe('e2e: starting a terminal', () => {
  it('refuses a second terminal on the same data directory, naming the first, and exits non-zero', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States');
    const pid = us.proc!.pid!;
    // Other ports, same data: only the lock stops it.
    const second = await h.cli(['serve', '--data', us.dir, '--officer-port', '0', '--federation-port', '0'], { timeoutMs: 20_000 });
    expect(second.code).not.toBe(0);
    expect(second.code).not.toBe(128); // it exited by itself, not killed by the timeout
    expect(second.stderr).toMatch(/Another terminal already runs/);
    expect(second.stderr).toContain(`process ${pid}`);
    expect(second.stderr).toContain(us.officerUrl.replace('http://', ''));
    expect(second.stderr).not.toMatch(/This is a bug/);
    // The first one still serves, and after it stops the data is free again.
    expect((await fetch(`${us.officerUrl}/healthz`)).ok).toBe(true);
    await us.stop();
    await us.start();
  });

  it('says which port is taken and which option changes it, and exits non-zero', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States', { start: false });
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(us.officerPort, '127.0.0.1', r));
    try {
      const r = await h.cli(['serve', '--data', us.dir], { timeoutMs: 20_000 });
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBe(128);
      expect(r.stderr).toContain(`127.0.0.1:${us.officerPort} is already in use`);
      expect(r.stderr).toContain('--officer-port');
      expect(r.stderr).not.toMatch(/This is a bug/);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    // The failed start left nothing held: the terminal starts on the same data.
    await us.start();
  });

  it('says the credential is missing, not that no terminal answers, when officer.token is gone', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States');
    await rm(join(us.dir, 'officer.token'));
    const r = await us.cli(['status']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('runs, but its host credential');
    expect(r.stderr).not.toMatch(/no terminal answers/);
  });

  // Exit 78 (EX_CONFIG): deploy/hotline.service does not restart it (RestartPreventExitStatus=78),
  // where a restart every 2 s would be refused the same way, forever, filling the journal.
  it('exits 78, saying so, on a database a newer Hotline upgraded, and changes nothing', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States');
    await us.stop();
    const db = new Database(join(us.dir, 'hotline.db'));
    db.prepare("insert into kysely_migration (name, timestamp) values ('9999_from_the_future', '2030-01-01T00:00:00.000Z')").run();
    const migrations = db.prepare('select count(*) as n from kysely_migration').get();
    db.close();
    const r = await h.cli(['serve', '--data', us.dir], { timeoutMs: 20_000 });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('hotline: STORE_NEWER_SCHEMA: This SQLite database was upgraded by a newer version of Hotline: it has migration 9999_from_the_future');
    expect(r.stderr).not.toMatch(/This is a bug/);
    const check = new Database(join(us.dir, 'hotline.db'), { readonly: true });
    expect(check.prepare('select count(*) as n from kysely_migration').get()).toEqual(migrations);
    check.close();
  });

  it('exits 78 on a config.json it cannot read as one, and 2 on a port a restart may find free', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States', { start: false });
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(us.officerPort, '127.0.0.1', r));
    try {
      expect((await h.cli(['serve', '--data', us.dir], { timeoutMs: 20_000 })).code).toBe(2);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    await writeFile(join(us.dir, 'config.json'), '{"type": "hotline.terminal-config"', { mode: 0o600 });
    const bad = await h.cli(['serve', '--data', us.dir], { timeoutMs: 20_000 });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toMatch(/^hotline: IDENTITY_CORRUPT: .*config\.json/m);
  });

  it('writes a metrics token (0600) that reads /metrics and nothing else', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States');
    const file = join(us.dir, 'metrics.token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const auth = { authorization: `Bearer ${(await readFile(file, 'utf8')).trim()}` };
    const metrics = await fetch(`${us.officerUrl}/metrics`, { headers: auth });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('hotline_entries_in_total');
    const status = await fetch(`${us.officerUrl}/api/v1/status`, { headers: auth });
    expect(status.status).toBe(403);
    expect(((await status.json()) as { code: string }).code).toBe('METRICS_TOKEN_ONLY');
  });
});

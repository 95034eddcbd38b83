/**
 * A peer whose storage stalls is not "up" (docs/operations.md "Link state"). US runs on PostgreSQL;
 * another session locks its entries table, as a stuck migration, a backup tool or a DBA's
 * forgotten transaction would. US's process is alive and its stream answers heartbeats, so CN's
 * stream looks fine, and link tests notice only after three of their intervals (ten minutes
 * here, as on a quiet line). CN's FLASH is sent and left unanswered: CN's line to US turns `down`
 * with the reason within the allowance (2 s here, 30 s by default), and the alarm
 * LINK_NOT_STORING is raised; without that rule the line stayed `up` for the minute this test
 * waited. US itself raises STORE_STALLED and answers /readyz 503 while its commit waits
 * (HOTLINE_STORE_STALL_MS). The lock released, US stores and receipts the message, says
 * STORE_RESUMED, and the line carries traffic again, without a reconnection.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { Harness, waitFor } from './harness.js';

interface Alarm {
  type: string;
  code?: string;
  message?: string;
  peer?: string;
}

describe('e2e: a peer whose storage stalls', () => {
  it('shows the line down with LINK_NOT_STORING while the peer answers heartbeats but stores nothing (the peer itself says STORE_STALLED, not ready), and carrying traffic once it stores again', async () => {
    const url = inject('pgUrl');
    const schema = `e2e_stall_${randomBytes(4).toString('hex')}`;
    const h = await Harness.create();
    h.defer(() => {
      try {
        execFileSync('psql', ['-q', '-d', url, '-c', `DROP SCHEMA IF EXISTS ${schema} CASCADE`], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // a schema left behind is dropped by the next run's global setup
      }
    });
    const [us, cn] = await Promise.all([
      h.party('US', 'United States', { init: ['--postgres', url, '--postgres-schema', schema], start: false }),
      h.party('CN', 'China', { start: false }),
    ]);
    cn.env.HOTLINE_PEER_STORE_OVERDUE_MS = '2000';
    us.env.HOTLINE_STORE_STALL_MS = '2000';
    await Promise.all([us.start(), cn.start()]);
    await h.pair(us, cn);
    const id = await h.openChannel(cn, us, { title: { en: 'Stall line' }, tier: 'military', parties: ['US'], linkTestIntervalSec: 600 });
    const alarms: Alarm[] = [];
    const usAlarms: Alarm[] = [];
    await cn.events((e) => e.type === 'alarm' && alarms.push(e as Alarm));
    await us.events((e) => e.type === 'alarm' && usAlarms.push(e as Alarm));
    const usReady = async () => {
      const r = await fetch(`${us.officerUrl}/readyz`, { signal: AbortSignal.timeout(5000) });
      return { status: r.status, reason: ((await r.json()) as { reason?: string }).reason ?? '' };
    };
    const lineToUs = async () => (await cn.status()).links.find((l) => l.code === 'US');
    expect((await lineToUs())?.state).toBe('up');

    const lock = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await lock.connect();
    try {
      await lock.query('begin');
      await lock.query('lock table entries in access exclusive mode');
      h.step('US entries table locked');
      const sent = await cn.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'FLASH while US cannot store', precedence: 'FLASH' });
      const down = await waitFor('CN to see US not storing', async () => {
        const l = await lineToUs();
        return l?.state === 'down' ? l : undefined;
      }, 60_000, 200);
      // The stream itself is connected: only the peer's storage is wrong.
      expect(down.transport).toBe('up');
      expect(down.reason).toMatch(/has stored none of the entries sent to it since then \(\d+ batch(es)? unanswered\) although its stream answers heartbeats/);
      const alarm = await waitFor('the LINK_NOT_STORING alarm', () => alarms.find((a) => a.code === 'LINK_NOT_STORING'));
      expect(alarm.message).toContain('Link to US is connected and answers heartbeats, but US has stored none of the entries sent to it');
      expect((await cn.messages(id)).find((m) => m.id === sent.id)?.receiptedAt).toBeNull();
      // US itself says so: its commit has waited past its allowance (2 s here, 30 s by default).
      const stalled = await waitFor('US to alarm STORE_STALLED', () => usAlarms.find((a) => a.code === 'STORE_STALLED'));
      expect(stalled.message).toMatch(/The database has not completed a commit for \d+ s/);
      const ready = await usReady();
      expect(ready.status).toBe(503);
      expect(ready.reason).toMatch(/database commits stalled since \S+ \(STORE_STALLED\)/);
      const status = await us.cli(['status']);
      expect(status.stdout).toMatch(/database: COMMITS STALLED since \S+ \(STORE_STALLED/);

      await lock.query('rollback');
      h.step('US entries table released');
      await waitFor('CN\'s FLASH stored and receipted by US', async () => (await cn.messages(id)).find((m) => m.id === sent.id)?.receiptedAt ?? undefined, 60_000, 200);
      // Up again, or degraded for the link tests that were answered late meanwhile (until the next
      // one): either way traffic flows, and the reason is no longer the peer's storage.
      const back = await waitFor('the line to US carrying traffic again', async () => {
        const l = await lineToUs();
        return l?.state === 'up' || l?.state === 'degraded' ? l : undefined;
      }, 60_000, 200);
      expect(back.reason ?? '').not.toContain('stored none');
      const after = alarms.slice(alarms.indexOf(alarm) + 1);
      expect(after.some((a) => a.code === 'LINK_UP')).toBe(true);
      await waitFor('US to alarm STORE_RESUMED', () => usAlarms.find((a) => a.code === 'STORE_RESUMED'));
      expect((await usReady()).reason).not.toContain('STORE_STALLED');
      // Not a reconnection: the stream stayed up throughout.
      expect(alarms.filter((a) => a.code === 'LINK_DOWN')).toEqual([]);
    } finally {
      await lock.end().catch(() => undefined);
    }
  }, 180_000);
});

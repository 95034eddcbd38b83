/**
 * The terminal lock on PostgreSQL is held by one connection (docs/operations.md "A stalled
 * database"). An operator's `pg_terminate_backend`, a server restart or a failover ends it, and
 * with it the lock: a second terminal could then start on the same database (here another session
 * takes the lock in the gap, as one would). A real terminal hears it, raises TERMINAL_LOCK_LOST
 * and TERMINAL_LOCK_TAKEN, answers /readyz 503 and refuses to sign (STORE_LOCK_LOST) while it
 * does not hold the lock, and takes it back by itself once free (TERMINAL_LOCK_REGAINED); then a
 * second terminal on the same database is refused at its start again, and messages flow as before.
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
}

describe('e2e: the terminal lock lost and taken again', () => {
  it('signs nothing while its PostgreSQL lock connection is gone, says so, and takes the lock back by itself', async () => {
    const url = inject('pgUrl');
    const schema = `e2e_lock_${randomBytes(4).toString('hex')}`;
    const h = await Harness.create();
    h.defer(() => {
      try {
        execFileSync('psql', ['-q', '-d', url, '-c', `DROP SCHEMA IF EXISTS ${schema} CASCADE`], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // a schema left behind is dropped by the next run's global setup
      }
    });
    const [us, cn] = await Promise.all([h.party('US', 'United States', { init: ['--postgres', url, '--postgres-schema', schema], start: false }), h.party('CN', 'China', { start: false })]);
    await Promise.all([us.start(), cn.start()]);
    await h.pair(us, cn);
    const id = await h.openChannel(us, cn, { title: { en: 'Lock line' }, tier: 'military', parties: ['CN'] });
    const alarms: Alarm[] = [];
    await us.events((e) => e.type === 'alarm' && alarms.push(e as Alarm));

    // Another session ends the one holding the lock, as an operator or a failover would, and takes
    // the lock itself at once, as a second terminal starting in the gap would.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const ended = await admin.query<{ n: number }>(
        `select count(pg_terminate_backend(pid))::int as n from pg_locks where locktype = 'advisory' and classid = $1 and objid = hashtext($2)::oid and granted`,
        [0x484c, `terminal:${schema}`],
      );
      expect(ended.rows[0]!.n).toBe(1);
      await admin.query('select pg_advisory_lock($1, hashtext($2))', [0x484c, `terminal:${schema}`]);
      const lost = await waitFor('US to alarm TERMINAL_LOCK_LOST', () => alarms.find((a) => a.code === 'TERMINAL_LOCK_LOST'));
      expect(lost.message).toMatch(/lost its lock on its database .*Nothing is signed/);
      await waitFor('US to see the lock taken', () => alarms.find((a) => a.code === 'TERMINAL_LOCK_TAKEN'));
      // Not ready, and nothing signed: a message is refused.
      const ready = await fetch(`${us.officerUrl}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { reason: string }).reason).toMatch(/database lock lost since .*TERMINAL_LOCK_LOST/);
      const refused = await us.apiRaw('POST', `/api/v1/channels/${id}/messages`, { text: 'while the lock is lost', lang: 'en', precedence: 'FLASH' });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'STORE_LOCK_LOST' });
      expect((await us.cli(['status'])).stdout).toMatch(/database: LOCK LOST since/);
      // The other holder stops: the terminal takes the lock back by itself.
      await admin.query('select pg_advisory_unlock($1, hashtext($2))', [0x484c, `terminal:${schema}`]);
    } finally {
      await admin.end();
    }
    await waitFor('US to take its lock back', () => alarms.find((a) => a.code === 'TERMINAL_LOCK_REGAINED'));
    expect((await fetch(`${us.officerUrl}/readyz`)).status).toBe(200);
    await us.api('POST', `/api/v1/channels/${id}/messages`, { text: 'after the lock came back', lang: 'en', precedence: 'FLASH' });
    await waitFor('CN to receive the message sent after', async () => ((await cn.messages(id)).some((m) => m.text === 'after the lock came back') ? true : undefined));
    expect((await cn.messages(id)).some((m) => m.text === 'while the lock is lost')).toBe(false);
    // Held again: a second terminal on the same database is refused at its start.
    const second = await h.cli(['serve', '--officer-port', '0', '--federation-port', '0', '--data', us.dir], { timeoutMs: 30_000 });
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/STORE_LOCKED|Another terminal already runs on PostgreSQL schema/);
  });
});

/**
 * Tests kept out of `npm test` on purpose, each with the reason. Run: `npm run test:manual`.
 *
 * - pg-replication.e2e.ts (#19): PostgreSQL's own failover (a standby promoted) under a highly
 *   available terminal. The defect it found (entries built on failed commits stored on the promoted
 *   standby, a chain gap) is fixed: the store refuses a diverging row (STORE_LOG_DIVERGED) and no
 *   run since lost a message. It stays out of `npm test` because its bounds are wall-clock ones on
 *   a database being replaced: on a loaded 2-core machine a takeover took 16 to 29 s against a
 *   15 s bound (docs/operations.md "High availability").
 * - pg-restart.e2e.ts: the PostgreSQL server restarted under a highly available terminal with
 *   traffic both ways. Out of `npm test` because it restarts the server every other test uses.
 * - disk-freeze.e2e.ts: a SQLite terminal's data disk frozen (fsfreeze) and thawed: TERMINAL_STALLED
 *   while it lasts, TERMINAL_RUNS_AGAIN after, nothing lost. Out of `npm test` because it needs root
 *   and a loop device (it mounts a filesystem of its own).
 * - chaos.e2e.ts: a seeded soak of random faults (kill -9, restarts, SIGSTOP, stalled, reset, cut,
 *   slow and throttled paths) under traffic both ways, then nothing lost, doubled or framed. Out of
 *   `npm test` because it runs for minutes by design (HOTLINE_CHAOS_SECONDS, default 180).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/manual/**/*.e2e.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

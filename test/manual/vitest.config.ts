/**
 * Tests kept out of `npm test` on purpose, each with the reason. Run: `npm run test:manual`.
 *
 * - pg-replication.e2e.ts (#19): PostgreSQL's own failover under a highly available terminal.
 *   It passes on an idle machine, but failed in two CI runs under load: once 3 messages the API had
 *   accepted never reached the peer after the primary was replaced, once no instance was ready
 *   within 30 s. That is a real defect under investigation (see the stop note of 2026-12-04),
 *   not a flaky test, and #19 stays open until it passes in CI.
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

import { defineConfig } from 'vitest/config';

/**
 * Two groups, one after the other (sequence.groupOrder): first everything that only checks what
 * happened, two test files at a time; then, one file at a time, the tests that also bound how long
 * something took on the wall clock (a failover, a cut line noticed, a ring after a click, a slow
 * client cut), so that
 * another test's terminals never compete with them for the two cores of the CI machine.
 */
const TIMED = [
  'test/e2e/ha-kill.e2e.test.ts',
  'test/e2e/ha.e2e.test.ts',
  'test/e2e/ha-faults.e2e.test.ts',
  'test/e2e/link-cut.e2e.test.ts',
  'test/e2e/net-faults.e2e.test.ts',
  'test/e2e/failover.e2e.test.ts',
  'test/e2e/kill9.e2e.test.ts',
  'test/web/alarms.e2e.test.ts',
  'test/web/console.e2e.test.ts',
  'test/federation/attacks.test.ts',
];

export default defineConfig({
  test: {
    // Picks the PostgreSQL server of the store tests, starting one from npm if none answers.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'checks', include: ['test/**/*.test.ts'], exclude: TIMED, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timed', include: TIMED, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});

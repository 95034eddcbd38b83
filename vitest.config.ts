import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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

/** Tests of the protocol, the terminal's parts and the officers' service, in process (the 'units' project). */
const UNITS = ['test/protocol/**/*.test.ts', 'test/terminal/**/*.test.ts', 'test/officers/**/*.test.ts'];

/**
 * The longest files of the 'checks' group, longest first (seconds measured on the 2-core machine,
 * quiet, 2026-12-06). On a clean clone vitest has no durations cached and starts the
 * largest files first, so a long e2e test could start last and run alone on one core while the
 * other idles: these start first instead (longest-first keeps the two workers' ends close).
 * Only the order changes; the rest follow vitest's own order.
 */
const LONGEST_FIRST = [
  'test/spec-peer/spec-peer.e2e.test.ts', // 129
  'test/web/timeline.e2e.test.ts', // 74
  'test/e2e/partial-cuts.e2e.test.ts', // 67
  'test/e2e/amend-parties.e2e.test.ts', // 56
  'test/cli/safe-text.test.ts', // 50
  'test/e2e/restore.e2e.test.ts', // 35
  'test/cli/verify.test.ts', // 33
  'test/e2e/formats.e2e.test.ts', // 30
  'test/e2e/own-log-fork.e2e.test.ts', // 29
  'test/e2e/escalation.e2e.test.ts', // 29
  'test/web/a11y.e2e.test.ts', // 29
  'test/e2e/dialogue.e2e.test.ts', // 28
  'test/web/charter.e2e.test.ts', // 26
  'test/web/receipts.e2e.test.ts', // 25
  'test/e2e/damaged-storage.e2e.test.ts', // 25
  'test/web/amendment.e2e.test.ts', // 25
  'test/web/verify.e2e.test.ts', // 24
  'test/e2e/happy-path.e2e.test.ts', // 24
  'test/e2e/disk-full.e2e.test.ts', // 24
  'test/e2e/startup.e2e.test.ts', // 23
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((p) => f.moduleId.endsWith(`/${p}`));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    // Stable: only the listed files move (within their project; groupOrder still decides first).
    const out = sorted
      .map((f, i) => ({ f, i }))
      .sort((x, y) => (x.f.project.config.sequence.groupOrder - y.f.project.config.sequence.groupOrder) || (rank(x.f) - rank(y.f)) || (x.i - y.i))
      .map((x) => x.f);
    return out;
  }
}

export default defineConfig({
  test: {
    // Picks the PostgreSQL server of the store tests, starting one from npm if none answers.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    sequence: { sequencer: LongestFirst },
    projects: [
      // The unit tests of the pure and in-process layers share their workers' module cache
      // (isolate: false): importing the terminal's modules anew for each of these ~80 files cost
      // about 1.8 s of a worker each, more than most of them take to run (measured on the 2-core
      // machine: 196 s isolated, 67 s shared, the same files alone). None of them mocks modules or
      // changes globals; a file that needs to must move to 'checks'.
      { extends: true, test: { name: 'units', include: UNITS, exclude: TIMED, isolate: false, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'checks', include: ['test/**/*.test.ts'], exclude: [...TIMED, ...UNITS], maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timed', include: TIMED, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});

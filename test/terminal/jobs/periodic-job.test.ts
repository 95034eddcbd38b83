/**
 * The job runner: named jobs on their intervals, staggered, never overlapping themselves, a failing
 * run reported with the job's name; driven by hand-made timers (nothing waits on real time).
 */
import { describe, expect, it } from 'vitest';
import { JobRunner, type JobTimers } from '../../../src/terminal/jobs/periodic-job.js';

/** Timers a test fires by hand. */
function manualTimers() {
  let next = 1;
  const intervals = new Map<number, { fn: () => void; ms: number }>();
  const timeouts = new Map<number, { fn: () => void; ms: number }>();
  const timers: JobTimers = {
    setInterval: (fn, ms) => (intervals.set(next, { fn, ms }), next++),
    clearInterval: (h) => void intervals.delete(h as number),
    setTimeout: (fn, ms) => (timeouts.set(next, { fn, ms }), next++),
    clearTimeout: (h) => void timeouts.delete(h as number),
  };
  return {
    timers,
    intervals,
    timeouts,
    fireTimeouts: () => {
      for (const [h, t] of [...timeouts]) {
        timeouts.delete(h);
        t.fn();
      }
    },
    fireIntervals: () => {
      for (const t of [...intervals.values()]) t.fn();
    },
  };
}

describe('JobRunner', () => {
  it('starts each job on its interval, staggered, and stops them all', async () => {
    const m = manualTimers();
    const runs: string[] = [];
    const runner = new JobRunner({ timers: m.timers, staggerMs: 150 });
    runner.add({ name: 'link-tests', everyMs: 1000, run: async () => void runs.push('link-tests') });
    runner.add({ name: 'escalation', everyMs: 5000, run: async () => void runs.push('escalation') });
    runner.start();
    expect([...m.timeouts.values()].map((t) => t.ms)).toEqual([0, 150]);
    m.fireTimeouts();
    expect([...m.intervals.values()].map((t) => t.ms)).toEqual([1000, 5000]);
    m.fireIntervals();
    await runner.stop();
    expect(runs).toEqual(['link-tests', 'escalation']);
    expect(m.intervals.size).toBe(0);
  });

  it('never runs a job while its previous run is under way', async () => {
    let release!: () => void;
    let started = 0;
    const runner = new JobRunner({ timers: manualTimers().timers });
    runner.add({ name: 'escalation', everyMs: 1000, run: () => (started++, new Promise<void>((r) => (release = r))) });
    const first = runner.run('escalation');
    const second = runner.run('escalation');
    expect(started).toBe(1);
    release();
    await Promise.all([first, second]);
    const third = runner.run('escalation');
    expect(started).toBe(2);
    release();
    await third;
  });

  it('reports a failing run with the job name, and runs it again next time', async () => {
    const errors: string[] = [];
    let n = 0;
    const runner = new JobRunner({ timers: manualTimers().timers, onError: (e, job) => errors.push(`${job}: ${(e as Error).message}`) });
    runner.add({ name: 'drills', everyMs: 1000, run: async () => { if (n++ === 0) throw new Error('database locked'); } });
    await runner.runAll();
    await runner.runAll();
    expect(errors).toEqual(['drills: database locked']);
    expect(n).toBe(2);
  });

  it('refuses two jobs of one name', () => {
    const runner = new JobRunner({ timers: manualTimers().timers });
    runner.add({ name: 'drills', everyMs: 1000, run: async () => {} });
    expect(() => runner.add({ name: 'drills', everyMs: 1000, run: async () => {} })).toThrow(/two jobs named "drills"/);
  });
});

/**
 * Where a terminal's start goes (#18): each phase of the composition timed, logged once as
 * "start-up timings" (info) when both faces listen, with the time since the process started
 * (node itself, module loading and the identity come before the first phase).
 */
import { performance } from 'node:perf_hooks';

export class StartupTimings {
  readonly #phases: Record<string, number> = {};
  readonly #beside: Record<string, Record<string, number>> = {};
  #last = performance.now();
  /** Milliseconds since the process started, when the terminal's composition began. */
  readonly beforeCompose = Math.round(performance.now());

  /** Ends the phase running since the last mark (or the start), naming it. */
  mark(phase: string): void {
    const now = performance.now();
    this.#phases[phase] = Math.round(((this.#phases[phase] ?? 0) + now - this.#last) * 10) / 10;
    this.#last = now;
  }

  /** Records what ran beside the phases (its own phases), under `name`. */
  record(name: string, phases: Record<string, number>): void {
    this.#beside[name] = phases;
  }

  /** Ends the last phase and returns the summary. */
  end(phase: string): ReturnType<StartupTimings['summary']> {
    this.mark(phase);
    return this.summary();
  }

  /** The phases so far, in milliseconds, and the time since the process started. */
  summary(): { processStartToComposeMs: number; phasesMs: Record<string, number>; besideMs: Record<string, Record<string, number>>; sinceProcessStartMs: number; cpuMs: number } {
    // CPU time of the whole process (every thread) so far: on a busy machine it says what the
    // start costs, where wall times say mostly how long it waited for a core.
    const cpu = process.cpuUsage();
    return { processStartToComposeMs: this.beforeCompose, phasesMs: { ...this.#phases }, besideMs: { ...this.#beside }, sinceProcessStartMs: Math.round(performance.now()), cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
  }
}

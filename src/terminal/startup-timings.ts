/**
 * Where a terminal's start goes (#18): each phase of the composition timed, logged once as
 * "start-up timings" (debug: the screen of `hotline serve` shows its banner, not JSON) when both faces listen, with the time since the process started
 * (node itself, module loading and the identity come before the first phase).
 */
import { performance } from 'node:perf_hooks';

export class StartupTimings {
  readonly #phases: Record<string, number> = {};
  #last = performance.now();
  /** Milliseconds since the process started, when the terminal's composition began. */
  readonly beforeCompose = Math.round(performance.now());

  /** Ends the phase running since the last mark (or the start), naming it. */
  mark(phase: string): void {
    const now = performance.now();
    this.#phases[phase] = Math.round(((this.#phases[phase] ?? 0) + now - this.#last) * 10) / 10;
    this.#last = now;
  }

  /** Ends the last phase and returns the summary. */
  end(phase: string): ReturnType<StartupTimings['summary']> {
    this.mark(phase);
    return this.summary();
  }

  /** The phases so far, in milliseconds, and the time since the process started. */
  summary(): { processStartToComposeMs: number; phasesMs: Record<string, number>; sinceProcessStartMs: number } {
    return { processStartToComposeMs: this.beforeCompose, phasesMs: { ...this.#phases }, sinceProcessStartMs: Math.round(performance.now()) };
  }
}

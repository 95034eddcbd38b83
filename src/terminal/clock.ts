/** Time, injected: the terminal never reads the system clock except through a Clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Milliseconds elapsed on a clock that never steps (monotonic; any origin). Where present, a
   * step of `now()` (NTP setting a wrong clock right, or a fault setting it wrong) shows as a
   * change of `now() - elapsed()`: the escalation scheduler moves the pending deadlines with it
   * (docs/operations.md "Clocks").
   */
  elapsed?(): number;
}

/** Monotonic milliseconds of `clock`: its `elapsed()`, or its reading where it has none (timers that must not move when the clock is stepped). */
export function monotonicMs(clock: Clock): number {
  return clock.elapsed?.() ?? clock.now();
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now(), elapsed: () => performance.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  #now: number;
  #elapsed = 0;
  constructor(start: number) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  elapsed(): number {
    return this.#elapsed;
  }
  /** Time passes. */
  advance(ms: number): number {
    this.#now += ms;
    this.#elapsed += ms;
    return this.#now;
  }
  /** Time passes up to `ms`. */
  set(ms: number): void {
    this.#elapsed += ms - this.#now;
    this.#now = ms;
  }
  /** The clock is stepped by `ms` (set right or wrong) while no time passes. */
  step(ms: number): number {
    this.#now += ms;
    return this.#now;
  }
}

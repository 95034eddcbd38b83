/**
 * Alarms raised by what a peer sends (a rejected entry, an equivocation) are raised once per kind
 * and peer within a window, then summed up: a hostile or broken peer sending thousands of bad
 * entries a second must not bury the consoles (and a FLASH on them) under as many alarms, nor fill
 * the log. The first of a kind is raised and logged at once; those that follow within
 * {@link REPEAT_WINDOW_MS} are counted, and one alarm at the window's end says how many more came
 * (the window then starts again while they keep coming). What they are about is unchanged: each
 * rejected entry is still answered to its sender, each equivocation still kept as evidence.
 */
import type { EventOf, EventSink } from './event-bus.js';

/** The window within which further alarms of one kind from one peer are counted, not raised. */
export const REPEAT_WINDOW_MS = 10_000;

/** Arranges for `fn` to run `ms` from now (injectable: tests run windows by hand). */
export type Later = (fn: () => void, ms: number) => void;

const unrefLater: Later = (fn, ms) => {
  setTimeout(fn, ms).unref();
};

export interface AlarmLogger {
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

interface Window {
  /** The last alarm of the window (its message is repeated in the summary). */
  last: EventOf<'alarm'>;
  level: 'warn' | 'error';
  /** Alarms counted and not raised since the window started. */
  more: number;
}

/** Raises alarms, at most one per key and window (plus the window's summary). */
/**
 * Alarm events their raiser wrote to the log already (with more detail than the event carries):
 * the terminal's alarm logger (terminal.ts) does not write them twice.
 */
export const LOGGED_ALARMS = new WeakSet<object>();

export class RepeatedAlarms {
  readonly #events: EventSink;
  readonly #log: AlarmLogger;
  readonly #later: Later;
  readonly #windowMs: number;
  readonly #open = new Map<string, Window>();

  constructor(events: EventSink, log: AlarmLogger, options: { readonly later?: Later; readonly windowMs?: number } = {}) {
    this.#events = events;
    this.#log = log;
    this.#later = options.later ?? unrefLater;
    this.#windowMs = options.windowMs ?? REPEAT_WINDOW_MS;
  }

  /**
   * Raises `alarm` (and logs it with `fields` at `level`), or counts it when one of the same `key`
   * (say, its code and the peer it came from) was raised within the window.
   */
  raise(key: string, alarm: EventOf<'alarm'>, fields: object, level: 'warn' | 'error' = 'warn'): void {
    const open = this.#open.get(key);
    if (open) {
      open.more += 1;
      open.last = alarm;
      return;
    }
    this.#log[level]({ ...fields, code: alarm.code }, alarm.message);
    LOGGED_ALARMS.add(alarm);
    this.#events.emit(alarm);
    this.#start(key, alarm, level);
  }

  #start(key: string, last: EventOf<'alarm'>, level: 'warn' | 'error'): void {
    const window: Window = { last, level, more: 0 };
    this.#open.set(key, window);
    this.#later(() => this.#close(key, window), this.#windowMs);
  }

  #close(key: string, window: Window): void {
    if (this.#open.get(key) !== window) return;
    this.#open.delete(key);
    if (window.more === 0) return;
    const seconds = Math.round(this.#windowMs / 1000);
    const summary: EventOf<'alarm'> = { ...window.last, message: `${window.last.message} (${window.more} more like it in the last ${seconds} s)` };
    this.#log[window.level]({ code: summary.code, channel: summary.channel, peer: summary.peer, repeated: window.more }, summary.message);
    this.#events.emit(summary);
    // They may still be coming: count the next window's too.
    this.#start(key, window.last, window.level);
  }
}

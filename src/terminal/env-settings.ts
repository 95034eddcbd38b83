/**
 * Whole-number settings read from the environment (HOTLINE_RECEIPT_SPACING_MS and the like): one
 * reading for all of them, so each is refused the same way, with a message that names the variable
 * and what it takes, before the terminal starts.
 */
import { TerminalError } from './errors.js';

/** The range of a whole-number setting, what it counts, and its value when unset. */
export interface WholeSetting<D extends number | undefined> {
  /** The environment variable, as the message names it. */
  readonly name: string;
  /** What the number counts ('milliseconds', 'entries'); none: just "a whole number". */
  readonly unit?: string;
  readonly min: number;
  /** The largest value allowed; none: any from `min` up. */
  readonly max?: number;
  /** The value when the variable is unset or blank. */
  readonly fallback: D;
}

/** `value` as a whole number within the setting's range, or its fallback when unset or blank; anything else is refused (BAD_REQUEST). */
export function wholeSetting<D extends number | undefined>(value: string | undefined, setting: WholeSetting<D>): number | D {
  if (value === undefined || value.trim() === '') return setting.fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < setting.min || (setting.max !== undefined && n > setting.max)) {
    const what = `a whole number${setting.unit ? ` of ${setting.unit}` : ''}`;
    const range = setting.max === undefined ? `, at least ${setting.min}` : ` from ${setting.min} to ${setting.max}`;
    throw new TerminalError('BAD_REQUEST', { detail: `${setting.name} must be ${what}${range}, not "${value}".` });
  }
  return n;
}

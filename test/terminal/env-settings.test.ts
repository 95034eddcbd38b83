/**
 * Whole-number settings from the environment: each variable falls back when unset or blank, takes
 * a whole number within its range, and refuses anything else before the terminal starts, naming
 * the variable and what it takes.
 */
import { describe, expect, it } from 'vitest';
import { logWindowFrom } from '../../src/terminal/channels/log-memory.js';
import { wholeSetting } from '../../src/terminal/env-settings.js';

describe('whole-number settings from the environment', () => {
  const spacing = { name: 'HOTLINE_X_MS', unit: 'milliseconds', min: 0, max: 1000, fallback: 100 };

  it('falls back when unset or blank, and takes a whole number within the range', () => {
    expect(wholeSetting(undefined, spacing)).toBe(100);
    expect(wholeSetting('', spacing)).toBe(100);
    expect(wholeSetting('  ', spacing)).toBe(100);
    expect(wholeSetting('0', spacing)).toBe(0);
    expect(wholeSetting('1000', spacing)).toBe(1000);
    expect(wholeSetting(undefined, { name: 'HOTLINE_Y', min: 0, max: 64, fallback: undefined })).toBeUndefined();
  });

  it('refuses what is not a whole number within the range with BAD_REQUEST, naming the variable, its unit and its range', () => {
    for (const bad of ['-1', '1001', '2.5', 'soon', '1e400']) {
      expect(() => wholeSetting(bad, spacing)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
      expect(() => wholeSetting(bad, spacing)).toThrow(`HOTLINE_X_MS must be a whole number of milliseconds from 0 to 1000, not "${bad}".`);
    }
    expect(() => wholeSetting('65', { name: 'HOTLINE_CHECK_WORKERS', min: 0, max: 64, fallback: undefined })).toThrow('HOTLINE_CHECK_WORKERS must be a whole number from 0 to 64, not "65".');
  });

  it('states a lower bound alone where there is no upper one (HOTLINE_LOG_WINDOW)', () => {
    expect(logWindowFrom('16')).toBe(16);
    expect(logWindowFrom('1000000')).toBe(1_000_000);
    expect(() => logWindowFrom('15')).toThrow('HOTLINE_LOG_WINDOW must be a whole number of entries, at least 16, not "15".');
  });
});

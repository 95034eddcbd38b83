/** Alarms name an entry's author by its party code, not by the first characters of its key. */
import { describe, expect, it } from 'vitest';
import { withPartyCodes } from '../../../src/terminal/channels/author-labels.js';

describe('withPartyCodes', () => {
  const parties = ['TE4Ae87s9k6tV7TtYIOVFOyMS0WNyLOirMLlwmyxuEw', 'qeKYZz0-9k6tV7TtYIOVFOyMS0WNyLOirMLlwmyxuEw'];
  const label = (p: string) => (p.startsWith('TE4') ? 'RU' : 'US');
  it('rewrites each known author prefix before #seq to its code, and leaves the rest', () => {
    expect(withPartyCodes('Signature of entry TE4Ae87s#7 does not verify; see qeKYZz0-#12.', parties, label)).toBe('Signature of entry RU#7 does not verify; see US#12.');
    expect(withPartyCodes('Entry ZZZZZZZZ#3 is unknown; hash abcdef0123456789#1 stays.', parties, label)).toBe('Entry ZZZZZZZZ#3 is unknown; hash abcdef0123456789#1 stays.');
    expect(withPartyCodes('Entry TE4Ae87s#7', [...parties, 'TE4Ae87sXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'], label)).toBe('Entry TE4Ae87s#7');
  });
});

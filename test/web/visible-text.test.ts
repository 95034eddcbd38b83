/** The console shows what was signed (#14 D9): hidden and direction-changing characters as markers. */
import { expect, it } from 'vitest';
import { visiblePieces } from '../../src/web/visible-text.js';

it('splits out bidirectional overrides, zero-width and control characters, keeping the rest and newlines', () => {
  expect(visiblePieces('plain text')).toEqual(['plain text']);
  expect(visiblePieces('pay \u202Etxt.exe')).toEqual(['pay ', { code: 'U+202E' }, 'txt.exe']);
  expect(visiblePieces('a\u200Bb\u0007c\u2066d\u2069')).toEqual(['a', { code: 'U+200B' }, 'b', { code: 'U+0007' }, 'c', { code: 'U+2066' }, 'd', { code: 'U+2069' }]);
  expect(visiblePieces('line 1\nline 2\r')).toEqual(['line 1\nline 2', { code: 'U+000D' }]);
  expect(visiblePieces('中文 русский العربية')).toEqual(['中文 русский العربية']);
});

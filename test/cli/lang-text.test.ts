/** Texts in any language on the command line (#15 item 5): --title LANG=TEXT, repeated. */
import { expect, it } from 'vitest';
import { textsByLanguage } from '../../src/cli/lang-text.js';

it('reads LANG=TEXT for any language, a bare text as English, and refuses what is ambiguous', () => {
  expect(textsByLanguage('--title', ['Maritime line', 'zh=海上热线', 'ru=Морская линия', 'ar=خط بحري'])).toEqual({ en: 'Maritime line', zh: '海上热线', ru: 'Морская линия', ar: 'خط بحري' });
  expect(textsByLanguage('--title', ['en=Line = one', 'pt-BR=Linha'])).toEqual({ en: 'Line = one', 'pt-BR': 'Linha' });
  // The old --title-zh still counts, unless zh= was given.
  expect(textsByLanguage('--name', ['United States'], { zh: '美国' })).toEqual({ en: 'United States', zh: '美国' });
  expect(() => textsByLanguage('--title', ['zh=海上热线'])).toThrow(/English text/);
  expect(() => textsByLanguage('--title', ['A', 'en=B'])).toThrow(/one text per language/);
  expect(() => textsByLanguage('--title', ['A', 'ru='])).toThrow(/LANG=TEXT with a text/);
});

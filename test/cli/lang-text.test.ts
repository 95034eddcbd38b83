/** Texts in any language on the command line (#15 item 5): --title LANG=TEXT, repeated. */
import { expect, it } from 'vitest';
import { inLanguage, textsByLanguage } from '../../src/cli/lang-text.js';

it('reads LANG=TEXT for any language, a bare text as English, and refuses what is ambiguous', () => {
  expect(textsByLanguage('--title', ['Maritime line', 'zh=海上热线', 'ru=Морская линия', 'ar=خط بحري'])).toEqual({ en: 'Maritime line', zh: '海上热线', ru: 'Морская линия', ar: 'خط بحري' });
  expect(textsByLanguage('--title', ['en=Line = one', 'pt-BR=Linha'])).toEqual({ en: 'Line = one', 'pt-BR': 'Linha' });
  // The old --title-zh still counts, unless zh= was given.
  expect(textsByLanguage('--name', ['United States'], { zh: '美国' })).toEqual({ en: 'United States', zh: '美国' });
  expect(() => textsByLanguage('--title', ['A', 'en=B'])).toThrow(/one text per language/);
  expect(() => textsByLanguage('--title', ['A', 'ru='])).toThrow(/LANG=TEXT with a text/);
});

it('needs no English: parties that share none name a line in their own languages', () => {
  expect(textsByLanguage('--title', ['ru=Морская линия', 'zh=海上热线'])).toEqual({ ru: 'Морская линия', zh: '海上热线' });
  expect(() => textsByLanguage('--title', [])).toThrow(/at least one LANG=TEXT/);
});

it('shows a text in the reader\'s language, its primary subtag, English, or the first language in order', () => {
  const t = { ru: 'Морская линия', zh: '海上热线' };
  expect(inLanguage(t, 'zh-Hans')).toBe('海上热线');
  expect(inLanguage(t, 'ru')).toBe('Морская линия');
  expect(inLanguage(t, 'fr')).toBe('Морская линия');
  expect(inLanguage({ ...t, en: 'Maritime line' }, 'fr')).toBe('Maritime line');
  expect(inLanguage({}, 'en')).toBe('');
});

/**
 * The console's catalogues (src/web/locales): every key in all four languages (plural forms as
 * each language has them), the same placeholders, and an officer-API error message for each
 * stable code the console can meet, each code one that docs/errors.md documents (#15 item 5).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
type Catalogue = Record<string, unknown>;
const load = (lang: string) =>
  JSON.parse(readFileSync(join(root, 'src/web/locales', `${lang}.json`), 'utf8')) as Catalogue;
const LANGS = ['en', 'zh', 'ru', 'ar'];
const PLURAL = /_(zero|one|two|few|many|other)$/;

/** Keys (nested with dots), plural forms folded into their base key. */
function keys(c: Catalogue, prefix = ''): Set<string> {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(c)) {
    if (v && typeof v === 'object') for (const n of keys(v as Catalogue, `${prefix}${k}.`)) out.add(n);
    else out.add(`${prefix}${k.replace(PLURAL, '')}`);
  }
  return out;
}

describe('console catalogues', () => {
  const en = keys(load('en'));
  for (const lang of LANGS.slice(1))
    it(`${lang} has every key of en, and no other`, () => {
      const other = keys(load(lang));
      expect([...en].filter((k) => !other.has(k))).toEqual([]);
      expect([...other].filter((k) => !en.has(k))).toEqual([]);
    });

  it('translates the officer-API errors by their documented stable codes, in all four languages', () => {
    const docs = readFileSync(join(root, 'docs/errors.md'), 'utf8');
    const codes = Object.keys(load('en').errors as Catalogue);
    expect(codes.length).toBeGreaterThan(30);
    for (const code of codes) if (code !== 'NETWORK') expect(docs, code).toMatch(new RegExp(`\\b${code}\\b`));
    for (const lang of LANGS) {
      const errors = load(lang).errors as Record<string, string>;
      expect(Object.keys(errors)).toEqual(codes);
      for (const code of codes) expect(errors[code]!.trim(), `${lang} ${code}`).not.toBe('');
    }
  });
});

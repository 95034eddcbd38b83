/** sha256HexOfTextWithout hashes exactly the text with one range cut out, at every cut. */
import { describe, expect, it } from 'vitest';
import { sha256HexOfText, sha256HexOfTextWithout } from '../../src/protocol/encoding.js';

describe('sha256HexOfTextWithout', () => {
  it('equals the hash of the joined pieces, also where a cut splits a surrogate pair', () => {
    const t = 'ab\u00e9c\ud83d\ude00xyz中文"sig"';
    for (let from = 0; from <= t.length; from++)
      for (let to = from; to <= t.length; to++) expect(sha256HexOfTextWithout(t, from, to)).toBe(sha256HexOfText(t.slice(0, from) + t.slice(to)));
  });

  it('falls back for a text too long for its buffer', () => {
    const t = '中'.repeat(70_000);
    expect(sha256HexOfTextWithout(t, 10, 20)).toBe(sha256HexOfText(t.slice(0, 10) + t.slice(20)));
  });
});

import fc from 'fast-check';
import canonicalizeModule from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalize, isCanonicalJson, parseEntry, sealEntry } from '../../src/protocol/index.js';
import { makeParty, T0 } from '../../src/testkit/scenario.js';

const reference = canonicalizeModule as unknown as (value: unknown) => string | undefined;

describe('canonicalize', () => {
  it('gives exactly the RFC 8785 reference text for any JSON value, whatever the member order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalize(value)).toBe(reference(value));
        // The same value parsed back from canonical text (members already ordered) takes the fast path.
        expect(canonicalize(JSON.parse(reference(value)!))).toBe(reference(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('orders members by UTF-16 code units and handles array-index-like keys', () => {
    const value = { b: 1, a: [{ z: null, y: 'é' }], '10': true, '2': false, '\u{1F600}': 1, '\uFB33': 2 };
    expect(canonicalize(value)).toBe(reference(value));
  });
});

describe('sealEntry', () => {
  const us = makeParty('US', { en: 'United States' });
  it('writes the canonical text of the signed entry, whatever the body holds (even text that looks like a member)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 1e6 }), (text, seq) => {
        const sealed = sealEntry(
          {
            author: us.id,
            channel: 'a'.repeat(64),
            key: us.terminal.publicKey,
            seq,
            prev: seq === 1 ? null : 'b'.repeat(64),
            heads: {},
            time: T0 + seq,
            kind: 'message',
            body: { text: `${text},"time":1,"v":1}`, lang: 'en', precedence: 'ROUTINE' },
          } as Parameters<typeof sealEntry>[0],
          us.terminal,
        );
        expect(sealed.raw).toBe(canonicalize(sealed.entry));
        const parsed = parseEntry(sealed.raw);
        expect(parsed.ok && parsed.sealed.hash).toBe(sealed.hash);
      }),
      { numRuns: 300, seed: 8785 },
    );
  });
});

describe('isCanonicalJson', () => {
  /** Does any member name need an escape (then isCanonicalJson leaves the decision to canonicalize)? */
  const escapedName = (value: unknown): boolean => {
    if (value === null || typeof value !== 'object') return false;
    if (Array.isArray(value)) return value.some(escapedName);
    return Object.entries(value).some(([k, v]) => JSON.stringify(k).includes('\\') || escapedName(v));
  };
  const agrees = (text: string) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      expect(isCanonicalJson(text)).toBe(false);
      return;
    }
    let canonical: string | undefined;
    try {
      canonical = reference(value);
    } catch {
      canonical = undefined;
    }
    const fast = isCanonicalJson(text);
    // Never says canonical when it is not; says so whenever it is, except for escaped member names.
    if (fast) expect(canonical).toBe(text);
    // (A lone surrogate, which canonical text escapes as \udxxx, is left to canonicalize too.)
    else if (!escapedName(value) && !/\\u[dD][89a-fA-F]/.test(text)) expect(canonical === text, text).toBe(false);
  };

  it('recognises the reference text of any JSON value', () => {
    // Strings of any code unit (control characters, lone surrogates) as well as ordinary ones.
    const values = fc.oneof(fc.jsonValue(), fc.jsonValue({ stringUnit: 'binary' }), fc.jsonValue({ stringUnit: fc.string({ unit: 'binary', maxLength: 1 }) }));
    fc.assert(
      fc.property(values, (value) => {
        const text = reference(value)!;
        if (!/\\u[dD][89a-fA-F]/.test(text)) expect(isCanonicalJson(text)).toBe(!escapedName(value));
        agrees(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with canonicalize on damaged and reordered texts', () => {
    const edits = fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '0', '-', '.', 'e', 'E', '+', '"', '\\', ',', ':', '{', '}', '[', ']', 'a', '\u007f', '\u0001', '\uD800', '\uDC00', 'é', '1'), fc.boolean()), { maxLength: 3 });
    fc.assert(
      fc.property(fc.jsonValue(), edits, (value, changes) => {
        let text = reference(value)!;
        for (const [at, ch, replace] of changes) {
          const k = text.length === 0 ? 0 : at % text.length;
          text = text.slice(0, k) + ch + text.slice(replace ? k + 1 : k);
        }
        agrees(text);
        agrees(JSON.stringify(value));
        agrees(JSON.stringify(value, null, 1));
      }),
      { numRuns: 3000 },
    );
  });

  it('decides numbers, escapes and member order as RFC 8785 does', () => {
    const cases = [
      '0', '-0', '1', '-1', '01', '1.0', '0.1', '1e21', '1e+21', '1E+21', '1e400', '-1e-7', '1e-7', '123456789012345678', '100000000000000000000', '999999999999999',
      '"\\u001f"', '"\\u001F"', '"\\u0041"', '"\\/"', '"\\n"', '"\\u000a"', '"\u007f"', '"\u2028"', '"😀"', '"\uD83D"', '"\\ud83d"',
      '{"a":1,"b":2}', '{"b":1,"a":2}', '{"a":1,"a":2}', '{"10":1,"2":2}', '{"2":1,"10":2}', '{"é":1,"😀":2,"דּ":3}', '{"דּ":1,"😀":2}', '{"__proto__":1}',
      '[1,2]', '[1, 2]', ' 1', '1 ', 'true', 'nul', '{}', '[]', '[{}]', '{"a":[]}', '"a"x',
    ];
    for (const text of cases) agrees(text);
    expect(isCanonicalJson('{"a":1,"b":[true,false,null,-1.5,"x\\n"]}')).toBe(true);
    expect(isCanonicalJson('{"é":1,"😀":2,"דּ":3}')).toBe(true);
    expect(isCanonicalJson('{"דּ":1,"😀":2}')).toBe(false);
    expect(isCanonicalJson('[1, 2]')).toBe(false);
    expect(isCanonicalJson('-0')).toBe(false);
    expect(isCanonicalJson('1e+21')).toBe(true);
    expect(isCanonicalJson('['.repeat(200_000))).toBe(false);
  });
});

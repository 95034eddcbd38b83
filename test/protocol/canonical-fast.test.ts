import fc from 'fast-check';
import canonicalizeModule from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/protocol/index.js';

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

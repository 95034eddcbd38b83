import fc from 'fast-check';
import canonicalizeModule from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalize, parseEntry, sealEntry } from '../../src/protocol/index.js';
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

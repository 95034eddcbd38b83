/**
 * Properties of the verifier and the canonical encoding (docs/protocol.md §2, §8.2), checked with
 * fast-check on bundles built by the deterministic scenario builder.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize, reportJson, verifyBundle, type ProtocolErrorCode } from '../../src/protocol/index.js';
import { Scenario, bilateralScenario, makeCharter } from '../../src/testkit/scenario.js';

const s = bilateralScenario(3);
const bundle = s.bundle();
const lines = bundle.split('\n').slice(0, -1);
/** Line 0 is the header, lines 1..2 the cards, the rest entries (index 3 is the proposal). */
const FIRST_ENTRY = 1 + s.parties.length;
const entryLines = lines.slice(FIRST_ENTRY);

/**
 * A flipped byte is caught at one of these stages, and the report's first error comes from it or
 * from its consequence:
 *  - the line no longer parses as JSON, or parses to a non-entry: BUNDLE_MALFORMED_LINE,
 *    ENTRY_MALFORMED (also a broken key name, a character outside a pattern, a non-UTF-8 byte in
 *    a hash), ENTRY_UNSUPPORTED_VERSION ("v" changed), ENTRY_NON_CANONICAL (e.g. a digit turned
 *    into a space, or a key now out of order);
 *  - the content changed but still parses: the hash changes, so ENTRY_BAD_SIGNATURE;
 *  - the "channel" changed to another hex id: ENTRY_WRONG_CHANNEL (checked before signatures);
 *  - the "author" changed to another well-formed key, for which the bundle has no card:
 *    BUNDLE_MISSING_CARD (card problems are reported before entry problems);
 *  - a damaged entry in the middle of a log is dropped, so the entries that follow it report
 *    ENTRY_SEQUENCE_GAP or ENTRY_UNKNOWN_DEPENDENCY, which sort before line errors and may sort
 *    before the damaged entry's own error (entry errors are ordered by author, then sequence);
 *  - the proposal itself damaged: BUNDLE_MISSING_PROPOSAL;
 *  - the byte became a control character or invalid UTF-8 (made U+FFFD here, then a broken hash
 *    or text): BUNDLE_BAD_ENCODING for a control character, which stops everything;
 *  - a member name turned into its neighbour's (t1 into t2): JSON_DUPLICATE_MEMBER; a backslash
 *    made before "ud8..": JSON_LONE_SURROGATE.
 */
const FLIP_CODES = new Set<ProtocolErrorCode>([
  'BUNDLE_MALFORMED_LINE',
  'ENTRY_MALFORMED',
  'ENTRY_UNSUPPORTED_VERSION',
  'ENTRY_NON_CANONICAL',
  'ENTRY_BAD_SIGNATURE',
  'ENTRY_WRONG_CHANNEL',
  'BUNDLE_MISSING_CARD',
  'ENTRY_SEQUENCE_GAP',
  'ENTRY_UNKNOWN_DEPENDENCY',
  'BUNDLE_MISSING_PROPOSAL',
  'BUNDLE_BAD_ENCODING',
  'JSON_DUPLICATE_MEMBER',
  'JSON_LONE_SURROGATE',
]);

function withEntries(entries: readonly string[]): string {
  return `${[...lines.slice(0, FIRST_ENTRY), ...entries].join('\n')}\n`;
}

describe('verifier properties', () => {
  it('the unmodified bundle is valid', () => {
    expect(verifyBundle(bundle).valid).toBe(true);
  });

  it('detects any flipped byte in any entry line', () => {
    fc.assert(
      fc.property(fc.nat({ max: entryLines.length - 1 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (which, at, mask) => {
        const bytes = Buffer.from(entryLines[which]!, 'utf8');
        const i = at % bytes.length;
        bytes[i] = bytes[i]! ^ mask;
        const copy = [...entryLines];
        copy[which] = bytes.toString('utf8');
        const r = verifyBundle(withEntries(copy));
        expect(r.valid).toBe(false);
        expect(FLIP_CODES).toContain(r.firstError!.code);
      }),
      { numRuns: 600 },
    );
  });

  it('detects dropping an entry that a later entry chains to', () => {
    // Every entry but the proposal (index 0) and the last one (CN#6, which nothing names) is the
    // predecessor of a later entry of its author or named by another author's heads.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: entryLines.length - 2 }), (drop) => {
        const r = verifyBundle(withEntries(entryLines.filter((_, i) => i !== drop)));
        expect(r.valid).toBe(false);
        expect(['ENTRY_SEQUENCE_GAP', 'ENTRY_UNKNOWN_DEPENDENCY']).toContain(r.firstError!.code);
      }),
      { numRuns: 30 },
    );
  });

  it('detects an entry spliced in from another channel', () => {
    const other = new Scenario(s.parties);
    other.propose(makeCharter(s.parties, { title: { en: 'Another line', zh: '另一条热线' } }));
    other.acceptAll();
    other.message(s.parties[0]!, 'For the other line.');
    const foreign = other.entries.map((x) => x.raw);
    fc.assert(
      fc.property(fc.nat({ max: foreign.length - 1 }), fc.nat({ max: entryLines.length }), (which, at) => {
        const copy = [...entryLines];
        copy.splice(at, 0, foreign[which]!);
        const r = verifyBundle(withEntries(copy));
        expect(r.valid).toBe(false);
        expect(r.firstError!.code).toBe('ENTRY_WRONG_CHANNEL');
      }),
      { numRuns: 50 },
    );
  });

  it('gives the same verdict and the same JSON report whatever the order of entry lines', () => {
    const expected = reportJson(verifyBundle(bundle));
    fc.assert(
      fc.property(fc.shuffledSubarray(entryLines, { minLength: entryLines.length, maxLength: entryLines.length }), (shuffled) => {
        expect(reportJson(verifyBundle(withEntries(shuffled)))).toBe(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('gives the same verdict and first error code for a shuffled invalid bundle', () => {
    const broken = entryLines.filter((_, i) => i !== 4);
    const expected = verifyBundle(withEntries(broken));
    expect(expected.valid).toBe(false);
    fc.assert(
      fc.property(fc.shuffledSubarray(broken, { minLength: broken.length, maxLength: broken.length }), (shuffled) => {
        const r = verifyBundle(withEntries(shuffled));
        expect(r.valid).toBe(false);
        expect(r.firstError!.code).toBe(expected.firstError!.code);
        expect(r.errors.map((e) => [e.code, e.author, e.seq])).toEqual(expected.errors.map((e) => [e.code, e.author, e.seq]));
      }),
      { numRuns: 50 },
    );
  });
});

describe('canonical encoding', () => {
  it('round-trips: canonicalize(JSON.parse(canonicalize(x))) === canonicalize(x)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (x) => {
        const c = canonicalize(x);
        expect(canonicalize(JSON.parse(c))).toBe(c);
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on the order of object members', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 8 }), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalize(reversed)).toBe(canonicalize(obj));
      }),
      { numRuns: 200 },
    );
  });
});

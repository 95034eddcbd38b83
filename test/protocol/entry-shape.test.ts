/**
 * The envelope's quick check (src/protocol/entry-shape.ts) says "valid" only when the compiled
 * schema does, and says it for real entries; mutated envelopes are left to the schema.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envelopeShapeOk } from '../../src/protocol/entry-shape.js';
import { validateEnvelope } from '../../src/protocol/schemas.js';
import { bilateralScenario } from '../../src/testkit/scenario.js';

const entries = bilateralScenario().entries.map((x) => JSON.parse(x.raw) as Record<string, unknown>);

const member = fc.constantFrom('v', 'channel', 'author', 'key', 'seq', 'prev', 'heads', 'time', 'kind', 'body', 'sig', '__proto__', 'extra');
const oddValue = fc.oneof(
  fc.constantFrom<unknown>(null, 0, -1, 1, 1.5, 2, 3, -0, 2 ** 53, 2 ** 53 - 1, 253_402_300_799_999, 253_402_300_800_000, '', 'message', 'nope', [], {}, true),
  fc.string(),
  fc.stringMatching(/^[0-9a-fA-F]{63,65}$/),
  fc.stringMatching(/^[A-Za-z0-9_+/=-]{42,44}$/),
  fc.stringMatching(/^[A-Za-z0-9_+/=-]{85,87}$/),
  fc.dictionary(fc.string(), fc.anything()),
  fc.anything(),
);

describe('envelopeShapeOk', () => {
  it('accepts the envelopes of real entries', () => {
    for (const e of entries) {
      expect(validateEnvelope.check(e)).toBe(true);
      expect(envelopeShapeOk(e)).toBe(true);
    }
  });

  it('accepts nothing the schema rejects (members replaced, added or removed)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...entries), fc.array(fc.tuple(member, oddValue, fc.boolean()), { minLength: 1, maxLength: 3 }), (base, edits) => {
        const e: Record<string, unknown> = JSON.parse(JSON.stringify(base));
        for (const [k, v, remove] of edits) {
          if (remove) delete e[k];
          else if (k === 'heads' && v !== null && typeof v === 'object' && !Array.isArray(v)) e.heads = { ...(base.heads as object), ...v };
          else Object.defineProperty(e, k, { value: v, enumerable: true, writable: true, configurable: true });
        }
        if (envelopeShapeOk(e)) expect(validateEnvelope.check(e)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects what the schema rejects in heads', () => {
    const base = entries.find((e) => Object.keys(e.heads as object).length > 0)!;
    const [k, head] = Object.entries(base.heads as Record<string, { seq: number; hash: string }>)[0]!;
    const bad = [
      { [k]: { ...head, seq: 0 } },
      { [k]: { ...head, hash: head.hash.toUpperCase() } },
      { [k]: { ...head, extra: 1 } },
      { [`${k}=`]: head },
      { [k]: [head] },
      Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`${String(i).padStart(2, '0')}${k.slice(2)}`, head])),
    ];
    for (const heads of bad) {
      const e = { ...base, heads };
      expect(validateEnvelope.check(e)).toBe(false);
      expect(envelopeShapeOk(e)).toBe(false);
    }
  });
});

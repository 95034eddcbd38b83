/** fast-check arbitraries of valid field sets for any format definition (docs/protocol.md §13.3). */
import fc from 'fast-check';
import { DESIGNATION_KINDS, RADIUS_UNITS, type FieldSpec, type FormatDefinition } from '../../src/protocol/index.js';

const noNegZero = (n: number) => (Object.is(n, -0) ? 0 : n);
const lat = fc.double({ min: -90, max: 90, noNaN: true }).map(noNegZero);
const lon = fc.double({ min: -180, max: 180, noNaN: true }).map(noNegZero);
export const positionArb = fc.record({ lat, lon });
/** Any text but the marks the rendering test looks for (a placeholder, the absent-value dash, "undefined"). */
const text = (max: number) => fc.string({ minLength: 1, maxLength: Math.min(max, 40), unit: 'grapheme' }).filter((s) => [...s].length <= max && !/[{}—]|undefined/.test(s));

/** A convex polygon: points on a circle at increasing angles, closed. Never self-intersecting. */
const polygonArb = fc
  .record({ lat: fc.double({ min: -60, max: 60, noNaN: true }), lon: fc.double({ min: -170, max: 170, noNaN: true }), n: fc.integer({ min: 3, max: 12 }), r: fc.double({ min: 0.01, max: 5, noNaN: true }) })
  .map(({ lat: a, lon: o, n, r }) => {
    const pts = Array.from({ length: n }, (_, i) => ({ lat: noNegZero(a + r * Math.sin((2 * Math.PI * i) / n)), lon: noNegZero(o + r * Math.cos((2 * Math.PI * i) / n)) }));
    return { polygon: [...pts, pts[0]!] };
  });
const circleArb = fc.record({
  circle: fc.record({ centre: positionArb, radius: fc.double({ min: 0.001, max: 10_000, noNaN: true }), unit: fc.constantFrom(...RADIUS_UNITS) }),
});
const datetimeArb = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString().replace('.000Z', 'Z'));

function valueArb(f: FieldSpec): fc.Arbitrary<unknown> {
  switch (f.type) {
    case 'text':
      return fc.record({ lang: fc.constantFrom('en', 'zh', 'ru', 'ar', 'zh-Hans'), text: text(f.maxLength ?? 2000) });
    case 'free-text':
      return text(f.maxLength ?? 2000);
    case 'number': {
      const min = f.minimum ?? -1e9;
      const max = f.maximum ?? 1e9;
      return f.integer ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true }).map(noNegZero);
    }
    case 'duration':
      return fc.integer({ min: f.minimum ?? 0, max: f.maximum ?? 1e9 });
    case 'enum':
      return fc.constantFrom(...f.values!);
    case 'datetime':
      return datetimeArb;
    case 'position':
      return positionArb;
    case 'area':
      return fc.oneof(circleArb, polygonArb);
    case 'designation':
      return fc.record({ kind: fc.constantFrom(...DESIGNATION_KINDS), name: text(200), id: text(100) }, { requiredKeys: ['kind', 'name'] });
  }
}

/** Valid fields of `def`: required ones always, optional ones sometimes (always with allOptional). */
export function fieldsArbitrary(def: FormatDefinition, opts: { allOptional?: boolean } = {}): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.fromEntries(
    def.fields.map((f) => [f.name, f.many ? fc.array(valueArb(f), { minLength: 1, maxLength: Math.min(f.many, 4) }) : valueArb(f)]),
  );
  const required = def.fields.filter((f) => f.required || opts.allOptional).map((f) => f.name);
  return fc.record(entries, { requiredKeys: required }) as fc.Arbitrary<Record<string, unknown>>;
}

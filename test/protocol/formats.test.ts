/**
 * Agreed formats (docs/protocol.md §13): the shipped library, field checks (every rule), rendering,
 * and properties: every shipped format renders in every shipped language with no missing label;
 * random valid field sets round-trip through canonical JSON and stay valid.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SHIPPED_LANGUAGES,
  checkFields,
  checkFormatDefinition,
  canonicalize,
  dtg,
  formatHash,
  renderMessage,
  selfIntersection,
  shippedFormats,
  toDms,
  toMgrs,
  type FieldSpec,
  type FormatDefinition,
} from '../../src/protocol/index.js';
import { fieldsArbitrary } from './format-arbitraries.js';
import { LAUNCH_FIELDS, SQUARE } from './format-fixtures.js';

const defs = [...shippedFormats().values()];
const byId = (id: string) => defs.find((d) => d.id === id)!;
const launch = byId('launch-notification');

const square = SQUARE;
const launchFields = LAUNCH_FIELDS;

describe('the shipped library', () => {
  it('has the formats the issue lists, each checked, in en, zh and ru at least', () => {
    expect(defs.map((d) => d.id).sort()).toEqual(
      ['call-request', 'cyber-incident', 'exercise-notice', 'incident-report', 'launch-notification', 'safety-notice', 'sar-request', 'standard-phrase', 'unplanned-encounter'],
    );
    for (const d of defs) {
      expect(checkFormatDefinition(d)).toBeUndefined();
      expect(Object.keys(d.languages)).toEqual(expect.arrayContaining(['en', 'zh', 'ru']));
    }
    expect([...SHIPPED_LANGUAGES]).toEqual(['en', 'zh', 'ru']);
  });

  it('is identified by the hash of the canonical JSON: one changed label is another format', () => {
    const copy = JSON.parse(JSON.stringify(launch)) as FormatDefinition;
    expect(formatHash(copy)).toBe(formatHash(launch));
    copy.languages.en!.title = 'Launch notice';
    expect(formatHash(copy)).not.toBe(formatHash(launch));
  });

  it('refuses a definition with a missing label, an unknown placeholder, or a duplicate field', () => {
    const copy = JSON.parse(JSON.stringify(launch)) as FormatDefinition;
    delete (copy.languages.ru!.fields as Record<string, string>).vehicle;
    expect(checkFormatDefinition(copy)).toMatch(/languages\.ru\.fields: no label for "vehicle"/);
    const t = JSON.parse(JSON.stringify(launch)) as FormatDefinition;
    t.languages.zh!.template += '\n{nothing}';
    expect(checkFormatDefinition(t)).toMatch(/\{nothing\} is not a field/);
    const v = JSON.parse(JSON.stringify(launch)) as FormatDefinition;
    delete (v.languages.en!.values.launch_type as Record<string, string>)['space-launch'];
    expect(checkFormatDefinition(v)).toMatch(/no label for "space-launch"/);
    const dup = JSON.parse(JSON.stringify(launch)) as FormatDefinition;
    dup.fields.push({ ...dup.fields[0]! });
    expect(checkFormatDefinition(dup)).toMatch(/named twice/);
  });
});

describe('field rules, each named with the field', () => {
  const bad = (fields: Record<string, unknown>, def: FormatDefinition = launch) => checkFields(def, fields);
  const polygon = (pts: { lat: number; lon: number }[]) => ({ ...launchFields, impact_area: [{ polygon: pts }] });
  it('accepts a valid launch notification', () => expect(bad(launchFields)).toBeUndefined());
  it.each<[string, Record<string, unknown>, string, string, FormatDefinition?]>([
    ['a missing required field', { ...launchFields, window_end: undefined }, 'window_end', 'required'],
    ['an unknown field', { ...launchFields, colour: 'red' }, 'colour', 'unknown-field'],
    ['an enumeration value not listed', { ...launchFields, launch_type: 'cruise-missile' }, 'launch_type', 'enum'],
    ['a date that is not UTC ISO 8601', { ...launchFields, window_start: '2026-12-03 12:00' }, 'window_start', 'datetime'],
    ['a date that does not exist', { ...launchFields, window_start: '2026-02-30T12:00:00Z' }, 'window_start', 'datetime'],
    ['a latitude out of range', { ...launchFields, launch_area: { circle: { centre: { lat: 91, lon: 0 }, radius: 1, unit: 'km' } } }, 'launch_area.circle.centre.lat', 'latitude'],
    ['a longitude out of range', { ...launchFields, launch_area: { circle: { centre: { lat: 0, lon: -180.5 }, radius: 1, unit: 'km' } } }, 'launch_area.circle.centre.lon', 'longitude'],
    ['a radius of zero', { ...launchFields, launch_area: { circle: { centre: { lat: 0, lon: 0 }, radius: 0, unit: 'km' } } }, 'launch_area.circle.radius', 'radius'],
    ['an open polygon', polygon(square.slice(0, 4).concat([{ lat: 30.5, lon: 130 }])), 'impact_area[0].polygon', 'polygon-closed'],
    ['a polygon of too few points', polygon([square[0]!, square[1]!, square[0]!]), 'impact_area[0].polygon', 'polygon-points'],
    ['a self-intersecting polygon (a bow tie)', polygon([{ lat: 30, lon: 130 }, { lat: 31, lon: 131 }, { lat: 30, lon: 131 }, { lat: 31, lon: 130 }, { lat: 30, lon: 130 }]), 'impact_area[0].polygon', 'polygon-self-intersecting'],
    ['a list where the format wants a list of 1..10', { ...launchFields, impact_area: { polygon: square } }, 'impact_area', 'many'],
    ['text without its language', { ...launchFields, remarks: 'hello' }, 'remarks', 'type'],
    ['text with a bad language tag', { ...launchFields, remarks: { lang: 'English', text: 'x' } }, 'remarks.lang', 'language'],
    ['text too long', { ...launchFields, vehicle: 'x'.repeat(201) }, 'vehicle', 'max-length'],
    ['a number below its minimum', { time: '2026-12-03T12:00:00Z', own_unit: { kind: 'vessel', name: 'A' }, own_position: { lat: 1, lon: 1 }, other_unit: { kind: 'aircraft', name: 'B' }, other_position: { lat: 1, lon: 1.1 }, closest_approach: -5, actions_taken: { lang: 'en', text: 'x' }, request: 'none' }, 'closest_approach', 'minimum', byId('unplanned-encounter')],
    ['a designation of an unknown kind', { time: '2026-12-03T12:00:00Z', own_unit: { kind: 'tank', name: 'A' }, own_position: { lat: 1, lon: 1 }, other_unit: { kind: 'aircraft', name: 'B' }, other_position: { lat: 1, lon: 1.1 }, actions_taken: { lang: 'en', text: 'x' }, request: 'none' }, 'own_unit.kind', 'designation-kind', byId('unplanned-encounter')],
    ['a fractional count', { name: 'X', area: [{ polygon: square }], start: '2026-12-03T12:00:00Z', end: '2026-12-04T12:00:00Z', scale: 'large', personnel: 10.5 }, 'personnel', 'integer', byId('exercise-notice')],
    ['a number above its maximum', { name: 'X', area: [{ polygon: square }], start: '2026-12-03T12:00:00Z', end: '2026-12-04T12:00:00Z', scale: 'large', personnel: 1e9 }, 'personnel', 'maximum', byId('exercise-notice')],
  ])('refuses %s', (_what, fields, field, rule, def) => {
    const p = bad(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)), def);
    expect(p).toMatchObject({ field, rule });
    expect(p!.detail.length).toBeGreaterThan(0);
  });

  it('finds crossings, spikes and repeated corners in rings', () => {
    expect(selfIntersection(square)).toBeUndefined();
    expect(selfIntersection([{ lat: 0, lon: 0 }, { lat: 0, lon: 2 }, { lat: 0, lon: 1 }, { lat: 0, lon: 0 }])).toBeDefined();
    expect(selfIntersection([{ lat: 0, lon: 0 }, { lat: 0, lon: 0 }, { lat: 1, lon: 1 }, { lat: 0, lon: 1 }, { lat: 0, lon: 0 }])).toBeDefined();
  });
});

describe('rendering', () => {
  it('shows positions as decimal degrees, DMS and MGRS, and times as ISO 8601 and DTG', () => {
    expect(toDms({ lat: 38.8897, lon: -77.0088 })).toBe('38°53′22.9″N 077°00′31.7″W');
    expect(toMgrs({ lat: 38.8897, lon: -77.0088 })).toBe('18SUJ2577706454');
    expect(toMgrs({ lat: 89, lon: 0 })).toBeUndefined();
    expect(dtg(Date.parse('2026-12-03T12:00:00Z'))).toBe('031200ZDEC26');
    const r = renderMessage(launch, launchFields, 'zh');
    expect(r.lang).toBe('zh');
    expect(r.title).toBe('发射通报');
    expect(r.text).toContain('发射类型: 弹道导弹发射');
    expect(r.text).toContain('2026-12-03T12:00:00Z (031200ZDEC26)');
    expect(r.text).toContain('MGRS');
    expect(r.text).not.toContain('{');
    expect(r.text).not.toContain('备注'); // an absent optional field's line is left out
  });

  it('falls back to the base language, then English', () => {
    expect(renderMessage(launch, launchFields, 'ru-RU').lang).toBe('ru');
    expect(renderMessage(launch, launchFields, 'ar').lang).toBe('en');
  });

  it('renders a standard phrase in the reader\'s language', () => {
    const phrase = byId('standard-phrase');
    expect(renderMessage(phrase, { phrase: 'pass-astern' }, 'en').text).toBe('I intend to pass astern of you.');
    expect(renderMessage(phrase, { phrase: 'pass-astern' }, 'zh').text).toBe('我准备从你船尾通过。');
    expect(renderMessage(phrase, { phrase: 'pass-astern' }, 'ru').text).toBe('Намерен пройти у вас по корме.');
  });
});

describe('properties', () => {
  const LANGS = [...SHIPPED_LANGUAGES];
  it('every shipped format renders in every shipped language with no missing label', () => {
    for (const def of defs) {
      fc.assert(
        fc.property(fieldsArbitrary(def, { allOptional: true }), fc.constantFrom(...LANGS), (fields, lang) => {
          expect(checkFields(def, fields)).toBeUndefined();
          const r = renderMessage(def, fields, lang);
          expect(r.lang).toBe(lang);
          expect(r.text).not.toMatch(/\{[a-z_]+(:label)?\}|undefined|—/);
          for (const f of r.fields) {
            expect(f.label).not.toBe(f.name);
            expect(f.value.length).toBeGreaterThan(0);
          }
          // every enumeration code and designation kind in a value shows as a label, not a code
          for (const spec of def.fields as FieldSpec[]) {
            if (spec.type !== 'enum' || fields[spec.name] === undefined) continue;
            for (const code of ([] as unknown[]).concat(fields[spec.name])) expect(def.languages[lang]!.values[spec.name]![code as string]).toBeDefined();
          }
        }),
        { numRuns: 40 },
      );
    }
  });

  it('random valid field sets round-trip through canonical JSON and stay valid', () => {
    for (const def of defs) {
      fc.assert(
        fc.property(fieldsArbitrary(def), (fields) => {
          expect(checkFields(def, fields)).toBeUndefined();
          const text = canonicalize(fields);
          const back = JSON.parse(text) as Record<string, unknown>;
          expect(back).toEqual(fields);
          expect(canonicalize(back)).toBe(text);
          expect(checkFields(def, back)).toBeUndefined();
        }),
        { numRuns: 60 },
      );
    }
  });
});

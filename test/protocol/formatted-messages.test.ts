/**
 * Formatted messages on a channel (docs/protocol.md §13.3, §13.5): the charter lists the agreed
 * formats; the channel log refuses a message in a format not listed (FORMAT_NOT_AGREED) and one
 * whose fields break the definition (FORMAT_FIELDS_INVALID, naming field and rule); the verifier
 * checks every formatted message against the definitions the bundle carries.
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalize,
  checkEntryValue,
  composeEntry,
  formatRef,
  shippedFormats,
  verifyBundle,
  type BodyOf,
  type FormatDefinition,
} from '../../src/protocol/index.js';
import { Scenario, makeCharter, makeParty } from '../../src/testkit/scenario.js';
import { LAUNCH_FIELDS } from './format-fixtures.js';

const defs = [...shippedFormats().values()];
const byId = (id: string) => defs.find((d) => d.id === id)!;
const launch = byId('launch-notification');
const phrase = byId('standard-phrase');
const exercise = byId('exercise-notice');

const launchFields = { ...LAUNCH_FIELDS, launch_type: 'space-launch', launch_area: { circle: { centre: { lat: 19.6, lon: 110.95 }, radius: 15, unit: 'km' } } };

function channel(formats: FormatDefinition[] = [launch, phrase]) {
  const us = makeParty('US', { en: 'United States', zh: '美国' });
  const cn = makeParty('CN', { en: 'China', zh: '中国' });
  const s = new Scenario([us, cn]);
  s.propose(makeCharter([us, cn], { formats: formats.map(formatRef) }));
  s.acceptAll();
  return { s, us, cn };
}

const formatted = (def: FormatDefinition, fields: Record<string, unknown>): BodyOf<'message'> => ({
  text: 'see fields',
  lang: 'en',
  precedence: def.precedence,
  format: formatRef(def),
  fields,
});

describe('formatted messages in the channel log', () => {
  it('accepts a message in an agreed format with valid fields', () => {
    const { s, us, cn } = channel();
    const m = s.write(us, 'message', formatted(launch, launchFields));
    expect(m.entry.body.format?.id).toBe('launch-notification');
    s.write(cn, 'message', { ...formatted(phrase, { phrase: 'understood' }), replyTo: m.hash });
  });

  it('refuses a format the charter does not list, or lists at another hash', () => {
    const { s, us } = channel();
    const notListed = composeEntry(s.log, us.terminal, us.id, 'message', formatted(exercise, {}), s.tick());
    expect(s.log.ingest(notListed)).toMatchObject({ status: 'rejected', error: { code: 'FORMAT_NOT_AGREED' } });
    const otherHash = composeEntry(s.log, us.terminal, us.id, 'message', { ...formatted(launch, launchFields), format: { ...formatRef(launch), hash: 'ab'.repeat(32) } }, s.tick());
    expect(s.log.ingest(otherHash)).toMatchObject({ status: 'rejected', error: { code: 'FORMAT_NOT_AGREED' } });
  });

  it('refuses fields that break the definition, naming the field and the rule', () => {
    const { s, us } = channel();
    const bad = composeEntry(s.log, us.terminal, us.id, 'message', formatted(launch, { ...launchFields, launch_area: { circle: { centre: { lat: 95, lon: 0 }, radius: 1, unit: 'km' } } }), s.tick());
    const r = s.log.ingest(bad);
    expect(r).toMatchObject({ status: 'rejected', error: { code: 'FORMAT_FIELDS_INVALID', details: { field: 'launch_area.circle.centre.lat', rule: 'latitude' } } });
    expect(r.status === 'rejected' && r.error.message).toMatch(/launch_area\.circle\.centre\.lat.*latitude/);
  });

  it('refuses a message whose agreed definition is not held', () => {
    const custom: FormatDefinition = { ...JSON.parse(JSON.stringify(phrase)), version: 2 };
    const { s, us } = channel([launch, custom]);
    const m = composeEntry(s.log, us.terminal, us.id, 'message', formatted(custom, { phrase: 'understood' }), s.tick());
    expect(s.log.ingest(m)).toMatchObject({ status: 'rejected', error: { code: 'FORMAT_UNKNOWN' } });
  });

  it('an entry with format and no fields (or the reverse) is malformed', () => {
    const { s, us } = channel();
    const m = composeEntry(s.log, us.terminal, us.id, 'message', formatted(launch, launchFields), s.tick());
    const value = JSON.parse(m.raw) as { body: Record<string, unknown> };
    delete value.body.fields;
    expect(checkEntryValue(value, canonicalize(value))).toMatchObject({ ok: false, error: { code: 'ENTRY_MALFORMED' } });
  });

  it('a charter that lists one format version twice is invalid', () => {
    const us = makeParty('US', { en: 'United States' });
    const cn = makeParty('CN', { en: 'China' });
    const s = new Scenario([us, cn]);
    expect(() => s.propose(makeCharter([us, cn], { formats: [formatRef(launch), formatRef(launch)] }))).toThrow(/listed twice/);
  });
});

describe('the verifier and formatted messages', () => {
  it('verifies a bundle that carries the definitions its messages use, and reports their fields', () => {
    const { s, us, cn } = channel();
    const m = s.write(us, 'message', formatted(launch, launchFields));
    s.receipt(cn);
    s.ack(cn, m);
    const report = verifyBundle(s.bundle(s.entries, [launch, phrase]));
    expect(report.firstError).toBeNull();
    expect(report.valid).toBe(true);
    expect(report.messages[0]).toMatchObject({ format: formatRef(launch), fields: launchFields });
  });

  it('refuses a formatted message when the bundle lacks its definition, or carries an altered one', () => {
    const { s, us } = channel();
    s.write(us, 'message', formatted(launch, launchFields));
    expect(verifyBundle(s.bundle(s.entries, [])).firstError?.code).toBe('FORMAT_UNKNOWN');
    const altered = JSON.parse(JSON.stringify(launch)) as FormatDefinition;
    altered.languages.en!.fields.launch_area = 'Splashdown area';
    expect(verifyBundle(s.bundle(s.entries, [altered])).firstError?.code).toBe('FORMAT_UNKNOWN');
  });

  it('rejects a formatted message signed with fields that break the definition', () => {
    const { s, us } = channel();
    // A faulty or hostile terminal signs what its own checks would refuse: a bow-tie polygon.
    const bowTie = [{ lat: 30, lon: 130 }, { lat: 31, lon: 131 }, { lat: 30, lon: 131 }, { lat: 31, lon: 130 }, { lat: 30, lon: 130 }];
    const bad = composeEntry(s.log, us.terminal, us.id, 'message', formatted(launch, { ...launchFields, impact_area: [{ polygon: bowTie }] }), s.tick());
    const report = verifyBundle(s.bundle([...s.entries, bad], [launch, phrase]));
    expect(report.valid).toBe(false);
    expect(report.firstError).toMatchObject({ code: 'FORMAT_FIELDS_INVALID', seq: bad.entry.seq });
    expect(report.firstError!.message).toMatch(/impact_area\[0\]\.polygon.*polygon-self-intersecting/);
  });

  it('reports an invalid definition line', () => {
    const { s } = channel();
    const broken = { ...JSON.parse(JSON.stringify(launch)), precedence: 'URGENT' };
    const text = s.bundle(s.entries, [broken as FormatDefinition]);
    expect(verifyBundle(text).firstError?.code).toBe('FORMAT_INVALID');
  });
});

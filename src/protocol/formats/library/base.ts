/**
 * The shipped formats' structure, the same in every language (docs/protocol.md §13.6): written for
 * Hotline from public practice (the 1988 launch-notification agreement, the OSCE Vienna Document's
 * notifications, CUES 2014, ICAO/IMO safety notices, IAMSAR, FIRST's TLP 2.0). Labels and
 * templates are in the language files beside this one.
 */
import type { FieldSpec, FormatDefinition } from '../definition.js';

export type FormatBase = Omit<FormatDefinition, 'languages'>;

const base = (id: string, precedence: FormatBase['precedence'], ackDeadlineSec: number, fields: FieldSpec[]): FormatBase => ({
  type: 'hotline.format',
  v: 1,
  id,
  version: 1,
  precedence,
  ackDeadlineSec,
  fields,
});

const req = (name: string, type: FieldSpec['type'], more: Partial<FieldSpec> = {}): FieldSpec => ({ name, type, required: true, ...more });
const opt = (name: string, type: FieldSpec['type'], more: Partial<FieldSpec> = {}): FieldSpec => ({ name, type, required: false, ...more });

/** The codes of the standard-phrase message: a phrase book for encounters at sea and in the air. */
export const PHRASES = [
  'request-intentions',
  'manoeuvring',
  'pass-astern',
  'pass-ahead',
  'flight-operations',
  'keep-clear',
  'altering-starboard',
  'altering-port',
  'reducing-speed',
  'stopping',
  'not-under-command',
  'restricted-manoeuvrability',
  'gunnery-exercise',
  'submarine-operations',
  'understood',
  'not-understood',
  'say-again',
  'intend-to-overtake',
  'no-hostile-intent',
  'request-call',
] as const;

export const TLP = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const;
export const SECTORS = ['energy', 'water', 'health', 'finance', 'transport', 'telecom', 'government', 'defence', 'space', 'other'] as const;

export const BASES: readonly FormatBase[] = [
  base('launch-notification', 'IMMEDIATE', 900, [
    req('launch_type', 'enum', { values: ['ballistic-missile', 'space-launch'] }),
    opt('vehicle', 'free-text', { maxLength: 200 }),
    req('window_start', 'datetime'),
    req('window_end', 'datetime'),
    req('launch_area', 'area'),
    req('impact_area', 'area', { many: 10 }),
    opt('remarks', 'text'),
  ]),
  base('unplanned-encounter', 'FLASH', 180, [
    req('time', 'datetime'),
    req('own_unit', 'designation'),
    req('own_position', 'position'),
    req('other_unit', 'designation'),
    req('other_position', 'position'),
    opt('closest_approach', 'number', { unit: 'm', minimum: 0, maximum: 1_000_000 }),
    req('actions_taken', 'text'),
    req('request', 'enum', { values: ['none', 'intentions', 'increase-distance', 'cease-activity', 'call'] }),
  ]),
  base('exercise-notice', 'PRIORITY', 86_400, [
    req('name', 'free-text', { maxLength: 200 }),
    req('area', 'area', { many: 10 }),
    req('start', 'datetime'),
    req('end', 'datetime'),
    req('scale', 'enum', { values: ['small', 'medium', 'large'] }),
    opt('personnel', 'number', { unit: 'persons', minimum: 0, maximum: 10_000_000, integer: true }),
    opt('aircraft', 'number', { unit: 'count', minimum: 0, maximum: 100_000, integer: true }),
    opt('vessels', 'number', { unit: 'count', minimum: 0, maximum: 100_000, integer: true }),
    opt('remarks', 'text'),
  ]),
  base('incident-report', 'IMMEDIATE', 900, [
    req('what', 'enum', { values: ['collision', 'accident', 'explosion', 'stray-munition', 'border-incident', 'aircraft-down', 'other'] }),
    req('time', 'datetime'),
    req('position', 'position'),
    req('description', 'text'),
    opt('casualties', 'number', { unit: 'persons', minimum: 0, maximum: 1_000_000, integer: true }),
    req('assistance', 'enum', { values: ['none', 'medical', 'search-and-rescue', 'technical', 'other'] }),
  ]),
  base('safety-notice', 'PRIORITY', 3600, [
    req('domain', 'enum', { values: ['airspace', 'maritime'] }),
    req('hazard', 'enum', { values: ['firing', 'missile', 'space-debris', 'exercise', 'navigation', 'other'] }),
    req('area', 'area', { many: 10 }),
    req('start', 'datetime'),
    req('end', 'datetime'),
    opt('upper_limit', 'number', { unit: 'ft', minimum: 0, maximum: 1_000_000, integer: true }),
    opt('remarks', 'text'),
  ]),
  base('sar-request', 'FLASH', 180, [
    req('nature', 'enum', { values: ['sinking', 'ditched-aircraft', 'fire', 'medical', 'missing', 'other'] }),
    req('time', 'datetime'),
    req('position', 'position'),
    req('distressed', 'designation'),
    opt('persons', 'number', { unit: 'persons', minimum: 0, maximum: 100_000, integer: true }),
    req('assistance', 'text'),
  ]),
  base('call-request', 'IMMEDIATE', 900, [
    req('level', 'enum', { values: ['leaders', 'ministerial', 'military', 'working', 'technical'] }),
    req('medium', 'enum', { values: ['voice', 'video'] }),
    opt('proposed_time', 'datetime'),
    opt('within', 'duration', { maximum: 604_800 }),
    req('topic', 'text'),
  ]),
  base('cyber-incident', 'IMMEDIATE', 900, [
    req('tlp', 'enum', { values: [...TLP] }),
    req('detected', 'datetime'),
    req('sectors', 'enum', { values: [...SECTORS], many: 10 }),
    opt('indicators', 'free-text', { maxLength: 500, many: 50 }),
    req('summary', 'text'),
    req('assistance', 'enum', { values: ['none', 'information', 'mitigation', 'takedown', 'other'] }),
  ]),
  base('standard-phrase', 'IMMEDIATE', 900, [
    req('phrase', 'enum', { values: [...PHRASES] }),
    opt('addressee', 'designation'),
    opt('position', 'position'),
  ]),
];

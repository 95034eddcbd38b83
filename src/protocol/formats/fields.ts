/**
 * A formatted message's fields checked against its format's definition (docs/protocol.md §13.3):
 * the first problem names the field and the rule it breaks. Pure.
 */
import { DESIGNATION_KINDS, RADIUS_UNITS, type FieldSpec, type FormatDefinition } from './definition.js';

/** The rules a field value can break (stable names, shown to officers and in error details). */
export const FIELD_RULES = [
  'required', 'unknown-field', 'type', 'many', 'max-length', 'language', 'minimum', 'maximum', 'integer', 'enum',
  'datetime', 'latitude', 'longitude', 'radius', 'polygon-points', 'polygon-closed', 'polygon-self-intersecting',
  'designation-kind',
] as const;
export type FieldRule = (typeof FIELD_RULES)[number];

export interface FieldProblem {
  /** The field, with a path inside it where relevant ("launch_area.polygon[3].lat"). */
  readonly field: string;
  readonly rule: FieldRule;
  /** What the rule asks for, worded for the officer. */
  readonly detail: string;
}

export interface Position {
  readonly lat: number;
  readonly lon: number;
}
export type Area =
  | { readonly circle: { readonly centre: Position; readonly radius: number; readonly unit: (typeof RADIUS_UNITS)[number] } }
  | { readonly polygon: readonly Position[] };

/** A polygon has 4..200 points (the last repeating the first). */
export const POLYGON_POINTS = { min: 4, max: 200 } as const;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?Z$/;
const LANG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;
const DEFAULT_MAX_LENGTH = 2000;

const problem = (field: string, rule: FieldRule, detail: string): FieldProblem => ({ field, rule, detail });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const codePoints = (s: string) => [...s].length;

/** Checks `fields` against `def`; the first problem, or undefined when every field is valid. */
export function checkFields(def: FormatDefinition, fields: unknown): FieldProblem | undefined {
  if (!isObject(fields)) return problem('(fields)', 'type', 'the fields are an object of values by field name');
  for (const name of Object.keys(fields))
    if (!def.fields.some((f) => f.name === name)) return problem(name, 'unknown-field', `the format ${def.id} v${def.version} has no field "${name}"`);
  for (const f of def.fields) {
    const v = fields[f.name];
    if (v === undefined) {
      if (f.required) return problem(f.name, 'required', 'a value is required');
      continue;
    }
    const p = f.many ? checkMany(f, v) : checkValue(f, v, f.name);
    if (p) return p;
  }
  return undefined;
}

function checkMany(f: FieldSpec & { many?: number }, v: unknown): FieldProblem | undefined {
  if (!Array.isArray(v) || v.length < 1 || v.length > f.many!) return problem(f.name, 'many', `a list of 1 to ${f.many} values`);
  for (let i = 0; i < v.length; i++) {
    const p = checkValue(f, v[i], `${f.name}[${i}]`);
    if (p) return p;
  }
  return undefined;
}

function exactKeys(v: Record<string, unknown>, required: readonly string[], optional: readonly string[] = []): boolean {
  for (const k of required) if (v[k] === undefined) return false;
  return Object.keys(v).every((k) => required.includes(k) || optional.includes(k));
}

function checkText(v: unknown, at: string, max: number): FieldProblem | undefined {
  if (typeof v !== 'string' || v.length === 0) return problem(at, 'type', 'a text of at least one character');
  if (codePoints(v) > max) return problem(at, 'max-length', `at most ${max} characters`);
  return undefined;
}

function checkNumber(f: FieldSpec, v: unknown, at: string): FieldProblem | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v) || Object.is(v, -0)) return problem(at, 'type', 'a number');
  if ((f.integer || f.type === 'duration') && !Number.isInteger(v)) return problem(at, 'integer', 'a whole number');
  const min = f.minimum ?? (f.type === 'duration' ? 0 : undefined);
  if (min !== undefined && v < min) return problem(at, 'minimum', `at least ${min}${f.unit ? ` ${f.unit}` : ''}`);
  if (f.maximum !== undefined && v > f.maximum) return problem(at, 'maximum', `at most ${f.maximum}${f.unit ? ` ${f.unit}` : ''}`);
  return undefined;
}

/** A UTC date-time in ISO 8601 (`2026-12-03T12:00:00Z`), a real date, with a four-digit year. */
export function checkDatetime(v: unknown, at: string): FieldProblem | undefined {
  const m = typeof v === 'string' ? DATETIME.exec(v) : null;
  const bad = problem(at, 'datetime', 'a UTC date and time in ISO 8601, e.g. 2026-12-03T12:00:00Z');
  if (!m) return bad;
  const t = Date.parse(v as string);
  if (Number.isNaN(t)) return bad;
  const d = new Date(t);
  if (d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() + 1 !== Number(m[2]) || d.getUTCDate() !== Number(m[3])) return bad;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return bad;
  return undefined;
}

/** WGS84 decimal degrees: latitude -90..90, longitude -180..180. */
export function checkPosition(v: unknown, at: string): FieldProblem | undefined {
  if (!isObject(v) || !exactKeys(v, ['lat', 'lon'])) return problem(at, 'type', 'a position {"lat": degrees, "lon": degrees} (WGS84)');
  const { lat, lon } = v;
  if (typeof lat !== 'number' || !Number.isFinite(lat) || Object.is(lat, -0) || lat < -90 || lat > 90)
    return problem(`${at}.lat`, 'latitude', 'a latitude in decimal degrees, -90 to 90');
  if (typeof lon !== 'number' || !Number.isFinite(lon) || Object.is(lon, -0) || lon < -180 || lon > 180)
    return problem(`${at}.lon`, 'longitude', 'a longitude in decimal degrees, -180 to 180');
  return undefined;
}

function checkArea(v: unknown, at: string): FieldProblem | undefined {
  const shape = 'an area: {"circle": {"centre": position, "radius": number, "unit": "m"|"km"|"nm"}} or {"polygon": [positions]}';
  if (!isObject(v)) return problem(at, 'type', shape);
  if (exactKeys(v, ['circle'])) {
    const c = v.circle;
    if (!isObject(c) || !exactKeys(c, ['centre', 'radius', 'unit'])) return problem(`${at}.circle`, 'type', shape);
    const p = checkPosition(c.centre, `${at}.circle.centre`);
    if (p) return p;
    if (typeof c.radius !== 'number' || !Number.isFinite(c.radius) || c.radius <= 0 || c.radius > 20_000_000)
      return problem(`${at}.circle.radius`, 'radius', 'a radius above 0 (and at most 20 000 km)');
    if (!(RADIUS_UNITS as readonly unknown[]).includes(c.unit)) return problem(`${at}.circle.unit`, 'radius', 'a radius unit: m, km or nm');
    return undefined;
  }
  if (!exactKeys(v, ['polygon'])) return problem(at, 'type', shape);
  return checkPolygon(v.polygon, `${at}.polygon`);
}

function checkPolygon(pts: unknown, at: string): FieldProblem | undefined {
  if (!Array.isArray(pts) || pts.length < POLYGON_POINTS.min || pts.length > POLYGON_POINTS.max)
    return problem(at, 'polygon-points', `${POLYGON_POINTS.min} to ${POLYGON_POINTS.max} points, the last one repeating the first`);
  for (let i = 0; i < pts.length; i++) {
    const p = checkPosition(pts[i], `${at}[${i}]`);
    if (p) return p;
  }
  const ring = pts as Position[];
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  if (first.lat !== last.lat || first.lon !== last.lon) return problem(at, 'polygon-closed', 'a closed ring: the last point repeats the first');
  const crossing = selfIntersection(ring);
  if (crossing) return problem(at, 'polygon-self-intersecting', `edges ${crossing[0] + 1} and ${crossing[1] + 1} cross: the boundary must not cross itself`);
  return undefined;
}

function checkDesignation(v: unknown, at: string): FieldProblem | undefined {
  if (!isObject(v) || !exactKeys(v, ['kind', 'name'], ['id']))
    return problem(at, 'type', 'a designation {"kind": "vessel"|"aircraft"|"submarine"|"unit"|"other", "name": text, "id"?: text}');
  if (!(DESIGNATION_KINDS as readonly unknown[]).includes(v.kind)) return problem(`${at}.kind`, 'designation-kind', `one of ${DESIGNATION_KINDS.join(', ')}`);
  return checkText(v.name, `${at}.name`, 200) ?? (v.id === undefined ? undefined : checkText(v.id, `${at}.id`, 100));
}

function checkValue(f: FieldSpec, v: unknown, at: string): FieldProblem | undefined {
  switch (f.type) {
    case 'text': {
      if (!isObject(v) || !exactKeys(v, ['lang', 'text'])) return problem(at, 'type', 'a text in a language: {"lang": "en", "text": "..."}');
      if (typeof v.lang !== 'string' || !LANG.test(v.lang)) return problem(`${at}.lang`, 'language', 'a language tag such as en, zh or ru');
      return checkText(v.text, `${at}.text`, f.maxLength ?? DEFAULT_MAX_LENGTH);
    }
    case 'free-text':
      return checkText(v, at, f.maxLength ?? DEFAULT_MAX_LENGTH);
    case 'number':
    case 'duration':
      return checkNumber(f, v, at);
    case 'enum':
      return typeof v === 'string' && f.values!.includes(v) ? undefined : problem(at, 'enum', `one of ${f.values!.join(', ')}`);
    case 'datetime':
      return checkDatetime(v, at);
    case 'position':
      return checkPosition(v, at);
    case 'area':
      return checkArea(v, at);
    case 'designation':
      return checkDesignation(v, at);
  }
}

/** Orientation of (p, q, r) in the lon/lat plane: >0 counter-clockwise, <0 clockwise, 0 collinear. */
function orient(p: Position, q: Position, r: Position): number {
  return (q.lon - p.lon) * (r.lat - p.lat) - (q.lat - p.lat) * (r.lon - p.lon);
}

function onSegment(p: Position, q: Position, r: Position): boolean {
  return Math.min(p.lon, r.lon) <= q.lon && q.lon <= Math.max(p.lon, r.lon) && Math.min(p.lat, r.lat) <= q.lat && q.lat <= Math.max(p.lat, r.lat);
}

function segmentsIntersect(a: Position, b: Position, c: Position, d: Position): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
  return (o1 === 0 && onSegment(a, c, b)) || (o2 === 0 && onSegment(a, d, b)) || (o3 === 0 && onSegment(c, a, d)) || (o4 === 0 && onSegment(c, b, d));
}

/**
 * The first pair of edges of a closed ring that touch or cross, other than neighbours at their
 * shared point; also a ring with a zero-length edge or fewer than three distinct corners.
 * Edges are straight in the longitude/latitude plane (a ring does not cross the 180th meridian).
 */
export function selfIntersection(ring: readonly Position[]): [number, number] | undefined {
  const n = ring.length - 1; // edges
  for (let i = 0; i < n; i++) if (ring[i]!.lat === ring[i + 1]!.lat && ring[i]!.lon === ring[i + 1]!.lon) return [i, i];
  if (n < 3) return [0, 0];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      const [a, b, c, d] = [ring[i]!, ring[i + 1]!, ring[j]!, ring[j + 1]!];
      if (adjacent) {
        // Neighbours share one point; they may not fold back over each other.
        const shared = j === i + 1 ? b : a;
        const other1 = j === i + 1 ? a : b;
        const other2 = j === i + 1 ? d : c;
        if (orient(other1, shared, other2) === 0 && !onSegment(other1, shared, other2)) return [i, j];
        continue;
      }
      if (segmentsIntersect(a, b, c, d)) return [i, j];
    }
  }
  return undefined;
}

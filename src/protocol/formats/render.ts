/**
 * Formatted messages rendered in a reader's language (docs/protocol.md §13.4): positions in
 * decimal degrees, degrees-minutes-seconds and MGRS; times in ISO 8601 UTC and as a military
 * date-time group. Pure: the same definition, fields and language give the same text everywhere.
 */
import * as mgrsModule from 'mgrs';
import { PLACEHOLDER, type FieldSpec, type FormatDefinition, type LanguageSection } from './definition.js';
import type { Area, Position } from './fields.js';

// The package is CommonJS (a UMD bundle) whose named exports Node cannot detect: under Node's ESM
// loader they are on the default export; bundlers (rolldown, vite, vitest) give them directly.
const mgrs = ((mgrsModule as unknown as { default?: typeof mgrsModule }).default ?? mgrsModule) as typeof mgrsModule;
const mgrsForward = (ll: [number, number], accuracy: number): string => mgrs.forward(ll, accuracy);

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const two = (n: number) => String(n).padStart(2, '0');

/** A military date-time group in UTC: day, hour, minute, Z, month, year ("031200ZDEC26"). */
export function dtg(t: number): string {
  const d = new Date(t);
  return `${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}Z${MONTHS[d.getUTCMonth()]}${two(d.getUTCFullYear() % 100)}`;
}

/** "2026-12-03T12:00:00Z (031200ZDEC26)". */
export function renderDatetime(iso: string): string {
  const t = Date.parse(iso);
  return `${new Date(t).toISOString().replace('.000Z', 'Z')} (${dtg(t)})`;
}

function dms(value: number, pos: string, neg: string, degDigits: number): string {
  const hemi = value < 0 ? neg : pos;
  let a = Math.abs(value);
  let d = Math.floor(a);
  a = (a - d) * 60;
  let m = Math.floor(a);
  let s = Math.round((a - m) * 600) / 10;
  if (s >= 60) [s, m] = [0, m + 1];
  if (m >= 60) [m, d] = [0, d + 1];
  return `${String(d).padStart(degDigits, '0')}°${two(m)}′${s.toFixed(1).padStart(4, '0')}″${hemi}`;
}

/** Degrees, minutes and seconds: "38°53′23.0″N 077°00′31.7″W". */
export function toDms(p: Position): string {
  return `${dms(p.lat, 'N', 'S', 2)} ${dms(p.lon, 'E', 'W', 3)}`;
}

/** MGRS to 1 m, or undefined near the poles (beyond 84°N and 80°S MGRS uses UPS, not covered). */
export function toMgrs(p: Position): string | undefined {
  if (p.lat > 84 || p.lat < -80) return undefined;
  try {
    return mgrsForward([p.lon, p.lat], 5);
  } catch {
    return undefined;
  }
}

/** "38.88970, -77.00880 · 38°53′22.9″N 077°00′31.7″W · MGRS 18SUJ2577706454". */
export function renderPosition(p: Position): string {
  const m = toMgrs(p);
  return `${p.lat.toFixed(5)}, ${p.lon.toFixed(5)} · ${toDms(p)}${m ? ` · MGRS ${m}` : ''}`;
}

/** A circle "◯ r 50 km @ position", a polygon "▱ p1 → p2 → …" (its points but the closing one). */
export function renderArea(a: Area): string {
  if ('circle' in a) return `◯ r ${formatNumber(a.circle.radius)} ${a.circle.unit.toUpperCase() === 'NM' ? 'NM' : a.circle.unit} @ ${renderPosition(a.circle.centre)}`;
  return `▱ ${a.polygon.slice(0, -1).map((p) => toDms(p)).join(' → ')}`;
}

/** "2 h 30 min", "45 s", "3 d 4 h": units are international symbols. */
export function renderDuration(sec: number): string {
  const d = Math.floor(sec / 86_400);
  const h = Math.floor((sec % 86_400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  const parts = [d ? `${d} d` : '', h ? `${h} h` : '', m ? `${m} min` : '', s ? `${s} s` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : '0 s';
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1e6) / 1e6);
}

const UNIT_SYMBOL: Readonly<Record<string, string>> = { nm: 'NM', count: '', persons: '' };

/** One value of a field, in the reader's language (labels of codes from the section). */
export function renderValue(f: FieldSpec, v: unknown, section: LanguageSection): string {
  switch (f.type) {
    case 'text': {
      const t = v as { lang: string; text: string };
      return `${t.text} [${t.lang}]`;
    }
    case 'free-text':
      return v as string;
    case 'number': {
      const unit = UNIT_SYMBOL[f.unit!] ?? f.unit!;
      return unit ? `${formatNumber(v as number)} ${unit}` : formatNumber(v as number);
    }
    case 'duration':
      return renderDuration(v as number);
    case 'enum':
      return section.values[f.name]?.[v as string] ?? (v as string);
    case 'datetime':
      return renderDatetime(v as string);
    case 'position':
      return renderPosition(v as Position);
    case 'area':
      return renderArea(v as Area);
    case 'designation': {
      const d = v as { kind: string; name: string; id?: string };
      return `${section.values[f.name]?.[d.kind] ?? d.kind} ${d.name}${d.id ? ` (${d.id})` : ''}`;
    }
  }
}

/** A field's value rendered, lists joined by "; ". */
export function renderField(f: FieldSpec, v: unknown, section: LanguageSection): string {
  return Array.isArray(v) && f.many ? v.map((x) => renderValue(f, x, section)).join('; ') : renderValue(f, v, section);
}

/** The language a reader gets: theirs if the format has it, else its base language, else English, else the first. */
export function pickLanguage(def: FormatDefinition, wanted: string): string {
  const langs = Object.keys(def.languages);
  const base = wanted.split('-')[0]!;
  return [wanted, base, 'en'].find((l) => langs.includes(l)) ?? langs.sort()[0]!;
}

export interface Rendering {
  /** The language rendered (the reader's, if the format has it). */
  readonly lang: string;
  readonly title: string;
  /** The template filled in: lines whose placeholders are all of absent fields are left out. */
  readonly text: string;
  /** Each field present, labelled, in the format's order. */
  readonly fields: ReadonlyArray<{ readonly name: string; readonly label: string; readonly value: string }>;
}

/** Renders checked fields (see checkFields) of `def` in the reader's language. */
export function renderMessage(def: FormatDefinition, fields: Readonly<Record<string, unknown>>, lang: string): Rendering {
  const chosen = pickLanguage(def, lang);
  const section = def.languages[chosen]!;
  const byName = new Map(def.fields.map((f) => [f.name, f]));
  const lines = section.template.split('\n').flatMap((line) => {
    const names = [...line.matchAll(PLACEHOLDER)].filter((m) => !m[2]).map((m) => m[1]!);
    if (names.length > 0 && names.every((n) => fields[n] === undefined)) return [];
    return [
      line.replace(PLACEHOLDER, (_all, name: string, label: string | undefined) => {
        if (label) return section.fields[name] ?? name;
        const v = fields[name];
        return v === undefined ? '—' : renderField(byName.get(name)!, v, section);
      }),
    ];
  });
  const present = def.fields.filter((f) => fields[f.name] !== undefined);
  return {
    lang: chosen,
    title: section.title,
    text: lines.join('\n'),
    fields: present.map((f) => ({ name: f.name, label: section.fields[f.name] ?? f.name, value: renderField(f, fields[f.name], section) })),
  };
}

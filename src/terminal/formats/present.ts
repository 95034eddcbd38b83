/**
 * A formatted message as an officer reads it (#17): rendered in their language with the protocol's
 * renderer, and its positions and areas as shapes for the console's map.
 */
import { renderMessage, type Area, type FormatDefinition, type Position } from '../../protocol/index.js';
import type * as Api from '../officer-api/api-schemas.js';
import type { FormatCatalogue } from './catalogue.js';

const METRES: Readonly<Record<string, number>> = { m: 1, km: 1000, nm: 1852 };

/** The positions and areas of `fields`, labelled in the language of `section`. */
export function geometryOf(def: FormatDefinition, fields: Readonly<Record<string, unknown>>, lang: string): Api.Geometry[] {
  const section = def.languages[lang] ?? Object.values(def.languages)[0]!;
  const out: Api.Geometry[] = [];
  for (const f of def.fields) {
    const v = fields[f.name];
    if (v === undefined || (f.type !== 'position' && f.type !== 'area')) continue;
    const label = section.fields[f.name] ?? f.name;
    for (const item of Array.isArray(v) ? v : [v]) {
      if (f.type === 'position') {
        const p = item as Position;
        out.push({ field: f.name, label, shape: 'point', points: [[p.lon, p.lat]] });
      } else if ('circle' in (item as Area)) {
        const c = (item as Extract<Area, { circle: unknown }>).circle;
        out.push({ field: f.name, label, shape: 'circle', points: [[c.centre.lon, c.centre.lat]], radiusM: c.radius * (METRES[c.unit] ?? 1) });
      } else {
        out.push({ field: f.name, label, shape: 'polygon', points: (item as Extract<Area, { polygon: unknown }>).polygon.map((p) => [p.lon, p.lat] as [number, number]) });
      }
    }
  }
  return out;
}

/** The rendering of a listed message in `lang`, if it is formatted and its definition is held. */
export function renderedFor(catalogue: FormatCatalogue, m: Pick<Api.Message, 'format' | 'fields'>, lang: string): Api.Rendered | undefined {
  if (!m.format || !m.fields) return undefined;
  const def = catalogue.reading(m.format.hash);
  if (!def) return undefined;
  const r = renderMessage(def, m.fields, lang);
  const datetimes = new Set(def.fields.filter((f) => f.type === 'datetime' && !f.many).map((f) => f.name));
  const fields = r.fields.map((f) => (datetimes.has(f.name) ? { ...f, at: Date.parse(m.fields![f.name] as string) } : f));
  return { lang: r.lang, title: r.title, text: r.text, fields, geometry: geometryOf(def, m.fields, r.lang) };
}

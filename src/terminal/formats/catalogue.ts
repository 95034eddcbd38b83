/**
 * The formats this terminal holds (docs/protocol.md §13.5): the shipped library and the
 * definitions loaded from files (format-files.ts), found by hash, by id and version, or by id
 * alone (the highest version), with the language packs (§13.7) that add readings of them.
 * Officers name formats by id; charters and messages by {id, version, hash}.
 */
import {
  formatHash,
  formatRef,
  HotlineProtocolError,
  PRECEDENCES,
  protocolError,
  shippedFormats,
  type Charter,
  withLanguagePacks,
  type FormatDefinition,
  type FormatLanguagePack,
  type FormatRef,
  type Precedence,
} from '../../protocol/index.js';
import type * as Api from '../officer-api/api-schemas.js';

/** A format as officers name it: "launch-notification", "launch-notification@1", or its hash. */
export type FormatName = string;

export interface FormatCatalogue {
  /** Every definition held, by id then version. */
  list(): readonly FormatDefinition[];
  /** The definition with this hash. */
  byHash(hash: string): FormatDefinition | undefined;
  /** The definition named (highest version for a bare id), or undefined. */
  find(name: FormatName): FormatDefinition | undefined;
  /** The definition with this hash and the languages of its packs: to read, never to hash or agree. */
  reading(hash: string): FormatDefinition | undefined;
  /** The language packs held for the definition with this hash. */
  packsOf(hash: string): readonly HeldPack[];
  /** Where a held definition comes from: "shipped", or the file it was loaded from. */
  origin(hash: string): string | undefined;
}

/** A definition loaded from a file. */
export interface HeldDefinition {
  readonly def: FormatDefinition;
  readonly hash: string;
  readonly file: string;
}

/** A language pack loaded from a file. */
export interface HeldPack {
  readonly pack: FormatLanguagePack;
  readonly hash: string;
  readonly file: string;
}

const NAMED = /^([a-z0-9][a-z0-9.-]{0,63})(?:@([1-9][0-9]{0,4}))?$/;

/** The catalogue of the shipped library alone. */
export function shippedCatalogue(): FormatCatalogue {
  return catalogueOf([], []);
}

/** The catalogue of the shipped library, with definitions and packs loaded from files (already checked). */
export function catalogueOf(definitions: readonly HeldDefinition[], packs: readonly HeldPack[]): FormatCatalogue {
  const byHash = new Map<string, FormatDefinition>(shippedFormats());
  const origins = new Map<string, string>([...shippedFormats().keys()].map((h) => [h, 'shipped']));
  for (const d of definitions) {
    if (byHash.has(d.hash)) continue;
    byHash.set(d.hash, d.def);
    origins.set(d.hash, d.file);
  }
  const all = [...byHash.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.version - b.version));
  const packsByFormat = new Map<string, HeldPack[]>();
  for (const p of packs) packsByFormat.set(p.pack.format.hash, [...(packsByFormat.get(p.pack.format.hash) ?? []), p]);
  const readings = new Map<string, FormatDefinition>();
  return {
    list: () => all,
    byHash: (hash) => byHash.get(hash),
    find(name) {
      if (/^[0-9a-f]{64}$/.test(name)) return byHash.get(name);
      const m = NAMED.exec(name);
      if (!m) return undefined;
      const matching = all.filter((d) => d.id === m[1] && (m[2] === undefined || d.version === Number(m[2])));
      return matching.at(-1);
    },
    reading(hash) {
      const def = byHash.get(hash);
      if (!def) return undefined;
      let r = readings.get(hash);
      if (!r) readings.set(hash, (r = withLanguagePacks(def, (packsByFormat.get(hash) ?? []).map((p) => p.pack))));
      return r;
    },
    packsOf: (hash) => packsByFormat.get(hash) ?? [],
    origin: (hash) => origins.get(hash),
  };
}

/** The most urgent default precedence among the held versions of a format id (for precedence caps). */
export function mostUrgentDefault(catalogue: FormatCatalogue, id: string): Precedence | undefined {
  const found = catalogue.list().filter((d) => d.id === id).map((d) => PRECEDENCES.indexOf(d.precedence));
  return found.length ? PRECEDENCES[Math.min(...found)] : undefined;
}

/** References for a charter from names ("all" names every format held); FORMAT_UNKNOWN for one not held. */
export function refsFor(catalogue: FormatCatalogue, names: readonly FormatName[]): FormatRef[] {
  if (names.includes('all')) return catalogue.list().map(formatRef);
  const refs = names.map((n) => {
    const def = catalogue.find(n);
    if (!def) throw new HotlineProtocolError(protocolError('FORMAT_UNKNOWN', { format: n, hash: '-', where: ' on this terminal' }));
    return formatRef(def);
  });
  return refs.filter((r, i) => refs.findIndex((x) => x.hash === r.hash) === i);
}

/** The definitions held of every format the charters list, each once (a bundle carries them). */
export function definitionsFor(catalogue: FormatCatalogue, charters: readonly Charter[]): FormatDefinition[] {
  const out = new Map<string, FormatDefinition>();
  for (const c of charters)
    for (const r of c.formats ?? []) {
      const d = catalogue.byHash(r.hash);
      if (d) out.set(r.hash, d);
    }
  return [...out.values()];
}

/** The charter's formats whose definitions this terminal does not hold (it must not accept the charter). */
export function missingDefinitions(catalogue: FormatCatalogue, charter: Charter): FormatRef[] {
  return (charter.formats ?? []).filter((r) => {
    const d = catalogue.byHash(r.hash);
    return !d || formatHash(d) !== r.hash || d.id !== r.id || d.version !== r.version;
  });
}

/** What the officer API (and `hotline format list`) shows of a held definition. */
export function formatSummary(formats: FormatCatalogue, d: FormatDefinition): Api.FormatSummary {
  const hash = formatHash(d);
  return {
    id: d.id,
    version: d.version,
    hash,
    precedence: d.precedence,
    ackDeadlineSec: d.ackDeadlineSec,
    languages: Object.keys(d.languages),
    title: Object.fromEntries(Object.entries(d.languages).map(([l, s]) => [l, s.title])),
    fields: d.fields.map((f) => ({ name: f.name, type: f.type, required: f.required })),
    origin: formats.origin(hash) ?? 'shipped',
    packs: formats.packsOf(hash).map((p) => ({ lang: p.pack.lang, hash: p.hash, origin: p.file })),
  };
}

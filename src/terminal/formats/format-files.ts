/**
 * Definitions and language packs as files (docs/protocol.md §13.5, §13.7): the package's own
 * formats/ directory (language packs shipped after the definitions were agreed) and
 * `<data-dir>/formats/` (a party's own definitions and languages). Every `*.json` file of a
 * directory is one definition (`"type": "hotline.format"`) or one pack (`"hotline.format-lang"`).
 *
 * A file that does not check refuses the start (FORMAT_FILE_INVALID, naming the file and the
 * rule): a format an officer relies on must not silently be missing, and a clash between two
 * definitions of one id@version must not be settled by file order.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkFormatDefinition,
  checkLanguagePack,
  formatHash,
  languagePackHash,
  shippedFormats,
  type FormatDefinition,
  type FormatLanguagePack,
} from '../../protocol/index.js';
import { TerminalError } from '../errors.js';
import { PACKAGE_ROOT } from '../install-paths.js';
import { catalogueOf, formatSummary, type FormatCatalogue, type HeldDefinition, type HeldPack } from './catalogue.js';
import type * as Api from '../officer-api/api-schemas.js';

/** The rules a format file can break (the `rule` of FORMAT_FILE_INVALID). */
export type FormatFileRule = 'json' | 'type' | 'definition' | 'language-pack' | 'clash' | 'unbound';

/** The package's directory of shipped language packs. */
export const SHIPPED_FORMATS_DIR = join(PACKAGE_ROOT, 'formats');

/** The directory of a terminal's own definitions and packs. */
export const dataFormatsDir = (dataDir: string): string => join(dataDir, 'formats');

const invalid = (file: string, rule: FormatFileRule, detail: string) => new TerminalError('FORMAT_FILE_INVALID', { file, rule, detail });

/** One format file read and checked on its own: a definition or a pack (bound later). */
export type FormatFile = { kind: 'definition'; held: HeldDefinition } | { kind: 'pack'; held: HeldPack };

/** Reads and checks one file on its own (its JSON and schema, not yet its relation to others). */
export function readFormatFile(file: string): FormatFile {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw invalid(file, 'json', (e as Error).message);
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (type === 'hotline.format') {
    const problem = checkFormatDefinition(value);
    if (problem) throw invalid(file, 'definition', problem);
    return { kind: 'definition', held: { def: value as FormatDefinition, hash: formatHash(value as FormatDefinition), file } };
  }
  if (type === 'hotline.format-lang') {
    const problem = checkLanguagePack(value);
    if (problem) throw invalid(file, 'language-pack', problem);
    return { kind: 'pack', held: { pack: value as FormatLanguagePack, hash: languagePackHash(value as FormatLanguagePack), file } };
  }
  throw invalid(file, 'type', `"type" is ${JSON.stringify(type)}: a format file holds "hotline.format" (a definition) or "hotline.format-lang" (a language pack)`);
}

/** The `*.json` files of the directories that exist, each directory in name order. */
function filesIn(dirs: readonly string[]): string[] {
  return dirs.filter((d) => existsSync(d)).flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.json')).sort().map((f) => join(d, f)));
}

/**
 * Loads every definition and pack of `dirs` over the shipped library, checking each against the
 * others: an id@version held with another hash is a clash; a pack must name a definition held (by
 * id, version and hash), add a language it does not have, and be the only pack of that language.
 */
export function loadFormatFiles(dirs: readonly string[]): { catalogue: FormatCatalogue; definitions: HeldDefinition[]; packs: HeldPack[] } {
  const read = filesIn(dirs).map(readFormatFile);
  const byName = new Map<string, { hash: string; file: string }>([...shippedFormats()].map(([hash, d]) => [`${d.id}@${d.version}`, { hash, file: 'the shipped library' }]));
  const definitions: HeldDefinition[] = [];
  for (const r of read) {
    if (r.kind !== 'definition') continue;
    const name = `${r.held.def.id}@${r.held.def.version}`;
    const before = byName.get(name);
    if (before && before.hash !== r.held.hash)
      throw invalid(r.held.file, 'clash', `${name} is already held from ${before.file} with another hash: a changed definition takes a new version`);
    if (before) continue;
    byName.set(name, { hash: r.held.hash, file: r.held.file });
    definitions.push(r.held);
  }
  const defs = new Map<string, FormatDefinition>([...shippedFormats(), ...definitions.map((d) => [d.hash, d.def] as const)]);
  const packs: HeldPack[] = [];
  const langs = new Map<string, string>();
  for (const r of read) {
    if (r.kind !== 'pack') continue;
    const { pack, file } = r.held;
    const def = defs.get(pack.format.hash);
    if (!def) throw invalid(file, 'unbound', `it is for ${pack.format.id}@${pack.format.version} with hash ${pack.format.hash}, a definition not held here`);
    const problem = checkLanguagePack(pack, def);
    if (problem) throw invalid(file, 'language-pack', problem);
    const key = `${pack.format.hash}/${pack.lang}`;
    const other = langs.get(key);
    if (other) throw invalid(file, 'clash', `${other} already gives "${pack.lang}" for ${def.id}@${def.version}`);
    langs.set(key, file);
    packs.push(r.held);
  }
  return { catalogue: catalogueOf(definitions, packs), definitions, packs };
}

/** What `hotline format check FILE` reports of a valid file. */
export interface FormatFileCheck {
  readonly kind: 'definition' | 'language pack';
  /** id@version of the definition (of the one a pack is for). */
  readonly format: string;
  readonly lang?: string;
  /** The file's own hash: a definition's (what a charter lists), or a pack's. */
  readonly hash: string;
  /** The hash of the definition a pack is for. */
  readonly formatHash?: string;
}

/**
 * Checks one file offline as a terminal with this data directory would load it: on its own, then
 * against the definitions held (the shipped library and `<data-dir>/formats/`).
 */
export function checkFormatFile(file: string, dataDir: string): FormatFileCheck {
  const r = readFormatFile(file);
  const { catalogue } = loadFormatFiles([SHIPPED_FORMATS_DIR, dataFormatsDir(dataDir)]);
  if (r.kind === 'definition') {
    const { def, hash } = r.held;
    const held = catalogue.find(`${def.id}@${def.version}`);
    if (held && held.version === def.version && formatHash(held) !== hash)
      throw invalid(file, 'clash', `${def.id}@${def.version} is already held from ${catalogue.origin(formatHash(held))} with another hash: a changed definition takes a new version`);
    return { kind: 'definition', format: `${def.id}@${def.version}`, hash };
  }
  const { pack, hash } = r.held;
  const def = catalogue.byHash(pack.format.hash);
  if (!def) throw invalid(file, 'unbound', `it is for ${pack.format.id}@${pack.format.version} with hash ${pack.format.hash}, a definition not held here`);
  const problem = checkLanguagePack(pack, def);
  if (problem) throw invalid(file, 'language-pack', problem);
  return { kind: 'language pack', format: `${def.id}@${def.version}`, lang: pack.lang, hash, formatHash: pack.format.hash };
}

/**
 * The formats a terminal with this data directory holds, read from the files without the terminal
 * (`hotline format list|show` when none runs there): the shipped library and `<data-dir>/formats/`
 * if it exists. The same answers as GET /api/v1/formats and /api/v1/formats/:name.
 */
export function formatsOnDisk(dataDir: string): { list(): Api.FormatSummary[]; detail(name: string): Api.FormatDetail } {
  const { catalogue } = loadFormatFiles([SHIPPED_FORMATS_DIR, dataFormatsDir(dataDir)]);
  return {
    list: () => catalogue.list().map((d) => formatSummary(catalogue, d)),
    detail(name) {
      const def = catalogue.find(name);
      if (!def) throw new TerminalError('FORMAT_NOT_FOUND', { format: name });
      const hash = formatHash(def);
      return { hash, definition: def, packs: catalogue.packsOf(hash).map((p) => p.pack) } as Api.FormatDetail;
    },
  };
}

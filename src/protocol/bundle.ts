/**
 * Transcript bundles (docs/protocol.md §8): JSON Lines, UTF-8, one value per line:
 *   line 1      {"type":"hotline.bundle","v":1,"channel":"<id>", ...}
 *   then        party cards   {"type":"hotline.party-card", ...}
 *   then        format definitions the messages use {"type":"hotline.format", ...} (§13.5),
 *               and language packs for them {"type":"hotline.format-lang", ...} (§13.7)
 *   then        entries       exactly their canonical wire text
 */
import { canonicalize } from './encoding.js';
import type { SealedEntry } from './entry.js';
import { validateBundleHeader, type FormatDefinition, type FormatLanguagePack, type PartyCard } from './schemas.js';

/** The first line of a bundle. */
export interface BundleHeader {
  readonly type: 'hotline.bundle';
  readonly v: 1;
  readonly channel: string;
  /** Code of the exporting party (informative, unsigned). */
  readonly exportedBy?: string;
  /** Export time in ms (informative and unsigned: no verdict depends on it, §8.3). */
  readonly exportedAt?: number;
  /** A period bundle (§15.2): the hash of the checkpoint entry it is anchored at. */
  readonly anchor?: string;
  /** The period asked for, ms (informative and unsigned, §15.2). */
  readonly since?: number;
  readonly until?: number;
}

/** Writes a bundle's lines, each terminated by "\n". */
export function* bundleLines(
  header: Omit<BundleHeader, 'type' | 'v'>,
  cards: Iterable<PartyCard>,
  entries: Iterable<SealedEntry | string>,
  formats: Iterable<FormatDefinition | FormatLanguagePack> = [],
): Generator<string> {
  yield `${canonicalize({ type: 'hotline.bundle', v: 1, ...header })}\n`;
  for (const card of cards) yield `${canonicalize(card)}\n`;
  for (const def of formats) yield `${canonicalize(def)}\n`;
  for (const e of entries) yield `${typeof e === 'string' ? e : e.raw}\n`;
}

/** Writes a whole bundle as one string. */
export function writeBundle(
  header: Omit<BundleHeader, 'type' | 'v'>,
  cards: Iterable<PartyCard>,
  entries: Iterable<SealedEntry | string>,
  formats: Iterable<FormatDefinition | FormatLanguagePack> = [],
): string {
  return [...bundleLines(header, cards, entries, formats)].join('');
}

/** True when a parsed value is a bundle header (§8.1: its members and nothing else). */
export function isBundleHeader(value: unknown): value is BundleHeader {
  return validateBundleHeader.check(value);
}

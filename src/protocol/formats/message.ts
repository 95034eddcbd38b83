/**
 * The rules of a formatted message (docs/protocol.md §13.3): its format is one the charter in force
 * lists, by id, version and hash; the definition of that hash is held; its fields match the
 * definition. Pure; the channel log calls it for every message that names a format.
 */
import { protocolError, type ProtocolError } from '../errors.js';
import type { Charter, FormatRef } from '../schemas.js';
import type { FormatDefinition } from './definition.js';
import { checkFields } from './fields.js';

/** Finds the definition with a hash (a terminal's library; a bundle's format lines). */
export type FormatResolver = (hash: string) => FormatDefinition | undefined;

/** "launch-notification v1". */
export const refName = (ref: { id: string; version: number }): string => `${ref.id} v${ref.version}`;

/** True when the charter lists exactly this reference. */
export function charterAgrees(charter: Charter, ref: FormatRef): boolean {
  return (charter.formats ?? []).some((f) => f.id === ref.id && f.version === ref.version && f.hash === ref.hash);
}

/** The first problem of a formatted message, or undefined. `where` locates it (author, seq). */
export function checkFormattedMessage(
  body: { readonly format?: FormatRef; readonly fields?: Readonly<Record<string, unknown>> },
  charter: Charter,
  resolve: FormatResolver,
  where: { readonly author: string; readonly seq: number },
  place = '',
): ProtocolError | undefined {
  const ref = body.format;
  if (!ref) return undefined;
  const format = refName(ref);
  const at = { ...where, where: ` (entry ${where.author}#${where.seq})` };
  if (!charterAgrees(charter, ref)) return protocolError('FORMAT_NOT_AGREED', { ...at, format });
  const def = resolve(ref.hash);
  if (!def || def.id !== ref.id || def.version !== ref.version)
    return protocolError('FORMAT_UNKNOWN', { format, hash: ref.hash.slice(0, 12), where: place });
  const p = checkFields(def, body.fields ?? {});
  return p ? protocolError('FORMAT_FIELDS_INVALID', { ...at, format, field: p.field, rule: p.rule, detail: p.detail }) : undefined;
}

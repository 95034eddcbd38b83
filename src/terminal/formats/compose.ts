/**
 * An officer's formatted message made into a signed body (docs/protocol.md §13.3): the format
 * named by id (and version) among those the channel's charter agreed, the fields checked against
 * its definition (naming the field and rule), and the text filled with the rendering in the
 * officer's language, so that a reader without the definition still reads it.
 */
import {
  checkFields,
  HotlineProtocolError,
  LIMITS,
  protocolError,
  refName,
  renderMessage,
  type BodyOf,
  type Charter,
  type FormatDefinition,
  type FormatRef,
  type Precedence,
} from '../../protocol/index.js';
import type { FormatCatalogue } from './catalogue.js';

/** How a draft names a format: an id, optionally a version or the exact hash. */
export interface FormatChoice {
  readonly id: string;
  readonly version?: number;
  readonly hash?: string;
}

/** The agreed reference the draft means: among the charter's formats, the highest matching version. */
export function agreedRef(charter: Charter, choice: FormatChoice): FormatRef {
  const matching = (charter.formats ?? []).filter(
    (f) => f.id === choice.id && (choice.version === undefined || f.version === choice.version) && (choice.hash === undefined || f.hash === choice.hash),
  );
  const best = matching.sort((a, b) => a.version - b.version).at(-1);
  if (!best) throw new HotlineProtocolError(protocolError('FORMAT_NOT_AGREED', { format: choice.version ? refName({ id: choice.id, version: choice.version }) : choice.id, where: '' }));
  return best;
}

/** The definition of an agreed reference, from the catalogue (FORMAT_UNKNOWN if not held). */
export function definitionOf(catalogue: FormatCatalogue, ref: FormatRef): FormatDefinition {
  const def = catalogue.byHash(ref.hash);
  if (!def) throw new HotlineProtocolError(protocolError('FORMAT_UNKNOWN', { format: refName(ref), hash: ref.hash.slice(0, 12), where: ' on this terminal' }));
  return def;
}

export interface FormattedDraft {
  readonly format: FormatChoice;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly lang?: string;
  readonly precedence?: Precedence;
  readonly text?: string;
}

/** The message body's text, lang, precedence, format and fields for a formatted draft. */
export function formattedBody(catalogue: FormatCatalogue, charter: Charter, draft: FormattedDraft): Pick<BodyOf<'message'>, 'text' | 'lang' | 'precedence' | 'format' | 'fields'> {
  const ref = agreedRef(charter, draft.format);
  const def = definitionOf(catalogue, ref);
  const problem = checkFields(def, draft.fields);
  if (problem)
    throw new HotlineProtocolError(protocolError('FORMAT_FIELDS_INVALID', { format: refName(ref), where: '', field: problem.field, rule: problem.rule, detail: problem.detail }));
  const lang = draft.lang ?? 'en';
  const rendered = renderMessage(def, draft.fields, lang);
  const text = draft.text ?? `${rendered.title}\n${rendered.text}`;
  return { text: [...text].slice(0, LIMITS.textChars).join(''), lang, precedence: draft.precedence ?? def.precedence, format: ref, fields: draft.fields };
}

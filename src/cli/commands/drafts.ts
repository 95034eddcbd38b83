/**
 * Messages as a gateway's JSON Lines give them (`hotline send --file` and `--stream`): one JSON
 * object per line, `{"text": ..., "precedence"?: ..., "lang"?: ..., "replyTo"?: ..., "key"?: ...}`.
 */
import { PRECEDENCES } from '../../protocol/index.js';

export const PRECEDENCE_NAMES: readonly string[] = PRECEDENCES;

export interface Draft {
  text: string;
  lang: string;
  precedence: string;
  replyTo?: string;
  /** Line of the file, for messages. */
  line: number;
}

/** What a messages file's line may leave out. */
export interface DraftDefaults {
  readonly lang: string;
  readonly precedence: string;
  readonly replyTo?: string;
}

/** One line of a messages file: its draft, undefined when blank, or what is wrong with it (`where` names it). */
export function draftLine(raw: string, where: string, line: number, defaults: DraftDefaults): (Draft & { key?: string }) | undefined | string {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(trimmed);
  } catch {
    v = undefined;
  }
  const o = v as { text?: unknown; lang?: unknown; precedence?: unknown; replyTo?: unknown; key?: unknown } | undefined;
  if (typeof o !== 'object' || o === null || Array.isArray(o) || typeof o.text !== 'string' || o.text === '')
    return `${where} is not a message: each line must be a JSON object with a non-empty "text", e.g. {"text": "Exercise begins 0600Z", "precedence": "PRIORITY"}.`;
  const precedence = typeof o.precedence === 'string' ? o.precedence.toUpperCase() : defaults.precedence;
  if (!PRECEDENCE_NAMES.includes(precedence)) return `${where}: "precedence" must be one of ${PRECEDENCE_NAMES.join(', ')}, got ${JSON.stringify(o.precedence)}.`;
  const replyTo = typeof o.replyTo === 'string' ? o.replyTo : defaults.replyTo;
  return { text: o.text, lang: typeof o.lang === 'string' ? o.lang : defaults.lang, precedence, ...(replyTo ? { replyTo } : {}), ...(typeof o.key === 'string' ? { key: o.key } : {}), line };
}


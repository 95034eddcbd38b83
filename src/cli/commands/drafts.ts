/**
 * Messages as a gateway's JSON Lines give them (`hotline send --file` and `--stream`): one JSON
 * object per line, `{"text": ..., "precedence"?: ..., "lang"?: ..., "replyTo"?: ..., "key"?: ...}`.
 */
import { readFile } from 'node:fs/promises';
import { PRECEDENCES } from '../protocol-names.js';
import { cliError } from '../errors.js';

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

/** Every line of a messages file, checked before anything is sent. */
export function parseDrafts(path: string, text: string, defaults: DraftDefaults): Draft[] {
  const drafts: Draft[] = [];
  const name = path === '-' ? 'stdin' : path;
  text.split('\n').forEach((raw, i) => {
    const d = draftLine(raw, `${name} line ${i + 1}`, i + 1, defaults);
    if (typeof d === 'string') throw cliError('CLI_USER_ERROR', { detail: `${d} Nothing was sent.` });
    if (d) drafts.push(d);
  });
  if (drafts.length === 0) throw cliError('CLI_EMPTY_FILE', { path: name });
  return drafts;
}

/** A messages or fields file's text (`-`: all of stdin). */
export async function readTextFile(path: string): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw fileError(path, e as NodeJS.ErrnoException);
  }
}

/** What the CLI says when the file at `path` cannot be read. */
export function fileError(path: string, e: NodeJS.ErrnoException): Error {
  if (e.code === 'ENOENT') return cliError('CLI_FILE_NOT_FOUND', { path });
  if (e.code === 'EISDIR') return cliError('CLI_NOT_A_FILE', { path });
  return cliError('CLI_FILE_UNREADABLE', { path, reason: e.message });
}

/**
 * The one mechanism every layer uses to declare its error codes (in the manner of Fastify's
 * `lib/errors.js`): a frozen table of stable codes, each with a message template worded for the
 * person who has to act, and for codes an API caller can see, the HTTP status it answers with.
 *
 * Layers below the edge (protocol, store, terminal identity) declare codes and messages only; the
 * terminal maps them to HTTP at the edge (src/terminal/errors.ts) with the same `HttpAnswer` type.
 * Every registry is checked against its documentation by a test (docs/protocol.md §9,
 * docs/errors.md).
 */

/** Details attached to an error: they fill the message template and stay for machines. */
export type ErrorDetails = Readonly<Record<string, string | number | undefined>>;

/** HTTP statuses for errors that are the caller's to fix. */
export type ClientErrorStatus = 400 | 401 | 403 | 404 | 408 | 409 | 413 | 415 | 422 | 429;
/** HTTP statuses for errors that are the terminal's own (its database, its files, a bug). */
export type ServerErrorStatus = 500 | 502 | 503 | 504;

/**
 * How an error answers over HTTP. A 5xx must say, in `fault`, why the fault lies with the
 * terminal rather than the caller: 5xx is a deliberate answer, never the default for a known code.
 * `fault` is also the message given to a peer, who must not learn the terminal's internals.
 */
export type HttpAnswer =
  | { readonly status: ClientErrorStatus; readonly fault?: undefined }
  | { readonly status: ServerErrorStatus; readonly fault: string };

/** One code's definition: its message template, and where relevant its HTTP answer or CLI exit status. */
export type ErrorSpec = {
  /** `{name}` placeholders are filled from the details; a missing detail reads as nothing. */
  readonly message: string;
  /** Exit status of the `hotline` command when the error ends it (CLI codes). */
  readonly exit?: number;
} & ({ readonly status?: undefined; readonly fault?: undefined } | HttpAnswer);

/**
 * A layer's registry: its codes, their definitions, and the message filler. `C` is spelt out
 * beside `S` so that a registry of some layer is also an `ErrorRegistry` of any (for tests and
 * documentation tools that walk every registry).
 */
export interface ErrorRegistry<
  S extends Readonly<Record<string, ErrorSpec>> = Readonly<Record<string, ErrorSpec>>,
  C extends string = keyof S & string,
> {
  /** The layer that owns the codes (for documentation and tests). */
  readonly layer: string;
  /** Every code, in declaration order. */
  readonly codes: readonly C[];
  /** The definition of each code. */
  readonly specs: S;
  /** True when `code` is one of this registry's codes. */
  has(code: unknown): code is C;
  /** The message of `code` with its placeholders filled from `details`. */
  format(code: C, details?: ErrorDetails): string;
}

/** The codes of a registry, as a union type. */
export type CodeOf<R extends { readonly codes: readonly string[] }> = R['codes'][number];

const PLACEHOLDER = /\{(\w+)\}/g;

/** Fills `{name}` placeholders of `template` from `details` (missing ones read as nothing), trimmed. */
export function fillTemplate(template: string, details: ErrorDetails = {}): string {
  return template
    .replace(PLACEHOLDER, (_m, name: string) => {
      const v = Object.hasOwn(details, name) ? details[name] : undefined;
      return v === undefined ? '' : String(v);
    })
    .trim();
}

/** The placeholders a template expects, e.g. `['author', 'seq']`. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/**
 * Declares a layer's error codes. Codes are UPPER_SNAKE_CASE and never change meaning once
 * published; the returned registry is frozen.
 */
export function defineErrors<const S extends Record<string, ErrorSpec>>(
  layer: string,
  specs: S,
): ErrorRegistry<Readonly<S>> {
  type C = keyof S & string;
  const codes = Object.freeze(Object.keys(specs)) as readonly C[];
  for (const code of codes) {
    if (!/^[A-Z][A-Z0-9_]*[A-Z0-9]$/.test(code))
      throw new TypeError(`${layer} error code ${code} is not UPPER_SNAKE_CASE`);
  }
  const frozen = Object.freeze(
    Object.fromEntries(codes.map((c) => [c, Object.freeze({ ...specs[c] })])),
  ) as Readonly<S>;
  const set = new Set<string>(codes);
  return Object.freeze({
    layer,
    codes,
    specs: frozen,
    has: (code: unknown): code is C => typeof code === 'string' && set.has(code),
    format: (code: C, details: ErrorDetails = {}) => fillTemplate(frozen[code].message, details),
  });
}

/**
 * Base of every layer's error class: a stable code, the filled message and the details. Code that
 * only needs "an error some registry declares" (the CLI's last resort) tests for this class.
 */
export class RegisteredError<C extends string = string> extends Error {
  readonly code: C;
  readonly details: ErrorDetails;

  constructor(
    registry: { format(code: C, details?: ErrorDetails): string },
    code: C,
    details: ErrorDetails = {},
    options?: { readonly cause?: unknown },
  ) {
    super(registry.format(code, details), options);
    this.name = 'RegisteredError';
    this.code = code;
    this.details = { ...details };
  }
}

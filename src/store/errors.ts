/**
 * Stable error codes of the store, in the style of src/protocol/errors.ts: a registry of codes
 * with messages worded for the person who has to act. HTTP mapping happens at the edge.
 */

/** Every store error code with its message template. `{name}` placeholders come from details. */
export const STORE_ERRORS = {
  STORE_UNREACHABLE:
    'Cannot connect to {backend} at {where}: {detail}. Check that the database server is running and that the connection string is right.',
  STORE_MIGRATION_FAILED:
    'Upgrading the {backend} database failed at migration {migration}: {detail}. Nothing after it was applied; restore the backup or fix the cause and start again.',
  STORE_NEWER_SCHEMA:
    'This {backend} database was upgraded by a newer version of Hotline: it has migration {migration}, which this version does not know. Run that version or a later one, or restore the backup made before the upgrade; nothing was changed.',
  STORE_LOCKED:
    'Another terminal already runs on {where}: {holder}. Two terminals on one database would both sign, and the peers would record that as equivocation against your party. Stop the other one first (or give this one its own data directory).',
  STORE_BAD_INPUT: 'The store refused {field}: {detail}. This is a bug in the caller; nothing was written.',
} as const;

/** A stable store error code. */
export type StoreErrorCode = keyof typeof STORE_ERRORS;

/** Details that fill the message template and stay available to machines. */
export type StoreErrorDetails = Readonly<Record<string, string | number | undefined>>;

/** An error raised by the store, carrying its stable `code` and `details`. */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    readonly details: StoreErrorDetails = {},
    options?: { readonly cause?: unknown },
  ) {
    super(
      STORE_ERRORS[code].replace(/\{(\w+)\}/g, (_m, name: string) => String(details[name] ?? '')),
      options,
    );
  }
}

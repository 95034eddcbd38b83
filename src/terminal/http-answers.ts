/**
 * The HTTP answer of every code of the layers below the edge (protocol, store, terminal
 * identity). The tables are total: a code added to a registry does not compile until it is given
 * a status here, so no known error falls through to 500 INTERNAL. docs/errors.md lists them.
 */
import type { HttpAnswer, ProtocolErrorCode } from '../protocol/index.js';
import type { StoreErrorCode } from '../store/index.js';
import type { IdentityErrorCode } from './identity/errors.js';

/** The entry or request was read and judged invalid. */
const INVALID = { status: 422 } as const;
/** The request conflicts with the state of what is stored. */
const CONFLICT = { status: 409 } as const;
/** The caller sent something unusable. */
const BAD = { status: 400 } as const;

/** Protocol codes: 422 for invalid entries, cards and bundles, with the exceptions named. */
export const PROTOCOL_HTTP: { readonly [C in ProtocolErrorCode]: HttpAnswer } = Object.freeze({
  ENTRY_MALFORMED: INVALID,
  ENTRY_NON_CANONICAL: INVALID,
  ENTRY_TOO_LARGE: { status: 413 },
  ENTRY_UNSUPPORTED_VERSION: INVALID,
  ENTRY_WRONG_VERSION: INVALID,
  ENTRY_BAD_SIGNATURE: INVALID,
  ENTRY_UNKNOWN_KEY: INVALID,
  ENTRY_KEY_EXPIRED: INVALID,
  ENTRY_KEY_REVOKED: INVALID,
  ENTRY_WRONG_PREVIOUS_HASH: INVALID,
  ENTRY_SEQUENCE_GAP: INVALID,
  ENTRY_EQUIVOCATION: INVALID,
  ENTRY_UNKNOWN_DEPENDENCY: INVALID,
  ENTRY_HEADS_REGRESSED: INVALID,
  ENTRY_TIME_REGRESSED: INVALID,
  ENTRY_WRONG_CHANNEL: INVALID,
  ENTRY_AUTHOR_NOT_PARTY: INVALID,
  ENTRY_KIND_NOT_ALLOWED: CONFLICT, // the channel's state forbids it now; it may be allowed later
  ENTRY_BAD_REFERENCE: INVALID,
  ENTRY_ROLE_NOT_ALLOWED: INVALID,
  LINK_RECORD_INVALID: INVALID,
  CHECKPOINT_MISMATCH: INVALID,
  DIALOGUE_WRONG_PARTY: { status: 403 }, // the officer's party may not write this for another
  DIALOGUE_UNKNOWN_VERSION: INVALID,
  DIALOGUE_SUPERSEDED: CONFLICT, // a newer version or schedule came first: reload and answer that
  DIALOGUE_MEETING_NOT_HELD: CONFLICT, // may become allowed once every party accepts and the time comes
  DIALOGUE_NOT_DONE: CONFLICT, // allowed once the owing party marks it done
  DIALOGUE_INVALID: INVALID,
  CHANNEL_UNKNOWN: { status: 404 },
  CHANNEL_EXPIRED: CONFLICT,
  CHARTER_INVALID: INVALID,
  CARD_INVALID: INVALID,
  CARD_BAD_SIGNATURE: INVALID,
  CERT_INVALID: INVALID,
  JSON_DUPLICATE_MEMBER: INVALID,
  JSON_LONE_SURROGATE: INVALID,
  BUNDLE_BAD_ENCODING: INVALID,
  BUNDLE_EMPTY: INVALID,
  BUNDLE_NOT_A_BUNDLE: INVALID,
  BUNDLE_MALFORMED_LINE: INVALID,
  BUNDLE_TRUNCATED: INVALID,
  BUNDLE_MISSING_PROPOSAL: INVALID,
  BUNDLE_MISSING_CARD: INVALID,
  BUNDLE_ANCHOR_MISSING: INVALID,
  BUNDLE_ANCHOR_NOT_COUNTERSIGNED: INVALID,
  FORMAT_NOT_AGREED: INVALID,
  FORMAT_FIELDS_INVALID: INVALID,
  FORMAT_UNKNOWN: INVALID,
  FORMAT_INVALID: INVALID,
  FORMAT_LANG_INVALID: INVALID,
  PROOF_MALFORMED: INVALID,
  PROOF_UNSUPPORTED_VERSION: INVALID,
  PROOF_WRONG_CHANNEL: INVALID,
  PROOF_BAD_CARD: INVALID,
  PROOF_BAD_BODY: INVALID,
  PROOF_BAD_SIGNATURE: INVALID,
  PROOF_UNKNOWN_KEY: INVALID,
  PROOF_BROKEN_CHAIN: INVALID,
  PROOF_NOT_RECEIPTED: INVALID,
  PROOF_BAD_ACK: INVALID,
});

/** Store codes: the terminal's database, so mostly 5xx, each saying why. */
export const STORE_HTTP: { readonly [C in StoreErrorCode]: HttpAnswer } = Object.freeze({
  STORE_UNREACHABLE: { status: 503, fault: 'This terminal cannot reach its database; its operator must bring the database back.' },
  STORE_MIGRATION_FAILED: { status: 500, fault: 'Upgrading this terminal\'s database failed; its operator must repair it.' },
  STORE_NEWER_SCHEMA: { status: 500, fault: 'This terminal\'s database was upgraded by a newer Hotline; its operator must run that version.' },
  STORE_LOCKED: { status: 503, fault: 'Another terminal process holds this terminal\'s database; its operator must stop one of them.' },
  STORE_FENCED: { status: 503, fault: 'This terminal process has lost its party\'s leadership to another instance; nothing was written. Send to the active instance.' },
  STORE_LOCK_LOST: { status: 503, fault: 'This terminal lost its lock on its database and signs nothing until it takes it again; nothing was written. Send again in a moment.' },
  STORE_LOG_DIVERGED: { status: 503, fault: 'This terminal\'s log in memory was behind its database; nothing was written and the channel was reloaded. Send again.' },
  STORE_BAD_INPUT: { status: 500, fault: 'A bug in this terminal: it asked its database to store an invalid value; nothing was written.' },
  STORE_BUSY: { status: 503, fault: 'This terminal\'s database is busy; nothing was written. Retry in a moment.' },
  STORE_CONFLICT: CONFLICT, // a concurrent write got there first: reloading and retrying is the caller's move
  STORE_FULL: { status: 503, fault: 'This terminal\'s database has no room left; nothing was written. Its operator must free space.' },
  STORE_DAMAGED: { status: 500, fault: 'This terminal\'s database is damaged; nothing was written. Its operator must restore it from a backup.' },
});

/** The terminal's own files are broken or missing: the operator's to fix, not the caller's. */
function hostFault(what: string): HttpAnswer {
  return { status: 500, fault: `This terminal's identity files ${what}; its operator must restore them.` };
}

/** Identity codes: 4xx for what the caller gave (a file, a passphrase), 5xx for the terminal's own files. */
export const IDENTITY_HTTP: { readonly [C in IdentityErrorCode]: HttpAnswer } = Object.freeze({
  IDENTITY_EXISTS: CONFLICT,
  IDENTITY_NOT_FOUND: hostFault('are missing'),
  IDENTITY_INCOMPLETE: hostFault('are incomplete'),
  IDENTITY_KEY_PERMISSIONS: hostFault('can be read by other users'),
  IDENTITY_PASSPHRASE_REQUIRED: BAD,
  IDENTITY_BAD_PASSPHRASE: { status: 403 },
  IDENTITY_CORRUPT: hostFault('are damaged'),
  IDENTITY_MISMATCH: hostFault('do not belong together'),
  IDENTITY_BAD_INPUT: BAD,
  IDENTITY_PASSPHRASE_SOURCE: BAD,
  IDENTITY_IO: { status: 500, fault: 'This terminal cannot read or write its files; its operator must check the disk.' },
  IDENTITY_ROOT_OFFLINE: CONFLICT, // the root key is kept offline by design: sign on the root machine
  IDENTITY_AWAITING_CERTIFICATE: { status: 503, fault: 'This terminal awaits its certificate from its offline root key.' },
  IDENTITY_BAD_SIGNING_FILE: INVALID,
  IDENTITY_CERT_MISMATCH: INVALID,
  IDENTITY_ROTATE_OFFLINE_ROOT: CONFLICT,
  IDENTITY_ROTATE_NOT_STAGED: CONFLICT,
  IDENTITY_ROTATE_CERT_MISMATCH: INVALID,
  IDENTITY_ROTATION_MISMATCH: CONFLICT,
});

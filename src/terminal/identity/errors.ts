/**
 * Stable error codes of the terminal identity on disk (data directory, key files, party card),
 * declared with the protocol's registry mechanism: each message says what went wrong and what to
 * do. Their HTTP answers are set at the edge (src/terminal/errors.ts); docs/errors.md lists them.
 */
import { defineErrors, type CodeOf, RegisteredError, type ErrorDetails } from '../../protocol/error-registry.js';

/** Every identity error code with its message template. `{name}` placeholders come from details. */
export const IDENTITY_ERRORS = defineErrors('identity', {
  IDENTITY_EXISTS: {
    message:
      '{dir} already holds a Hotline identity ({file} exists); it was left untouched. Choose another --data directory, or remove that one deliberately if you really mean to discard its keys.',
  },
  IDENTITY_NOT_FOUND: {
    message:
      'No Hotline identity in {dir} ({file} is missing). Run `hotline init --party XX --name ... --data DIR` first, or pass the right --data DIR.',
  },
  IDENTITY_INCOMPLETE: {
    message:
      'The identity in {dir} is incomplete ({file} is missing): an earlier `hotline init` was interrupted. Remove {dir} and run `hotline init` again.',
  },
  IDENTITY_KEY_PERMISSIONS: {
    message:
      'The key file {file} can be read by other users (mode {mode}). Restrict it with `chmod 600 {file}` and check who may have copied it.',
  },
  IDENTITY_PASSPHRASE_REQUIRED: {
    message:
      'The root key in {file} is encrypted with a passphrase. Give it with --passphrase-file FILE or --passphrase-env VAR.',
  },
  IDENTITY_BAD_PASSPHRASE: {
    message:
      'The passphrase does not open the root key in {file}. Check the passphrase (and that the file holds no trailing characters you did not mean); nothing was changed.',
  },
  IDENTITY_CORRUPT: {
    message:
      '{file} is damaged or not a Hotline identity file: {detail}. Restore the data directory from a backup.',
  },
  IDENTITY_MISMATCH: {
    message: 'The files in {dir} do not belong together: {detail}. Restore the data directory from a backup.',
  },
  IDENTITY_BAD_INPUT: {
    message: 'Cannot create the identity: {detail}.',
  },
  IDENTITY_PASSPHRASE_SOURCE: {
    message: 'Cannot read the passphrase: {detail}.',
  },
  IDENTITY_IO: {
    message: 'Cannot {action} {file}: {detail}. Check the path, free space and permissions.',
  },
  IDENTITY_ROOT_OFFLINE: {
    message:
      'The root key of {dir} is kept offline, not on this machine. Write a signing request with `hotline cert request --data {dir}`, sign it on the root machine with `hotline root sign-request`, then install the answer with `hotline cert install CERT --data {dir}`.',
  },
  IDENTITY_AWAITING_CERTIFICATE: {
    message:
      'The terminal in {dir} awaits its certificate from the offline root key: carry {request} to the root machine, run `hotline root sign-request REQUEST --data ROOTDIR --out CERT` there, bring CERT back and run `hotline cert install CERT --data {dir}`.',
  },
  IDENTITY_BAD_SIGNING_FILE: {
    message: '{file} is not a usable {what}: {detail}. Nothing was changed.',
  },
  IDENTITY_CERT_MISMATCH: {
    message:
      "The certificate in {file} does not fit this terminal: {detail}. Carry the answer to this terminal's own signing request; nothing was changed.",
  },
  IDENTITY_ROTATE_OFFLINE_ROOT: {
    message:
      'The root key of {dir} is kept offline, so `hotline key rotate` cannot certify the new terminal key on this machine; nothing was changed. Rotate through the root machine: `hotline key rotate --request-out REQUEST --data {dir}` stages the new key and writes its signing request; on the root machine `hotline root sign-request REQUEST --data ROOTDIR --out SIGNED`; back here, with the terminal running, `hotline key rotate --install SIGNED --data {dir}`.',
  },
  IDENTITY_ROTATE_NOT_STAGED: {
    message:
      'No key rotation is staged in {dir} ({file} is missing), so there is no new key for the signed answer to certify; nothing was changed. Start with `hotline key rotate --request-out REQUEST --data {dir}`, have the root machine sign that request, then install its answer.',
  },
  IDENTITY_ROTATE_CERT_MISMATCH: {
    message:
      'The signed answer {file} does not fit the key rotation staged in {dir}: {detail}. Nothing was installed; the terminal still signs with its current key. Carry the answer to the request written by `hotline key rotate --request-out` on this terminal (write a new one if in doubt).',
  },
  IDENTITY_ROTATION_MISMATCH: {
    message:
      'The key rotation under way in {dir} does not fit: {detail}. Nothing was switched; the terminal still signs with its current key. Run `hotline key rotate` again.',
  },
});

/** A stable identity error code. */
export type IdentityErrorCode = CodeOf<typeof IDENTITY_ERRORS>;

/** Details that fill the message template and stay available to machines. */
export type IdentityErrorDetails = ErrorDetails;

/** An error about the terminal's identity on disk, carrying its stable `code` and `details`. */
export class IdentityError extends RegisteredError<IdentityErrorCode> {
  constructor(
    code: IdentityErrorCode,
    details: IdentityErrorDetails = {},
    options?: { readonly cause?: unknown },
  ) {
    super(IDENTITY_ERRORS, code, details, options);
    this.name = 'IdentityError';
  }
}

/** True when `error` is an IdentityError, optionally of the given code. */
export function isIdentityError(error: unknown, code?: IdentityErrorCode): error is IdentityError {
  return error instanceof IdentityError && (code === undefined || error.code === code);
}

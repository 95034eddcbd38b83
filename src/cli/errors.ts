/**
 * One registry of CLI error codes. Each message says what went wrong and what to do; main.ts
 * prints it as one line, `hotline: <message>`, and exits with the code's exit status:
 *
 *   1   the input was read and judged, and it is invalid (e.g. a bundle that does not verify)
 *   2   usage or input error: bad arguments, a file that cannot be read or is not what was expected
 *   70  internal error (a bug in Hotline): run again with HOTLINE_DEBUG=1 and report it
 *   78  `hotline serve` cannot start for a reason a person must fix (configuration, keys, a
 *       database upgraded by a newer version, permissions): starting again changes nothing, so
 *       a service manager should not restart it (EX_CONFIG; deploy/hotline.service)
 *
 * Commands throw `cliError(code, details)`; anything else thrown is reported as CLI_INTERNAL.
 * The codes are declared with the protocol's registry mechanism and documented in docs/errors.md.
 */
// The registry module alone, not the protocol's barrel: every CLI start loads this file (main.ts).
import { defineErrors, RegisteredError, type CodeOf, type ErrorDetails } from '../protocol/error-registry.js';

export const EXIT = Object.freeze({ ok: 0, invalid: 1, usage: 2, internal: 70, config: 78 });

/** Every CLI error code: its message template (`{name}` filled from details) and exit status. */
export const CLI_ERRORS = defineErrors('cli', {
  CLI_USAGE: { exit: EXIT.usage, message: '{detail}. Run `hotline {command}--help` for usage.' },
  CLI_BAD_ARGUMENT: { exit: EXIT.usage, message: '{option} must be {expected}, got "{value}".' },
  CLI_FILE_NOT_FOUND: { exit: EXIT.usage, message: 'cannot read {path}: no such file. Check the path and the current directory.' },
  CLI_NOT_A_FILE: { exit: EXIT.usage, message: '{path} is a directory, not a file. Give the path of a bundle file (e.g. bundle.jsonl).' },
  CLI_FILE_UNREADABLE: { exit: EXIT.usage, message: 'cannot read {path}: {reason}. Check the file permissions.' },
  CLI_FILE_TOO_LARGE: { exit: EXIT.usage, message: '{path} is {size} bytes; the largest file this command reads is {limit} bytes. Export the channel in parts.' },
  CLI_EMPTY_FILE: { exit: EXIT.usage, message: '{path} is empty. Export the bundle again with `hotline export CHANNEL > bundle.jsonl`.' },
  CLI_NOT_A_BUNDLE: { exit: EXIT.usage, message: '{path} is not a Hotline transcript bundle: {detail}. A bundle is a JSON Lines text file whose first line is {"type":"hotline.bundle",...}.' },
  CLI_BUNDLE_INVALID: { exit: EXIT.invalid, message: '{path} is INVALID: {code}{where}: {detail}' },
  CLI_PROOF_INVALID: { exit: EXIT.invalid, message: 'the proof {path} is INVALID: {code}: {detail}' },
  CLI_AUDIT_INVALID: { exit: EXIT.invalid, message: 'the audit log is INVALID at record {seq} of {records}: {problem}. Records were changed, removed or reordered after they were written: keep this copy as evidence and compare it with an export you stored elsewhere (docs/security.md, threat 3 "Insider").' },
  CLI_AUDIT_EMPTY: { exit: EXIT.usage, message: '{path} holds no audit record (it is empty, or blank lines only), so it is not an audit log and there is nothing to verify. Check the path; export the log again with `npx hotline audit export --data DIR > audit.jsonl` and check that it has records, or verify the terminal\'s own log with `npx hotline audit verify --data DIR`.' },
  CLI_TERMINAL_NOT_RUNNING: { exit: EXIT.usage, message: 'no terminal answers at {url} (data directory {dir}). Start it with `hotline serve --data {dir}`.' },
  CLI_TERMINAL_NOT_ANSWERING: { exit: EXIT.usage, message: 'the terminal at {url} accepted the connection but did not answer within {seconds} s: it may be stopped (SIGSTOP), overloaded or wedged. Check it (`hotline status`, its log); HOTLINE_CLI_TIMEOUT_MS sets how long the CLI waits.' },
  CLI_TERMINAL_NOT_ANSWERING_WRITE: { exit: EXIT.usage, message: 'the terminal at {url} accepted the request but did not answer within {seconds} s: it may be stopped, overloaded or wedged, and it MAY STILL CARRY OUT the request when it resumes. Do not simply repeat it: check first (the console, `hotline pending`, `hotline overdue`){key}. HOTLINE_CLI_TIMEOUT_MS sets how long the CLI waits.' },
  CLI_CREDENTIAL_MISSING: { exit: EXIT.usage, message: 'the terminal at {url} runs, but its host credential {file} is missing or unreadable, so this command cannot speak to it. Restart the terminal (`hotline serve --data {dir}` writes a new one), or sign in to the console as an officer.' },
  CLI_API: { exit: EXIT.invalid, message: '{code}: {detail}' },
  CLI_FINGERPRINT_REQUIRED: { exit: EXIT.usage, message: 'pairing with {code} needs its fingerprint, obtained out of band: call {code} on a line you trust and have them read theirs (`hotline card export` or `hotline status` prints it on their side). Then run this in a terminal to be asked for it, or pass it: `hotline peer add {path} --fingerprint "DIGITS" --data {data}`. Never take it from the card file itself: that would check nothing.' },
  CLI_FINGERPRINT_MISMATCH: { exit: EXIT.invalid, message: 'the fingerprint you gave does not match the card of {code}. Do not pair: the card may not be {code}\'s. Ask {code} to read their fingerprint again over a line you trust, and compare it digit by digit.' },
  CLI_USER_ERROR: { exit: EXIT.usage, message: '{detail}' },
  CLI_STORAGE_PROBLEMS: { exit: EXIT.invalid, message: '{count} problem(s) in the storage of {dir} (listed above). Stop nothing else: run `hotline repair --data {dir}`, then start the terminal.' },
  CLI_STORAGE_UNREPAIRABLE: { exit: EXIT.invalid, message: '{count} problem(s) remain that repair cannot fix from the entries (listed above): restore the database from a backup (docs/operations.md "Backup and restore"); the peers give back what they hold.' },
  CLI_IMPORT_INCOMPLETE: { exit: EXIT.invalid, message: 'not everything in {path} was imported: {rejected} entries rejected (listed above, with why) and {waiting} waiting for predecessors the bundle does not hold. Ask the sender for a complete export.' },
  CLI_DEMO_TERMINAL_STOPPED: { exit: EXIT.invalid, message: 'terminal {code} stopped while starting (exit {exit}); its log {log} ends: {last} Fix what it names, then run `npm start` again.' },
  CLI_DEMO_RUNNING: { exit: EXIT.usage, message: '{who} already runs on {dir}, its terminals answering at {urls}; a second one would only start terminals that stop at once. Stop it ({stop}) and start again; meanwhile the CLI works against the running one, e.g. `npx hotline channel list --data {us}`.' },
  CLI_CHECKPOINT_UNANSWERED: { exit: EXIT.invalid, message: 'the checkpoint was written, but not every party has answered it within {seconds} s, so no period can start there yet. Check the links (`hotline channel show {channel} --data {data}`); once they are up the answers come by themselves: run `hotline export {channel} --since now --data {data}` then.' },
  CLI_NOT_ACCEPTED: { exit: EXIT.usage, message: 'channel {channel} was not accepted: nothing was signed. Compare the charter hash and the fingerprints with the other parties over a line you trust, then run `hotline channel accept {channel} --data {data}` again (or decline it with `hotline channel decline {channel} --reason TEXT --data {data}`).' },
  CLI_OFFICER_NOT_NAME: { exit: EXIT.invalid, message: 'OFFICER_REQUIRED: this terminal has officer accounts, so a free-text --name is not accepted: acknowledge as a registered officer: `hotline officer list --data {data}` lists them, then `hotline ack {message} --officer "NAME" --data {data}` with one of their names ("{name}" is a free-text name, not an account unless one has it; `hotline officer add` adds one).' },
  CLI_START_REFUSED: { exit: EXIT.config, message: '{detail}' },
  CLI_INTERNAL: { exit: EXIT.internal, message: 'internal error: {detail}. This is a bug in Hotline; run again with HOTLINE_DEBUG=1 and report the output.' },
});

export type CliErrorCode = CodeOf<typeof CLI_ERRORS>;
export type CliErrorDetails = ErrorDetails;

/** An error meant for the person at the terminal: one line, a stable code, an exit status. */
export class CliError extends RegisteredError<CliErrorCode> {
  readonly exitCode: number;
  constructor(code: CliErrorCode, details: CliErrorDetails = {}, options?: { cause?: unknown }) {
    super(CLI_ERRORS, code, details, options);
    this.name = 'CliError';
    this.exitCode = CLI_ERRORS.specs[code].exit;
  }
}

/** Builds the message of `code` from its template (a missing detail reads as nothing). */
export function formatCliError(code: CliErrorCode, details: CliErrorDetails = {}): string {
  return CLI_ERRORS.format(code, details);
}

/** Makes a CliError (to throw). */
export function cliError(code: CliErrorCode, details: CliErrorDetails = {}, cause?: unknown): CliError {
  return new CliError(code, details, cause === undefined ? undefined : { cause });
}

/** Quotes a user-supplied path for messages. */
export function quotePath(path: string): string {
  return `'${path}'`;
}

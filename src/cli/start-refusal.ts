/**
 * `hotline serve`'s start-up failures that a person must fix, told apart from those a restart may
 * cure: they exit with 78 (EX_CONFIG), which deploy/hotline.service does not restart
 * (`RestartPreventExitStatus=78`), instead of every 2 s forever, filling the journal. A database
 * or a port not there yet (STORE_UNREACHABLE, PORT_IN_USE) or a terminal still holding the lock
 * (STORE_LOCKED) keep their status 2: a restart may find them free.
 */
import { InvalidArgumentError } from 'commander';
import { cliError } from './errors.js';

/**
 * Codes of a start that cannot succeed until a person acts: the identity on disk (missing or
 * invalid keys, config.json), a database upgraded by a newer version or damaged, and a setting
 * the terminal refuses (BAD_REQUEST at start-up: an environment variable, an escalation file).
 */
const NEEDS_A_PERSON = /^(IDENTITY_[A-Z_]+|STORE_NEWER_SCHEMA|STORE_DAMAGED|STORAGE_EMPTY|STORAGE_DAMAGED|BAD_REQUEST)$/;

/** System errors of a file or directory the terminal may not read or write. */
const NO_PERMISSION = new Set(['EACCES', 'EPERM', 'EROFS']);

/** What a failed start throws: CLI_START_REFUSED (exit 78) when a person must act, else `e` as it was. */
export function startRefusal(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const message = e.message.replace(/\s*\n\s*/g, ' ').replace(/\.$/, '');
  if (e instanceof InvalidArgumentError) return cliError('CLI_START_REFUSED', { detail: message }, e);
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return e;
  if (NEEDS_A_PERSON.test(code)) return cliError('CLI_START_REFUSED', { detail: `${code}: ${message}` }, e);
  if (NO_PERMISSION.has(code))
    return cliError('CLI_START_REFUSED', { detail: `${message}. The terminal may not use a file of its data directory: give the directory and its files to the user it runs as (0700, files 0600)` }, e);
  return e;
}

/**
 * Reading the root key's passphrase from a file or an environment variable (never from the
 * command line, where it would show in the process list and shell history).
 */
import { readFile } from 'node:fs/promises';
import { IdentityError } from './errors.js';

/** Where a passphrase comes from; at most one of the two. */
export interface PassphraseSource {
  /** A file holding the passphrase; one final newline is ignored. */
  file?: string | undefined;
  /** The name of an environment variable holding it. */
  env?: string | undefined;
}

/** The passphrase from `source`, or undefined when none is configured. */
export async function readPassphrase(
  source: PassphraseSource,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (source.file !== undefined && source.env !== undefined)
    throw new IdentityError('IDENTITY_PASSPHRASE_SOURCE', {
      detail: 'give either --passphrase-file or --passphrase-env, not both',
    });
  let passphrase: string | undefined;
  if (source.file !== undefined) {
    try {
      passphrase = (await readFile(source.file, 'utf8')).replace(/\r?\n$/, '');
    } catch (error) {
      throw new IdentityError(
        'IDENTITY_PASSPHRASE_SOURCE',
        { detail: `cannot read ${source.file}: ${(error as Error).message}` },
        { cause: error },
      );
    }
    if (passphrase.length === 0)
      throw new IdentityError('IDENTITY_PASSPHRASE_SOURCE', { detail: `${source.file} is empty` });
  } else if (source.env !== undefined) {
    passphrase = environment[source.env];
    if (passphrase === undefined || passphrase.length === 0)
      throw new IdentityError('IDENTITY_PASSPHRASE_SOURCE', {
        detail: `the environment variable ${source.env} is not set or empty`,
      });
  }
  return passphrase;
}

/**
 * The host credential: DATA/officer.token (0600), created at a terminal's first start. The
 * instances of a highly available party share one (ha-instance.ts), so that one officer address
 * in front of them (`hotline ha proxy`, a load balancer) takes the same credential whichever
 * instance is active.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdentityError } from './errors.js';
import { exists, PRIVATE_FILE_MODE, writeFileAtomic } from './files.js';

/** The file holding the officer API token (0600), created at first start. */
export const TOKEN_FILE = 'officer.token';

/** What a token file must hold: one token of printable ASCII without spaces. */
const TOKEN = /^[\x21-\x7e]{1,512}$/;

/**
 * The token of `dir`, created if it has none yet. A file that holds no usable token (emptied,
 * truncated) is refused as damaged rather than served: an empty token would lock every CLI command
 * and script out while the start printed "(token )".
 */
export async function officerToken(dir: string): Promise<string> {
  const file = join(dir, TOKEN_FILE);
  if (await exists(file)) {
    const token = (await readFile(file, 'utf8')).trim();
    if (!TOKEN.test(token))
      throw new IdentityError('IDENTITY_CORRUPT', {
        file,
        detail: `it holds no officer API token (${token === '' ? 'it is empty' : 'not one token of up to 512 printable characters without spaces'}). Delete it and start the terminal again to create a new one (the CLI reads it from there; give the new one to any script), or copy it from another instance of the party`,
      });
    return token;
  }
  const token = randomBytes(24).toString('base64url');
  await writeFileAtomic(file, `${token}\n`, PRIVATE_FILE_MODE);
  return token;
}

/** Gives `dir` the token of `from` (created there first if it has none). */
export async function shareOfficerToken(from: string, dir: string): Promise<void> {
  const token = await officerToken(from);
  await writeFileAtomic(join(dir, TOKEN_FILE), `${token}\n`, PRIVATE_FILE_MODE);
}

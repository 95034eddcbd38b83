/**
 * The host credential: DATA/officer.token (0600), created at a terminal's first start. The
 * instances of a highly available party share one (ha-instance.ts), so that one officer address
 * in front of them (`hotline ha proxy`, a load balancer) takes the same credential whichever
 * instance is active.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, PRIVATE_FILE_MODE, writeFileAtomic } from './files.js';

/** The file holding the officer API token (0600), created at first start. */
export const TOKEN_FILE = 'officer.token';

/** The token of `dir`, created if it has none yet. */
export async function officerToken(dir: string): Promise<string> {
  const file = join(dir, TOKEN_FILE);
  if (await exists(file)) return (await readFile(file, 'utf8')).trim();
  const token = randomBytes(24).toString('base64url');
  await writeFileAtomic(file, `${token}\n`, PRIVATE_FILE_MODE);
  return token;
}

/** Gives `dir` the token of `from` (created there first if it has none). */
export async function shareOfficerToken(from: string, dir: string): Promise<void> {
  const token = await officerToken(from);
  await writeFileAtomic(join(dir, TOKEN_FILE), `${token}\n`, PRIVATE_FILE_MODE);
}

/**
 * The host credential: DATA/officer.token (0600), created at a terminal's first start. The
 * instances of a highly available party share one (ha-instance.ts), so that one officer address
 * in front of them (`hotline ha proxy`, a load balancer) takes the same credential whichever
 * instance is active.
 *
 * Beside it, DATA/metrics.token (0600, also created at the first start and shared likewise): a
 * credential that reads GET /metrics and nothing else, for a Prometheus scraper (auth.ts).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdentityError } from './errors.js';
import { exists, PRIVATE_FILE_MODE, writeFileAtomic } from './files.js';

/** The file holding the officer API token (0600), created at first start. */
export const TOKEN_FILE = 'officer.token';
/** The file holding the metrics token (0600), created at first start: GET /metrics only. */
export const METRICS_TOKEN_FILE = 'metrics.token';

/** What a token file must hold: one token of printable ASCII without spaces. */
const TOKEN = /^[\x21-\x7e]{1,512}$/;

/**
 * The token of `dir`, created if it has none yet. A file that holds no usable token (emptied,
 * truncated) is refused as damaged rather than served: an empty token would lock every CLI command
 * and script out while the start printed "(token )".
 */
export async function officerToken(dir: string): Promise<string> {
  return tokenOf(dir, TOKEN_FILE, 'officer API token', 'the CLI reads it from there; give the new one to any script');
}

/** The metrics token of `dir`, created if it has none yet; refused as damaged like the officer token. */
export async function metricsToken(dir: string): Promise<string> {
  return tokenOf(dir, METRICS_TOKEN_FILE, 'metrics token', 'give the new one to the metrics scraper');
}

async function tokenOf(dir: string, name: string, what: string, then: string): Promise<string> {
  const file = join(dir, name);
  if (await exists(file)) {
    const token = (await readFile(file, 'utf8')).trim();
    if (!TOKEN.test(token))
      throw new IdentityError('IDENTITY_CORRUPT', {
        file,
        detail: `it holds no ${what} (${token === '' ? 'it is empty' : 'not one token of up to 512 printable characters without spaces'}). Delete it and start the terminal again to create a new one (${then}), or copy it from another instance of the party`,
      });
    return token;
  }
  const token = randomBytes(24).toString('base64url');
  await writeFileAtomic(file, `${token}\n`, PRIVATE_FILE_MODE);
  return token;
}

/** Gives `dir` the officer and metrics tokens of `from` (created there first if it has none). */
export async function shareOfficerToken(from: string, dir: string): Promise<void> {
  for (const [name, read] of [[TOKEN_FILE, officerToken], [METRICS_TOKEN_FILE, metricsToken]] as const) {
    const token = await read(from);
    await writeFileAtomic(join(dir, name), `${token}\n`, PRIVATE_FILE_MODE);
  }
}

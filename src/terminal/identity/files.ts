/**
 * Small file-system helpers for the identity: atomic writes (temp file, fsync, rename), private
 * directories, and the permission check on secret files.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IdentityError } from './errors.js';

/** Mode of secret files (key files, configuration holding connection strings). */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of public files (the party card). */
export const PUBLIC_FILE_MODE = 0o644;
/** Mode of the data directory and of keys/. */
export const PRIVATE_DIR_MODE = 0o700;

const CHECK_MODES = process.platform !== 'win32';

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function ioError(action: string, file: string, error: unknown): IdentityError {
  return new IdentityError(
    'IDENTITY_IO',
    { action, file, detail: (error as Error).message },
    { cause: error },
  );
}

/** True if `path` exists (without following a final symlink). */
export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errno(error) === 'ENOENT') return false;
    throw ioError('inspect', path, error);
  }
}

/** Creates `dir` (and parents) if missing; makes it private (0700) when this call created it. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (error) {
    throw ioError('create the directory', dir, error);
  }
  if (created !== undefined && CHECK_MODES) await chmod(dir, PRIVATE_DIR_MODE);
}

/** fsyncs a directory so a rename inside it survives a power cut (best effort where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  if (!CHECK_MODES) return;
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `path` atomically: a temporary file beside it, with `mode`, fsynced, then
 * renamed over `path`. Readers see the old content or the new, never a mixture.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    try {
      await handle.writeFile(data);
      if (CHECK_MODES) await handle.chmod(mode); // the umask may have removed bits we want
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    await syncDir(dirname(path));
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    if (error instanceof IdentityError) throw error;
    throw ioError('write', path, error);
  }
}

/** Refuses a secret file that group or others may read or write (IDENTITY_KEY_PERMISSIONS). */
export async function checkPrivateFile(file: string): Promise<void> {
  if (!CHECK_MODES) return;
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch (error) {
    throw ioError('inspect', file, error);
  }
  if ((mode & 0o077) !== 0) {
    throw new IdentityError('IDENTITY_KEY_PERMISSIONS', {
      file,
      mode: (mode & 0o777).toString(8).padStart(4, '0'),
    });
  }
}

/** Reads and parses a JSON file; IDENTITY_CORRUPT if it is not JSON. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw ioError('read', file, error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new IdentityError('IDENTITY_CORRUPT', { file, detail: 'it is not valid JSON' }, { cause: error });
  }
}

/** JSON text as written to disk: indented, with a final newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

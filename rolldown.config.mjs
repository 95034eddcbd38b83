/**
 * Bundles, after tsc and in place, what starts a process or a thread: the CLI (dist/cli/main.js,
 * which `hotline serve` runs too) and the worker threads' scripts. Starting means loading modules,
 * and the schema library alone is a few hundred small ones: unbundled, `hotline --version` took
 * 1.0 s and a check worker answered its first batch 0.45 to 0.65 s after it started; bundled,
 * 0.5 s and 0.12 s (2-core VM). A terminal coming back to a backlog waited for both.
 *
 * What the code imports dynamically (the PostgreSQL store, nodemailer, WebAuthn, X.509 for `init`)
 * goes into chunks beside the bundle (dist/cli/main-chunks/), loaded only when used: a start no
 * longer parses them. The CLI bundle went from 5.2 MB to 3.3 MB: `hotline --version` from 0.57 to
 * 0.40 s, a terminal with empty logs answers /healthz 0.15 to 0.2 s sooner.
 *
 * Native addons stay outside the bundle, loaded from node_modules as before. Paths to the
 * package's own files go through src/terminal/install-paths.ts, never relative to the module.
 * tsc's unbundled modules stay in dist/ beside the bundle (the benchmark and the tests import them).
 */
import { basename, dirname } from 'node:path';
import { defineConfig } from 'rolldown';

const NATIVE = ['better-sqlite3', 'pg', 'pg-native', '@node-rs/argon2'];

const inPlace = (file) => ({
  input: file,
  platform: 'node',
  external: NATIVE,
  output: {
    dir: dirname(file),
    entryFileNames: basename(file),
    chunkFileNames: `${basename(file, '.js')}-chunks/[name]-[hash].js`,
    format: 'esm',
    sourcemap: true,
  },
});

export default defineConfig([inPlace('dist/cli/main.js'), inPlace('dist/terminal/channels/check-worker.js'), inPlace('dist/cli/verify-worker.js')]);

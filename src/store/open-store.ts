/**
 * The one entry point that picks a backend from configuration.
 */
import type { PostgresStoreConfig } from './postgres.js';
import { openSqliteStore, type SqliteStoreConfig } from './sqlite.js';
import type { Store } from './store.js';

/** Where a terminal keeps its data: an embedded SQLite file (default) or a PostgreSQL server. */
export type StoreConfig = SqliteStoreConfig | PostgresStoreConfig;

/** Opens the configured store and brings its schema up to date (migrations are idempotent). */
export function openStore(config: StoreConfig): Promise<Store> {
  switch (config.kind) {
    case 'sqlite':
      return openSqliteStore(config);
    case 'postgres':
      // The PostgreSQL driver is loaded only by terminals that use it.
      return import('./postgres.js').then((m) => m.openPostgresStore(config));
  }
}

/** Drops a PostgreSQL schema and everything in it (tests that gave each run its own schema). */
export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  return (await import('./postgres.js')).dropSchema(connectionString, schema);
}

/** Creates the PostgreSQL database `connectionString` names if the server has none by that name. */
export async function ensureDatabase(connectionString: string): Promise<void> {
  return (await import('./postgres.js')).ensureDatabase(connectionString);
}

/**
 * The one entry point that picks a backend from configuration.
 */
import { openPostgresStore, type PostgresStoreConfig } from './postgres.js';
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
      return openPostgresStore(config);
  }
}

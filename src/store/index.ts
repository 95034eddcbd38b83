/**
 * The public surface of the store layer: open a store, and the types that cross its boundary.
 * Nothing here leaks Kysely or driver types.
 */
export { dropSchema, ensureDatabase, openStore, type StoreConfig } from './open-store.js';
export type { SqliteStoreConfig, SqliteSynchronous } from './sqlite.js';
export { SQLITE_SYNCHRONOUS } from './sqlite.js';
export type { PostgresStoreConfig } from './postgres.js';
export { MAX_EVIDENCE_PER_PLACE, earliestEscalation } from './store.js';
export { BULK_KINDS, hashKey, type ReferentRow } from './bounded-logs.js';
export type {
  AppendResult,
  AppendStatus,
  Committed,
  PipelineOptions,
  ChannelRow,
  EntryRow,
  EvidenceInput,
  EvidenceRow,
  Head,
  JsonValue,
  LinkSampleRow,
  ListEntriesOptions,
  ListMessagesOptions,
  MessageCursor,
  SearchMessagesOptions,
  ListUnackedOptions,
  LogPosition,
  MessageInput,
  MessageRow,
  PeerRow,
  ReceiptRow,
  ReceiptTime,
  IdempotentAnswer,
  Store,
  StoredEntry,
} from './store.js';
export {
  EntryWriter,
  defaultFlushScheduler,
  type EntryAppender,
  type EntryWriterOptions,
  type EntryWriterStats,
  type FlushScheduler,
} from './entry-writer.js';
export type {
  EscalationKind,
  EscalationOutcome,
  EscalationStepInput,
  EscalationStepRow,
  EscalationStore,
  EscalationVia,
  ListEscalationsOptions,
} from './escalation-store.js';
export type {
  AuditPageQuery,
  AuditRow,
  LoginFailureRow,
  OfficerPatch,
  OfficerRoles,
  OfficerRow,
  OfficerStore,
  SessionRow,
  WebAuthnCredentialRow,
} from './officer-store.js';
export type { EntryProjection, AckProjection } from './entry-projection.js';
export { auditHash, nextAuditRow, type AuditRecordInput } from './audit-chain.js';
export { Leadership, type AcquiredLease, type InstanceRow, type LeaseBlocker, type LeaseState } from './leadership.js';
export { acquireTerminalLock, thisProcess, LOCK_CHECK_MS, type LockChange, type LockHolder, type TerminalLock } from './terminal-lock.js';
export { StoreError, STORE_ERRORS, storeErrorOf, type StoreErrorCode, type StoreErrorDetails } from './errors.js';

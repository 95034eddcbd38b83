/**
 * The chain of the local audit log, as the store appends it: each record's hash covers its content
 * and the previous record's hash (docs/security.md, "Audit log"), so an edit, a deletion or a
 * reordering anywhere breaks every later link. Pure: the store builds the next record from the last
 * one inside its transaction, from data the terminal computed before the commit.
 */
import { canonicalize, sha256Hex } from '../protocol/index.js';
import type { AuditRow } from './officer-store.js';

/** Domain separation of audit hashes (never valid as an entry hash). */
const AUDIT_DOMAIN = 'hotline.audit.v1\n';

/** What to record, and when. */
export interface AuditRecordInput {
  readonly at: number;
  /** Who acted: an officer name, "terminal" (the host credential), or "anonymous". */
  readonly actor: string;
  /** What was done, e.g. "auth.login", "message.send". */
  readonly action: string;
  readonly detail?: Record<string, unknown>;
}

/** The hash of an audit record: its values in canonical JSON (RFC 8785), under a domain prefix. */
export function auditHash(row: Omit<AuditRow, 'hash'>): string {
  return sha256Hex(AUDIT_DOMAIN, canonicalize({ seq: row.seq, at: row.at, actor: row.actor, action: row.action, detail: row.detail, prev: row.prevHash }));
}

/** The record that follows `last` (undefined: the first record). */
export function nextAuditRow(last: AuditRow | undefined, input: AuditRecordInput): AuditRow {
  const base = { seq: (last?.seq ?? 0) + 1, at: input.at, actor: input.actor, action: input.action, detail: canonicalize(input.detail ?? {}), prevHash: last?.hash ?? '' };
  return { ...base, hash: auditHash(base) };
}

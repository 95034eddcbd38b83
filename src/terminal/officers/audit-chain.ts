/**
 * The hash chain of the local audit log (audit-log.ts), as pure functions: the hash of a record,
 * the verification of a chain and the parsing of an export. No I/O, no clock: the terminal checks
 * its stored chain with them, and `hotline audit verify FILE` checks an export offline.
 *
 * Each record's hash covers its content and the previous record's hash, so an edit, a deletion or
 * a reordering anywhere breaks every later link.
 */
import { auditHash, type AuditRow } from '../../store/index.js';

/** The hash of an audit record; the store chains records with it (src/store/audit-chain.ts). */
export { auditHash };

/** The outcome of {@link verifyAudit}. */
export type AuditVerdict =
  | { readonly ok: true; readonly records: number; readonly head: string }
  | { readonly ok: false; readonly records: number; readonly seq: number; readonly problem: string };

/**
 * Verifies a chain of audit records (as stored or as exported): seq 1, 2, 3 ... without gaps,
 * each prevHash the hash of the record before, each hash recomputed from the content.
 */
export function verifyAudit(rows: readonly AuditRow[]): AuditVerdict {
  let prev = '';
  for (const [i, r] of rows.entries()) {
    const bad = (problem: string): AuditVerdict => ({ ok: false, records: rows.length, seq: r.seq ?? i + 1, problem });
    if (r.seq !== i + 1) return bad(`record ${i + 1} has seq ${r.seq}: a record was removed or inserted`);
    if (r.prevHash !== prev) return bad(`record ${r.seq} does not follow record ${r.seq - 1} (prevHash differs): the log was cut or reordered`);
    if (auditHash(r) !== r.hash) return bad(`record ${r.seq} was altered after it was written (its hash does not match its content)`);
    prev = r.hash;
  }
  return { ok: true, records: rows.length, head: prev };
}

/** Parses exported JSON Lines back into records (for verification of a file). */
export function parseAuditExport(text: string): AuditRow[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditRow);
}

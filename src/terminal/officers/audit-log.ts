/**
 * The local audit log of officer actions: sign-in and its failures, sessions, send, acknowledge,
 * charter actions, export, officer and key changes. Append-only and hash-chained: each record's
 * hash covers its content and the previous record's hash, so an edit, a deletion or a reordering
 * anywhere breaks every later link. Exported as JSON Lines; verified offline by {@link verifyAudit}.
 *
 * This log stays on this terminal: officers' sessions and addresses are recorded here and never
 * in signed entries, which peers see.
 */
import { auditHash, nextAuditRow, type AuditRow, type OfficerStore } from '../../store/index.js';
import type { Clock } from '../clock.js';

/** The hash of an audit record (the store chains records with it: src/store/audit-chain.ts). */
export { auditHash };

/** What to record. */
export interface AuditInput {
  readonly actor: string;
  readonly action: string;
  readonly detail?: Record<string, unknown>;
}

/** The outcome of {@link verifyAudit}. */
export type AuditVerdict =
  | { readonly ok: true; readonly records: number; readonly head: string }
  | { readonly ok: false; readonly records: number; readonly seq: number; readonly problem: string };

/** Appends to and reads the audit log of one terminal. */
export class AuditLog {
  constructor(
    private readonly store: OfficerStore,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends one record, chained to the last. `within` is the officer store of a transaction in
   * progress (`tx.officers`): the record then commits, or not, with what that transaction writes,
   * e.g. the entry an officer's request wrote.
   */
  async append(input: AuditInput, within?: OfficerStore): Promise<AuditRow> {
    const record = { ...input, at: this.clock.now() };
    return (within ?? this.store).appendAudit((last) => nextAuditRow(last, record));
  }

  /** Every record from `fromSeq`, in order, read in pages. */
  async *records(fromSeq = 1): AsyncIterable<AuditRow> {
    let next = fromSeq;
    for (;;) {
      const page = await this.store.listAudit({ fromSeq: next, limit: 1000 });
      for (const r of page) yield r;
      if (page.length < 1000) return;
      next = page[page.length - 1]!.seq + 1;
    }
  }

  /** The log as JSON Lines (one record per line), for `hotline audit export`. */
  async export(fromSeq = 1): Promise<string> {
    const lines: string[] = [];
    for await (const r of this.records(fromSeq)) lines.push(JSON.stringify(r));
    return lines.length ? `${lines.join('\n')}\n` : '';
  }

  /** Verifies the stored chain. */
  async verify(): Promise<AuditVerdict> {
    const rows: AuditRow[] = [];
    for await (const r of this.records()) rows.push(r);
    return verifyAudit(rows);
  }
}

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

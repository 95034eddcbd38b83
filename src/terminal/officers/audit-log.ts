/**
 * The local audit log of officer actions: sign-in and its failures, sessions, send, acknowledge,
 * charter actions, export, officer and key changes. Append-only and hash-chained (audit-chain.ts).
 * Exported as JSON Lines; verified offline by {@link verifyAudit}.
 *
 * This log stays on this terminal: officers' sessions and addresses are recorded here and never
 * in signed entries, which peers see.
 */
import { nextAuditRow, type AuditPageQuery, type AuditRow, type OfficerStore } from '../../store/index.js';
import type { Clock } from '../clock.js';
import { verifyAudit, type AuditVerdict } from './audit-chain.js';

/** What to record. */
export interface AuditInput {
  readonly actor: string;
  readonly action: string;
  readonly detail?: Record<string, unknown>;
}

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

  /** A page of records, newest first, and the seq to ask the next (older) page before, if any may follow. */
  async page(query: AuditPageQuery): Promise<{ records: AuditRow[]; next: number | null }> {
    const records = await this.store.auditPage(query);
    return { records, next: records.length === query.limit ? records[records.length - 1]!.seq : null };
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

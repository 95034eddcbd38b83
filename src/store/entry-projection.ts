/**
 * What the officers' queries keep of a batch of entries, as data: computed by the terminal's pure
 * projector before the commit (src/terminal/channels/projector.ts) and written by the store in the
 * entries' own transaction, so entries and projections become durable together. No terminal code
 * runs inside the transaction.
 */
import type { AuditRecordInput } from './audit-chain.js';
import { nextAuditRow } from './audit-chain.js';
import type { ChannelRow, IdempotentAnswer, LogPosition, MessageInput, ReceiptRow, Store } from './store.js';

/** A human acknowledgement of a held message. */
export interface AckProjection {
  readonly message: LogPosition;
  readonly at: number;
  /** Who acknowledged, JSON text ({party, code, officer, entry}). */
  readonly by: string;
  /** The acknowledgement entry's own place in its author's log (listed in message_acks). */
  readonly entry?: { readonly author: string; readonly seq: number };
  /**
   * False when the acknowledgement is only listed here, not this terminal's: a third party's
   * acknowledgement of a message addressed to this party too leaves it awaiting this party's own.
   */
  readonly marks?: boolean;
  /**
   * At the sender of a message addressed to more than one other party: the parties besides this
   * acknowledgement's whose acknowledgements are also needed. The message is marked acknowledged
   * here once every one of them has acknowledged too (its escalation stops then, not at the first).
   */
  readonly awaits?: readonly string[];
}

/** The rows a batch of entries adds or changes. Applied in this order: messages before what refers to them. */
export interface EntryProjection {
  /** The channel's row, when its charter state changed (or it is new). */
  readonly channel?: ChannelRow;
  readonly messages?: readonly MessageInput[];
  readonly acks?: readonly AckProjection[];
  /** Receipts: each also marks the author's messages up to its seq as receipted. */
  readonly receipts?: readonly ReceiptRow[];
  /** The audit record of the officer's request that wrote these entries. */
  readonly audit?: AuditRecordInput;
  /** The answer of an idempotent officer-API write, stored with its entries. */
  readonly idempotent?: IdempotentAnswer;
}

/** Writes a projection with `tx`, the store of the entries' transaction. */
export async function applyProjection(tx: Store, p: EntryProjection): Promise<void> {
  if (p.channel) await tx.putChannel(p.channel);
  if (p.messages?.length) await tx.putMessages(p.messages);
  for (const a of p.acks ?? []) {
    // Listed first: whether the others have acknowledged is read from the list, this one included.
    if (a.entry) await tx.putAckEntry(a.message, a.entry);
    if (a.marks === false) continue;
    if (a.awaits?.length) {
      const ackers = new Set(await tx.ackersOf(a.message));
      if (!a.awaits.every((p) => ackers.has(p))) continue;
    }
    await tx.markAcked(a.message, a.at, a.by);
  }
  for (const r of p.receipts ?? []) {
    await tx.putReceipt(r);
    await tx.markReceipted(r.channel, r.author, r.seq, r.at);
  }
  if (p.idempotent) await tx.putIdempotent(p.idempotent);
  if (p.audit) {
    const input = p.audit;
    await tx.officers.appendAudit((last) => nextAuditRow(last, input));
  }
}

/** Whether a projection has anything to write. */
export function isEmptyProjection(p: EntryProjection | undefined): boolean {
  return !p || (!p.channel && !p.messages?.length && !p.acks?.length && !p.receipts?.length && !p.audit && !p.idempotent);
}

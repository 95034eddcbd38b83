/**
 * Receipts per party in the console (pure, no browser API: tested under Node): a message of ours
 * lists each other party of the channel and when its receipts first covered the message; it is
 * receipted (`receiptedAt`) once every one of them has, at the time of the last. What live.ts
 * applies for a receipt event, as the terminal presents it (officer-api/presenters.ts presentReceipts).
 */
import type { Message, PartyReceipt } from '../terminal/officer-api/api-schemas.js';

/** A party of the channel: its id and code. */
export interface ChannelParty {
  readonly party: string;
  readonly code: string;
}

/**
 * `m` with the receipt of `party` at `time`: its item of `receipts` (when the message lists them)
 * and `receiptedAt`, the time of the last party's receipt once every one has received it (as the
 * terminal presents it); a message without `receipts` takes the first receipt, as before.
 */
export function withReceipt(m: Message, party: string, time: number): Message {
  if (!m.receipts?.length) return m.receiptedAt === null ? { ...m, receiptedAt: time } : m;
  if (!m.receipts.some((r) => r.party === party && r.at === null)) return m;
  const receipts = m.receipts.map((r) => (r.party === party && r.at === null ? { ...r, at: time } : r));
  const all = receipts.every((r) => r.at !== null);
  return { ...m, receipts, receiptedAt: all ? Math.max(...receipts.map((r) => r.at!)) : null };
}

/** Whether a receipt by `party` changes `m`. */
export function awaitsReceiptOf(m: Message, party: string): boolean {
  return m.receipts?.length ? m.receipts.some((r) => r.party === party && r.at === null) : m.receiptedAt === null;
}

/** The receipts of a message of ours that none has covered yet: every other party, by code. */
export function receiptsOfOwn(parties: readonly ChannelParty[], selfParty: string): PartyReceipt[] {
  return parties
    .filter((p) => p.party !== selfParty)
    .map((p) => ({ party: p.party, code: p.code, at: null }))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

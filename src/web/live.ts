/**
 * What the console does with the events it is sent: a new message joins the lists, an
 * acknowledgement marks its message, a receipt marks what it covers for the party that wrote it
 * (receipts per party; receiptedAt once all have), without asking the API
 * again. Pure functions of the state and one event; applying an event twice changes nothing, so
 * the events seen while a reload was under way are applied again to its answer.
 */
import type { EntryEvent, Message, Pending, PendingSummary } from '../terminal/officer-api/api-schemas.js';
import { bodyOf } from './event-bodies.js';
import { awaitsReceiptOf, receiptsOfOwn, withReceipt, type ChannelParty } from './receipts.js';

export type { ChannelParty } from './receipts.js';

/**
 * Messages newest first, at most `limit`, with what `e` says applied. `parties`: the channel's
 * (ChannelDetail.parties), so that a message of ours that arrives as an event lists a receipt per
 * other party as the API would.
 */
export function applyToMessages(list: readonly Message[], e: EntryEvent, selfParty: string, limit: number, parties: readonly ChannelParty[] = []): readonly Message[] {
  const message = bodyOf(e, 'message');
  if (message) {
    if (list.some((m) => m.id === e.hash)) return list;
    const m: Message = {
      id: e.hash,
      from: e.authorCode,
      own: e.own,
      seq: e.seq,
      time: e.time,
      precedence: message.precedence,
      lang: message.lang,
      text: message.text,
      replyTo: message.replyTo ?? null,
      drill: message.drill === true,
      deadlineAt: e.deadlineAt ?? null,
      receiptedAt: null,
      ackedAt: null,
      ackedBy: null,
      ...(message.from ? { signedBy: message.from } : {}),
      acks: [],
      ...(e.own && parties.length > 0 ? { receipts: receiptsOfOwn(parties, selfParty) } : {}),
    };
    // Before those of the same millisecond too: a batch's messages share one, and the later is newer.
    const at = list.findIndex((x) => x.time <= m.time);
    const next = at === -1 ? [...list, m] : [...list.slice(0, at), m, ...list.slice(at)];
    return next.slice(0, limit);
  }
  const ack = bodyOf(e, 'ack');
  if (ack) {
    // Every acknowledgement is listed. On our own message it counts (as the terminal records it)
    // once every party it is addressed to (its `receipts`) has acknowledged; on another party's
    // only when it is our own party's: a third party's acknowledgement leaves it awaiting ours.
    const target = list.find((m) => m.id === ack.message);
    if (!target || (target.acks ?? []).some((a) => a.entry === e.hash)) return list;
    const one = { party: e.author, code: e.authorCode, officer: ack.officer, time: e.time, ...(ack.note ? { note: ack.note } : {}), entry: e.hash };
    return list.map((m) => {
      if (m.id !== ack.message) return m;
      const acks = [...(m.acks ?? []), one];
      const marks = m.ackedAt === null && (e.own || (m.own && (m.receipts ?? []).every((r) => acks.some((a) => a.party === r.party))));
      return { ...m, acks, ...(marks ? { ackedAt: e.time, ackedBy: { party: e.author, code: e.authorCode, entry: e.hash, officer: ack.officer } } : {}) };
    });
  }
  const receipt = bodyOf(e, 'receipt');
  if (receipt && !e.own) {
    // Another party (the receipt's author) holds our entries up to `seq`: our messages up to there
    // are received by that party, and receipted once every party they are addressed to has them.
    const upTo = receipt.holds.find((h) => h.author === selfParty)?.seq;
    const covers = (m: Message) => m.own && m.seq <= upTo! && awaitsReceiptOf(m, e.author);
    if (upTo === undefined || !list.some(covers)) return list;
    return list.map((m) => (covers(m) ? withReceipt(m, e.author, e.time) : m));
  }
  return list;
}

/**
 * What awaits acknowledgement here (the earliest deadlines, at most `limit`) and the counts, with
 * `e` applied. `replay` is for an event seen while the state was being loaded, which may or may
 * not include it: then only what the list itself shows is applied (the counts of messages not
 * listed are the load's).
 */
export function applyToPending(state: { pending: readonly Pending[]; summary: PendingSummary }, e: EntryEvent, limit: number, replay = false): { pending: readonly Pending[]; summary: PendingSummary } {
  const { pending, summary } = state;
  const message = bodyOf(e, 'message');
  // A message without a deadline awaits nothing here (written before this party joined the charter).
  if (message && !e.own && e.deadlineAt !== undefined) {
    if (pending.some((p) => p.id === e.hash)) return state;
    const deadlineAt = e.deadlineAt ?? null;
    const p: Pending = {
      id: e.hash,
      channel: e.channel,
      from: e.authorCode,
      own: false,
      time: e.time,
      precedence: message.precedence,
      lang: message.lang,
      text: message.text,
      drill: message.drill === true,
      deadlineAt,
      remainingMs: deadlineAt === null ? null : deadlineAt - e.time,
      overdue: false,
      receiptedAt: null,
      escalation: { level: 0, levelName: null, steps: 0, next: null },
    };
    const key = (x: Pending) => x.deadlineAt ?? Number.MAX_SAFE_INTEGER;
    const at = pending.findIndex((x) => key(x) > key(p));
    // A loaded list that is full and ends before this deadline may or may not count it already.
    if (replay && at === -1 && pending.length >= limit) return state;
    const listed = at === -1 ? [...pending, p] : [...pending.slice(0, at), p, ...pending.slice(at)];
    return { pending: listed.slice(0, limit), summary: count(summary, e.channel, +1) };
  }
  const ack = bodyOf(e, 'ack');
  if (ack && e.own) {
    // Acknowledged here: it no longer awaits. Counted down if it was listed, or may have been
    // among those counted but not listed.
    const listed = pending.some((p) => p.id === ack.message);
    if (!listed && (replay || summary.total <= pending.length || !((summary.channels[e.channel] ?? 0) > 0))) return state;
    return { pending: listed ? pending.filter((p) => p.id !== ack.message) : pending, summary: count(summary, e.channel, -1) };
  }
  return state;
}

function count(summary: PendingSummary, channel: string, by: number): PendingSummary {
  const n = Math.max(0, (summary.channels[channel] ?? 0) + by);
  return { total: Math.max(0, summary.total + by), channels: { ...summary.channels, [channel]: n } };
}

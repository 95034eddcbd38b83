/**
 * The projector: what the officers' queries keep of a batch of entries, computed from the entries
 * and the channel's state alone. Pure (no I/O, no clock: `now` is an argument), so it is tested on
 * its own and runs before the commit; the store writes its result in the entries' transaction
 * (src/store/entry-projection.ts).
 */
import { canonicalize, type BodyOf, type Charter, type ChannelLog, type FormatResolver, type SealedEntry } from '../../protocol/index.js';
import type { AckProjection, ChannelRow, EntryProjection, MessageInput, ReceiptRow } from '../../store/index.js';

/** When the escalation scheduler should first look at a new message (null: never). */
export interface EscalationPlanner {
  firstDueAt(m: Pick<MessageInput, 'channel' | 'author' | 'time' | 'deadlineAt' | 'precedence'>): number | null;
}

/** The charter state of a channel after the batch (ChannelLog.state). */
export interface ProjectedState {
  readonly state: string;
  readonly proposer: string;
  readonly charter: Charter;
}

/** What the projector needs besides the entries. */
export interface ProjectionContext {
  /** The channel's log, holding the entries already (for what an acknowledgement refers to). */
  readonly log: Pick<ChannelLog, 'id' | 'proposal' | 'referent' | 'addressedTo' | 'addressedToAt'>;
  /** The channel's charter state after the batch. */
  readonly after: ProjectedState;
  /** Whether the channel's row must be written (its state changed, or it is new or proposed). */
  readonly channelChanged: boolean;
  readonly now: number;
  /**
   * This terminal's party. A message another party wrote gets its acknowledgement deadline from
   * its arrival, on this terminal's clock (the author's time is shown beside): a skewed author
   * clock must not make a message overdue on arrival, nor give it minutes more (docs/operations.md
   * "Clocks"). Without it, deadlines count from the author's time.
   */
  readonly self?: string;
  readonly label: (party: string) => string;
  readonly planner: EscalationPlanner;
  /**
   * The definitions of agreed formats (#17): a formatted message's deadline is the shorter of the
   * charter's for its precedence and its format's `ackDeadlineSec` (docs/protocol.md §13.1).
   */
  readonly formats?: FormatResolver;
}

/** A message's acknowledgement window, seconds: the charter's, or its format's when shorter. */
export function deadlineSec(charterSec: number, b: BodyOf<'message'>, formats: FormatResolver | undefined): number {
  const formatSec = b.format ? formats?.(b.format.hash)?.ackDeadlineSec : undefined;
  return formatSec !== undefined && formatSec < charterSec ? formatSec : charterSec;
}

/**
 * The parties of `charter` besides the message's author and `acker` that `ref` was addressed to
 * (in the charter of its causal past; a message older than memory holds counts as addressed to
 * nobody more, as before). Empty in a channel of two parties: no lookup.
 */
function othersAddressed(log: Pick<ChannelLog, 'addressedToAt'>, charter: Charter, ref: { readonly author: string; readonly seq: number }, acker: string): string[] {
  const out: string[] = [];
  for (const p of charter.parties) {
    if (p.party !== ref.author && p.party !== acker && log.addressedToAt(ref.author, ref.seq, p.party) === true) out.push(p.party);
  }
  return out;
}

/** The projection of `entries`, all of one channel, in log order. */
export function projectEntries(entries: readonly SealedEntry[], ctx: ProjectionContext): EntryProjection {
  const { log, after } = ctx;
  const channel: ChannelRow | undefined = ctx.channelChanged
    ? { id: log.id, proposer: after.proposer, state: after.state, charter: JSON.stringify(after.charter), createdAt: log.proposal.entry.time, updatedAt: ctx.now }
    : undefined;
  const messages: MessageInput[] = [];
  const acks: AckProjection[] = [];
  const receipts: ReceiptRow[] = [];
  for (const s of entries) {
    const e = s.entry;
    switch (e.kind) {
      case 'message': {
        const b = e.body as BodyOf<'message'>;
        // Built once and completed in place: a message per entry, thousands a second.
        const m: { -readonly [K in keyof MessageInput]: MessageInput[K] } = {
          hash: s.hash,
          channel: log.id,
          author: e.author,
          seq: e.seq,
          time: e.time,
          precedence: b.precedence,
          lang: b.lang,
          text: b.text,
          replyTo: b.replyTo ?? null,
          drill: b.drill === true,
          formatted: b.format ? canonicalize({ fields: b.fields, format: b.format }) : null,
          officer: b.from?.name ?? null,
          // No acknowledgement is awaited here of a message written before this party was in
          // the charter (a party added later receives the channel's history): no deadline.
          deadlineAt: ctx.self !== undefined && e.author !== ctx.self && !log.addressedTo(e, ctx.self) ? null : (ctx.self !== undefined && e.author !== ctx.self ? ctx.now : e.time) + deadlineSec(after.charter.ackDeadlineSec[b.precedence], b, ctx.formats) * 1000,
          escalationDueAt: null,
        };
        m.escalationDueAt = ctx.planner.firstDueAt(m);
        messages.push(m);
        break;
      }
      case 'ack': {
        const b = e.body as BodyOf<'ack'>;
        // Ingest checked that the message is held here (its referent).
        const ref = log.referent(b.message);
        // It marks the message acknowledged at its sender and at the acknowledging party; at a
        // third party it is listed only: that party's officers still owe their own (a FLASH to
        // CN and RU is not acknowledged at RU because CN acknowledged it).
        const marks = ctx.self === undefined || ref?.author === ctx.self || e.author === ctx.self;
        if (!ref) break;
        // At the sender, a message addressed to CN and RU is acknowledged once both have: the
        // first acknowledgement does not stop the escalation of the other party's.
        const awaits = ref.author === ctx.self && e.author !== ctx.self ? othersAddressed(log, after.charter, ref, e.author) : [];
        acks.push({ message: { channel: log.id, author: ref.author, seq: ref.seq }, at: e.time, by: JSON.stringify({ party: e.author, code: ctx.label(e.author), officer: b.officer, entry: s.hash }), entry: { author: e.author, seq: e.seq }, ...(marks ? {} : { marks: false }), ...(awaits.length ? { awaits } : {}) });
        break;
      }
      case 'receipt':
        for (const h of (e.body as BodyOf<'receipt'>).holds) receipts.push({ channel: log.id, holder: e.author, author: h.author, seq: h.seq, hash: h.hash, at: e.time });
        break;
      default:
        break;
    }
  }
  return {
    ...(channel ? { channel } : {}),
    ...(messages.length ? { messages } : {}),
    ...(acks.length ? { acks } : {}),
    ...(receipts.length ? { receipts } : {}),
  };
}

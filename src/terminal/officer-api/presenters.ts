/**
 * Presenters: from what the terminal holds (channel views, stored rows, sealed entries, internal
 * events) to what the officer API answers, field by field as api-schemas.ts defines it. Nothing
 * leaves the officer API that a presenter did not list.
 */
import { isDialogueKind, type BodyOf, type OfficerRef, type Charter, type PartyCard, type Precedence, type SealedEntry } from '../../protocol/index.js';
import type { MessageRow, PeerRow, ReceiptTime } from '../../store/index.js';
import type { ChannelView as DomainChannelView } from '../channels/channel-types.js';
import type { TerminalEvent } from '../events/event-bus.js';
import type * as Api from './api-schemas.js';

/** A party's code, for display. */
export type Labeller = (party: string) => string;

/** A link to a peer as the terminal reports it. */
export interface LinkInfo {
  readonly peer: string;
  readonly code: string;
  /** The combined state (federation/link-state.ts): connecting, up, degraded or down. */
  readonly state: string;
  readonly endpoint: string | null;
  /** When it entered that state (ms). */
  readonly since?: number;
  /** Why it is not up. */
  readonly reason?: string | null;
  /** The stream's own state, before the link tests are combined in. */
  readonly transport?: string;
}

/** A channel of the list. */
export function presentChannelSummary(v: DomainChannelView): Api.ChannelSummary {
  const a = v.pendingAmendment;
  return { id: v.id, state: v.state, title: v.title, tier: v.tier, proposer: v.proposer, parties: v.parties.map((p) => p.code), entries: v.entries, ...(a ? { amendment: { proposer: a.proposer, awaiting: a.awaiting } } : {}), ...(v.left ? { left: v.left } : {}) };
}

/** A channel as officers see it (after a charter action, or proposed). */
export function presentChannelView(v: DomainChannelView): Api.ChannelView {
  return {
    id: v.id,
    state: v.state,
    title: v.title,
    tier: v.tier,
    proposer: v.proposer,
    charterHash: v.charterHash,
    charter: v.charter,
    parties: v.parties.map((p) => ({ party: p.party, code: p.code, roles: [...p.roles], accepted: p.accepted, suspended: p.suspended, entries: p.entries })),
    ...(v.pendingAmendment ? { pendingAmendment: v.pendingAmendment } : {}),
    ...(v.alsoPending ? { alsoPending: v.alsoPending } : {}),
    ...(v.left ? { left: v.left } : {}),
    entries: v.entries,
  };
}

/** A channel with each member's link, its message counts and equivocations recorded. */
export function presentChannelDetail(v: DomainChannelView, self: string, links: ReadonlyMap<string, string>, messages: { total: number; unacknowledged: number }, equivocations: number): Api.ChannelDetail {
  const view = presentChannelView(v);
  return {
    ...view,
    parties: view.parties.map((p) => ({ ...p, link: p.party === self ? 'self' : (links.get(p.party) ?? 'down') })),
    messages,
    equivocations,
  };
}

/** A known peer and the state of our link to it. */
export function presentPeer(p: PeerRow, link: string | undefined): Api.Peer {
  const card = JSON.parse(p.card) as PartyCard;
  return { party: p.party, code: p.code, fingerprint: p.fingerprint, endpoints: card.endpoints, link: link ?? 'down', card: { issued: card.issued, updatedAt: p.updatedAt, keys: card.terminals.map((c) => c.key), revoked: card.revocations.map((r) => r.key) } };
}

/** A stored message with its receipt and acknowledgement. */
export function presentMessage(m: MessageRow, label: Labeller, self: string): Api.Message {
  return {
    id: m.hash,
    from: label(m.author),
    own: m.author === self,
    seq: m.seq,
    time: m.time,
    precedence: m.precedence as Precedence,
    lang: m.lang,
    text: m.text,
    replyTo: m.replyTo,
    drill: m.drill,
    deadlineAt: m.deadlineAt,
    receiptedAt: m.receiptedAt,
    ackedAt: m.ackedAt,
    ackedBy: m.ackedBy ? (JSON.parse(m.ackedBy) as Api.AckedBy) : null,
    ...(m.formatted ? (JSON.parse(m.formatted) as Pick<Api.Message, 'format' | 'fields'>) : {}),
  };
}

/** Per message (`author/seq`), per party whose receipts cover it, when the first of them did. */
export type ReceiptTimes = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** {@link ReceiptTimes} from the store's answer (Store.listReceiptTimes). */
export function indexReceiptTimes(times: readonly ReceiptTime[]): ReceiptTimes {
  const index = new Map<string, Map<string, number>>();
  for (const t of times) {
    const key = `${t.author}/${t.seq}`;
    let per = index.get(key);
    if (!per) index.set(key, (per = new Map()));
    per.set(t.holder, t.at);
  }
  return index;
}

/**
 * A message's receipt state: per party it is addressed to (`parties`, every party of the channel
 * but its author), when its receipts first covered it (null: not yet), sorted by code; and
 * `receiptedAt`, the time of the last of them, null until every one has (docs/protocol.md §6).
 * Without parties (a channel not held) the stored time stands.
 */
export function presentReceipts(m: Pick<MessageRow, 'author' | 'seq' | 'receiptedAt'>, parties: readonly string[], times: ReceiptTimes, label: Labeller): Pick<Api.Message, 'receipts' | 'receiptedAt'> {
  const got = times.get(`${m.author}/${m.seq}`);
  const receipts: Api.PartyReceipt[] = [];
  for (const party of parties) if (party !== m.author) receipts.push({ party, code: label(party), at: got?.get(party) ?? null });
  if (receipts.length === 0) return { receipts, receiptedAt: m.receiptedAt };
  receipts.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  let last: number | null = 0;
  for (const r of receipts) last = r.at === null || last === null ? null : Math.max(last, r.at);
  return { receipts, receiptedAt: last };
}

/** Who spoke: the signing officer of each message and every acknowledgement of it, by message hash. */
export interface WhoSpoke {
  readonly signedBy: ReadonlyMap<string, OfficerRef>;
  readonly acks: ReadonlyMap<string, Api.Acknowledgement[]>;
}

/** Reads {@link WhoSpoke} from message and ack entries (wire text), for the messages `hashes`. */
export function whoSpoke(entries: readonly { readonly raw: string; readonly hash: string; readonly author: string; readonly kind: string; readonly time: number }[], hashes: ReadonlySet<string>, label: Labeller): WhoSpoke {
  const signedBy = new Map<string, OfficerRef>();
  const acks = new Map<string, Api.Acknowledgement[]>();
  for (const e of entries) {
    if (e.kind === 'message') {
      if (!hashes.has(e.hash)) continue;
      const from = (JSON.parse(e.raw) as { body: BodyOf<'message'> }).body.from;
      if (from) signedBy.set(e.hash, from);
    } else if (e.kind === 'ack') {
      const body = (JSON.parse(e.raw) as { body: BodyOf<'ack'> }).body;
      if (!hashes.has(body.message)) continue;
      const list = acks.get(body.message) ?? [];
      list.push({ party: e.author, code: label(e.author), officer: body.officer, time: e.time, ...(body.note ? { note: body.note } : {}), entry: e.hash });
      acks.set(body.message, list);
    }
  }
  return { signedBy, acks };
}

/** A channel's state changes from their entries (wire text): kind, party, time, reason or note. */
export function presentHistory(entries: readonly { readonly raw: string; readonly hash: string; readonly author: string; readonly kind: string; readonly time: number }[], label: Labeller): Api.StateChange[] {
  return entries.map((e) => {
    const body = (JSON.parse(e.raw) as { body?: { reason?: unknown; note?: unknown } }).body ?? {};
    const reason = typeof body.reason === 'string' ? body.reason : typeof body.note === 'string' ? body.note : undefined;
    return { kind: e.kind, party: e.author, code: label(e.author), time: e.time, entry: e.hash, ...(reason ? { reason } : {}) };
  });
}

/** A message entry just written. */
export function presentSent(s: SealedEntry): Api.SendResult {
  return { id: s.hash, seq: s.entry.seq, time: s.entry.time };
}

/** An acknowledgement entry just written. */
export function presentAck(s: SealedEntry<'ack'>): Api.AckResult {
  return { id: s.hash, message: s.entry.body.message, time: s.entry.time, officer: s.entry.body.officer };
}

/** The fields of a message awaiting acknowledgement, with the time left at `now`. */
export function presentAwaiting(m: MessageRow, now: number, label: Labeller, self: string) {
  return {
    id: m.hash,
    channel: m.channel,
    from: label(m.author),
    own: m.author === self,
    time: m.time,
    precedence: m.precedence as Precedence,
    lang: m.lang,
    text: m.text,
    drill: m.drill,
    deadlineAt: m.deadlineAt,
    remainingMs: m.deadlineAt === null ? null : m.deadlineAt - now,
    overdue: m.deadlineAt !== null && m.deadlineAt <= now,
    receiptedAt: m.receiptedAt,
  };
}

/** When a message's acknowledgement is due: its time plus the charter's deadline for its precedence (docs/protocol.md §5.1). */
export function ackDeadline(charter: Pick<Charter, 'ackDeadlineSec'>, precedence: Precedence, time: number): number {
  return time + charter.ackDeadlineSec[precedence] * 1000;
}

/**
 * The frame of the events socket for an internal event, or undefined for events that are the
 * terminal's own plumbing (peer-seen). A message's frame carries its acknowledgement deadline
 * (`deadlineOf`: the one stored with the message), so that a console can show it without asking again.
 */
/** The dialogue object an entry creates (itself) or changes (the one its body names first). */
function dialogueObject(hash: string, body: Record<string, unknown>): string {
  for (const field of ['issue', 'meeting', 'draft', 'commitment']) if (typeof body[field] === 'string') return body[field];
  return hash;
}

export function presentEvent(e: TerminalEvent, deadlineOf: (channel: string, body: BodyOf<'message'>, time: number, own: boolean, at: { author: string; seq: number }) => number | undefined): Api.ApiEvent | undefined {
  switch (e.type) {
    case 'entry': {
      const frame: Api.EntryEvent = { type: 'entry', channel: e.channel, hash: e.hash, author: e.author, authorCode: e.authorCode, seq: e.seq, kind: e.kind, time: e.time, own: e.own, body: e.body };
      if (e.kind === 'message') {
        const deadlineAt = deadlineOf(e.channel, e.body as BodyOf<'message'>, e.time, e.own, { author: e.author, seq: e.seq });
        if (deadlineAt !== undefined) frame.deadlineAt = deadlineAt;
      } else if (isDialogueKind(e.kind)) frame.object = dialogueObject(e.hash, e.body as Record<string, unknown>);
      return frame;
    }
    case 'state':
      return { type: 'state', channel: e.channel, state: e.state, previous: e.previous };
    case 'alarm':
      return { type: 'alarm', code: e.code, message: e.message, ...(e.channel !== undefined ? { channel: e.channel } : {}), ...(e.peer !== undefined ? { peer: e.peer } : {}) };
    case 'escalation':
      return {
        type: 'escalation',
        kind: e.kind,
        subject: e.subject,
        text: e.text,
        ...(e.channel !== undefined ? { channel: e.channel } : {}),
        ...(e.message !== undefined ? { message: e.message } : {}),
        ...(e.precedence !== undefined ? { precedence: e.precedence } : {}),
        ...(e.drill !== undefined ? { drill: e.drill } : {}),
        level: e.level,
        levelName: e.levelName,
        repeat: e.repeat,
        contact: e.contact,
        at: e.at,
      };
    case 'peers':
      return { type: 'peers' };
    case 'peer-seen':
      return undefined;
  }
}

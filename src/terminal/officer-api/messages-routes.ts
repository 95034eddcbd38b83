/**
 * Messages: the list of a channel (with receipts and acknowledgements), send one, send a batch
 * (a gateway), acknowledge one of the other side's. Who signs is the route's explicit choice
 * (auth.ts signingOfficer): the officer signed in, whatever the request claims.
 */
import { owedBy } from '../channels/addressees.js';
import { idempotently } from './idempotency.js';
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { OfficerRef, PRECEDENCES, type BodyOf, type Charter, type OfficerRef as OfficerRefT, type Role, type SealedEntry } from '../../protocol/index.js';
import { TerminalError } from '../errors.js';
import type { MessageFinder } from '../channels/ports.js';
import type { FormatCatalogue } from '../formats/catalogue.js';
import { formattedBody } from '../formats/compose.js';
import { renderedFor } from '../formats/present.js';
import * as Api from './api-schemas.js';
import { signingOfficer } from './auth.js';
import { indexReceiptTimes, presentAck, presentMessage, presentReceipts, presentSent, whoSpoke, type ReceiptTimes, type WhoSpoke } from './presenters.js';
import type { MessageCursor, MessageRow } from '../../store/index.js';
import { ChannelParams, LangTagParam, MessageParams, type OfficerApiPorts, type ReadPorts } from './route-kit.js';

/** Options of {@link messagesRoutes}. */
export interface MessagesRoutesOptions extends Pick<OfficerApiPorts, 'self' | 'directory' | 'actions' | 'now' | 'messages'>, ReadPorts {
  /** Who acknowledges when the host credential names nobody (until officer accounts exist). */
  readonly defaultOfficer: { name: string; title: string; role: Role };
  /** The format definitions held, for formatted messages (#17). */
  readonly formats: FormatCatalogue;
}

/** Messages of a page further back (`before`) when no limit is given. */
const DEFAULT_PAGE = 200;

/** Most messages one batch request may carry. */
export const MAX_BATCH_MESSAGES = 1000;

/** A message as an officer drafts it (who signs it comes from the account: auth.ts). */
export const draftFields = {
  /** Required for free text; for a formatted message, by default its rendering in `lang`. */
  text: Type.Optional(Type.String({ minLength: 1, maxLength: 16_000 })),
  lang: Type.Optional(LangTagParam),
  precedence: Type.Optional(Type.Enum(PRECEDENCES)),
  /** The message this answers: its hash, or a unique prefix of at least 6 hex digits (resolved on this channel). */
  replyTo: Type.Optional(Type.String({ pattern: '^[0-9a-f]{6,64}$' })),
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  drill: Type.Optional(Type.Boolean()),
  /** An agreed format (docs/protocol.md §13): its id, and a version or hash to pick among those the charter lists. */
  format: Type.Optional(
    Type.Object(
      {
        id: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,63}$' }),
        version: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
        hash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
      },
      { additionalProperties: false },
    ),
  ),
  /** The formatted message's values by field name, checked against the agreed definition. */
  fields: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
};
const MessageDraft = Type.Object(draftFields);
export type MessageDraftBody = Static<typeof MessageDraft>;

/** How drafts of one request become bodies: who signs, and for formats the charter and definitions. */
export interface DraftContext {
  readonly from: OfficerRefT | undefined;
  readonly formats: FormatCatalogue;
  readonly charter: () => Charter;
}

/** The signed body of a drafted message, with defaults filled in, signed by `from`. */
export function messageBody(m: MessageDraftBody, ctx: DraftContext): BodyOf<'message'> {
  const { from } = ctx;
  if (m.format === undefined && m.fields !== undefined) throw new TerminalError('BAD_REQUEST', { detail: '"fields" go with a "format": name the format of the message.' });
  if (m.format === undefined && m.text === undefined) throw new TerminalError('BAD_REQUEST', { detail: 'A message needs a "text", or a "format" and its "fields".' });
  const base = m.format
    ? formattedBody(ctx.formats, ctx.charter(), { format: m.format, fields: m.fields ?? {}, ...(m.lang ? { lang: m.lang } : {}), ...(m.precedence ? { precedence: m.precedence } : {}), ...(m.text ? { text: m.text } : {}) })
    : { text: m.text!, lang: m.lang ?? 'en', precedence: m.precedence ?? 'ROUTINE' };
  return {
    ...base,
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    ...(m.subject ? { subject: m.subject } : {}),
    ...(m.drill ? { drill: true } : {}),
    ...(from ? { from } : {}),
  };
}

/**
 * Who signed each of `rows` and every acknowledgement of them: their entries, read by log
 * position (message_acks lists each acknowledgement), so a page costs its size at any depth.
 */
export async function whoSpokeIn(reads: ReadPorts['reads'], channel: string, rows: readonly MessageRow[], label: (party: string) => string): Promise<WhoSpoke | undefined> {
  if (rows.length === 0) return undefined;
  return whoSpoke(await reads.pageEntries(channel, rows), new Set(rows.map((r) => r.hash)), label);
}

/**
 * The receipt state of `rows` of one channel: the channel's parties (its charter's) and, per
 * message and party, when its receipts first covered it (presenters.ts presentReceipts).
 */
export async function receiptsIn(opts: Pick<MessagesRoutesOptions, 'reads' | 'directory'>, channel: string, rows: readonly MessageRow[]): Promise<{ parties: string[]; times: ReceiptTimes; partiesOf: (m: Pick<MessageRow, 'author' | 'seq'>) => string[] }> {
  // A channel not held here (rows of a list across channels) has no parties: its stored time stands.
  const held = opts.directory.channelIds().includes(channel);
  const parties = held ? opts.directory.view(channel).parties.map((p) => p.party) : [];
  // Per message, the parties it went to (the charter of its causal past): a party added since
  // receives it as history, and its receipt does not make the message "receipted" later.
  const log = held ? opts.directory.channel(channel) : undefined;
  // A party removed since still counts for what went to it; beyond memory, the parties of today.
  const everyone = log ? [...new Set([...parties, ...log.authors()])] : parties;
  const partiesOf = (m: Pick<MessageRow, 'author' | 'seq'>) => (log ? everyone.filter((p) => log.addressedToAt(m.author, m.seq, p) ?? parties.includes(p)) : parties);
  return { parties, partiesOf, times: rows.length === 0 ? new Map() : indexReceiptTimes(await opts.reads.receiptTimes(channel, rows)) };
}

/** Messages as the officer API presents them: with who signed, every acknowledgement, each party's receipt, and formatted ones rendered in `lang`. */
export async function presentPage(opts: Pick<MessagesRoutesOptions, 'reads' | 'directory' | 'self' | 'formats'>, channel: string, rows: readonly MessageRow[], lang: string | undefined): Promise<Api.Message[]> {
  const label = (party: string) => opts.directory.label(party);
  const who = await whoSpokeIn(opts.reads, channel, rows, label);
  const { parties, times, partiesOf } = await receiptsIn(opts, channel, rows);
  const log = parties.length > 2 ? opts.directory.channel(channel) : undefined;
  return rows.map((row) => {
    const signedBy = who?.signedBy.get(row.hash);
    const acks = who?.acks.get(row.hash) ?? [];
    // Our message to several parties, not yet acknowledged by all: whose acknowledgement it awaits.
    const owing = log && row.author === opts.self.party && row.ackedAt === null && row.deadlineAt !== null ? owedBy(log, row, row.time) : [];
    const awaited = owing.length > 1 ? owing.filter((p) => !acks.some((a) => a.party === p)).map(label) : undefined;
    const m = { ...presentMessage(row, label, opts.self.party), ...presentReceipts(row, partiesOf(row), times, label), ...(signedBy ? { signedBy } : {}), acks, ...(awaited ? { ackAwaited: awaited } : {}) };
    const rendered = lang && m.format ? renderedFor(opts.formats, m, lang) : undefined;
    return rendered ? { ...m, rendered } : m;
  });
}

/** The timeline place of message `id` of a channel (a page cursor): MESSAGE_NOT_FOUND if not held. */
export async function cursorOf(reads: ReadPorts['reads'], messages: MessageFinder, log: { readonly id: string }, id: string): Promise<MessageCursor> {
  // Through the finder: a message far back is no longer in the log's memory (#18), the store finds it.
  const at = await messages.findMessage(id);
  const row = at.channel === log.id ? await reads.message({ channel: log.id, author: at.author, seq: at.seq }) : undefined;
  if (!row) throw new TerminalError('MESSAGE_NOT_FOUND', { message: id });
  return { time: row.time, author: row.author, seq: row.seq };
}

/** The draft with its `replyTo` prefix resolved to the hash of a message of channel `channel` (MESSAGE_NOT_FOUND if none, or several). */
async function withReplyResolved<T extends { replyTo?: string }>(messages: MessageFinder, channel: string, draft: T): Promise<T> {
  if (draft.replyTo === undefined || draft.replyTo.length === 64) return draft;
  const at = await messages.findMessage(draft.replyTo);
  if (at.channel !== channel) throw new TerminalError('MESSAGE_NOT_FOUND', { message: draft.replyTo });
  return { ...draft, replyTo: at.hash };
}

/** Registers the message routes. */
export async function messagesRoutes(app: FastifyInstance, opts: MessagesRoutesOptions): Promise<void> {
  const { directory, actions, reads } = opts;

  app.get(
    '/api/v1/channels/:id/messages',
    {
      config: { permission: 'channel.read', scope: 'channel' },
      schema: {
        summary: 'Messages with receipt and acknowledgement status, oldest first: all of them, or the latest `limit`; with `before`, the page before that message (the console scrolls back this way)',
        params: ChannelParams,
        querystring: Type.Object({
          unacked: Type.Optional(Type.Boolean()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
          before: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: `a page further back: the latest \`limit\` (${DEFAULT_PAGE} by default) of the messages before this one (a message id: the oldest of the page shown)` })),
          lang: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$', description: 'render formatted messages in this language (field `rendered`)' })),
        }),
        response: { 200: Type.Array(Api.Message) },
      },
    },
    async (request) => {
      const q = request.query as { unacked?: boolean; limit?: number; lang?: string; before?: string };
      const log = directory.channel((request.params as { id: string }).id);
      const before = q.before !== undefined ? await cursorOf(reads, opts.messages, log, q.before) : undefined;
      const rows = await reads.messages(log.id, { unackedOnly: q.unacked, limit: q.limit ?? (before ? DEFAULT_PAGE : undefined), ...(before ? { before } : {}) });
      return presentPage(opts, log.id, rows, q.lang);
    },
  );

  app.post(
    '/api/v1/channels/:id/messages',
    {
      config: { permission: 'message.send', scope: 'channel' },
      schema: {
        summary: 'Send a message',
        params: ChannelParams,
        body: Type.Object({ ...draftFields, from: Type.Optional(OfficerRef) }),
        response: { 201: Api.SendResult, 409: Api.ApiErrorBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const b = await withReplyResolved(opts.messages, directory.channel(id).id, request.body as MessageDraftBody & { from?: OfficerRefT });
      const from = signingOfficer(request, b.from);
      const ctx: DraftContext = { from, formats: opts.formats, charter: () => directory.channel(id).state(opts.now()).charter };
      return idempotently(request, reply, reads, presentSent, (idempotent) =>
        actions.send(id, messageBody(b, ctx), { audit: request.auditWithEntry(201, (s: SealedEntry) => ({ id: s.hash })), ...(idempotent ? { idempotent } : {}) }),
      opts.now);
    },
  );

  app.post(
    '/api/v1/channels/:id/messages/batch',
    {
      config: { permission: 'message.send', scope: 'channel' },
      schema: {
        summary: 'Send several messages at once (a gateway): each is its own signed entry, and all commit together or none does',
        params: ChannelParams,
        body: Type.Object({ messages: Type.Array(MessageDraft, { minItems: 1, maxItems: MAX_BATCH_MESSAGES }), from: Type.Optional(OfficerRef) }),
        response: { 201: Api.BatchResult, 409: Api.ApiErrorBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = request.body as { messages: MessageDraftBody[]; from?: OfficerRefT };
      const channel = directory.channel(id).id;
      const b = { ...body, messages: await Promise.all(body.messages.map((m) => withReplyResolved(opts.messages, channel, m))) };
      const from = signingOfficer(request, b.from);
      const ctx: DraftContext = { from, formats: opts.formats, charter: () => directory.channel(id).state(opts.now()).charter };
      const present = (made: ReadonlyArray<SealedEntry<'message'>>) => ({ messages: made.map(presentSent) });
      return idempotently(request, reply, reads, present, (idempotent) =>
        actions.sendMany(
          id,
          b.messages.map((m) => messageBody(m, ctx)),
          { audit: request.auditWithEntry(201, (made: readonly SealedEntry[]) => ({ count: made.length, first: made[0]!.hash, last: made.at(-1)!.hash })), ...(idempotent ? { idempotent: (made: readonly SealedEntry[]) => idempotent(made as ReadonlyArray<SealedEntry<"message">>) } : {}) },
        ),
      opts.now);
    },
  );

  ackRoute(app, opts);
}

/** POST /api/v1/messages/:id/ack. */
function ackRoute(app: FastifyInstance, opts: MessagesRoutesOptions): void {
  const { actions } = opts;
  app.post(
    '/api/v1/messages/:id/ack',
    {
      config: { permission: 'message.ack', scope: 'message' },
      schema: {
        summary: 'Acknowledge a message of the other side',
        params: MessageParams,
        body: Type.Optional(Type.Object({ officer: Type.Optional(OfficerRef), note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })), again: Type.Optional(Type.Boolean({ description: 'acknowledge again on purpose: by default a second acknowledgement by the same officer is refused (ACK_REPEATED)' })) })),
        response: { 201: Api.AckResult },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const b = (request.body ?? {}) as { officer?: OfficerRefT; note?: string; again?: boolean };
      const officer = signingOfficer(request, b.officer) ?? opts.defaultOfficer;
      const sealed = await actions.acknowledge(id, officer, b.note, { again: b.again === true, audit: request.auditWithEntry(201, (s) => ({ id: s.hash, message: (s.entry.body as { message: string }).message })) });
      return reply.code(201).send(presentAck(sealed));
    },
  );
}

/**
 * Test data for the store: ids shaped like the real ones, entries whose hash is the SHA-256 of
 * their raw text, messages with sensible defaults.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EntryRow, MessageInput } from '../../src/store/index.js';

/** A random channel id (hex, like a hash). */
export function channelId(): string {
  return randomBytes(32).toString('hex');
}

/** A random party id (base64url, like an Ed25519 root key). */
export function partyId(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 hex of a text. */
export function hashOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** An entry whose raw text is JSON of its fields plus `body`; the hash follows from raw. */
export function entry(
  fields: Pick<EntryRow, 'channel' | 'author' | 'seq'> & Partial<Pick<EntryRow, 'kind' | 'time' | 'receivedAt'>> & {
    readonly body?: unknown;
    readonly raw?: string;
  },
): EntryRow {
  const kind = fields.kind ?? 'message';
  const time = fields.time ?? 1_700_000_000_000 + fields.seq;
  const raw =
    fields.raw ??
    JSON.stringify({ author: fields.author, body: fields.body ?? null, channel: fields.channel, kind, seq: fields.seq, time });
  return {
    channel: fields.channel,
    author: fields.author,
    seq: fields.seq,
    hash: hashOf(raw),
    kind,
    time,
    raw,
    receivedAt: fields.receivedAt ?? time + 5,
  };
}

/** Entries 1..n (or from..to) of one author's log. */
export function log(channel: string, author: string, to: number, from = 1): EntryRow[] {
  const rows: EntryRow[] = [];
  for (let seq = from; seq <= to; seq += 1) rows.push(entry({ channel, author, seq }));
  return rows;
}

/** The projection of a message entry. */
export function message(fields: Pick<MessageInput, 'channel' | 'author' | 'seq'> & Partial<MessageInput>): MessageInput {
  return {
    hash: fields.hash ?? hashOf(`${fields.channel}/${fields.author}/${fields.seq}`),
    time: 1_700_000_000_000 + fields.seq * 1000,
    precedence: 'ROUTINE',
    lang: 'en',
    text: `message ${fields.seq}`,
    replyTo: null,
    drill: false,
    deadlineAt: null,
    ...fields,
  };
}

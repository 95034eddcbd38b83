/**
 * A channel's timeline a page at a time, its search, and what one page needs of the log (#15):
 * the queries behind Store.listMessages' `before`, Store.searchMessages and
 * Store.listPageEntries. A page is read backwards along messages_channel_time from a cursor (the
 * message it goes on after), so the cost of a page is its size, never the channel's.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, EntriesTable, MessagesTable } from './schema.js';
import type { LogPosition, MessageCursor, SearchMessagesOptions } from './store.js';

/**
 * The form text is searched in: Unicode compatibility-normalised (NFKC: full-width Latin, ligatures
 * and compatibility ideographs fold to their ordinary forms) and lower-cased by Unicode's own
 * mapping, so that a search is case-insensitive in every script that has case (Latin, Cyrillic,
 * Greek, Armenian...) and exact in those that have none (Han, Arabic).
 */
export function foldForSearch(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** A LIKE pattern matching `needle` anywhere, with LIKE's wildcards in it escaped (by `\`). */
function containing(needle: string): string {
  return `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Messages of `channel` strictly before `cursor` in timeline order (time, author, seq). */
export function messagesBefore(db: Kysely<Database>, channel: string, cursor: MessageCursor | undefined) {
  let query = db.selectFrom('messages').selectAll().where('channel', '=', channel);
  if (cursor !== undefined)
    query = query
      // The range on time the index messages_channel_time serves; the tuple settles the ties.
      .where('time', '<=', cursor.time)
      .where((eb) => eb(eb.refTuple('time', 'author', 'seq'), '<', eb.tuple(cursor.time, cursor.author, cursor.seq)));
  return query;
}

/** The newest messages matching `options`, newest first (reading the channel backwards from the cursor). */
export async function searchMessages(db: Kysely<Database>, channel: string, options: SearchMessagesOptions): Promise<Selectable<MessagesTable>[]> {
  let query = messagesBefore(db, channel, options.before);
  if (options.text !== undefined && options.text !== '') query = query.where(sql<boolean>`${sql.ref('folded')} like ${containing(foldForSearch(options.text))} escape '\\'`);
  if (options.officer !== undefined && options.officer !== '') query = query.where(sql<boolean>`${sql.ref('officer')} like ${containing(foldForSearch(options.officer))} escape '\\'`);
  if (options.precedences !== undefined && options.precedences.length > 0) query = query.where('precedence', 'in', [...options.precedences]);
  if (options.since !== undefined) query = query.where('time', '>=', options.since);
  if (options.until !== undefined) query = query.where('time', '<=', options.until);
  return query.orderBy('time', 'desc').orderBy('author', 'desc').orderBy('seq', 'desc').limit(options.limit).execute();
}

/**
 * Seqs per `in (...)` list: far below SQLite's bound-parameter limit (32,766) and PostgreSQL's
 * (65,535), whatever the page's size (the officer API allows up to 100,000 messages at once).
 */
export const SEQS_PER_QUERY = 5_000;

/**
 * `positions` grouped by author and cut into lists of at most SEQS_PER_QUERY seqs: one indexed
 * `seq in (...)` per list (a page has a few authors, so a few queries).
 */
function byAuthor(positions: readonly LogPosition[]): [string, number[]][] {
  const authors = new Map<string, number[]>();
  for (const p of positions) {
    const seqs = authors.get(p.author);
    if (seqs) seqs.push(p.seq);
    else authors.set(p.author, [p.seq]);
  }
  const lists: [string, number[]][] = [];
  for (const [author, seqs] of authors)
    for (let i = 0; i < seqs.length; i += SEQS_PER_QUERY) lists.push([author, seqs.slice(i, i + SEQS_PER_QUERY)]);
  return lists;
}

/**
 * The message entries at `positions` of `channel` and every acknowledgement entry of them (through
 * message_acks), in arrival order: who signed a page and who acknowledged it, read by log
 * position, whatever the page's age.
 */
export async function pageEntries(db: Kysely<Database>, channel: string, positions: readonly LogPosition[]): Promise<Selectable<EntriesTable>[]> {
  const rows: Selectable<EntriesTable>[] = [];
  for (const [author, seqs] of byAuthor(positions)) {
    rows.push(...(await db.selectFrom('entries').selectAll().where('channel', '=', channel).where('author', '=', author).where('seq', 'in', seqs).execute()));
    rows.push(
      ...(await db
        .selectFrom('message_acks as a')
        .innerJoin('entries as e', (join) => join.onRef('e.channel', '=', 'a.channel').onRef('e.author', '=', 'a.ack_author').onRef('e.seq', '=', 'a.ack_seq'))
        .selectAll('e')
        .where('a.channel', '=', channel)
        .where('a.message_author', '=', author)
        .where('a.message_seq', 'in', seqs)
        .execute()),
    );
  }
  return rows.sort((a, b) => a.pos - b.pos);
}

/** Records that the entry at `ack` acknowledges the message at `message` (the same channel). */
export async function putAckEntry(db: Kysely<Database>, message: LogPosition, ack: { readonly author: string; readonly seq: number }): Promise<void> {
  await db
    .insertInto('message_acks')
    .values({ channel: message.channel, message_author: message.author, message_seq: message.seq, ack_author: ack.author, ack_seq: ack.seq })
    .onConflict((oc) => oc.columns(['channel', 'message_author', 'message_seq', 'ack_author', 'ack_seq']).doNothing())
    .execute();
}

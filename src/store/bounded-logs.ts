/**
 * What a terminal that keeps only each log's last entries in memory reads from the store
 * (migration 0019): the lasting entries and tails a log is restored from, and referents found
 * again by hash once they left memory.
 */
import { type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Kinds that lasting_entries never lists (migration 0021): every other kind is lasting. */
export const BULK_KINDS = ['message', 'ack', 'receipt', 'link.test', 'link.echo', 'link.summary', 'link.state'] as const;

const BULK = new Set<string>(BULK_KINDS);

export function isBulkKind(kind: string): boolean {
  return BULK.has(kind);
}

/**
 * Lists the place of an entry of a lasting kind just inserted, in the inserting transaction. The
 * write path of the bulk kinds does nothing more: triggers that compared each inserted row's kind
 * were measured at 4-13% off catch-up and 22% off batched sends on SQLite.
 */
export async function listLastingEntry(db: Kysely<Database>, at: { channel: string; author: string; seq: number }): Promise<void> {
  await db
    .insertInto('lasting_entries')
    .columns(['channel', 'pos'])
    .expression(db.selectFrom('entries').select(['channel', 'pos']).where('channel', '=', at.channel).where('author', '=', at.author).where('seq', '=', at.seq))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Unlists the places of `author`'s entries of `channel` from `fromSeq` on (a repair removes them). */
export async function unlistLastingEntries(db: Kysely<Database>, channel: string, author: string, fromSeq: number): Promise<void> {
  await db
    .deleteFrom('lasting_entries')
    .where('channel', '=', channel)
    .where('pos', 'in', db.selectFrom('entries').select('pos').where('channel', '=', channel).where('author', '=', author).where('seq', '>=', fromSeq))
    .execute();
}

/** Rows of referent_index written per statement. */
const INDEX_CHUNK = 500;

/** The index key of a hash: its first 12 hex digits (48 bits, exact in a JS number). */
export function hashKey(hash: string): number {
  return Number.parseInt(hash.slice(0, 12), 16);
}

/** A referent that left memory: where its entry sits. */
export interface ReferentRow {
  readonly hash: string;
  readonly author: string;
  readonly seq: number;
}

export async function listLastingRawEntries(db: Kysely<Database>, channel: string): Promise<string[]> {
  const rows = await db
    .selectFrom('lasting_entries as l')
    .innerJoin('entries as e', 'e.pos', 'l.pos')
    .select('e.raw')
    .where('l.channel', '=', channel)
    .orderBy('l.pos')
    .execute();
  return rows.map((r) => r.raw);
}

export async function logLength(db: Kysely<Database>, channel: string, author: string): Promise<number> {
  const row = await db
    .selectFrom('entries')
    .select((eb) => eb.fn.max('seq').as('n'))
    .where('channel', '=', channel)
    .where('author', '=', author)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function referentMark(db: Kysely<Database>, channel: string, author: string): Promise<number> {
  const row = await db.selectFrom('referent_marks').select('seq').where('channel', '=', channel).where('author', '=', author).executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** Indexes referents and raises the authors' marks, in one transaction (idempotent). */
export async function indexReferents(db: Kysely<Database>, channel: string, rows: readonly ReferentRow[], marks: ReadonlyArray<{ readonly author: string; readonly seq: number }>): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (let i = 0; i < rows.length; i += INDEX_CHUNK) {
      const chunk = rows.slice(i, i + INDEX_CHUNK).map((r) => ({ channel, hash_key: hashKey(r.hash), author: r.author, seq: r.seq }));
      await tx.insertInto('referent_index').values(chunk).onConflict((oc) => oc.doNothing()).execute();
    }
    for (const m of marks) {
      await tx
        .insertInto('referent_marks')
        .values({ channel, author: m.author, seq: m.seq })
        .onConflict((oc) => oc.columns(['channel', 'author']).doUpdateSet({ seq: m.seq }).where('referent_marks.seq', '<', m.seq))
        .execute();
    }
  });
}

/** Indexed positions whose hash starts with `prefix` (1 to 12 hex digits), at most `limit`. */
export async function findReferentPositionsByPrefix(db: Kysely<Database>, channel: string, prefix: string, limit: number): Promise<Array<{ author: string; seq: number }>> {
  const p = prefix.slice(0, 12);
  const shift = 16 ** (12 - p.length);
  const low = Number.parseInt(p, 16) * shift;
  const rows = await db
    .selectFrom('referent_index')
    .select(['author', 'seq'])
    .where('channel', '=', channel)
    .where('hash_key', '>=', low)
    .where('hash_key', '<', low + shift)
    .limit(limit)
    .execute();
  return rows.map((r) => ({ author: r.author, seq: Number(r.seq) }));
}

/** Positions whose hash starts like `hash` (compare the full hash on the entry read back). */
export async function findReferentPositions(db: Kysely<Database>, channel: string, hash: string): Promise<Array<{ author: string; seq: number }>> {
  const rows = await db.selectFrom('referent_index').select(['author', 'seq']).where('channel', '=', channel).where('hash_key', '=', hashKey(hash)).execute();
  return rows.map((r) => ({ author: r.author, seq: Number(r.seq) }));
}

/** The referents (messages, link tests) among `author`'s entries fromSeq..toSeq, from the row's columns. */
export async function listReferentRows(db: Kysely<Database>, channel: string, author: string, fromSeq: number, toSeq: number): Promise<ReferentRow[]> {
  const rows = await db
    .selectFrom('entries')
    .select(['hash', 'seq'])
    .where('channel', '=', channel)
    .where('author', '=', author)
    .where('seq', '>=', fromSeq)
    .where('seq', '<=', toSeq)
    .where('kind', 'in', ['message', 'link.test'])
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ hash: r.hash, author, seq: Number(r.seq) }));
}

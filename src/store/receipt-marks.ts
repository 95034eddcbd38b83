/**
 * Per-party receipt state (migration 0022): when each party's receipts first covered each
 * message, without a row per message. Receipts are cumulative per (holder, author), so the store
 * keeps one row per *advance* of a holder's receipt of an author's log (receipt_marks: "holder's
 * receipt at `at` was the first to cover author's entries up to `seq`"), written beside the
 * receipts table's upsert, one insert per receipt item that carries something new (a receipt
 * covers a burst of messages with one row, whatever the burst's size). A message at `seq` was
 * first receipted by a holder at the `at` of that holder's row with the smallest `seq` at or above
 * it: rows only advance, so that row is the first covering receipt the store took in.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { LogPosition, ReceiptRow, ReceiptTime } from './store.js';

/** Records that `r` advanced its holder's receipt of its author (call only when it did). */
export async function putReceiptMark(db: Kysely<Database>, r: ReceiptRow): Promise<void> {
  await db
    .insertInto('receipt_marks')
    .values({ channel: r.channel, author: r.author, holder: r.holder, seq: r.seq, at: r.at })
    .onConflict((oc) => oc.columns(['channel', 'author', 'holder', 'seq']).doNothing())
    .execute();
}

/**
 * For each message position of `channel`, the first covering receipt of each party that has one:
 * per author of the positions and per holder of a receipt of that author, the marks from the
 * lowest seq asked to the highest, and the first mark at or above the highest (two indexed range
 * reads; a page costs its size at any depth).
 */
export async function receiptTimes(db: Kysely<Database>, channel: string, positions: readonly LogPosition[]): Promise<ReceiptTime[]> {
  const byAuthor = new Map<string, number[]>();
  for (const p of positions) {
    const seqs = byAuthor.get(p.author);
    if (seqs) seqs.push(p.seq);
    else byAuthor.set(p.author, [p.seq]);
  }
  const out: ReceiptTime[] = [];
  for (const [author, seqs] of byAuthor) {
    let low = Infinity;
    let high = -Infinity;
    for (const s of seqs) {
      if (s < low) low = s;
      if (s > high) high = s;
    }
    const holders = await db.selectFrom('receipts').select('holder').where('channel', '=', channel).where('author', '=', author).execute();
    for (const { holder } of holders) {
      if (holder === author) continue;
      const marks = await db
        .selectFrom('receipt_marks')
        .select(['seq', 'at'])
        .where('channel', '=', channel)
        .where('author', '=', author)
        .where('holder', '=', holder)
        .where('seq', '>=', low)
        .where('seq', '<', high)
        .orderBy('seq')
        .execute();
      const above = await db
        .selectFrom('receipt_marks')
        .select(['seq', 'at'])
        .where('channel', '=', channel)
        .where('author', '=', author)
        .where('holder', '=', holder)
        .where('seq', '>=', high)
        .orderBy('seq')
        .limit(1)
        .executeTakeFirst();
      if (above) marks.push(above);
      if (marks.length === 0) continue;
      // Both lists ascend by seq: each message's first mark at or above it, by one walk.
      const sorted = [...seqs].sort((a, b) => a - b);
      let i = 0;
      for (const seq of sorted) {
        while (i < marks.length && marks[i]!.seq < seq) i += 1;
        if (i === marks.length) break;
        out.push({ author, seq, holder, at: Number(marks[i]!.at) });
      }
    }
  }
  return out;
}

/** The body of a receipt entry's wire text: its items, or none if it is not one. */
function holdsOf(raw: string): Array<{ author: string; seq: number }> {
  try {
    const holds = (JSON.parse(raw) as { body?: { holds?: unknown } }).body?.holds;
    if (!Array.isArray(holds)) return [];
    return holds.filter((h): h is { author: string; seq: number } => typeof h?.author === 'string' && Number.isInteger(h?.seq));
  } catch {
    return [];
  }
}

/** Receipt entries read per query while filling. */
const FILL_PAGE = 1000;

/**
 * Migration 0022's filling from the receipt entries already held: per channel, in arrival order
 * (as the store took them in), a mark wherever a holder's receipt of an author advanced. Then a
 * mark for each receipts row none covers (a receipt whose entry is no longer held: its time stands
 * for the messages it covers beyond the marks).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function fillReceiptMarks(db: Kysely<any>): Promise<void> {
  const channels = (await db.selectFrom('receipts').select('channel').distinct().execute()) as Array<{ channel: string }>;
  for (const { channel } of channels) {
    const highest = new Map<string, number>();
    let after = -1;
    for (;;) {
      const rows = (await db
        .selectFrom('entries')
        .select(['pos', 'author', 'time', 'raw'])
        .where('channel', '=', channel)
        .where('kind', '=', 'receipt')
        .where('pos', '>', after)
        .orderBy('pos')
        .limit(FILL_PAGE)
        .execute()) as Array<{ pos: number | string; author: string; time: number | string; raw: string }>;
      if (rows.length === 0) break;
      const marks: Array<{ channel: string; author: string; holder: string; seq: number; at: number }> = [];
      for (const r of rows) {
        for (const h of holdsOf(r.raw)) {
          const key = `${r.author}\n${h.author}`;
          if ((highest.get(key) ?? 0) >= h.seq) continue;
          highest.set(key, h.seq);
          marks.push({ channel, author: h.author, holder: r.author, seq: h.seq, at: Number(r.time) });
        }
      }
      for (let i = 0; i < marks.length; i += 200)
        await db
          .insertInto('receipt_marks')
          .values(marks.slice(i, i + 200))
          .onConflict((oc) => oc.columns(['channel', 'author', 'holder', 'seq']).doNothing())
          .execute();
      after = Number(rows[rows.length - 1]!.pos);
    }
  }
  await sql`insert into receipt_marks (channel, author, holder, seq, at)
    select r.channel, r.author, r.holder, r.seq, r.at from receipts r
    where not exists (select 1 from receipt_marks m where m.channel = r.channel and m.author = r.author and m.holder = r.holder and m.seq >= r.seq)`.execute(db);
}

/**
 * Damaged storage (#14 A2): the checks a terminal runs at start-up and `hotline doctor` runs in
 * full, and what `hotline repair` does about what they find. The entries are the truth:
 *  - the database engine's own check (SQLite `PRAGMA quick_check`);
 *  - every stored entry parsed and re-hashed: its text must still be a valid entry, hash to the
 *    hash it was stored under, sit at its stored author and sequence number and chain on the one
 *    before it; signatures are verified again for the tail of each log (all of them in full mode);
 *  - every message row (the tail at start-up) compared with its signed entry: what officers are
 *    shown must be what was signed.
 * Never a hang: a row that does not parse is a problem found, not an exception thrown.
 */
import { parseEntry, sealedFromPrechecked, sealedFromStored, verifyEntrySignature, type BodyOf, type LinePrecheck, type SealedEntry } from '../../protocol/index.js';
import type { Store, StoredEntry } from '../../store/index.js';

/** One thing found wrong. */
export interface StorageProblem {
  /** 'database': the engine's check; 'entry': a stored entry; 'message': a message row. */
  readonly kind: 'database' | 'entry' | 'message';
  readonly channel?: string;
  readonly author?: string;
  readonly seq?: number;
  readonly detail: string;
}

export interface StorageCheckOptions {
  /** Entries per author (and message rows per channel) checked in full at the end of each log; undefined: all. */
  readonly tail?: number;
  /** With `tail`: the engine's own check (it reads the whole file) runs only up to this size. */
  readonly engineCheckUpToBytes?: number;
  /** Called per channel checked. */
  readonly onProgress?: (done: number, total: number, channel: string) => void;
  /** Called at the end of each part of the check, naming it (start-up timings). */
  readonly mark?: (phase: string) => void;
  /**
   * Where entries checked in full are parsed, hashed and their signatures verified (the
   * terminal's check workers, channels/check-pool.ts): the same checks (precheckLines) on every
   * core instead of one. Default: this thread.
   */
  readonly checker?: { check(raws: readonly string[]): Promise<LinePrecheck[]> };
}

/** An entry checked in full on this thread. */
function checkHere(raw: string): FullCheck {
  const parsed = safeParse(raw);
  return parsed.ok ? { ok: true, sealed: parsed.sealed, signatureOk: verifyEntrySignature(parsed.sealed) } : parsed;
}

/** Entries per batch handed to the checker: enough batches to keep every worker busy. */
const CHECK_BATCH = 128;

/** An entry checked in full: parsed (schema, canonical form), hashed, and its signature verified. */
type FullCheck = { ok: true; sealed: SealedEntry; signatureOk: boolean } | { ok: false; error: string };

/** Checks `raws` in full, in batches on `checker` when there is one (a line it cannot place is parsed here for its error). */
async function checkInFull(raws: readonly string[], checker: StorageCheckOptions['checker']): Promise<FullCheck[]> {
  if (!checker) return raws.map(checkHere);
  const batches: Promise<LinePrecheck[]>[] = [];
  for (let i = 0; i < raws.length; i += CHECK_BATCH) batches.push(checker.check(raws.slice(i, i + CHECK_BATCH)));
  const pre = (await Promise.all(batches)).flat();
  return raws.map((raw, i) => {
    const p = pre[i];
    if (p?.error) return { ok: false, error: p.error.message };
    if (p?.hash === undefined) return checkHere(raw);
    return { ok: true, sealed: sealedFromPrechecked(raw, p.hash), signatureOk: p.signatureOk === true };
  });
}

/** What the check found, and the message entries it read (for repair). */
export interface StorageReport {
  readonly problems: StorageProblem[];
  readonly channels: number;
  readonly entries: number;
  readonly messages: number;
  /** The engine's check was left to `hotline doctor`: the database is larger than the start-up bound. */
  readonly engineCheckSkipped?: boolean;
}

type MessageBody = BodyOf<'message'>;

/** Checks the store; resolves with every problem found (none: sound). */
export async function checkStorage(store: Store, options: StorageCheckOptions = {}): Promise<StorageReport> {
  const problems: StorageProblem[] = [];
  const bytes = options.tail !== undefined && options.engineCheckUpToBytes !== undefined ? await store.databaseBytes() : undefined;
  const engineCheckSkipped = bytes !== undefined && bytes > options.engineCheckUpToBytes!;
  if (!engineCheckSkipped) for (const p of await store.quickCheck()) problems.push({ kind: 'database', detail: `database check: ${p}` });
  options.mark?.('storage check: engine');
  const channels = await store.listChannels();
  let entries = 0;
  let messages = 0;
  for (const [i, ch] of channels.entries()) {
    const r = await checkChannel(store, ch, options.tail, problems, options);
    entries += r.entries;
    messages += r.messages;
    options.onProgress?.(i + 1, channels.length, ch.id);
  }
  return { problems, channels: channels.length, entries, messages, ...(engineCheckSkipped ? { engineCheckSkipped } : {}) };
}

/**
 * The entries to check: all of them, or (with `tail`) each party's last `tail` entries and the
 * one before them (for its chain), read by log position so that the start-up check does not grow
 * with the logs (#18). The parties are the charter's, and the proposer.
 */
async function* entriesToCheck(store: Store, ch: { id: string; proposer: string; charter: string }, tail: number | undefined, heads: Record<string, { seq: number }>): AsyncIterable<StoredEntry> {
  if (tail === undefined) {
    yield* store.streamEntries(ch.id);
    return;
  }
  for (const author of Object.keys(heads)) for (const e of await store.listEntries(ch.id, { author, fromSeq: Math.max(1, heads[author]!.seq - tail) })) yield e;
}

/** Each party's log length: every author with `tail` undefined, else the charter's parties (indexed reads). */
async function logHeads(store: Store, ch: { id: string; proposer: string; charter: string }, tail: number | undefined): Promise<Record<string, { seq: number }>> {
  if (tail === undefined) return store.heads(ch.id);
  const parties = new Set<string>([ch.proposer]);
  try {
    for (const p of (JSON.parse(ch.charter) as { parties?: Array<{ party: string }> }).parties ?? []) parties.add(p.party);
  } catch {
    // a damaged charter column: the entries are the truth; the proposer's log is still checked
  }
  const out: Record<string, { seq: number }> = {};
  for (const p of parties) {
    const seq = await store.logLength(ch.id, p);
    if (seq > 0) out[p] = { seq };
  }
  return out;
}

async function checkChannel(store: Store, ch: { id: string; proposer: string; charter: string }, tail: number | undefined, problems: StorageProblem[], options: StorageCheckOptions): Promise<{ entries: number; messages: number }> {
  const { mark, checker } = options;
  const channel = ch.id;
  const heads = await logHeads(store, ch, tail);
  // The message rows to compare: their signed entries are kept while the log is read, no others.
  const rows = await store.listMessages(channel, tail === undefined ? {} : { limit: tail });
  mark?.('storage check: log lengths and message rows');
  const wanted = new Set(rows.map((m) => `${m.author}:${m.seq}`));
  const last = new Map<string, { seq: number; hash: string }>();
  const signed = new Map<string, { hash: string; time: number; body: MessageBody }>();
  let entries = 0;
  // With `tail`, the rows to check are few (the tails): read at once and checked in full in bulk (on the checker when given).
  const tailRows = tail !== undefined ? await collect(entriesToCheck(store, ch, tail, heads)) : undefined;
  const isFull = (row: StoredEntry) => tail === undefined || row.seq > (heads[row.author]?.seq ?? 0) - tail;
  const bulk = tailRows && (await checkInFull(tailRows.filter(isFull).map((r) => r.raw), checker));
  let nextBulk = 0;
  for await (const row of tailRows ?? entriesToCheck(store, ch, tail, heads)) {
    entries++;
    const at = { kind: 'entry' as const, channel, author: row.author, seq: row.seq };
    // The tail of each log in full (schema, canonical form, signature); older entries re-hashed and chained.
    const full = isFull(row);
    const parsed = full ? (bulk ? bulk[nextBulk++]! : checkHere(row.raw)) : safeLoad(row.raw);
    if (!parsed.ok) {
      problems.push({ ...at, detail: `stored entry does not parse: ${parsed.error}` });
      continue;
    }
    const { sealed } = parsed;
    const e = sealed.entry;
    if (sealed.hash !== row.hash || e.author !== row.author || e.seq !== row.seq || (e.channel ?? sealed.hash) !== channel) {
      problems.push({ ...at, detail: 'stored entry text does not match the hash, author, place or channel it was stored under (altered bytes)' });
      continue;
    }
    const before = last.get(row.author);
    if (before && before.seq === e.seq - 1 && e.prev !== before.hash) problems.push({ ...at, detail: `entry does not chain on entry ${before.seq} of its author (wrong previous hash)` });
    last.set(row.author, { seq: e.seq, hash: sealed.hash });
    if ('signatureOk' in parsed && !parsed.signatureOk) problems.push({ ...at, detail: 'entry signature does not verify' });
    if (e.kind === 'message' && wanted.has(`${e.author}:${e.seq}`)) signed.set(`${e.author}:${e.seq}`, { hash: sealed.hash, time: e.time, body: e.body as MessageBody });
  }
  mark?.('storage check: entries (tails, signatures)');
  // With `tail`, a recent message row may sit before the logs' tails: its entry is read by position.
  if (tail !== undefined) {
    // Read by position in lists (a query per author and 5,000 seqs), not one query per message:
    // about 2,000 round trips to PostgreSQL took 150 ms of a restart at 5,000,000 entries.
    const missing = rows.filter((m) => !signed.has(`${m.author}:${m.seq}`));
    const wantedBefore = new Set(missing.map((m) => `${m.author}:${m.seq}`));
    const read = missing.length === 0 ? [] : await store.listPageEntries(channel, missing.map((m) => ({ channel, author: m.author, seq: m.seq })));
    // The page's acknowledgement entries come with it: only the message rows' own places are checked.
    const before = read.filter((row) => wantedBefore.has(`${row.author}:${row.seq}`));
    const checked = await checkInFull(before.map((r) => r.raw), checker);
    before.forEach((row, i) => {
      const c = checked[i]!;
      const e = c.ok && c.signatureOk ? c.sealed : undefined;
      if (e && e.hash === row.hash && e.entry.kind === 'message' && e.entry.author === row.author && e.entry.seq === row.seq && e.entry.channel === channel)
        signed.set(`${row.author}:${row.seq}`, { hash: e.hash, time: e.entry.time, body: e.entry.body as MessageBody });
    });
  }
  mark?.('storage check: message entries before the tails');
  for (const m of rows) {
    const s = signed.get(`${m.author}:${m.seq}`);
    const at = { kind: 'message' as const, channel, author: m.author, seq: m.seq };
    if (!s) {
      problems.push({ ...at, detail: 'message row without a valid signed entry' });
      continue;
    }
    const differs = messageDiffers(m, s);
    if (differs) problems.push({ ...at, detail: `message row differs from its signed entry (${differs})` });
  }
  return { entries, messages: rows.length };
}

/** Which signed field of a message row differs from its entry, if any. */
export function messageDiffers(m: { hash: string; time: number; text: string; lang: string; precedence: string; replyTo: string | null; drill: boolean }, s: { hash: string; time: number; body: MessageBody }): string | undefined {
  if (m.hash !== s.hash) return 'hash';
  if (m.text !== s.body.text) return 'text';
  if (m.lang !== s.body.lang) return 'language';
  if (m.precedence !== s.body.precedence) return 'precedence';
  if (m.time !== s.time) return 'time';
  if ((m.replyTo ?? null) !== (s.body.replyTo ?? null)) return 'reply';
  if (m.drill !== (s.body.drill === true)) return 'drill';
  return undefined;
}

/** Parsed and hashed as the terminal loads it (no schema or signature check): the cheap check of older entries. */
function safeLoad(raw: string): { ok: true; sealed: SealedEntry } | { ok: false; error: string } {
  try {
    return { ok: true, sealed: sealedFromStored(raw) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

function safeParse(raw: string): { ok: true; sealed: Extract<ReturnType<typeof parseEntry>, { ok: true }>['sealed'] } | { ok: false; error: string } {
  try {
    const r = parseEntry(raw);
    return r.ok ? { ok: true, sealed: r.sealed } : { ok: false, error: r.error.message };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** What {@link repairStorage} did. */
export interface RepairOutcome {
  /** Entries removed (the damaged ones and the later ones of their authors), to be fetched again from the peers. */
  readonly entriesRemoved: number;
  readonly messagesRewritten: number;
  /** Problems repair cannot fix (the engine's check): restore a backup. */
  readonly unrepairable: StorageProblem[];
}

/**
 * Repairs what {@link checkStorage} found: message rows are rewritten from their signed entries;
 * a damaged entry is removed with every later entry of its author in that channel (they chain on
 * it), and the terminal fetches them again from its peers when it starts (its own entries through
 * the reconciler, the peers' through their links, which resume from what this terminal holds).
 */
export async function repairStorage(store: Store, problems: readonly StorageProblem[]): Promise<RepairOutcome> {
  const unrepairable = problems.filter((p) => p.kind === 'database');
  const cut = new Map<string, { channel: string; author: string; seq: number }>();
  for (const p of problems) {
    if (p.kind !== 'entry' || p.channel === undefined || p.author === undefined || p.seq === undefined) continue;
    const key = `${p.channel}/${p.author}`;
    const was = cut.get(key);
    if (!was || p.seq < was.seq) cut.set(key, { channel: p.channel, author: p.author, seq: p.seq });
  }
  let entriesRemoved = 0;
  for (const c of cut.values()) entriesRemoved += await store.removeEntriesFrom(c.channel, c.author, c.seq);
  let messagesRewritten = 0;
  for (const p of problems) {
    if (p.kind !== 'message' || p.channel === undefined || p.author === undefined || p.seq === undefined) continue;
    const removed = cut.get(`${p.channel}/${p.author}`);
    if (removed && p.seq >= removed.seq) continue;
    const stored = await store.getEntry(p.channel, p.author, p.seq);
    const parsed = stored ? safeParse(stored.raw) : undefined;
    if (!parsed?.ok || parsed.sealed.entry.kind !== 'message') {
      entriesRemoved += await store.removeEntriesFrom(p.channel, p.author, p.seq);
      continue;
    }
    const body = parsed.sealed.entry.body as MessageBody;
    const ok = await store.rewriteMessage({ channel: p.channel, author: p.author, seq: p.seq, hash: parsed.sealed.hash, time: parsed.sealed.entry.time, precedence: body.precedence, lang: body.lang, text: body.text, replyTo: body.replyTo ?? null, drill: body.drill === true });
    if (ok) messagesRewritten++;
  }
  return { entriesRemoved, messagesRewritten, unrepairable };
}

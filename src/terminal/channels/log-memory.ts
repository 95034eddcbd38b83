/**
 * Bounded memory for channel logs (#18): each log keeps only its authors' last entries in memory
 * (ChannelLog.trimPlan); what judging an entry needs from before that comes from the store on
 * demand (IngestResult 'cold'), and a restart loads the lasting entries and the tails instead of
 * replaying the log. Messages and link tests that leave memory are indexed by hash in the store
 * first (referent_index), in batches, off the write path.
 */
import {
  ChannelLog,
  coldEntryOf,
  referentOf,
  sealedFromPrechecked,
  sealedFromStored,
  type BodyOf,
  type ColdNeed,
  type FormatResolver,
  type IngestOptions,
  type IngestResult,
  type KeyRegistry,
  type Referent,
  type SealedEntry,
} from '../../protocol/index.js';
import { performance } from 'node:perf_hooks';
import type { Store } from '../../store/index.js';
import { wholeSetting } from '../env-settings.js';
import type { ChannelLogger } from './channel-registry.js';

/** Entries per author kept in memory by default (about a day and a half of an idle version-1 channel: link tests, echoes, receipts). */
export const DEFAULT_LOG_WINDOW = 4096;

/** HOTLINE_LOG_WINDOW: entries per author a channel log keeps in memory (at least 16). */
export function logWindowFrom(value: string | undefined): number {
  return wholeSetting(value, { name: 'HOTLINE_LOG_WINDOW', unit: 'entries', min: 16, fallback: DEFAULT_LOG_WINDOW });
}

/** Cold lookups one entry may need (each names one older fact); more means a fault. */
const MAX_COLD_ROUNDS = 64;

/** Referents indexed per batch when catching up an author's index at restore. */
const INDEX_PAGE = 5000;

/** The store reads and writes bounded logs need. */
export type MemoryStore = Pick<Store, 'listLastingRawEntries' | 'logLength' | 'listEntries' | 'getEntry' | 'indexReferents' | 'referentMark' | 'listReferentRows' | 'findReferentPositions' | 'findReferentPositionsByPrefix'>;

export class LogMemory {
  readonly #store: MemoryStore;
  readonly #log: ChannelLogger;
  readonly #trimming = new Set<string>();
  /** Entries per author kept in memory. */
  readonly window: number;

  constructor(options: { store: MemoryStore; window?: number; log: ChannelLogger }) {
    this.#store = options.store;
    this.#log = options.log;
    this.window = Math.max(1, options.window ?? DEFAULT_LOG_WINDOW);
  }

  /**
   * A channel's log rebuilt from its lasting entries and tails, or undefined when replaying it is
   * as cheap (a log within twice the window) or the stored tails are not contiguous and causally
   * closed (entries committed out of order: the replay holds those until they fit).
   */
  async restore(id: string, keys: KeyRegistry, formats: FormatResolver): Promise<ChannelLog | undefined> {
    const t0 = performance.now();
    const lasting = (await this.#store.listLastingRawEntries(id)).map(sealedFromStored);
    const t1 = performance.now();
    const proposal = lasting[0];
    if (proposal?.entry.kind !== 'charter.propose' || proposal.hash !== id) return undefined;
    const parties = new Set<string>();
    for (const s of lasting)
      if (s.entry.kind === 'charter.propose' || s.entry.kind === 'charter.amend')
        for (const p of (s.entry.body as BodyOf<'charter.propose'>).charter.parties) parties.add(p.party);
    const lengths = new Map<string, number>();
    for (const p of parties) lengths.set(p, await this.#store.logLength(id, p));
    let total = 0;
    for (const n of lengths.values()) total += n;
    if (total <= 2 * this.window) return undefined;
    const t2 = performance.now();
    const tails: Array<{ author: string; entries: SealedEntry[] }> = [];
    for (const [author, n] of lengths) {
      if (n === 0) continue;
      const base = Math.max(0, n - this.window);
      // the stored hash is taken as it is (no re-hash of thousands of entries per author at every start):
      // the start-up check re-hashed and verified the last 1,000, `hotline doctor` checks them all.
      const entries = (await this.#store.listEntries(id, { author, fromSeq: base + 1, toSeq: n })).map((r) => sealedFromPrechecked(r.raw, r.hash));
      if (entries.length !== n - base || entries.some((s, i) => s.entry.seq !== base + 1 + i)) return undefined;
      for (const s of entries) for (const [a, h] of Object.entries(s.entry.heads)) if (h.seq > (lengths.get(a) ?? 0)) return undefined;
      tails.push({ author, entries });
    }
    const t3 = performance.now();
    for (const t of tails) await this.#indexUpTo(id, t.author, t.entries[0]!.entry.seq - 1);
    const t4 = performance.now();
    const log = ChannelLog.restore(proposal, keys, formats, lasting, tails);
    const ms = (a: number, b: number) => Math.round(b - a);
    const took = { lastingMs: ms(t0, t1), lengthsMs: ms(t1, t2), tailsMs: ms(t2, t3), indexMs: ms(t3, t4), rebuildMs: ms(t4, performance.now()) };
    this.#log.info({ channel: id, entries: total, lasting: lasting.length, inMemory: tails.reduce((k, t) => k + t.entries.length, 0), ...took }, 'channel log restored from its tails');
    return log;
  }

  /** Indexes `author`'s referents up to `seq` (a store written before 0019, or a crash mid-trim). */
  async #indexUpTo(id: string, author: string, seq: number): Promise<void> {
    let mark = await this.#store.referentMark(id, author);
    if (mark >= seq) return;
    if (seq - mark > INDEX_PAGE) this.#log.info({ channel: id, author, from: mark + 1, to: seq }, 'indexing older messages and link tests by hash (once)');
    while (mark < seq) {
      const to = Math.min(seq, mark + INDEX_PAGE);
      await this.#store.indexReferents(id, await this.#store.listReferentRows(id, author, mark + 1, to), [{ author, seq: to }]);
      mark = to;
    }
  }

  /** Offers an entry, answering the log's cold needs from the store until it is judged. */
  async ingest(log: ChannelLog, sealed: SealedEntry, options: IngestOptions = {}): Promise<IngestResult> {
    for (let round = 0; round < MAX_COLD_ROUNDS; round++) {
      const r = log.ingest(sealed, options);
      if (r.status !== 'cold') return r;
      await this.answer(log, r.need);
    }
    throw new Error(`channel ${log.id.slice(0, 12)}: entry ${sealed.hash.slice(0, 12)} needs more than ${MAX_COLD_ROUNDS} facts from the store`);
  }

  /** Reads a fact about an entry beyond memory from the store into the log. */
  async answer(log: ChannelLog, need: ColdNeed): Promise<void> {
    if (need.type === 'entry') {
      const row = await this.#store.getEntry(log.id, need.author, need.seq);
      if (row) log.warmEntry(coldEntryOf(sealedFromStored(row.raw)));
      else log.warmNoEntry(need.author, need.seq);
      return;
    }
    for (const at of await this.#store.findReferentPositions(log.id, need.hash)) {
      const row = await this.#store.getEntry(log.id, at.author, at.seq);
      if (row?.hash !== need.hash) continue;
      const ref = referentOf(sealedFromStored(row.raw));
      if (ref) return log.warmReferent(need.hash, ref);
    }
    log.warmReferent(need.hash, null);
  }

  /** The message or link test with this hash in `log`, from memory or (beyond it) the store. */
  async referent(log: ChannelLog, hash: string): Promise<Referent | undefined> {
    const held = log.referent(hash);
    if (held !== undefined || !log.bounded) return held;
    await this.answer(log, { type: 'referent', hash });
    return log.referent(hash);
  }

  /** Messages beyond memory whose hash starts with `prefix` (at least 6 hex digits), at most `limit`. */
  async messagesByPrefix(log: ChannelLog, prefix: string, limit: number): Promise<Array<Referent & { readonly hash: string }>> {
    if (!log.bounded || limit <= 0) return [];
    const out: Array<Referent & { readonly hash: string }> = [];
    // Candidates by the indexed 48-bit prefix; a longer typed prefix is compared on the entry.
    for (const at of await this.#store.findReferentPositionsByPrefix(log.id, prefix, limit + 16)) {
      const row = await this.#store.getEntry(log.id, at.author, at.seq);
      if (!row?.hash.startsWith(prefix) || row.kind !== 'message') continue;
      out.push({ hash: row.hash, author: at.author, seq: at.seq, kind: 'message' });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Warms what an own entry of `kind` refers to, so that taking it into its log needs no store read. */
  async prepare(log: ChannelLog, kind: string, body: unknown): Promise<void> {
    if (!log.bounded) return;
    const b = body as { replyTo?: string; message?: string; test?: string };
    const hash = kind === 'message' ? b.replyTo : kind === 'ack' ? b.message : kind === 'link.echo' ? b.test : undefined;
    if (typeof hash === 'string') await this.referent(log, hash);
  }

  /**
   * Trims `log` to the window once an author holds twice as much, keeping what is not committed
   * yet (`committed` gives each author's committed seq). Referents leaving memory are indexed first.
   */
  async trim(log: ChannelLog, committed: (author: string) => number): Promise<void> {
    if (this.#trimming.has(log.id)) return;
    const plan = log.trimPlan(this.window, this.window);
    if (!plan) return;
    const authors = plan.authors.map((a) => ({ author: a.author, base: Math.min(a.base, committed(a.author)) })).filter((a) => a.base > 0);
    const bases = new Map(authors.map((a) => [a.author, a.base]));
    const referents = plan.referents.filter((r) => r.seq <= (bases.get(r.author) ?? 0));
    this.#trimming.add(log.id);
    try {
      await this.#store.indexReferents(log.id, referents, authors.map((a) => ({ author: a.author, seq: a.base })));
      log.applyTrim({ authors, referents });
    } catch (e) {
      this.#log.warn({ channel: log.id, err: (e as Error).message }, 'could not index older entries; memory is trimmed later');
    } finally {
      this.#trimming.delete(log.id);
    }
  }
}

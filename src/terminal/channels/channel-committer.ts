/**
 * The one way entries become durable: the projector computes their rows, the group-commit writer
 * stores entries and rows in one transaction, then (and only then) the rest of the terminal hears
 * of its own entries on the event bus; received entries are shown while their commit runs. It also knows what is durably committed, which is all that receipts
 * may claim and all that peers may be sent (docs/protocol.md §6): the EntrySource of the
 * federation.
 *
 * Invariants:
 *  - an entry is in memory (ChannelLog) before it is stored; an own entry is stored before anyone
 *    hears of it, a received one before its receipt is written or its author is told it is held;
 *  - if a commit fails, the channel is reloaded from the store, so memory never runs ahead of disk;
 *    if the reload fails too (the database unreachable), the channel is stale: nothing is written
 *    on it, received or own, until a reload succeeds (retried every second and before each write).
 */
import type { ChannelLog, SealedEntry } from '../../protocol/index.js';
import { earliestEscalation, storeErrorOf, StoreError, type AuditRecordInput, type IdempotentAnswer, type EntryRow, type EntryWriter, type EntryWriterStats, type Store } from '../../store/index.js';
import type { Clock } from '../clock.js';
import type { EventSink } from '../events/event-bus.js';
import type { AuditInput } from '../officers/audit-log.js';
import { SILENT, type ChannelLogger, type ChannelRegistry } from './channel-registry.js';
import type { EntrySource } from './ports.js';
import { TERMINAL_ERRORS } from '../errors.js';
import { projectEntries, type EscalationPlanner } from './projector.js';

/** A full database counts as writable again after this long without a commit failing for lack of room. */
const FULL_CLEARS_AFTER_MS = 30_000;

/**
 * How long a commit may wait before the database counts as stalled, ms (HOTLINE_STORE_STALL_MS).
 * A commit takes milliseconds; one waiting this long waits on a lock another session holds, a
 * database server that stopped answering, or a disk that does not complete its writes. Nothing
 * sent meanwhile is stored, receipted or sent on: readiness says so and STORE_STALLED is raised.
 */
export const STORE_STALL_MS = 30_000;

/** Own entries kept in memory per channel for the outbound links (the rest is read from the store). */
const OWN_RING = 8192;

/** How one batch is committed. */
export interface CommitOptions {
  /** Written by this terminal (sent to peers), or received (receipted). */
  readonly own: boolean;
  /** The channel's charter state before the batch ('none' for a new channel). */
  readonly before: string;
  /** The audit record of the officer's request that wrote the entries. */
  readonly audit?: AuditInput;
  /** The answer of an idempotent officer-API request, stored with the entries. */
  readonly idempotent?: IdempotentAnswer | undefined;
  /** How long the commit may wait for others to share it, ms (default: the writer's). */
  readonly waitMs?: number;
}

export interface ChannelCommitterOptions {
  readonly registry: ChannelRegistry;
  readonly writer: EntryWriter;
  readonly store: Pick<Store, 'listRawEntries' | 'setMeta'>;
  readonly events: EventSink;
  readonly clock: Clock;
  /** When escalation first looks at a new message (default: the earliest any policy could act). */
  readonly planner?: EscalationPlanner;
  readonly log?: ChannelLogger;
  /** How long a commit may wait before the database counts as stalled (default {@link STORE_STALL_MS}). */
  readonly stallMs?: number;
}

/** Commits entries with their projections and tracks what is durable. */
export class ChannelCommitter implements EntrySource {
  readonly #o: ChannelCommitterOptions;
  readonly #log: ChannelLogger;
  /** Highest seq of each author durably committed, per channel: what receipts may claim. */
  readonly #committed = new Map<string, Map<string, number>>();
  /** Own entries durably committed, per channel: the newest ones kept in memory for the sync engine. */
  readonly #own = new Map<string, { head: number; ring: string[]; ringStart: number }>();
  #fullSince: number | undefined;
  #lastFullAt = 0;
  /** Commits under way: id -> when each started (the terminal's clock). */
  readonly #inFlight = new Map<number, number>();
  #commitId = 0;
  #stalledSince: number | undefined;
  /**
   * Channels whose commit failed and whose reload failed too: their log in memory may hold entries
   * the database does not (a received entry shown before durable, an own entry never stored).
   */
  readonly #stale = new Set<string>();
  readonly #reloading = new Map<string, Promise<void>>();
  /** When escalation first looks at a new message: the terminal's escalation planner. */
  planner: EscalationPlanner;
  /** Called with every batch of received entries once committed (the backlog counts receipts). */
  onReceivedCommitted: (channel: string, entries: readonly SealedEntry[]) => void = () => {};
  /** Called after received entries (other than receipts) committed: they are due a receipt. */
  onReceived: (channel: string) => void = () => {};

  constructor(options: ChannelCommitterOptions) {
    this.#o = options;
    this.#log = options.log ?? SILENT;
    const self = options.registry.self.party;
    this.planner = options.planner ?? { firstDueAt: (m) => earliestEscalation(m, self) };
  }

  /** Takes what a (re)loaded channel log holds as committed: it came from the store. */
  noteLoaded(log: ChannelLog): void {
    const self = this.#o.registry.self.party;
    this.#committed.delete(log.id);
    for (const a of log.authors()) this.#noteCommitted(log.id, a, log.head(a)!.seq);
    const head = log.head(self)?.seq ?? 0;
    this.#own.set(log.id, { head, ring: [], ringStart: head + 1 });
  }

  /** Stores `entries` (all of `log`, already in it) durably with their projections, then announces them. */
  async commit(log: ChannelLog, entries: readonly SealedEntry[], options: CommitOptions): Promise<void> {
    const { registry, clock } = this.#o;
    // Entries taken into a stale log may chain on, or refer to, entries the database does not hold:
    // none is written (an own entry so written would wedge its chain at the next restart).
    if (this.#stale.has(log.id)) {
      await this.#reloadStale(log.id);
      throw new StoreError('STORE_LOG_DIVERGED', { where: `channel ${log.id.slice(0, 12)}… (its log in memory was stale after a failed commit)` });
    }
    const receivedAt = clock.now();
    const rows: EntryRow[] = entries.map((s) => ({ channel: log.id, author: s.entry.author, seq: s.entry.seq, hash: s.hash, kind: s.entry.kind, time: s.entry.time, raw: s.raw, receivedAt, prev: s.entry.prev }));
    const before = options.before;
    const after = log.state(receivedAt);
    const projection = projectEntries(entries, {
      log,
      after,
      channelChanged: after.state !== before || before === 'proposed' || (before as string) === 'none',
      now: receivedAt,
      self: registry.self.party,
      label: (p) => registry.label(p),
      planner: this.planner,
      formats: registry.formats,
    });
    const audit: AuditRecordInput | undefined = options.audit && { at: receivedAt, ...options.audit };
    const idempotent = options.idempotent;
    // Queued first: whatever a listener writes on hearing of these entries (a link test's echo, an
    // acknowledgement) is queued after them, so the store never holds an entry before what it
    // depends on.
    const writing = this.#o.writer.write(rows, audit || idempotent ? { ...projection, ...(audit ? { audit } : {}), ...(idempotent ? { idempotent } : {}) } : projection, options.waitMs !== undefined ? { waitMs: options.waitMs } : {});
    // A received entry is shown while its commit runs (docs/protocol.md §6, "Shown before
    // durable"): its author holds it durably and sends it again until receipted, and nothing this
    // terminal signs about it (its receipt) goes out before the commit below is durable.
    if (!options.own) {
      const self = registry.self.party;
      const theirs = entries.filter((s) => s.entry.author !== self);
      if (theirs.length > 0) this.#emitEntries(log, theirs, false);
    }
    const id = ++this.#commitId;
    this.#inFlight.set(id, receivedAt);
    try {
      await writing;
    } catch (e) {
      this.#noteFull(storeErrorOf(e)?.code === 'STORE_FULL' ? (e as Error) : undefined);
      this.#log.error({ channel: log.id, err: (e as Error).message }, 'commit failed; reloading channel from the store');
      // The log in memory may hold what the database does not: reload it. If the database cannot
      // be read either, the log stays, and the store refuses whatever no longer follows it.
      this.#stale.add(log.id);
      await this.#reloadStale(log.id).catch((re: unknown) => void this.#log.warn({ channel: log.id, err: (re as Error).message }, 'reloading the channel failed; nothing is written on it until a reload succeeds (retried every second)'));
      throw e;
    } finally {
      this.#inFlight.delete(id);
      if (this.#stalledSince !== undefined) this.checkStall();
    }
    this.#noteFull(undefined);
    this.#announce(log, entries, options.own, before, after.state);
    // Older entries leave memory once committed and indexed (#18); never delays this commit.
    void registry.memory.trim(log, (author) => this.committedSeq(log.id, author));
  }

  /**
   * Resolves once the channel's log in memory follows the database: at once, unless a commit of it
   * failed and reloading it failed too; then it is reloaded now, and if that fails again this
   * rejects with the store's error. Writers and the receiver wait for it before taking entries in.
   */
  fresh(channel: string): Promise<void> | undefined {
    return this.#stale.has(channel) ? this.#reloadStale(channel) : undefined;
  }

  /** Whether the channel waits for a reload (see {@link fresh}). */
  isStale(channel: string): boolean {
    return this.#stale.has(channel);
  }

  /** Tries again to reload the stale channels (the jobs run it every second). */
  async reloadStale(): Promise<void> {
    for (const id of [...this.#stale]) await this.#reloadStale(id).catch(() => {});
  }

  /** One reload of a stale channel at a time, shared by whoever asks meanwhile. */
  #reloadStale(id: string): Promise<void> {
    let running = this.#reloading.get(id);
    if (running) return running;
    const { registry } = this.#o;
    running = registry
      .reload(id)
      .then(() => {
        this.#stale.delete(id);
        const log = registry.get(id);
        if (log) this.noteLoaded(log);
        this.#log.warn({ channel: id }, 'channel reloaded from the store');
      })
      .finally(() => this.#reloading.delete(id));
    this.#reloading.set(id, running);
    return running;
  }

  /** Since when the database has had no room for a commit (undefined: it has). */
  get fullSince(): number | undefined {
    return this.#fullSince;
  }

  /** Since when the oldest commit under way has waited, once longer than the allowance (undefined: none has). */
  get stalledSince(): number | undefined {
    return this.#stalledSince;
  }

  /**
   * Raises STORE_STALLED once when a commit has waited longer than the allowance, and
   * STORE_RESUMED when none waits that long any more (the jobs run it every second, and every
   * commit that ends while stalled).
   */
  checkStall(): void {
    const now = this.#o.clock.now();
    let oldest: number | undefined;
    for (const at of this.#inFlight.values()) if (oldest === undefined || at < oldest) oldest = at;
    const stalled = oldest !== undefined && now - oldest >= (this.#o.stallMs ?? STORE_STALL_MS);
    if (stalled && this.#stalledSince === undefined) {
      this.#stalledSince = oldest;
      const message = TERMINAL_ERRORS.format('STORE_STALLED', { seconds: String(Math.round((now - oldest!) / 1000)), commits: String(this.#inFlight.size) });
      this.#log.error({ code: 'STORE_STALLED', commits: this.#inFlight.size }, message);
      this.#o.events.emit({ type: 'alarm', code: 'STORE_STALLED', message });
    } else if (!stalled && this.#stalledSince !== undefined) {
      this.#stalledSince = undefined;
      this.#log.warn({ code: 'STORE_RESUMED' }, TERMINAL_ERRORS.format('STORE_RESUMED', {}));
      this.#o.events.emit({ type: 'alarm', code: 'STORE_RESUMED', message: TERMINAL_ERRORS.format('STORE_RESUMED', {}) });
    }
  }

  #probing = false;

  /**
   * While the database counts as full and nothing has failed for lack of room for a while, tries
   * one small write (a meta row) so that room freed by the operator is seen without waiting for
   * the next entry, which on a quiet channel may be an hour away (readiness asks this).
   */
  async probeWritable(): Promise<void> {
    if (this.#fullSince === undefined || this.#probing || this.#o.clock.now() - this.#lastFullAt < FULL_CLEARS_AFTER_MS) return;
    this.#probing = true;
    try {
      await this.#o.store.setMeta('writable-probe', this.#o.clock.now());
      this.#noteFull(undefined);
    } catch (e) {
      if (storeErrorOf(e)?.code === 'STORE_FULL') this.#noteFull(e as Error);
    } finally {
      this.#probing = false;
    }
  }

  /** Raises STORE_FULL once when commits start failing for lack of room, and says when they work again. */
  #noteFull(error: Error | undefined): void {
    const now = this.#o.clock.now();
    if (error) this.#lastFullAt = now;
    if (error && this.#fullSince === undefined) {
      this.#fullSince = now;
      this.#o.events.emit({ type: 'alarm', code: 'STORE_FULL', message: storeErrorOf(error)!.message });
    } else if (!error && this.#fullSince !== undefined && now - this.#lastFullAt >= FULL_CLEARS_AFTER_MS) {
      // A small commit (a receipt) may fit where a message did not: the database counts as
      // writable again only once nothing failed for lack of room for a while.
      this.#fullSince = undefined;
      this.#o.events.emit({ type: 'alarm', code: 'STORE_WRITABLE', message: 'The database has room again: commits succeed. Find what filled it before it happens again.' });
    }
  }

  #announce(log: ChannelLog, entries: readonly SealedEntry[], own: boolean, before: string, after: string): void {
    // Own entries received back from a peer (channels/reconciler.ts) count as own too.
    this.#noteOwnCommitted(log.id, entries);
    for (const e of entries) this.#noteCommitted(log.id, e.entry.author, e.entry.seq);
    const { events } = this.#o;
    const self = this.#o.registry.self.party;
    if (after !== before) events.emit({ type: 'state', channel: log.id, state: after, previous: before === 'none' ? null : before });
    // Received entries were shown while they were committed (see commit), except our own entries
    // received back from a peer: those are announced as own, once durable, like any own entry.
    const mine = own ? entries : entries.filter((s) => s.entry.author === self);
    if (mine.length > 0) this.#emitEntries(log, mine, true);
    if (!own) this.onReceivedCommitted(log.id, entries);
    if (!own && entries.some((s) => s.entry.author !== self && s.entry.kind !== 'receipt')) this.onReceived(log.id);
  }

  #emitEntries(log: ChannelLog, entries: readonly SealedEntry[], own: boolean): void {
    const { events, registry } = this.#o;
    for (const s of entries) events.emit({ type: 'entry', channel: log.id, hash: s.hash, author: s.entry.author, authorCode: registry.label(s.entry.author), seq: s.entry.seq, kind: s.entry.kind, time: s.entry.time, own, body: s.entry.body });
  }

  #noteCommitted(channel: string, author: string, seq: number): void {
    let m = this.#committed.get(channel);
    if (!m) {
      m = new Map<string, number>();
      this.#committed.set(channel, m);
    }
    if ((m.get(author) ?? 0) < seq) m.set(author, seq);
  }

  #noteOwnCommitted(channel: string, entries: readonly SealedEntry[]): void {
    let c = this.#own.get(channel);
    if (!c) {
      c = { head: 0, ring: [], ringStart: 1 };
      this.#own.set(channel, c);
    }
    const self = this.#o.registry.self.party;
    for (const s of entries) {
      if (s.entry.author !== self || s.entry.seq !== c.head + 1) continue;
      c.head = s.entry.seq;
      c.ring.push(s.raw);
    }
    // Trimmed a block at a time: dropping one entry at a time moves the whole ring every write.
    if (c.ring.length >= OWN_RING + OWN_RING / 8) {
      const drop = c.ring.length - OWN_RING;
      c.ring.splice(0, drop);
      c.ringStart += drop;
    }
  }

  /** Highest seq of `author` durably committed in `channel` (0: none). */
  committedSeq(channel: string, author: string): number {
    return this.#committed.get(channel)?.get(author) ?? 0;
  }

  committedHead(channel: string): number {
    return this.#own.get(channel)?.head ?? 0;
  }

  /**
   * Own entries only up to the committed head: a commit is visible in the store a moment before it
   * is durable, and an own entry that reached a peer but not the disk could be sealed again,
   * differently, after a crash (an equivocation).
   */
  async entriesFor(channel: string, author: string, fromSeq: number, toSeq: number): Promise<string[]> {
    const to = author === this.#o.registry.self.party ? Math.min(toSeq, this.committedHead(channel)) : toSeq;
    if (to < fromSeq) return [];
    return this.#o.store.listRawEntries(channel, author, fromSeq, to);
  }

  async ownEntries(channel: string, fromSeq: number, toSeq: number): Promise<string[]> {
    const c = this.#own.get(channel);
    if (!c) return [];
    const to = Math.min(toSeq, c.head);
    if (to < fromSeq) return [];
    if (fromSeq >= c.ringStart) return c.ring.slice(fromSeq - c.ringStart, to - c.ringStart + 1);
    return this.#o.store.listRawEntries(channel, this.#o.registry.self.party, fromSeq, to);
  }

  async proposalEntry(channel: string): Promise<string | undefined> {
    const log = this.#o.registry.get(channel);
    if (!log) return undefined;
    const p = log.proposal;
    // An own proposal only once durable (see entriesFor); it is seq 1 of its author's log.
    if (p.entry.author === this.#o.registry.self.party && this.committedHead(channel) < p.entry.seq) return undefined;
    return p.raw;
  }

  /** Commits and entries of the group-commit writer so far (metrics). */
  get writerStats(): EntryWriterStats {
    return this.#o.writer.stats;
  }

  /** Resolves once every write started so far has committed. */
  idle(): Promise<void> {
    return this.#o.writer.flush();
  }
}

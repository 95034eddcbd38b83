/**
 * Whether a peer stores what it is sent (link-state.ts: a line whose peer stores nothing is
 * `down`). A peer whose storage stalls (its database locked or unreachable, its disk full or
 * failing) keeps answering heartbeats, which need no commit: the stream alone would show the line
 * `up` while nothing sent reaches its record. So the outbound link (peer-link.ts) tells this watch
 * of every batch of entries it sends, of every heartbeat ping it sends and pong it hears, and of
 * every `stored` answer, and asks it five times per heartbeat interval. Pure: time is the caller's.
 *
 * A batch counts from when the peer is known to have read it, never from when it was queued or
 * handed to the socket: the stream is ordered, so a pong answering a ping sent after the batch
 * proves the peer's process read the batch. A slow path still carrying it (the kernel's buffers,
 * a proxy, a satellite hop hold megabytes) is no stall, however long it takes.
 *
 * A stall survives a reconnection: a peer that fails on every batch and drops the stream more
 * often than the allowance would otherwise restart the clock each time and never show. What it
 * read and left unanswered before the stream closed still counts, until it answers a batch.
 */

/**
 * How long a batch of entries may go unanswered after the peer read it before the peer counts as
 * not storing, ms (HOTLINE_PEER_STORE_OVERDUE_MS). An honest peer answers a batch once it
 * committed it, within a second or two even while it catches up.
 */
export const STORED_OVERDUE_MS = 30_000;

/** Pings remembered for their place in the stream (older ones are forgotten, never matched). */
const MAX_PINGS_KEPT = 64;

/**
 * The stream is up and answers heartbeats, but the peer has answered none of the batches of
 * entries it read for longer than the allowance.
 */
export interface LinkStall {
  /** When the peer was first known to hold an unanswered batch (ms, the terminal's clock). */
  readonly since: number;
  /** Batches sent and unanswered now. */
  readonly batches: number;
}

/** The batches sent and not yet answered, on this stream and (their reading time) before it. */
export class StoredWatch {
  /** Frames queued on this stream so far (batches and pings), for their order. */
  #queued = 0;
  /** Batch id -> its place in the stream, and when the peer was known to have read it (null: not yet). */
  readonly #batches = new Map<number, { place: number; readAt: number | null }>();
  /** Ping payload -> its place in the stream. */
  readonly #pings = new Map<string, number>();
  /** The earliest reading time of a batch left unanswered on a stream that closed (until an answer). */
  #carried: number | undefined;
  #stalled = false;
  #since = 0;

  /** @param onChange told when a stall begins (with it) and when it ends (null) */
  constructor(
    readonly overdueMs: number = STORED_OVERDUE_MS,
    private readonly onChange: (stall: LinkStall | null) => void = () => {},
  ) {}

  /** A batch of entries was queued on the stream. */
  sent(id: number): void {
    this.#batches.set(id, { place: ++this.#queued, readAt: null });
  }

  /** A heartbeat ping with this payload was queued on the stream (after everything queued before it). */
  pinged(payload: Buffer): void {
    this.#pings.set(payload.toString('latin1'), ++this.#queued);
    if (this.#pings.size > MAX_PINGS_KEPT) this.#pings.delete(this.#pings.keys().next().value!);
  }

  /** The pong of a ping arrived at `now`: every batch queued before that ping has been read by the peer. */
  ponged(payload: Buffer, now: number): void {
    const place = this.#pings.get(payload.toString('latin1'));
    if (place === undefined) return;
    for (const [key, p] of this.#pings) if (p <= place) this.#pings.delete(key);
    for (const b of this.#batches.values()) if (b.readAt === null && b.place < place) b.readAt = now;
  }

  /** The peer answered batch `id`: it stores. True while a stall stands (check again: it may have ended). */
  answered(id: number): boolean {
    this.#batches.delete(id);
    this.#carried = undefined;
    return this.#stalled;
  }

  /**
   * The stream closed: a new one starts its own batches, and the earliest batch read and left
   * unanswered on this one still counts. A stall stands (one alarm, not one per reconnection) until
   * a check finds nothing overdue: an answer, or nothing left to send once the peer said what it holds.
   */
  reset(): void {
    for (const b of this.#batches.values()) if (b.readAt !== null && (this.#carried === undefined || b.readAt < this.#carried)) this.#carried = b.readAt;
    this.#batches.clear();
    this.#pings.clear();
    this.#queued = 0;
  }

  /** Batches the peer is known to have read and has not answered. */
  get readUnanswered(): number {
    let n = 0;
    for (const b of this.#batches.values()) if (b.readAt !== null) n++;
    return n;
  }

  /** The stall now (null when the peer stores what it is sent, or nothing waits). */
  get stall(): LinkStall | null {
    return this.#stalled ? { since: this.#since, batches: this.#batches.size } : null;
  }

  /**
   * The peer said what it holds on a new stream and nothing was left to send it: it stored what
   * the closed stream carried, so that no longer counts.
   */
  caughtUp(now: number): void {
    this.#carried = undefined;
    this.check(now);
  }

  /** Looks at the batches at `now`; tells onChange what changed. */
  check(now: number): void {
    // A new stream that has not yet sent again what the closed one left unanswered: unknown yet.
    if (this.#batches.size === 0 && this.#carried !== undefined) return;
    let oldest: number | undefined;
    for (const b of this.#batches.values()) if (b.readAt !== null && (oldest === undefined || b.readAt < oldest)) oldest = b.readAt;
    // What a closed stream left unanswered counts while this one has batches waiting (none waiting
    // returned above), read or not yet: they carry it again, and the stall stands until one is
    // answered (a peer that fails on every batch and closes each stream would otherwise clear it at
    // each new stream).
    if (this.#carried !== undefined && (oldest === undefined || this.#carried < oldest)) oldest = this.#carried;
    const overdue = oldest !== undefined && now - oldest >= this.overdueMs;
    if (overdue && !this.#stalled) {
      this.#stalled = true;
      this.#since = oldest!;
      this.onChange(this.stall);
    } else if (!overdue && this.#stalled) {
      this.#stalled = false;
      this.onChange(null);
    }
  }
}

/**
 * Whether a peer stores what it is sent (link-state.ts: a line whose peer stores nothing is
 * `down`). A peer whose storage stalls (its database locked or unreachable, its disk full or
 * failing) keeps answering heartbeats and version-2 link-test probes, which need no commit: the
 * stream and the link tests alone would show the line `up` while nothing sent reaches its record.
 * So the outbound link (peer-link.ts) tells this watch of every batch of entries it sends and of
 * every `stored` answer, and asks it five times per heartbeat interval. Pure: time is the caller's.
 *
 * A batch counts from when it was seen to have left the send buffer, not from when it was queued:
 * a slow path still carrying it is no stall.
 */

/**
 * How long a batch of entries may go unanswered after it left this terminal's send buffer before
 * the peer counts as not storing, ms (HOTLINE_PEER_STORE_OVERDUE_MS). An honest peer answers a
 * batch once it committed it, within a second or two even while it catches up.
 */
export const STORED_OVERDUE_MS = 30_000;

/**
 * The stream is up and answers heartbeats, but the peer has answered none of the batches of
 * entries sent to it for longer than the allowance.
 */
export interface LinkStall {
  /** When the oldest unanswered batch left this terminal's send buffer (ms, the terminal's clock). */
  readonly since: number;
  /** Batches sent and unanswered now. */
  readonly batches: number;
}

/** The batches of one stream, sent and not yet answered. */
export class StoredWatch {
  /** Batch id -> when it was seen to have left the send buffer (null: not yet). */
  readonly #leftAt = new Map<number, number | null>();
  #stalled = false;
  #since = 0;

  /** @param onChange told when a stall begins (with it) and when it ends (null) */
  constructor(
    readonly overdueMs: number = STORED_OVERDUE_MS,
    private readonly onChange: (stall: LinkStall | null) => void = () => {},
  ) {}

  /** A batch was handed to the socket at `now`; `buffered`: bytes still in the send buffer after it. */
  sent(id: number, now: number, buffered: number): void {
    this.#leftAt.set(id, buffered === 0 ? now : null);
  }

  /** The peer answered batch `id`; true while the stall stands (check again: it may have ended). */
  answered(id: number): boolean {
    this.#leftAt.delete(id);
    return this.#stalled;
  }

  /** The stream closed: a new one starts over (the link is down then, which says more). */
  reset(): void {
    this.#leftAt.clear();
    this.#stalled = false;
  }

  /** The stall now (null when the peer stores what it is sent, or nothing waits). */
  get stall(): LinkStall | null {
    return this.#stalled ? { since: this.#since, batches: this.#leftAt.size } : null;
  }

  /** Looks at the batches at `now` with `buffered` bytes in the send buffer; tells onChange what changed. */
  check(now: number, buffered: number): void {
    let oldest: number | undefined;
    for (const [id, at] of this.#leftAt) {
      const left = at ?? (buffered === 0 ? now : null);
      if (left !== at) this.#leftAt.set(id, left);
      if (left !== null && (oldest === undefined || left < oldest)) oldest = left;
    }
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

/**
 * Which peers have a stream open to this terminal (their own link, on which they push their
 * entries: docs/protocol.md §12), and since when one has been missing.
 *
 * The outbound stream and the link tests say whether this terminal reaches the peer; they can look
 * fine while the peer cannot reach this terminal at all (a firewall blocking this terminal's
 * federation port, a wrong address in its card, a broken return route). Version-2 link tests
 * travel on the outbound stream both ways, so nothing else would show it: this terminal's
 * messages would go out, the peer's would never arrive, and the line would say up. The line state
 * (link-state.ts) is therefore `degraded` when the peer's stream has been missing longer than
 * {@link DEFAULT_INBOUND_GRACE_MS} while the outbound one is up.
 */
import type { Clock } from '../clock.js';

/** How long a peer's stream may be missing while the outbound one is up before the line says so, ms (its redials back off to 3 s; a slow path's dial may take tens of seconds). */
export const DEFAULT_INBOUND_GRACE_MS = 30_000;

export class InboundStreams {
  readonly #clock: Clock;
  readonly #graceMs: number;
  /** peer -> streams open now. */
  readonly #open = new Map<string, number>();
  /** peer -> since when none has been open (first asked, or the last one closed). */
  readonly #missingSince = new Map<string, number>();

  constructor(clock: Clock, graceMs = DEFAULT_INBOUND_GRACE_MS) {
    this.#clock = clock;
    this.#graceMs = graceMs;
  }

  /** A stream of `peer` said hello. Returns what to call when it closes. */
  attach(peer: string): () => void {
    this.#open.set(peer, (this.#open.get(peer) ?? 0) + 1);
    this.#missingSince.delete(peer);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const n = (this.#open.get(peer) ?? 1) - 1;
      if (n > 0) return void this.#open.set(peer, n);
      this.#open.delete(peer);
      this.#missingSince.set(peer, this.#clock.now());
    };
  }

  /** Since when `peer` has had no stream open to this terminal; undefined while one is. Counted from the first question when never seen. */
  missingSince(peer: string): number | undefined {
    if (this.#open.has(peer)) return undefined;
    let since = this.#missingSince.get(peer);
    if (since === undefined) this.#missingSince.set(peer, (since = this.#clock.now()));
    return since;
  }

  /** {@link missingSince}, once longer ago than the grace; undefined before (or while a stream is open). */
  overdueSince(peer: string): number | undefined {
    const since = this.missingSince(peer);
    return since !== undefined && this.#clock.now() - since >= this.#graceMs ? since : undefined;
  }
}

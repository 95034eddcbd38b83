/**
 * The one registry of the peers' federation streams open to this terminal (their own link, on
 * which they push their entries: docs/protocol.md §12): per peer, the open streams' senders of
 * `want`, newest last, and since when none has been open. Every stream session registers itself
 * here once its peer said hello (stream-session.ts), and everyone who needs the streams reads this
 * one (through channels/ports.ts `InboundStreamsView`):
 *  - the reconciler (channels/reconciler.ts) asks on them for own entries a peer holds, and asks
 *    its claims again when a peer's stream opens ({@link onOpen});
 *  - the relay wants (relay-wants.ts) ask on them for the receipts of a party whose stream is down;
 *  - the line state (link-state.ts) is `degraded` when a peer's stream has been missing longer than
 *    its grace while the outbound one is up, and the pull fallback (pull-fallback.ts) fetches the
 *    entries of such a peer.
 *
 * A peer may hold two streams at once (a reconnection before the old one's close is seen): the
 * close of the older never hides the newer, and the newest is the one asked.
 */
import type { InboundStreamsView, StreamAsk } from '../channels/ports.js';
import type { Clock } from '../clock.js';

/** One registered stream (its identity is what its close removes). */
interface Open {
  readonly ask: StreamAsk;
  /** Closes the stream (the peer reconnects and offers again what this terminal lacks). */
  readonly close?: () => void;
}

export class InboundStreams implements InboundStreamsView {
  readonly #clock: Clock;
  /** peer -> the streams open now, newest last. */
  readonly #open = new Map<string, Open[]>();
  /** peer -> since when none has been open (first asked, or the last one closed). */
  readonly #missingSince = new Map<string, number>();
  readonly #listeners = new Set<(peer: string) => void>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** A stream of `peer` said hello; `ask` sends a `want` on it. Returns what to call when it closes (once is enough; more calls change nothing). */
  attach(peer: string, ask: StreamAsk, close?: () => void): () => void {
    const stream: Open = { ask, ...(close ? { close } : {}) };
    this.#open.set(peer, [...(this.#open.get(peer) ?? []), stream]);
    this.#missingSince.delete(peer);
    for (const listener of [...this.#listeners]) listener(peer);
    return () => {
      const held = this.#open.get(peer);
      if (!held?.includes(stream)) return;
      const left = held.filter((s) => s !== stream);
      if (left.length > 0) return void this.#open.set(peer, left);
      this.#open.delete(peer);
      this.#missingSince.set(peer, this.#clock.now());
    };
  }

  /**
   * Closes every stream of `peer` (its card changed: card-refresh.ts). The peer reconnects at once
   * and offers again, with its new hello, what it sent before and this terminal refused for a key
   * no card here certified then; a connection under a TLS key the new card revokes is not let in again.
   */
  cut(peer: string): number {
    const open = this.#open.get(peer) ?? [];
    for (const s of open) s.close?.();
    return open.length;
  }

  isOpen(peer: string): boolean {
    return this.#open.has(peer);
  }

  ask(peer: string): StreamAsk | undefined {
    return this.#open.get(peer)?.at(-1)?.ask;
  }

  missingSince(peer: string): number | undefined {
    if (this.#open.has(peer)) return undefined;
    let since = this.#missingSince.get(peer);
    if (since === undefined) this.#missingSince.set(peer, (since = this.#clock.now()));
    return since;
  }

  onOpen(listener: (peer: string) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
}

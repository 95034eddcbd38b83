/**
 * A peer that cannot reach this terminal while this terminal reaches it (a firewall or a NAT in
 * front of this terminal, a wrong address in its card, a broken return route): its entries are
 * fetched over this terminal's own connection with the plain HTTPS pull (docs/protocol.md §12,
 * `GET /fed/v1/channels/:id/entries`), so its messages, receipts and acknowledgements still arrive.
 *
 * Each peer pushes its own entries on its own stream to this terminal. When none has been open for
 * {@link PULL_AFTER_MS} while this terminal's stream to the peer is up, every {@link PULL_EVERY_MS}
 * this terminal asks the peer, at the endpoint and pinned key its stream uses, for the peer's own
 * entries of each channel they share from the next seq it lacks (one page of 1,024 each), and takes
 * them in as if they had come on the peer's stream (receiver: checked, stored, receipted; the
 * receipts go out on this terminal's stream). It stops as soon as the peer's stream opens.
 * A channel this terminal does not know yet (the peer's new proposal) cannot be asked for this way:
 * it arrives once the peer can connect, or through another party.
 */
import type { ChannelDirectory, EntryReceiver } from '../channels/ports.js';
import type { Clock } from '../clock.js';
import { createPinnedClient, type PinnedClient } from '../tls/pinned-client.js';

/** How long a peer's stream must have been missing before its entries are fetched, ms. */
export const PULL_AFTER_MS = 5_000;
/** How often they are fetched while it stays missing, ms. */
export const PULL_EVERY_MS = 2_000;
/** Entries asked for per channel and request (the route's largest page). */
export const PULL_PAGE = 1024;

/** Where a peer's stream is connected and the key pinned there (PeerLink.pullTarget). */
export interface PullTarget {
  readonly endpoint: string;
  readonly expectedFingerprint: string | readonly string[];
}

export interface PullFallbackOptions {
  /** Since when a peer has had no stream open to this terminal (inbound-streams.ts). */
  readonly missingSince: (peer: string) => number | undefined;
  /** The peers this terminal's stream is up to, and where. */
  readonly targets: () => ReadonlyArray<{ readonly peer: string; readonly target: PullTarget }>;
  readonly directory: Pick<ChannelDirectory, 'channelIds' | 'shares' | 'channel'>;
  readonly receiver: Pick<EntryReceiver, 'receive'>;
  readonly tls: { readonly keyPem: string; readonly certPem: string };
  readonly clock: Clock;
  readonly log: { warn(o: object, m?: string): void; info(o: object, m?: string): void };
}

/** Fetches the entries of peers that cannot reach this terminal. */
export class PullFallback {
  readonly #o: PullFallbackOptions;
  readonly #clients = new Map<string, { readonly key: string; readonly client: PinnedClient }>();
  readonly #busy = new Set<string>();
  readonly #lastAt = new Map<string, number>();
  /** Entries fetched, per peer (status and tests). */
  readonly fetched = new Map<string, number>();

  constructor(options: PullFallbackOptions) {
    this.#o = options;
  }

  /** Periodic (every second). */
  async tick(): Promise<void> {
    const now = this.#o.clock.now();
    await Promise.all(this.#o.targets().map(({ peer, target }) => this.#pull(peer, target, now)));
  }

  async #pull(peer: string, target: PullTarget, now: number): Promise<void> {
    const since = this.#o.missingSince(peer);
    if (since === undefined || now - since < PULL_AFTER_MS) return;
    if (this.#busy.has(peer) || now - (this.#lastAt.get(peer) ?? -Infinity) < PULL_EVERY_MS) return;
    this.#busy.add(peer);
    this.#lastAt.set(peer, now);
    try {
      const client = this.#client(peer, target);
      for (const id of this.#o.directory.channelIds()) {
        if (!this.#o.directory.shares(id, peer) || this.#o.missingSince(peer) === undefined) continue;
        const from = (this.#o.directory.channel(id).head(peer)?.seq ?? 0) + 1;
        const url = `${target.endpoint}/fed/v1/channels/${id}/entries?author=${encodeURIComponent(peer)}&from=${from}&limit=${PULL_PAGE}`;
        const r = await client.request(url);
        if (r.status !== 200) {
          this.#o.log.warn({ peer, channel: id, status: r.status, body: r.body.toString('utf8').slice(0, 200) }, 'fetching the entries of a peer that cannot reach this terminal failed');
          continue;
        }
        const lines = r.body.toString('utf8').split('\n').filter((l) => l.length > 0);
        if (lines.length === 0) continue;
        await this.#o.receiver.receive(lines, peer);
        this.fetched.set(peer, (this.fetched.get(peer) ?? 0) + lines.length);
        this.#o.log.info({ peer, channel: id, from, entries: lines.length }, 'fetched the entries of a peer that cannot reach this terminal');
      }
    } catch (e) {
      this.#o.log.warn({ peer, err: (e as Error).message, code: (e as { code?: string }).code }, 'fetching the entries of a peer that cannot reach this terminal failed');
    } finally {
      this.#busy.delete(peer);
    }
  }

  #client(peer: string, target: PullTarget): PinnedClient {
    const key = `${target.endpoint} ${[target.expectedFingerprint].flat().join(',')}`;
    const held = this.#clients.get(peer);
    if (held?.key === key) return held.client;
    held?.client.close();
    const client = createPinnedClient({ key: this.#o.tls.keyPem, cert: this.#o.tls.certPem, expectedFingerprint: target.expectedFingerprint, timeoutMs: 15_000 });
    this.#clients.set(peer, { key, client });
    return client;
  }

  close(): void {
    for (const { client } of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}

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
 * A channel this terminal does not know yet (the peer's new proposal, or one it relays) is learnt
 * from the peer's list of the channels it shares with this terminal (`GET /fed/v1/channels`), asked
 * every {@link PULL_LIST_EVERY_MS} meanwhile: the proposal of each one not held here is fetched (seq
 * 1 of its proposer's log) and taken in, and the channel's entries are then fetched as any other's.
 * A channel this terminal joined by amendment (its proposal does not name this party) is listed
 * with the amendment that names it (`joinedBy`), fetched with the proposal: the receiver holds such
 * a proposal until that amendment comes. What the entries taken in wait for (earlier entries, other
 * parties' entries they name) is asked of the peer too, a few ranges a round.
 * A peer of an earlier release answers the list with 404: it is not asked again (until its
 * endpoint or key changes), and its new channels arrive once it can connect, or through another party.
 */
import type { ReceiveOutcome } from '../channels/channel-types.js';
import type { ChannelDirectory, EntryReceiver, InboundStreamsView } from '../channels/ports.js';
import type { Clock } from '../clock.js';
import { createPinnedClient, type PinnedClient } from '../tls/pinned-client.js';
import { federationUrl } from './endpoint-url.js';

/** How long a peer's stream must have been missing before its entries are fetched, ms. */
export const PULL_AFTER_MS = 5_000;
/** How often they are fetched while it stays missing, ms. */
export const PULL_EVERY_MS = 2_000;
/** Entries asked for per channel and request (the route's largest page). */
export const PULL_PAGE = 1024;
/**
 * Channels asked for per peer and round: the peer's federation face takes 600 requests a minute
 * from this terminal (docs/security.md), streams and other requests included. A terminal sharing
 * more channels with the peer goes round them, those whose last page came back full first.
 */
export const PULL_CHANNELS_PER_ROUND = 8;
/** How often the peer's channels are listed while its entries are fetched, ms (new channels learnt). */
export const PULL_LIST_EVERY_MS = 10_000;
/**
 * Ranges asked for per peer and round that the entries taken in were found to wait for (the
 * `missing` of the receiver's outcome: entries of other parties, or earlier ones of the peer's):
 * the peer holds them, as it held what names them, and gives any party's entries of a shared channel.
 */
export const PULL_MISSING_PER_ROUND = 4;
/** A channel id and a party id, as the list names them. */
const CHANNEL_ID = /^[0-9a-f]{64}$/;
const PARTY_ID = /^[A-Za-z0-9_-]{43}$/;

/** Where a peer's stream is connected and the key pinned there (PeerLink.pullTarget). */
export interface PullTarget {
  readonly endpoint: string;
  readonly expectedFingerprint: string | readonly string[];
}

export interface PullFallbackOptions {
  /** The peers' streams open to this terminal (inbound-streams.ts): since when a peer has had none. */
  readonly streams: Pick<InboundStreamsView, 'missingSince'>;
  /** The peers this terminal's stream is up to, and where. */
  readonly targets: () => ReadonlyArray<{ readonly peer: string; readonly target: PullTarget }>;
  readonly directory: Pick<ChannelDirectory, 'channelIds' | 'shares' | 'channel'>;
  readonly receiver: Pick<EntryReceiver, 'receive'>;
  readonly tls: { readonly keyPem: string; readonly certPem: string };
  readonly clock: Clock;
  readonly log: { warn(o: object, m?: string): void; info(o: object, m?: string): void };
  /** Makes the HTTPS client for a target (default: a pinned client with this terminal's TLS key). */
  readonly connect?: (target: PullTarget) => Pick<PinnedClient, 'request' | 'close'>;
}

/** Fetches the entries of peers that cannot reach this terminal. */
export class PullFallback {
  readonly #o: PullFallbackOptions;
  /** Per peer: the client, and whether the peer answers the list of channels (404 from an earlier release: not asked again). */
  readonly #clients = new Map<string, { readonly key: string; readonly client: Pick<PinnedClient, 'request' | 'close'>; listing: boolean }>();
  readonly #listedAt = new Map<string, number>();
  /** Channels whose proposal, fetched, was not taken in (`${peer} ${id}`): not fetched again. */
  readonly #refused = new Set<string>();
  readonly #busy = new Set<string>();
  readonly #lastAt = new Map<string, number>();
  /** Per peer: where the round-robin over shared channels resumes, and channels with more to fetch. */
  readonly #cursor = new Map<string, number>();
  readonly #more = new Map<string, Set<string>>();
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
    const since = this.#o.streams.missingSince(peer);
    if (since === undefined || now - since < PULL_AFTER_MS) return;
    if (this.#busy.has(peer) || now - (this.#lastAt.get(peer) ?? -Infinity) < PULL_EVERY_MS) return;
    this.#busy.add(peer);
    this.#lastAt.set(peer, now);
    const wanting: Wanting = { ranges: [], asked: 0 };
    try {
      const client = this.#client(peer, target);
      if (now - (this.#listedAt.get(peer) ?? -Infinity) >= PULL_LIST_EVERY_MS) {
        this.#listedAt.set(peer, now);
        await this.#learn(peer, target, client, wanting);
      }
      for (const id of this.#round(peer)) {
        if (this.#o.streams.missingSince(peer) === undefined) break;
        const from = (this.#o.directory.channel(id).head(peer)?.seq ?? 0) + 1;
        const url = federationUrl(target.endpoint, `/fed/v1/channels/${id}/entries?author=${encodeURIComponent(peer)}&from=${from}&limit=${PULL_PAGE}`, 'https');
        const r = await client.request(url);
        if (r.status !== 200) {
          this.#o.log.warn({ peer, channel: id, status: r.status, body: r.body.toString('utf8').slice(0, 200) }, 'fetching the entries of a peer that cannot reach this terminal failed');
          continue;
        }
        const lines = r.body.toString('utf8').split('\n').filter((l) => l.length > 0);
        const more = this.#more.get(peer) ?? new Set<string>();
        this.#more.set(peer, more);
        if (lines.length >= PULL_PAGE) more.add(id);
        else more.delete(id);
        if (lines.length === 0) continue;
        await this.#take(peer, lines, wanting);
        this.#o.log.info({ peer, channel: id, from, entries: lines.length }, 'fetched the entries of a peer that cannot reach this terminal');
      }
      await this.#fill(peer, target, client, wanting);
    } catch (e) {
      this.#o.log.warn({ peer, err: (e as Error).message, code: (e as { code?: string }).code }, 'fetching the entries of a peer that cannot reach this terminal failed');
    } finally {
      this.#busy.delete(peer);
    }
  }

  /** Takes fetched entries in as if they had come on the peer's stream; notes what they wait for. */
  async #take(peer: string, lines: readonly string[], wanting: Wanting): Promise<ReceiveOutcome> {
    const outcome = await this.#o.receiver.receive(lines, peer);
    this.fetched.set(peer, (this.fetched.get(peer) ?? 0) + lines.length);
    for (const m of outcome.missing) if (m.author !== '' && !wanting.ranges.some((w) => w.channel === m.channel && w.author === m.author && w.fromSeq === m.fromSeq)) wanting.ranges.push(m);
    return outcome;
  }

  /** Asks the peer for what the entries taken in this round wait for, a few ranges at most (each answer may name more). */
  async #fill(peer: string, target: PullTarget, client: Pick<PinnedClient, 'request' | 'close'>, wanting: Wanting): Promise<void> {
    while (wanting.ranges.length > 0 && wanting.asked < PULL_MISSING_PER_ROUND) {
      if (this.#o.streams.missingSince(peer) === undefined) return;
      const m = wanting.ranges.shift()!;
      wanting.asked++;
      const limit = Math.max(1, Math.min(PULL_PAGE, m.toSeq - m.fromSeq + 1));
      const r = await client.request(federationUrl(target.endpoint, `/fed/v1/channels/${m.channel}/entries?author=${encodeURIComponent(m.author)}&from=${m.fromSeq}&limit=${limit}`, 'https'));
      if (r.status !== 200) {
        this.#o.log.warn({ peer, channel: m.channel, author: m.author, status: r.status }, 'fetching entries that fetched ones wait for, from a peer that cannot reach this terminal, failed');
        continue;
      }
      const lines = r.body.toString('utf8').split('\n').filter((l) => l.length > 0);
      if (lines.length > 0) await this.#take(peer, lines, wanting);
    }
  }

  /** Lists the channels `peer` shares with this terminal and takes in the proposals of those not held here (at most a round's worth at a time). */
  async #learn(peer: string, target: PullTarget, client: Pick<PinnedClient, 'request' | 'close'>, wanting: Wanting): Promise<void> {
    const held = this.#clients.get(peer);
    if (held?.listing === false) return;
    const r = await client.request(federationUrl(target.endpoint, '/fed/v1/channels', 'https'));
    if (r.status === 404) {
      if (held) held.listing = false;
      return this.#o.log.info({ peer }, 'the peer does not list its channels (an earlier release): its new channels arrive once it can connect');
    }
    if (r.status !== 200) return this.#o.log.warn({ peer, status: r.status, body: r.body.toString('utf8').slice(0, 200) }, 'listing the channels of a peer that cannot reach this terminal failed');
    const known = new Set(this.#o.directory.channelIds());
    const unknown = listedChannels(r.body).filter((c) => !known.has(c.id) && !this.#refused.has(`${peer} ${c.id}`));
    for (const { id, proposer, joinedBy } of unknown.slice(0, PULL_CHANNELS_PER_ROUND)) {
      if (this.#o.streams.missingSince(peer) === undefined) break;
      // The proposal; for a channel joined by amendment, with the amendment that names this party.
      const asks = [{ author: proposer, seq: 1 }, ...(joinedBy ? [joinedBy] : [])];
      const lines: string[] = [];
      for (const { author, seq } of asks) {
        const p = await client.request(federationUrl(target.endpoint, `/fed/v1/channels/${id}/entries?author=${encodeURIComponent(author)}&from=${seq}&limit=1`, 'https'));
        if (p.status !== 200) this.#o.log.warn({ peer, channel: id, status: p.status }, 'fetching the proposal of a channel listed by a peer that cannot reach this terminal failed');
        else lines.push(...p.body.toString('utf8').split('\n').filter((l) => l.length > 0));
      }
      if (lines.length === 0) continue;
      const outcome = await this.#take(peer, lines, wanting);
      if (outcome.rejected.length > 0) this.#refused.add(`${peer} ${id}`);
      this.#o.log.info({ peer, channel: id, proposer, ...(joinedBy ? { joinedBy } : {}), rejected: outcome.rejected[0]?.code }, 'fetched the proposal of a new channel from a peer that cannot reach this terminal');
    }
  }

  /** The channels shared with `peer` to ask for this round: those with more to fetch, then the next ones in turn. */
  #round(peer: string): string[] {
    const shared = this.#o.directory.channelIds().filter((id) => this.#o.directory.shares(id, peer));
    if (shared.length <= PULL_CHANNELS_PER_ROUND) return shared;
    const more = [...(this.#more.get(peer) ?? [])].filter((id) => shared.includes(id)).slice(0, PULL_CHANNELS_PER_ROUND);
    const start = this.#cursor.get(peer) ?? 0;
    const rest: string[] = [];
    for (let i = 0; i < shared.length && more.length + rest.length < PULL_CHANNELS_PER_ROUND; i++) {
      const id = shared[(start + i) % shared.length]!;
      if (!more.includes(id)) rest.push(id);
    }
    this.#cursor.set(peer, (start + rest.length) % shared.length);
    return [...more, ...rest];
  }

  #client(peer: string, target: PullTarget): Pick<PinnedClient, 'request' | 'close'> {
    const key = `${target.endpoint} ${[target.expectedFingerprint].flat().join(',')}`;
    const held = this.#clients.get(peer);
    if (held?.key === key) return held.client;
    held?.client.close();
    const client = this.#o.connect?.(target) ?? createPinnedClient({ key: this.#o.tls.keyPem, cert: this.#o.tls.certPem, expectedFingerprint: target.expectedFingerprint, timeoutMs: 15_000 });
    this.#clients.set(peer, { key, client, listing: true });
    return client;
  }

  close(): void {
    for (const { client } of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}

/** What entries taken in during a round wait for, and how many ranges were asked for that round. */
interface Wanting {
  readonly ranges: Array<ReceiveOutcome['missing'][number]>;
  asked: number;
}

interface ListedChannel {
  readonly id: string;
  readonly proposer: string;
  readonly joinedBy?: { readonly author: string; readonly seq: number };
}

/** The channels of a `GET /fed/v1/channels` answer that are well formed (others are skipped; a malformed `joinedBy` is left out). */
function listedChannels(body: Buffer): ListedChannel[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const channels = (parsed as { channels?: unknown } | null)?.channels;
  if (!Array.isArray(channels)) return [];
  return channels
    .filter((c): c is { id: string; proposer: string; joinedBy?: unknown } => typeof c?.id === 'string' && CHANNEL_ID.test(c.id) && typeof c?.proposer === 'string' && PARTY_ID.test(c.proposer))
    .map((c) => {
      const j = c.joinedBy as { author?: unknown; seq?: unknown } | undefined;
      const joinedBy = typeof j?.author === 'string' && PARTY_ID.test(j.author) && Number.isSafeInteger(j.seq) && (j.seq as number) >= 1 ? { author: j.author, seq: j.seq as number } : undefined;
      return { id: c.id, proposer: c.proposer, ...(joinedBy ? { joinedBy } : {}) };
    });
}

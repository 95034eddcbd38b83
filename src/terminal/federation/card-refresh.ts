/**
 * A peer's re-signed party card, picked up by itself (docs/operations.md "Rotating a terminal key",
 * docs/security.md §5): each peer's current card is fetched over this terminal's own pinned
 * federation link (`GET /fed/v1/card`, docs/protocol.md §12), and adopted by the rules of
 * channels/card-succession.ts (same root key, newer, no revocation dropped).
 *
 * Fetched when the link to the peer comes up (or moves to another endpoint or pinned key), every
 * {@link CARD_REFRESH_EVERY_MS} while it stays up, and soon after a sign that the peer's card
 * changed: a `key.rotate` or `key.revoke` entry of the peer received, or an entry of the peer refused for a key no
 * card here certifies (ENTRY_UNKNOWN_KEY, e.g. the proposal of a new channel signed with the new key).
 */
import type { CardSuccession } from '../channels/card-succession.js';
import type { Clock } from '../clock.js';
import { TERMINAL_ERRORS } from '../errors.js';
import type { EventSink, EventSource, Unsubscribe } from '../events/event-bus.js';
import { createPinnedClient, type PinnedClient } from '../tls/pinned-client.js';
import { federationUrl } from './endpoint-url.js';
import type { PullTarget } from './pull-fallback.js';

/** How often a peer's card is fetched while its link stays up, ms. */
export const CARD_REFRESH_EVERY_MS = 60 * 60_000;
/** The least time between two fetches of one peer's card (a sign of change asks sooner), ms. */
export const CARD_REFRESH_GAP_MS = 5_000;
/** The longest wait before fetching again a card whose fetch failed (doubling from CARD_REFRESH_GAP_MS), ms. */
export const CARD_RETRY_MAX_MS = 5 * 60_000;
/** The largest card accepted (64 certificates and 256 revocations fit well within it). */
const CARD_MAX_BYTES = 1024 * 1024;

export interface CardRefreshOptions {
  /** The peers this terminal's stream is up to, where, and the key pinned there. */
  readonly targets: () => ReadonlyArray<{ readonly peer: string; readonly target: PullTarget }>;
  /** Adopts a card fetched from `peer` if the rules allow (peer-directory.ts). */
  readonly adopt: (peer: string, card: unknown) => Promise<CardSuccession | undefined>;
  /** A party's code for the log. */
  readonly label: (party: string) => string;
  readonly fingerprint: (party: string) => string;
  readonly audit: (record: { actor: string; action: string; detail: Record<string, unknown> }) => Promise<unknown>;
  readonly events: EventSource & EventSink;
  /** Closes the peer's streams open to this terminal (inbound-streams.ts `cut`): it offers again what was refused. */
  readonly cutStreams?: (peer: string) => void;
  readonly tls: { readonly keyPem: string; readonly certPem: string };
  readonly clock: Clock;
  readonly log: { warn(o: object, m?: string): void; info(o: object, m?: string): void };
  /** Makes the HTTPS client for a target (default: a pinned client with this terminal's TLS key). */
  readonly connect?: (target: PullTarget) => Pick<PinnedClient, 'request' | 'close'>;
}

/** The least time between two fetches of a card wanted, after `failures` failed fetches in a row. */
function wantedGap(failures: number): number {
  return Math.min(CARD_REFRESH_GAP_MS * 2 ** Math.min(failures, 16), CARD_RETRY_MAX_MS);
}

interface PeerState {
  key: string;
  at: number;
  wanted: boolean;
  /** Fetches failed in a row (the peer's HTTPS answer missing or not 200): each doubles the wait before the next. */
  failures: number;
  /** The detail of the last refusal alarmed, not raised again for the same card. */
  refused?: string;
}

/** Fetches and adopts the peers' current cards. */
export class CardRefresh {
  readonly #o: CardRefreshOptions;
  readonly #state = new Map<string, PeerState>();
  readonly #busy = new Set<string>();
  readonly #unsubscribe: Unsubscribe[];

  constructor(options: CardRefreshOptions) {
    this.#o = options;
    this.#unsubscribe = [
      options.events.on('entry', (e) => void (!e.own && (e.kind === 'key.rotate' || e.kind === 'key.revoke') && this.want(e.author))),
      options.events.on('alarm', (e) => void (e.code === 'ENTRY_UNKNOWN_KEY' && e.peer !== undefined && this.want(e.peer))),
    ];
  }

  /** Fetches `peer`'s card at the next tick (at most every CARD_REFRESH_GAP_MS). */
  want(peer: string): void {
    const s = this.#state.get(peer);
    if (s) s.wanted = true;
    else this.#state.set(peer, { key: '', at: -Infinity, wanted: true, failures: 0 });
  }

  /** Periodic (every second). */
  async tick(): Promise<void> {
    const now = this.#o.clock.now();
    await Promise.all(
      this.#o.targets().map(async ({ peer, target }) => {
        const key = `${target.endpoint} ${[target.expectedFingerprint].flat().join(',')}`;
        const s = this.#state.get(peer) ?? { key: '', at: -Infinity, wanted: false, failures: 0 };
        this.#state.set(peer, s);
        const due = s.key !== key || now - s.at >= CARD_REFRESH_EVERY_MS || (s.wanted && now - s.at >= wantedGap(s.failures));
        if (!due || this.#busy.has(peer)) return;
        s.key = key;
        s.at = now;
        s.wanted = false;
        this.#busy.add(peer);
        try {
          await this.#fetch(peer, target, s);
        } finally {
          this.#busy.delete(peer);
        }
      }),
    );
  }

  async #fetch(peer: string, target: PullTarget, s: PeerState): Promise<void> {
    const { log } = this.#o;
    const code = this.#o.label(peer);
    const client = this.#o.connect?.(target) ?? createPinnedClient({ key: this.#o.tls.keyPem, cert: this.#o.tls.certPem, expectedFingerprint: target.expectedFingerprint, timeoutMs: 15_000, maxResponseBytes: CARD_MAX_BYTES });
    let card: unknown;
    // A failed fetch is tried again soon (5 s, doubling to 5 min), not at the next hourly refresh:
    // what it was for (a peer's entries refused for a key only its new card certifies) waits on it.
    const failed = (detail: object, why: string) => {
      s.failures++;
      s.wanted = true;
      const retryMs = wantedGap(s.failures);
      log.warn({ peer: code, ...detail, retryMs }, `fetching the card of ${code} failed${why}; tried again in ${Math.round(retryMs / 1000)} s`);
    };
    try {
      const r = await client.request(federationUrl(target.endpoint, '/fed/v1/card', 'https'));
      if (r.status !== 200) return failed({ status: r.status }, ` (status ${r.status})`);
      card = JSON.parse(r.body.toString('utf8'));
    } catch (e) {
      return failed({ err: (e as Error).message }, '');
    } finally {
      client.close();
    }
    s.failures = 0;
    const verdict = await this.#o.adopt(peer, card);
    if (!verdict) return;
    if (verdict.adopt) return this.#adopted(peer, code, verdict);
    if (!('detail' in verdict)) return; // the same card, or an older one
    if (s.refused === verdict.detail) return;
    s.refused = verdict.detail;
    const advice =
      verdict.why === 'other-root'
        ? `The root key is the party's identity, whose fingerprint ${this.#o.fingerprint(peer)} you compared by voice: another one at ${code}'s pinned address is an impostor, or ${code} re-issued its root key. Call ${code}'s operator on a line you trust; never adopt it without comparing its fingerprint (\`hotline peer add CARD --same-code\`).`
        : `Ask ${code}'s operator for its current card (\`hotline card export\`) and check it.`;
    const message = TERMINAL_ERRORS.format('PEER_CARD_REFUSED', { peer: code, reason: verdict.detail, hint: advice });
    log.warn({ peer: code, code: 'PEER_CARD_REFUSED', why: verdict.why }, message);
    this.#o.events.emit({ type: 'alarm', code: 'PEER_CARD_REFUSED', message, peer });
  }

  async #adopted(peer: string, code: string, verdict: Extract<CardSuccession, { adopt: true }>): Promise<void> {
    const { card, newKeys, newRevocations } = verdict;
    const changes = [...newKeys.map((k) => `new terminal key ${k}`), ...newRevocations.map((r) => `revocation of ${r.key} from ${new Date(r.from).toISOString()}`)];
    const message = TERMINAL_ERRORS.format('PEER_CARD_UPDATED', { peer: code, issued: new Date(card.issued).toISOString(), changes: changes.length ? `: ${changes.join(', ')}` : '', fingerprint: this.#o.fingerprint(peer) });
    this.#o.log.info({ peer: code, code: 'PEER_CARD_UPDATED', newKeys, revoked: newRevocations.map((r) => r.key) }, message);
    // What the peer sent under a key learnt only now (a new channel's proposal) was refused: its
    // streams reconnect and offer it again.
    this.#o.cutStreams?.(peer);
    await this.#o.audit({ actor: 'terminal', action: 'peer.card', detail: { peer, code, issued: card.issued, newKeys, revoked: newRevocations.map((r) => ({ key: r.key, from: r.from })) } });
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
  }
}

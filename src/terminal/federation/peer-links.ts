/**
 * The outbound links of a terminal, one per peer: dialled from the peers' cards, re-dialled when a
 * card changes (`peers` event), retried at once when the peer connects to us (`peer-seen`). Also
 * the TLS pins of the federation server: the TLS keys of the peers' certificates valid now.
 */
import type { PartyCard } from '../../protocol/index.js';
import type { Store } from '../../store/index.js';
import type { Clock } from '../clock.js';
import type { EventSink, EventSource, Unsubscribe } from '../events/event-bus.js';
import { TERMINAL_ERRORS, type TerminalCode } from '../errors.js';
import type { LinkState, PeerLink, PeerLinkOptions } from './peer-link.js';
import type { LinkRefusal } from './link-answers.js';
import type { LinkStall } from './stored-watch.js';

/** The console alarm raised when the link to a peer changes state. */
const LINK_ALARMS = { connecting: 'LINK_CONNECTING', up: 'LINK_UP', down: 'LINK_DOWN' } as const satisfies Record<LinkState, TerminalCode>;

/** The TLS fingerprints to pin for a peer: its certificates valid now, newest first. */
export function peerTlsPins(card: PartyCard, now: number): string[] {
  return card.terminals.filter((c) => c.notBefore <= now && now < c.notAfter).sort((a, b) => b.notBefore - a.notBefore).map((c) => c.tls);
}

/** What a new link needs from here; the composition root adds the rest. */
export type LinkParams = Pick<PeerLinkOptions, 'peer' | 'code' | 'endpoints' | 'expectedFingerprint' | 'tls' | 'log' | 'onState' | 'onRefusing' | 'onNotStoring'>;

export interface PeerLinksOptions {
  readonly store: Pick<Store, 'listPeers'>;
  readonly clock: Clock;
  readonly log: { info(o: object, m?: string): void; warn(o: object, m?: string): void; child(b: object): PeerLinkOptions['log'] };
  readonly tls: { keyPem: string; certPem: string };
  readonly events: EventSource & EventSink;
  /** Makes a link (the composition root gives it its ports). */
  readonly connect: (params: LinkParams) => PeerLink;
  /** How often cards are read again while a peer has no valid certificate (default RECHECK_MS). */
  readonly recheckMs?: number;
}

/** Cards are read again this often while a peer has no certificate valid now. */
export const RECHECK_MS = 10_000;

/** Why none of a peer's terminal certificates is valid at `now`. */
export function certificateProblem(card: PartyCard, now: number): { code: 'LINK_CERT_INVALID'; message: string } {
  const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const future = card.terminals.filter((c) => c.notBefore > now).sort((a, b) => a.notBefore - b.notBefore)[0];
  const expired = card.terminals.filter((c) => c.notAfter <= now).sort((a, b) => b.notAfter - a.notAfter)[0];
  const revokedFrom = new Map(card.revocations.map((r) => [r.key, r.from]));
  const revoked = card.terminals.find((c) => c.notBefore <= now && now < c.notAfter && (revokedFrom.get(c.key) ?? Infinity) <= now);
  const message =
    revoked ? `every certificate valid now names a terminal key its card revokes (from ${iso(revokedFrom.get(revoked.key)!)}): ask the peer for a new party card`
    : future ? `its certificate is not valid until ${iso(future.notBefore)}, and this terminal's clock says ${iso(now)}: check both clocks`
    : expired ? `its newest certificate expired at ${iso(expired.notAfter)}: ask the peer for a new party card`
    : 'its card holds no terminal certificate';
  return { code: 'LINK_CERT_INVALID', message };
}

/** Every peer's outbound link. */
export class PeerLinks {
  /** TLS key fingerprint -> party, for the federation server's client pinning. */
  readonly pins = new Map<string, string>();
  readonly #o: PeerLinksOptions;
  readonly #links = new Map<string, PeerLink>();
  readonly #unsubscribe: Unsubscribe[];
  #serving = false;
  #stopped = false;
  #recheck: NodeJS.Timeout | undefined;

  constructor(options: PeerLinksOptions) {
    this.#o = options;
    this.#unsubscribe = [
      options.events.on('peers', () => void this.refresh()),
      // The peer is back: skip the rest of our reconnection backoff towards it.
      options.events.on('peer-seen', (e) => this.#links.get(e.peer)?.retryNow()),
    ];
  }

  /** Reads the peers' cards again: pins, new links, changed endpoints. */
  async refresh(): Promise<void> {
    const { clock, log } = this.#o;
    const now = clock.now();
    this.pins.clear();
    for (const peer of await this.#o.store.listPeers()) {
      const card = JSON.parse(peer.card) as PartyCard;
      // Pin only TLS keys of certificates not expired and whose terminal key is not revoked: a
      // retired terminal's stolen TLS key must not read this terminal's channels.
      const revoked = new Map(card.revocations.map((r) => [r.key, r.from]));
      for (const c of card.terminals) if (c.notAfter > now && (revoked.get(c.key) ?? Infinity) > now) this.pins.set(c.tls, card.party);
      // Every TLS key certified now: each instance of a highly available peer has its own.
      const valid = peerTlsPins(card, now);
      const pins = valid.filter((tls) => this.pins.get(tls) === card.party);
      // Never a revoked terminal's key, even when it is the only one valid now (§3.2).
      const expected = pins.length > 1 ? pins : pins[0];
      const existing = this.#links.get(card.party);
      if (!expected) {
        // Shown as a down link with the reason, and tried again (a clock corrected, a new card).
        const reason = certificateProblem(card, now);
        log.warn({ peer: card.code, code: reason.code }, `peer has no terminal certificate valid now (${reason.message}); not connecting`);
        const link = existing ?? this.#add(card, '');
        if (link.reason?.code !== reason.code) {
          link.hold(reason);
          this.#o.events.emit({ type: 'alarm', code: 'LINK_CERT_INVALID', message: TERMINAL_ERRORS.format('LINK_CERT_INVALID', { peer: card.code, reason: reason.message }), peer: card.party });
        }
        continue;
      }
      if (existing) existing.update({ endpoints: card.endpoints, expectedFingerprint: expected });
      else this.#add(card, expected);
    }
    this.#scheduleRecheck();
  }

  /** While some peer has no valid certificate, the cards are read again every RECHECK_MS. */
  #scheduleRecheck(): void {
    clearTimeout(this.#recheck);
    this.#recheck = undefined;
    if (this.#stopped || ![...this.#links.values()].some((l) => l.reason?.code === 'LINK_CERT_INVALID')) return;
    this.#recheck = setTimeout(() => void this.refresh().catch((e: unknown) => this.#o.log.warn({ err: (e as Error).message }, 'reading peers failed')), this.#o.recheckMs ?? RECHECK_MS);
    this.#recheck.unref();
  }

  #add(card: PartyCard, expected: string | readonly string[]): PeerLink {
    const { log, events } = this.#o;
    const link = this.#o.connect({
      peer: card.party,
      code: card.code,
      endpoints: card.endpoints,
      expectedFingerprint: expected,
      tls: this.#o.tls,
      log: log.child({ link: card.code }),
      onState: (state, endpoint) => {
        log.info({ peer: card.code, state, endpoint }, `link to ${card.code} ${state}`);
        // While the peer stores nothing (LINK_NOT_STORING raised), its stream closing and opening
        // again is that one outage: no LINK_DOWN / LINK_UP each time; LINK_UP comes when it stores again.
        if (link.notStoring) return;
        const code = LINK_ALARMS[state];
        events.emit({ type: 'alarm', code, message: TERMINAL_ERRORS.format(code, { peer: card.code, via: endpoint ? ` via ${endpoint}` : '' }), peer: card.party });
      },
      // The stream is up but the peer refuses our entries on a channel: an alarm of its own, not "up".
      onRefusing: (r) => {
        if (r === null) {
          events.emit({ type: 'alarm', code: 'LINK_UP', message: TERMINAL_ERRORS.format('LINK_UP', { peer: card.code, via: '' }), peer: card.party });
          return;
        }
        const message = TERMINAL_ERRORS.format('LINK_REFUSING', { peer: card.code, channel: r.channel.slice(0, 12), code: r.code, reason: r.message });
        log.warn({ peer: card.code, channel: r.channel, code: 'LINK_REFUSING', refused: r.code }, message);
        events.emit({ type: 'alarm', code: 'LINK_REFUSING', message, peer: card.party, channel: r.channel });
      },
      // The stream answers, but the peer stores nothing it is sent: down, with an alarm of its own.
      onNotStoring: (stall) => {
        if (stall === null) {
          log.info({ peer: card.code }, `${card.code} stores what it is sent again`);
          events.emit({ type: 'alarm', code: 'LINK_UP', message: TERMINAL_ERRORS.format('LINK_UP', { peer: card.code, via: '' }), peer: card.party });
          return;
        }
        const message = TERMINAL_ERRORS.format('LINK_NOT_STORING', { peer: card.code, seconds: String(Math.round((this.#o.clock.now() - stall.since) / 1000)), batches: String(stall.batches) });
        log.warn({ peer: card.code, code: 'LINK_NOT_STORING', batches: stall.batches, since: new Date(stall.since).toISOString() }, message);
        events.emit({ type: 'alarm', code: 'LINK_NOT_STORING', message, peer: card.party });
      },
    });
    this.#links.set(card.party, link);
    if (this.#serving) link.start();
    return link;
  }

  /** Starts dialling (once this terminal's own servers listen). */
  start(): void {
    this.#serving = true;
    for (const l of this.#links.values()) l.start();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#recheck);
    for (const u of this.#unsubscribe) u();
    for (const l of this.#links.values()) l.stop();
  }

  get(peer: string): PeerLink | undefined {
    return this.#links.get(peer);
  }

  /** The peers whose stream is up, where it is connected and the key pinned there (pull-fallback.ts). */
  pullTargets(): Array<{ peer: string; target: { endpoint: string; expectedFingerprint: string | readonly string[] } }> {
    return [...this.#links.values()].flatMap((l) => {
      const target = l.pullTarget;
      return target ? [{ peer: l.peer, target }] : [];
    });
  }

  /** Each link's state, for status, readiness and metrics. */
  list(label: (party: string) => string): Array<{ peer: string; code: string; state: LinkState; endpoint: string | null; since: number; reason: string | null; reasonCode: string | null; refusing: LinkRefusal | null; notStoring: LinkStall | null }> {
    return [...this.#links.values()].map((l) => ({ peer: l.peer, code: label(l.peer), state: l.state, endpoint: l.endpoint, since: l.since, reason: l.reason?.message ?? null, reasonCode: l.reason?.code ?? null, refusing: l.refusal, notStoring: l.notStoring }));
  }
}

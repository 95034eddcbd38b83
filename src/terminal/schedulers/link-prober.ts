/**
 * Link tests of version-2 channels (docs/protocol.md §6.2, §12.3): signed `probe` and `echo`
 * frames on the federation stream instead of link.test/link.echo entries, an hourly signed
 * `link.summary` entry per channel, and a `link.state` entry whenever the line to a peer changes
 * state. The link tester (link-tester.ts) keeps the health; this class sends, answers and checks
 * the frames and writes the records.
 */
import { randomBytes } from 'node:crypto';
import { LIMITS, linkMetrics, percentiles, signLinkFrame, verifyLinkFrame, type BodyOf, type Signer } from '../../protocol/index.js';
import type { ChannelActions, ChannelDirectory } from '../channels/ports.js';
import type { Clock } from '../clock.js';
import type { EchoFrame, ProbeFrame } from '../federation/wire.js';

/** The largest clock offset a link record can carry (§6.2: a signed ms count within ±maxTime). */
const MAX_OFFSET_MS = LIMITS.maxTime;

/** What an accepted echo tells: the line answered; with its figures when they can be true. */
export interface EchoMeasure {
  readonly channel: string;
  readonly rttMs?: number;
  readonly offsetMs?: number;
}

/**
 * The figures of a link test's four times (linkMetrics), or undefined when they cannot be true: a
 * negative round trip (this terminal's clock stepped back while the test was out, or the peer's
 * t2/t3 lie) or an offset beyond any date (§6.2's bounds) measures nothing, and signing it in a
 * link.summary or link.state would make a malformed entry of this terminal's.
 */
export function measurable(t1: number, t2: number, t3: number, t4: number): { rttMs: number; offsetMs: number } | undefined {
  const m = linkMetrics(t1, t2, t3, t4);
  return m.rttMs >= 0 && Math.abs(m.offsetMs) <= MAX_OFFSET_MS ? m : undefined;
}

/** One summary an hour (§6.2). */
export const LINK_SUMMARY_WINDOW_MS = 3_600_000;

/** Sends a probe to a peer; false when no stream to it is open. */
export type ProbeTransport = (peer: string, probe: ProbeFrame) => boolean;

export interface LinkProberPorts {
  readonly directory: Pick<ChannelDirectory, 'view' | 'peersOf' | 'shares'>;
  /**
   * Is `key` the current key of `party` on `channel` at `time` (docs/protocol.md §12.3): may it sign
   * an entry of `party` there, judged as §3.2 (the cards' certificates, and the party's key.rotate
   * and key.revoke entries in that channel)?
   */
  readonly keys: { current(channel: string, party: string, key: string, time: number): { ok: boolean } };
  readonly actions: Pick<ChannelActions, 'write'>;
  readonly self: { readonly party: string; readonly signer: Signer };
  readonly clock: Clock;
}

/** The ports' `keys` from the channels held here (the channel registry): each channel's own §3.2 judgement. */
export function channelKeys(channels: { get(id: string): { currentKey(party: string, key: string, time: number): { ok: boolean } } | undefined }): LinkProberPorts['keys'] {
  return { current: (channel, party, key, time) => channels.get(channel)?.currentKey(party, key, time) ?? { ok: false } };
}

interface Outstanding {
  readonly channel: string;
  readonly peer: string;
  readonly t1: number;
  /** When it was sent, on the monotonic clock (Clock.elapsed; t1 where there is none). */
  readonly sentAt: number;
  readonly window: number;
}

interface PeerWindow {
  sent: number;
  answered: number;
  failures: number;
  rtts: number[];
  offsets: number[];
}

/** Whether a channel speaks version 2 and so tests its line with frames. */
export function framesOn(directory: Pick<ChannelDirectory, 'view'>, channel: string): boolean {
  return (directory.view(channel).charter.protocol ?? 1) >= 2;
}

export class LinkProber {
  readonly #p: LinkProberPorts;
  /** Probes sent and not answered, by nonce. */
  readonly #outstanding = new Map<string, Outstanding>();
  /** Start of the current summary window, per channel. */
  readonly #windows = new Map<string, number>();
  readonly #stats = new Map<string, PeerWindow>();
  /** Where probes go (the peer links; set by the composition root). */
  transport: ProbeTransport = () => false;
  /** Counters for tests and metrics: echoes refused (bad signature, unknown nonce, stale). */
  readonly stats = { sent: 0, answered: 0, refused: 0, unmeasurable: 0, summaries: 0, states: 0 };

  constructor(ports: LinkProberPorts) {
    this.#p = ports;
  }

  #peerWindow(channel: string, peer: string): PeerWindow {
    const key = `${channel}/${peer}`;
    let w = this.#stats.get(key);
    if (!w) this.#stats.set(key, (w = { sent: 0, answered: 0, failures: 0, rtts: [], offsets: [] }));
    return w;
  }

  /** Sends a probe to each peer of `channel`, counting those an interval old and unanswered as failures. */
  send(channel: string, intervalMs: number, now: number): void {
    const window = this.#window(channel, now);
    // Aged on the monotonic clock: a clock stepped back does not keep a lost probe from counting.
    const mono = this.#p.clock.elapsed?.() ?? now;
    for (const [nonce, o] of this.#outstanding)
      if (o.channel === channel && mono - o.sentAt >= intervalMs) {
        this.#outstanding.delete(nonce);
        if (o.window === window) this.#peerWindow(channel, o.peer).failures++;
      }
    const { party, signer } = this.#p.self;
    for (const peer of this.#p.directory.peersOf(channel)) {
      const fields = { channel, from: party, to: peer, key: signer.publicKey, nonce: randomBytes(12).toString('hex'), t1: now };
      this.#outstanding.set(fields.nonce, { channel, peer, t1: now, sentAt: mono, window });
      this.#peerWindow(channel, peer).sent++;
      this.stats.sent++;
      this.transport(peer, { t: 'probe', ...fields, sig: signLinkFrame(signer, fields) });
    }
  }

  #window(channel: string, now: number): number {
    let start = this.#windows.get(channel);
    if (start === undefined) this.#windows.set(channel, (start = now));
    return start;
  }

  /** The server side: the signed echo of a valid probe from the stream's peer, or undefined. */
  answer(peer: string, probe: ProbeFrame): EchoFrame | undefined {
    const t2 = this.#p.clock.now();
    const { t: _t, sig, ...fields } = probe;
    const { party, signer } = this.#p.self;
    if (probe.from !== peer || probe.to !== party) return undefined;
    try {
      if (!framesOn(this.#p.directory, probe.channel) || !this.#p.directory.shares(probe.channel, peer)) return undefined;
    } catch {
      return undefined; // not a channel held here
    }
    if (!this.#p.keys.current(probe.channel, peer, probe.key, t2).ok || !verifyLinkFrame(probe.key, fields, sig)) return undefined;
    const echo = { channel: probe.channel, from: party, to: peer, key: signer.publicKey, nonce: probe.nonce, t1: probe.t1, t2, t3: this.#p.clock.now() };
    return { t: 'echo', ...echo, sig: signLinkFrame(signer, echo) };
  }

  /** The client side: the measurement an echo from `peer` gives, if it answers an open probe and is signed by the peer's current key. */
  accept(peer: string, echo: EchoFrame): EchoMeasure | undefined {
    const t4 = this.#p.clock.now();
    const o = this.#outstanding.get(echo.nonce);
    const { t: _t, sig, ...fields } = echo;
    const fresh = o !== undefined && o.peer === peer && o.channel === echo.channel && o.t1 === echo.t1 && echo.t2 <= echo.t3;
    if (!fresh || echo.from !== peer || echo.to !== this.#p.self.party || !this.#p.keys.current(echo.channel, peer, echo.key, t4).ok || !verifyLinkFrame(echo.key, fields, sig)) {
      this.stats.refused++;
      return undefined;
    }
    this.#outstanding.delete(echo.nonce);
    // The echo answers the probe (the line works: the tester hears of it); the hour's summary
    // counts it, with its figures, only if they can be true (§6.2: figures exactly when some test
    // was answered).
    const m = measurable(echo.t1, echo.t2, echo.t3, t4);
    if (m && o.window === this.#windows.get(echo.channel)) {
      const w = this.#peerWindow(echo.channel, peer);
      w.answered++;
      w.rtts.push(m.rttMs);
      w.offsets.push(m.offsetMs);
    }
    this.stats.answered++;
    if (!m) this.stats.unmeasurable++;
    return { channel: echo.channel, ...m };
  }

  /** Writes the channel's link.summary once its window is an hour old, and opens the next window. */
  async summarise(channel: string, now: number, stateOf: (peer: string) => BodyOf<'link.summary'>['peers'][number]['state']): Promise<void> {
    const from = this.#window(channel, now);
    if (now - from < LINK_SUMMARY_WINDOW_MS) return;
    const peers = this.#p.directory.peersOf(channel).map((peer) => {
      const w = this.#peerWindow(channel, peer);
      const rttMs = percentiles(w.rtts);
      const offsetMs = percentiles(w.offsets);
      return { peer, sent: w.sent, answered: w.answered, failures: w.failures, ...(rttMs && offsetMs ? { rttMs, offsetMs } : {}), state: stateOf(peer) };
    });
    this.#windows.set(channel, now);
    for (const peer of this.#p.directory.peersOf(channel)) this.#stats.delete(`${channel}/${peer}`);
    if (peers.length === 0) return;
    await this.#p.actions.write(channel, 'link.summary', { from, until: now, peers });
    this.stats.summaries++;
  }

  /** Writes a link.state entry: the line to `peer` went from `was` to `state`. */
  async recordState(channel: string, body: BodyOf<'link.state'>): Promise<void> {
    await this.#p.actions.write(channel, 'link.state', body);
    this.stats.states++;
  }
}

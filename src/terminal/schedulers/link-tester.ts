/**
 * Continuous link testing (docs/protocol.md §6 link.test/link.echo): on every active or
 * suspended channel this terminal sends a link test at the charter's interval and echoes the
 * peers' tests; from each exchange it records round-trip time and clock offset (NTP, RFC 5905
 * §8) and derives the link state per peer and channel: up, degraded, down.
 *
 * Driven by an injected clock: the runtime calls tick() every second; tests call it by hand.
 */
import { randomBytes } from 'node:crypto';
import type { BodyOf } from '../../protocol/index.js';
import type { Store } from '../../store/index.js';
import type { ChannelActions, ChannelDirectory, SelfInfo } from '../channels/ports.js';
import { monotonicMs, type Clock } from '../clock.js';
import type { EventOf, EventSink, EventSource, Unsubscribe } from '../events/event-bus.js';
import { TERMINAL_ERRORS, type TerminalCode } from '../errors.js';
import type { EchoFrame } from '../federation/wire.js';
import { framesOn, measurable, type LinkProber } from './link-prober.js';

/** Link state of one peer on one channel. */
export type LinkHealth = 'up' | 'degraded' | 'down';

/** The console alarm raised when link tests on a channel change state. */
const LINK_TEST_ALARMS = { up: 'LINK_TEST_UP', degraded: 'LINK_TEST_DEGRADED', down: 'LINK_TEST_DOWN' } as const satisfies Record<LinkHealth, TerminalCode>;

/** Thresholds deciding degraded and down. */
export interface LinkThresholds {
  /** Round-trip time above which the link is degraded, ms. */
  readonly maxRttMs: number;
  /** Absolute clock offset above which the link is degraded, ms. */
  readonly maxOffsetMs: number;
  /** Intervals without an echo after which the link is degraded, then down. */
  readonly degradedAfterMissed: number;
  readonly downAfterMissed: number;
}

/**
 * The least the clocks can differ by, from one exchange: the measured offset is exact only if the
 * two legs took equal time, and is off by at most half the round trip otherwise (RFC 5905 §8). A
 * link test delayed one way (a path stalled, then restored) measures half the delay as "offset".
 */
export function provenOffsetMs(offsetMs: number, rttMs: number): number {
  return Math.max(0, Math.abs(offsetMs) - Math.max(0, rttMs) / 2);
}

export const DEFAULT_LINK_THRESHOLDS: LinkThresholds = { maxRttMs: 2000, maxOffsetMs: 5000, degradedAfterMissed: 1, downAfterMissed: 3 };

interface PeerLinkHealth {
  state: LinkHealth;
  lastEchoAt: number | null;
  lastRttMs: number | null;
  lastOffsetMs: number | null;
  since: number;
}

/** What the link tester reads, writes and hears. */
export interface LinkTesterPorts {
  readonly directory: Pick<ChannelDirectory, 'channelIds' | 'channel' | 'view' | 'peersOf' | 'label' | 'shares' | 'member'>;
  readonly actions: Pick<ChannelActions, 'write'>;
  readonly samples: Pick<Store, 'addLinkSample'>;
  readonly self: Pick<SelfInfo, 'party'>;
  readonly clock: Clock;
  readonly events: EventSource & EventSink;
  /** Version-2 channels test with signed frames and write summaries (link-prober.ts). */
  readonly prober?: LinkProber;
}

/** Least time between a channel's last link test and one sent early because a peer's stream came up, ms. */
export const EARLY_TEST_GAP_MS = 5000;

/** The link tester of one terminal. */
export class LinkTester {
  readonly #p: LinkTesterPorts;
  readonly #thresholds: LinkThresholds;
  /**
   * When each channel's last test went, and each line's last echo came, on the monotonic clock
   * (Clock.elapsed): a clock stepped back an hour must neither hold the next test back an hour nor
   * keep a silent line `up` for an hour (docs/operations.md "Clocks"). The wall times are for show.
   */
  readonly #lastSent = new Map<string, number>();
  readonly #echoedAt = new Map<string, number>();
  readonly #health = new Map<string, PeerLinkHealth>();
  /** Channel/peer pairs whose last measured clock offset was beyond the threshold. */
  readonly #skewed = new Set<string>();
  #unsubscribe: Unsubscribe | undefined;
  #unsubscribeLinks: Unsubscribe | undefined;
  readonly #onEntry = (e: EventOf<'entry'>) => void this.#handle(e);
  /**
   * A peer's stream came up again (federation/peer-links.ts raises LINK_UP): test its channels at
   * the next tick instead of at the next interval, so that a line judged down during an outage is
   * seen up within a round trip once traffic flows, not up to an interval later. At most one such
   * early test per channel every {@link EARLY_TEST_GAP_MS}, so a flapping stream costs little.
   */
  readonly #onAlarm = (e: EventOf<'alarm'>) => {
    if (e.code !== 'LINK_UP' || e.peer === undefined) return;
    const now = monotonicMs(this.#p.clock);
    for (const id of this.#p.directory.channelIds()) {
      const last = this.#lastSent.get(id);
      if (last !== undefined && now - last >= EARLY_TEST_GAP_MS && this.#p.directory.shares(id, e.peer)) this.#lastSent.delete(id);
    }
  };

  constructor(ports: LinkTesterPorts, thresholds: LinkThresholds = DEFAULT_LINK_THRESHOLDS) {
    this.#p = ports;
    this.#thresholds = thresholds;
  }

  start(): void {
    this.#unsubscribe ??= this.#p.events.on('entry', this.#onEntry);
    this.#unsubscribeLinks ??= this.#p.events.on('alarm', this.#onAlarm);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#unsubscribeLinks?.();
    this.#unsubscribeLinks = undefined;
  }

  /** Link health per channel and peer. */
  health(): Array<{ channel: string; peer: string; code: string } & PeerLinkHealth> {
    return [...this.#health].map(([key, h]) => {
      const [channel, peer] = key.split('/') as [string, string];
      return { channel, peer, code: this.#p.directory.label(peer), ...h };
    });
  }

  /** Sends due link tests and re-evaluates link states. Call about once a second. */
  async tick(): Promise<void> {
    const now = this.#p.clock.now();
    const mono = monotonicMs(this.#p.clock);
    for (const id of this.#p.directory.channelIds()) {
      const view = this.#p.directory.view(id);
      // A channel this party may not write to (an amendment removed it) has no line of its own to test.
      if ((view.state !== 'active' && view.state !== 'suspended') || !this.#p.directory.member(id)) continue;
      const intervalMs = view.charter.linkTestIntervalSec * 1000;
      const last = this.#lastSent.get(id);
      const prober = this.#p.prober && framesOn(this.#p.directory, id) ? this.#p.prober : undefined;
      // The hour's summary first, so that a probe sent now belongs to the next window.
      await prober?.summarise(id, now, (peer) => this.#health.get(`${id}/${peer}`)?.state ?? 'down').catch(() => undefined);
      if ((last === undefined || mono - last >= intervalMs) && prober) {
        this.#lastSent.set(id, mono);
        prober.send(id, intervalMs, now);
      } else if (last === undefined || mono - last >= intervalMs) {
        this.#lastSent.set(id, mono);
        try {
          await this.#p.actions.write(id, 'link.test', { nonce: randomBytes(8).toString('hex'), t1: now });
        } catch {
          // the channel changed state meanwhile; next tick decides again
        }
      }
      for (const peer of this.#p.directory.peersOf(id)) this.#evaluate(id, peer, intervalMs, now);
    }
  }

  /** A signed echo frame came back from `peer` (federation/peer-link.ts): judged, then measured. */
  onEcho(peer: string, echo: EchoFrame): void {
    const m = this.#p.prober?.accept(peer, echo);
    if (m) void this.#answered(m.channel, peer, this.#p.clock.now(), m).catch(() => undefined);
  }

  /**
   * A link test to `peer` on `channel` was answered at `now`, with these figures when they could be
   * measured (link-prober.ts: not after a step back of this terminal's clock, nor from times no
   * clock can show): an answer without them still shows the line alive.
   */
  async #answered(channel: string, peer: string, now: number, m: { rttMs?: number | undefined; offsetMs?: number | undefined }): Promise<void> {
    const measured = m.rttMs !== undefined && m.offsetMs !== undefined ? { rttMs: m.rttMs, offsetMs: m.offsetMs } : undefined;
    if (measured) await this.#p.samples.addLinkSample({ channel, peer, at: now, ...measured });
    const key = `${channel}/${peer}`;
    const h = this.#health.get(key) ?? { state: 'down' as LinkHealth, lastEchoAt: null, lastRttMs: null, lastOffsetMs: null, since: now };
    Object.assign(h, { lastEchoAt: now }, measured ? { lastRttMs: measured.rttMs, lastOffsetMs: measured.offsetMs } : {});
    this.#health.set(key, h);
    this.#echoedAt.set(key, monotonicMs(this.#p.clock));
    if (measured) this.#judgeClock(channel, peer, measured.offsetMs, measured.rttMs);
    const intervalMs = this.#p.directory.view(channel).charter.linkTestIntervalSec * 1000;
    this.#evaluate(channel, peer, intervalMs, now);
  }

  #evaluate(channel: string, peer: string, intervalMs: number, now: number): void {
    const key = `${channel}/${peer}`;
    const h = this.#health.get(key) ?? { state: 'down' as LinkHealth, lastEchoAt: null, lastRttMs: null, lastOffsetMs: null, since: now };
    const t = this.#thresholds;
    const echoed = this.#echoedAt.get(key);
    const silentFor = h.lastEchoAt === null || echoed === undefined ? Infinity : monotonicMs(this.#p.clock) - echoed;
    // An echo is expected within one interval (plus the round trip) of each test.
    const missed = Math.floor(silentFor / intervalMs) - 1;
    let state: LinkHealth;
    if (h.lastEchoAt === null || missed >= t.downAfterMissed) state = 'down';
    else if (missed >= t.degradedAfterMissed || (h.lastRttMs ?? 0) > t.maxRttMs || provenOffsetMs(h.lastOffsetMs ?? 0, h.lastRttMs ?? 0) > t.maxOffsetMs) state = 'degraded';
    else state = 'up';
    if (state !== h.state && (h.lastEchoAt !== null || this.#health.has(key))) {
      this.#p.events.emit({
        type: 'alarm',
        code: LINK_TEST_ALARMS[state],
        message: TERMINAL_ERRORS.format(LINK_TEST_ALARMS[state], { peer: this.#p.directory.label(peer), channel: channel.slice(0, 12), from: h.state }),
        channel,
        peer,
      });
      h.since = now;
      if (this.#p.prober && framesOn(this.#p.directory, channel)) {
        const reason = state === 'up' ? 'signed link tests answered' : state === 'down' ? `no signed echo for ${Math.round(silentFor / 1000)} s` : 'link tests late or showing clock drift';
        const last = h.lastRttMs === null ? {} : { rttMs: Math.max(0, Math.round(h.lastRttMs)), offsetMs: Math.round(h.lastOffsetMs ?? 0) };
        void this.#p.prober.recordState(channel, { peer, state, was: h.state, at: now, reason: silentFor === Infinity && state === 'down' ? 'no signed echo yet' : reason, ...last }).catch(() => undefined);
      }
    }
    h.state = state;
    this.#health.set(key, h);
  }

  /**
   * Raises CLOCK_SKEW when the offset first goes beyond the threshold (again after it came back),
   * beyond it by more than the exchange can err (provenOffsetMs): a test held by an outage and
   * answered late proves nothing about the clocks.
   */
  #judgeClock(channel: string, peer: string, offsetMs: number, rttMs: number): void {
    const key = `${channel}/${peer}`;
    const limit = this.#thresholds.maxOffsetMs;
    const skewed = provenOffsetMs(offsetMs, rttMs) > limit;
    if (skewed && !this.#skewed.has(key)) {
      const values = { peer: this.#p.directory.label(peer), offset: (offsetMs / 1000).toFixed(1), channel: channel.slice(0, 12), limit: (limit / 1000).toFixed(0) };
      this.#p.events.emit({ type: 'alarm', code: 'CLOCK_SKEW', message: TERMINAL_ERRORS.format('CLOCK_SKEW', values), channel, peer });
    }
    if (skewed) this.#skewed.add(key);
    else this.#skewed.delete(key);
  }

  async #handle(e: EventOf<'entry'>): Promise<void> {
    if (e.own) return;
    const now = this.#p.clock.now();
    try {
      if (e.kind === 'link.test') {
        const b = e.body as BodyOf<'link.test'>;
        await this.#p.actions.write(e.channel, 'link.echo', { test: e.hash, t1: b.t1, t2: now, t3: this.#p.clock.now() });
      } else if (e.kind === 'link.echo') {
        const b = e.body as BodyOf<'link.echo'>;
        const ref = this.#p.directory.channel(e.channel).referent(b.test);
        if (!ref || ref.author !== this.#p.self.party) return;
        await this.#answered(e.channel, e.author, now, measurable(b.t1, b.t2, b.t3, now) ?? {});
      }
    } catch {
      // a link test on a channel that just closed: nothing to do
    }
  }
}

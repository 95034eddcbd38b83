/**
 * Prometheus metrics of a terminal (prom-client), served at GET /metrics on the officer API.
 *
 * Counters are incremented by the modules that do the work; gauges are read at scrape time from
 * the terminal's state (links, link tests, sync cursors, receipts, unacknowledged messages).
 * Other modules increment through the terminal's TerminalMetrics instance, or, where nothing is
 * injected, through the process default `metrics` below:
 *
 *   import { metrics } from '../metrics.js';
 *   metrics.escalationsFired.inc({ channel, level: String(level) });
 *   metrics.notifierFailures.inc({ notifier: 'webhook' });
 *
 * Each TerminalMetrics has its own Registry, so two terminals in one process (tests) keep
 * separate figures.
 */
import { stderrLog } from './log-destination.js';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { PRECEDENCES } from '../protocol/index.js';
import type { EntryWriterStats, Store } from '../store/index.js';
import type { ChannelDirectory, EntrySource, SelfInfo } from './channels/ports.js';
import type { Clock } from './clock.js';
import type { EventSource, TerminalEvent } from './events/event-bus.js';
import type { Dispatcher } from './notifiers/dispatcher.js';

/** Where the scrape-time gauges read from. */
export interface MetricsSources {
  readonly directory: Pick<ChannelDirectory, 'channelIds' | 'peersOf' | 'label'>;
  readonly entries: Pick<EntrySource, 'committedHead'>;
  readonly store: Pick<Store, 'listReceipts' | 'countUnacked'>;
  readonly self: Pick<SelfInfo, 'party'>;
  readonly clock: Clock;
  /** Entries and alarms are counted as they happen. */
  readonly events: EventSource;
  /** Commits and rows of the group-commit writer so far. */
  readonly writerStats: () => EntryWriterStats;
  /** Federation link state per peer (PeerLink). */
  readonly links?: () => ReadonlyArray<{ peer: string; code: string; state: string }>;
  /** Link-test health per channel and peer (LinkTester). */
  readonly linkHealth?: () => ReadonlyArray<{ channel: string; peer: string; code: string; state: string; lastRttMs: number | null; lastOffsetMs: number | null }>;
  /** Entries of every channel log held, and how many of them are in memory (#18). */
  readonly logEntries?: () => { held: number; inMemory: number };
  /** Highest own seq the peer is known to have stored, per channel (the sync engine's confirmed cursor). */
  readonly peerHolds?: (peer: string, channel: string) => number | undefined;
}

const LINK_STATES = ['connecting', 'up', 'degraded', 'refusing', 'down'] as const;
const LINK_TEST_STATES = ['up', 'degraded', 'down'] as const;

/** The metrics of one terminal. */
export class TerminalMetrics {
  readonly registry = new Registry();
  #sources: MetricsSources | undefined;

  readonly entriesIn = new Counter({ name: 'hotline_entries_in_total', help: 'Entries received from peers and durably stored, by kind.', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly entriesOut = new Counter({ name: 'hotline_entries_out_total', help: 'Own entries written (and queued to peers), by kind.', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly alarms = new Counter({ name: 'hotline_alarms_total', help: 'Alarms raised (link state changes, rejected entries, equivocation), by code.', labelNames: ['code'] as const, registers: [this.registry] });
  readonly drillsSent = new Counter({ name: 'hotline_drills_sent_total', help: 'Drills sent by this terminal, by trigger (manual or scheduled).', labelNames: ['trigger'] as const, registers: [this.registry] });
  /** Incremented by the escalation engine for every escalation step it takes. */
  readonly escalationsFired = new Counter({ name: 'hotline_escalations_fired_total', help: 'Escalation steps taken for messages not acknowledged by their deadline, by channel and level.', labelNames: ['channel', 'level'] as const, registers: [this.registry] });
  /** Incremented by notifiers for every notification delivered. */
  readonly notificationsSent = new Counter({ name: 'hotline_notifications_sent_total', help: 'Notifications delivered, by notifier (console, webhook, email).', labelNames: ['notifier'] as const, registers: [this.registry] });
  /** Incremented by notifiers for every delivery that failed (after retries). */
  readonly notifierFailures = new Counter({ name: 'hotline_notifier_failures_total', help: 'Notification attempts that failed (a retry to come, or given up), by notifier (console, webhook, email).', labelNames: ['notifier'] as const, registers: [this.registry] });

  readonly syncLag = new Gauge({
    name: 'hotline_sync_lag_entries',
    help: 'Entries of this terminal\'s own logs that the peer is not known to have stored (confirmed by the sync stream or by signed receipts), by peer.',
    labelNames: ['peer'] as const,
    registers: [this.registry],
    collect: () => this.#collectSyncLag(),
  });
  readonly storeCommits: Gauge = new Gauge({
    name: 'hotline_store_entry_commits_total',
    help: 'Durable commits of entries (group commits: one may hold many entries and their projections).',
    registers: [this.registry],
    collect: (): void => this.storeCommits.set(this.#sources?.writerStats().transactions ?? 0),
  });
  readonly storeRows: Gauge = new Gauge({
    name: 'hotline_store_entries_committed_total',
    help: 'Entries durably committed (own and received); divided by hotline_store_entry_commits_total, the entries per commit.',
    registers: [this.registry],
    collect: (): void => this.storeRows.set(this.#sources?.writerStats().rows ?? 0),
  });
  readonly logDropped: Gauge = new Gauge({
    name: 'hotline_log_lines_dropped_total',
    help: 'Log lines that could not be written (a full disk, a closed or full pipe): the terminal went on without them.',
    registers: [this.registry],
    collect: (): void => this.logDropped.set(stderrLog.dropped),
  });
  readonly logEntries: Gauge = new Gauge({
    name: 'hotline_log_entries',
    help: 'Entries of all channel logs: held (in the store) and in memory (each author\'s last HOTLINE_LOG_WINDOW entries, or all of a short log).',
    labelNames: ['where'] as const,
    registers: [this.registry],
    collect: (): void => {
      const n = this.#sources?.logEntries?.();
      this.logEntries.set({ where: 'held' }, n?.held ?? 0);
      this.logEntries.set({ where: 'memory' }, n?.inMemory ?? 0);
    },
  });
  readonly linkUp = new Gauge({
    name: 'hotline_link_state',
    help: 'Line state per peer, the stream and its heartbeats combined with the link tests: 1 for the current state (connecting, up, degraded, refusing: the peer refuses this terminal\'s entries on a channel, down), 0 for the others.',
    labelNames: ['peer', 'state'] as const,
    registers: [this.registry],
    collect: () => this.#collectLinks(),
  });
  readonly linkTestState = new Gauge({
    name: 'hotline_link_test_state',
    help: 'Link-test health per peer and channel: 1 for the current state (up, degraded, down), 0 for the others.',
    labelNames: ['peer', 'channel', 'state'] as const,
    registers: [this.registry],
    collect: () => this.#collectLinkTests(),
  });
  readonly linkRtt: Gauge<'peer' | 'channel'> = new Gauge({
    name: 'hotline_link_rtt_seconds',
    help: 'Round-trip time of the last link test, by peer and channel.',
    labelNames: ['peer', 'channel'] as const,
    registers: [this.registry],
    collect: (): void => this.#collectLinkSample(this.linkRtt, 'lastRttMs'),
  });
  readonly linkOffset: Gauge<'peer' | 'channel'> = new Gauge({
    name: 'hotline_link_clock_offset_seconds',
    help: 'Clock offset of the peer measured by the last link test (peer minus here), by peer and channel.',
    labelNames: ['peer', 'channel'] as const,
    registers: [this.registry],
    collect: (): void => this.#collectLinkSample(this.linkOffset, 'lastOffsetMs'),
  });
  readonly unacknowledged: Gauge<'precedence' | 'direction'> = new Gauge({
    name: 'hotline_unacknowledged_messages',
    help: 'Messages awaiting a human acknowledgement, by precedence and direction (in: ours to acknowledge, out: awaiting the peer).',
    labelNames: ['precedence', 'direction'] as const,
    registers: [this.registry],
    collect: (): Promise<void> => this.#collectUnacked(this.unacknowledged, false),
  });
  readonly overdue: Gauge<'precedence' | 'direction'> = new Gauge({
    name: 'hotline_overdue_messages',
    help: 'Unacknowledged messages past their deadline, by precedence and direction.',
    labelNames: ['precedence', 'direction'] as const,
    registers: [this.registry],
    collect: (): Promise<void> => this.#collectUnacked(this.overdue, true),
  });

  readonly haActive: Gauge<'instance'> = new Gauge({
    name: 'hotline_ha_active',
    help: 'High availability: 1 while this process is the active instance of its party (the one that signs), 0 while it is a standby.',
    labelNames: ['instance'] as const,
    registers: [this.registry],
  });
  readonly haActiveSince: Gauge = new Gauge({
    name: 'hotline_ha_active_since_seconds',
    help: 'High availability: when the current active instance took the lease (Unix time, database clock).',
    registers: [this.registry],
  });
  readonly haFailovers: Gauge = new Gauge({
    name: 'hotline_ha_failovers',
    help: "High availability: times the lease passed from one instance to another, over the party's life.",
    registers: [this.registry],
  });

  #processMetrics = false;

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) this.collectProcessMetrics();
    // At zero from the start, so that increase(...) sees the first failure (a series that appears
    // with its first value is not an increase to Prometheus).
    for (const notifier of ['console', 'webhook', 'email']) this.notifierFailures.inc({ notifier }, 0);
  }

  /** Adds prom-client's process metrics (CPU, memory, event loop lag, handles) as hotline_process_*, hotline_nodejs_*. Idempotent. */
  collectProcessMetrics(): void {
    if (this.#processMetrics) return;
    this.#processMetrics = true;
    collectDefaultMetrics({ register: this.registry, prefix: 'hotline_' });
  }

  /** Counts the entries and alarms of a terminal and reads its state at scrape time. Returns the detach function. */
  bind(sources: MetricsSources): () => void {
    this.#sources = sources;
    const onEvent = (e: TerminalEvent) => {
      if (e.type === 'entry') (e.own ? this.entriesOut : this.entriesIn).inc({ kind: e.kind });
      else if (e.type === 'alarm') this.alarms.inc({ code: e.code });
    };
    const unsubscribe = sources.events.onAny(onEvent);
    return () => {
      unsubscribe();
      if (this.#sources === sources) this.#sources = undefined;
    };
  }

  /** The exposition text, and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  /** The current sync lag per peer code (also what the gauge exposes). */
  async syncLagByPeer(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const src = this.#sources;
    if (!src) return out;
    const { directory, store } = src;
    const self = src.self.party;
    for (const channel of directory.channelIds()) {
      const peers = directory.peersOf(channel);
      if (peers.length === 0) continue;
      const head = src.entries.committedHead(channel);
      const receipts = await store.listReceipts(channel);
      for (const peer of peers) {
        const receipted = receipts.find((r) => r.holder === peer && r.author === self)?.seq ?? 0;
        const held = Math.max(receipted, src.peerHolds?.(peer, channel) ?? 0);
        const code = directory.label(peer);
        out.set(code, (out.get(code) ?? 0) + Math.max(0, head - held));
      }
    }
    return out;
  }

  async #collectSyncLag(): Promise<void> {
    this.syncLag.reset();
    for (const [peer, lag] of await this.syncLagByPeer()) this.syncLag.set({ peer }, lag);
  }

  #collectLinks(): void {
    this.linkUp.reset();
    for (const l of this.#sources?.links?.() ?? []) for (const s of LINK_STATES) this.linkUp.set({ peer: l.code, state: s }, l.state === s ? 1 : 0);
  }

  #collectLinkTests(): void {
    this.linkTestState.reset();
    for (const h of this.#sources?.linkHealth?.() ?? [])
      for (const s of LINK_TEST_STATES) this.linkTestState.set({ peer: h.code, channel: h.channel, state: s }, h.state === s ? 1 : 0);
  }

  #collectLinkSample(gauge: Gauge<'peer' | 'channel'>, field: 'lastRttMs' | 'lastOffsetMs'): void {
    gauge.reset();
    for (const h of this.#sources?.linkHealth?.() ?? []) {
      const v = h[field];
      if (v !== null) gauge.set({ peer: h.code, channel: h.channel }, v / 1000);
    }
  }

  // Each gauge reads on its own: prom-client collects the metrics of a scrape concurrently.
  async #collectUnacked(gauge: Gauge<'precedence' | 'direction'>, overdueOnly: boolean): Promise<void> {
    const src = this.#sources;
    const counts = new Map<string, number>();
    if (src) {
      const now = src.clock.now();
      for (const c of await src.store.countUnacked(src.self.party, overdueOnly ? { deadlineBefore: now } : {}))
        counts.set(`${c.precedence}/${c.own ? 'out' : 'in'}`, c.count);
    }
    gauge.reset();
    for (const precedence of PRECEDENCES) for (const direction of ['in', 'out']) gauge.set({ precedence, direction }, counts.get(`${precedence}/${direction}`) ?? 0);
  }
}

/** The process default, for modules that have no TerminalMetrics injected (`hotline serve` runs one terminal per process). */
export const metrics = new TerminalMetrics();
/** The process default registry. */
export const registry = metrics.registry;

/** The dispatcher's observations counted into the metrics. */
export function dispatcherMetrics(metrics: TerminalMetrics): NonNullable<ConstructorParameters<typeof Dispatcher>[0]['observe']> {
  return {
    notice: (n) => {
      if (n.kind === 'escalation') metrics.escalationsFired.inc({ channel: n.channel ?? '-', level: String(n.level) });
    },
    outcome: (via, outcome) => {
      if (outcome === 'delivered') metrics.notificationsSent.inc({ notifier: via });
      // Every failed attempt, a retry to come or not: a webhook down for an hour shows at once.
      else if (outcome === 'failed' || outcome === 'retrying') metrics.notifierFailures.inc({ notifier: via });
    },
  };
}

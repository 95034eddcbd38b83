/**
 * A running terminal: store, channel service, federation server, officer API and peer links,
 * composed from an identity loaded from the data directory.
 */
import { pino, type Logger } from 'pino';
import { thisProcess, type Store } from '../store/index.js';
import { fingerprint, parseEntry, type PartyCard } from '../protocol/index.js';
import { openData } from './open-data.js';
import { StartupTimings } from './startup-timings.js';
import { EventBus } from './events/event-bus.js';
import { monotonicMs, systemClock, type Clock } from './clock.js';
import { LockGuard } from './lock-guard.js';
import { buildFederationServer } from './federation/federation-server.js';
import { SwitchableSigner, type TerminalIdentity } from './identity/index.js';
import { keyRotationPort } from './key-rotation-port.js';
import { buildOfficerServer } from './officer-api/officer-server.js';
import { AuditLog } from './officers/audit-log.js';
import { wholeSetting } from './env-settings.js';
import { TERMINAL_ERRORS, TerminalError } from './errors.js';
import { lazyValidators } from './lazy-validators.js';
import { OfficerService } from './officers/officer-service.js';
import { PeerLink, type LinkState } from './federation/peer-link.js';
import { STORED_OVERDUE_MS } from './federation/stored-watch.js';
import { PeerLinks } from './federation/peer-links.js';
import { stderrLog } from './log-destination.js';
import { Backlog, DEFAULT_MAX_UNRECEIPTED } from './channels/backlog.js';
import { PendingWants } from './federation/pending-wants.js';
import { RelayWants } from './federation/relay-wants.js';
import { InboundStreams } from './federation/inbound-streams.js';
import { PULL_AFTER_MS, PullFallback } from './federation/pull-fallback.js';
import { CardRefresh } from './federation/card-refresh.js';
import { combineLine, DEFAULT_INBOUND_GRACE_MS, inboundOverdue, type LineState } from './federation/link-state.js';
import { JobRunner } from './jobs/periodic-job.js';
import { CheckpointScheduler } from './schedulers/checkpoint-scheduler.js';
import { composeChannels, type ChannelWing } from './channels/compose.js';
import { logWindowFrom } from './channels/log-memory.js';
import { receiptSpacingFrom } from './channels/receipts.js';
import { receivedCommitWaitFrom } from './federation/stream-session.js';
import { dataFormatsDir, loadFormatFiles, SHIPPED_FORMATS_DIR } from './formats/format-files.js';
import type { FormatCatalogue } from './formats/catalogue.js';
import { LinkProber, channelKeys } from './schedulers/link-prober.js';
import { LinkTester } from './schedulers/link-tester.js';
import { OwnHeadsWriter, readOwnForks, readOwnHeads, type RememberedFork } from './channels/own-heads.js';
import { Reconciler } from './channels/reconciler.js';
import { clockBehindChannels, ownKeyRevokedChannels } from './channels/own-writer.js';
import { DrillScheduler } from './schedulers/drill-scheduler.js';
import { AckSettler } from './channels/ack-settler.js';
import { LOGGED_ALARMS } from './events/repeated-alarms.js';
import { watchStalls } from './stall-watchdog.js';
import { EscalationScheduler } from './schedulers/escalation-scheduler.js';
import { DialogueReminders } from './dialogue/dialogue-reminders.js';
import { EscalationSettingsFiles } from './escalation/settings-files.js';
import { EscalationPlanner } from './escalation/escalation-planner.js';
import { ConsoleNotifier } from './notifiers/console-notifier.js';
import { Dispatcher } from './notifiers/dispatcher.js';
import { EmailNotifier } from './notifiers/email-notifier.js';
import { WebhookNotifier } from './notifiers/webhook-notifier.js';
import { dispatcherMetrics, metrics as defaultMetrics, type TerminalMetrics } from './metrics.js';
import type { HaStatus, OwnKeyRevoked } from './officer-api/api-schemas.js';

/** Options of {@link startTerminal}. */
export interface StartTerminalOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Override ports (0 = any free port); default from config.json. */
  readonly officerPort?: number;
  readonly federationPort?: number;
  readonly version?: string;
  /** Metrics to count into; default the process default (src/terminal/metrics.ts). */
  readonly metrics?: TerminalMetrics;
  /** Console session cookies without `Secure`: refused unless the officer API is on loopback. */
  readonly insecureCookies?: boolean;
  /**
   * Started as the active instance of a highly available party (ha/ha-runner.ts), which holds the
   * lease: no terminal lock, every commit of entries fenced by the lease's token.
   */
  readonly ha?: ActiveInstance;
}

/** What the high-availability runner gives the terminal it starts as the active instance. */
export interface ActiveInstance {
  readonly instance: string;
  /** The fencing token of the lease held. */
  readonly token: number;
  /** The lease's length: a transaction left idle longer (a paused process) is ended by the server. */
  readonly leaseMs: number;
  /** Records where this instance serves, once both faces listen. */
  announce(where: { officerUrl: string; federationUrl: string }): Promise<void>;
  /** The instances and the lease, for the status. */
  status(): Promise<HaStatus>;
  /** Hands a card this instance re-signed or took up (a rotation, `card/reload`) to the other instances. */
  publishCard?(card: PartyCard): Promise<void>;
}

/** A started terminal. */
export interface RunningTerminal {
  readonly officerUrl: string;
  readonly federationUrl: string;
  readonly token: string;
  readonly store: Store;
  readonly metrics: TerminalMetrics;
  links(): Array<{ peer: string; code: string; state: LineState; endpoint: string | null; since: number; reason: string | null; transport: LinkState }>;
  close(): Promise<void>;
}

export { metricsToken, officerToken, METRICS_TOKEN_FILE, TOKEN_FILE } from './identity/officer-token.js';

export { peerTlsPins } from './federation/peer-links.js';

/**
 * What a terminal has started, in order, so that close (or a start that fails half-way) stops it in
 * reverse: a failed start leaves no server listening, no timer running and no lock held, and the
 * process can exit.
 */
class Teardown {
  readonly #steps: Array<() => unknown> = [];
  add(step: () => unknown): void {
    this.#steps.push(step);
  }
  async run(log: { warn(o: object, m?: string): void }): Promise<void> {
    while (this.#steps.length) {
      try {
        await this.#steps.pop()!();
      } catch (e) {
        log.warn({ err: (e as Error)?.message }, 'a part of the terminal failed to stop');
      }
    }
  }
}

/** Formats (#17): the shipped library, shipped language packs, and the data directory's own files. */
function loadFormats(dataDir: string, log: Logger): FormatCatalogue {
  const { catalogue, definitions, packs } = loadFormatFiles([SHIPPED_FORMATS_DIR, dataFormatsDir(dataDir)]);
  if (definitions.length || packs.length) log.info({ definitions: definitions.map((d) => d.file), packs: packs.map((p) => p.file) }, 'format files loaded');
  return catalogue;
}

/** `fn` run at its first call only; later calls get the first call's result. */
function once<T>(fn: () => T): () => T {
  let done: { value: T } | undefined;
  return () => (done ??= { value: fn() }).value;
}

/** Starts a terminal from its identity: the composition root, where every part is constructed and wired. */
export async function startTerminal(identity: TerminalIdentity, options: StartTerminalOptions = {}): Promise<RunningTerminal> {
  // Logging can never kill or freeze the terminal (a full disk, a closed pipe): log-destination.ts.
  const logger = options.logger ?? pino({ level: process.env.HOTLINE_LOG_LEVEL ?? 'info' }, stderrLog);
  const log = logger.child({ party: identity.config.party.code });
  const down = new Teardown();
  try {
    return await compose(identity, options, log, down);
  } catch (e) {
    await down.run(log);
    throw e;
  }
}

async function compose(identity: TerminalIdentity, options: StartTerminalOptions, log: Logger, down: Teardown): Promise<RunningTerminal> {
  const clock = options.clock ?? systemClock;
  const events = new EventBus({ onListenerError: (e, event) => log.error({ err: (e as Error)?.message, event: event.type }, 'an event listener failed') });
  const timings = new StartupTimings();
  const { store, checker, escalationFiles, lock, token, metricsToken } = await openData(identity, log, down, options.ha, timings);
  // Nothing is signed while the terminal lock is lost (its PostgreSQL connection cut).
  const lockGuard = lock ? new LockGuard({ lock, store, events, clock, log }) : undefined;

  // The channel wing, and the ports the rest of the terminal takes from it.
  // The key can change while the terminal runs (`hotline key rotate`): everything signs through this.
  const signer = new SwitchableSigner(identity.terminalSigner);
  const self = { party: identity.party, code: identity.config.party.code, signer, card: identity.card };
  const planner: EscalationPlanner = new EscalationPlanner({ settings: () => escalationFiles.current(), self: identity.party, label: (p: string): string => wing.registry.label(p) });
  const formats = loadFormats(identity.dir, log);
  timings.mark('formats');
  const wing: ChannelWing = composeChannels({ store, self, clock, events, log, checker, planner, receiptSpacingMs: receiptSpacingFrom(process.env.HOTLINE_RECEIPT_SPACING_MS), formats: (h) => formats.byHash(h), logWindow: logWindowFrom(process.env.HOTLINE_LOG_WINDOW) });
  await wing.load();
  timings.mark('channel logs (keys, restore)');
  const ownHeads = await rememberOwnHeads(identity, wing, events, down, log); // registers its stop before the flush's
  down.add(() => wing.flush());
  // The peers' streams open to this terminal: one registry for the reconciler, the relay wants, the line state and the pull fallback.
  const streams = new InboundStreams(clock);
  const [directory, reconciler] = [wing.registry, startReconciler(identity, wing, clock, events, log, ownHeads, streams)];
  const backlog = await attachBacklog(identity, store, wing);
  timings.mark('backlog');

  const peerLinks = new PeerLinks({ store, clock, log, tls: { keyPem: identity.tls.keyPem, certPem: identity.tls.certPem }, connect: (o) => new PeerLink({ ...o, storedOverdueMs: storedOverdue(process.env.HOTLINE_PEER_STORE_OVERDUE_MS), entries: wing.committer, directory, events, onHolds: (channel, seq, hash) => reconciler.peerHolds(o.peer, channel, seq, hash), withheld: (channel) => reconciler.isForked(channel), onRefusing: (r) => void (o.onRefusing?.(r), r && reconciler.refused(o.peer, r.channel, r.code, r.peerHolds)), onEcho: (peer, echo) => ops.linkTester.onEcho(peer, echo) }), events });
  down.add(() => peerLinks.stop());
  reconciler.resync = (peer) => peerLinks.get(peer)?.resync();
  await peerLinks.refresh();
  timings.mark('peer links');
  const linkList = lineStates({ peerLinks, directory, clock, streams, graceMs: inboundGrace(process.env.HOTLINE_INBOUND_GRACE_MS), health: () => ops.linkTester.health() });
  const metrics = options.metrics ?? defaultMetrics;
  const ops = composeOperations({ identity, signer, wing, store, clock, events, log, metrics, escalationFiles, peerLinks, linkList, down, reconciler, backlog, streams });
  timings.mark('operations (link tests, escalation, jobs)');

  // Route validators compile at first use, and the rest once both faces listen (lazy-validators.ts).
  const validators = lazyValidators({ strictBodies: true });
  down.add(() => validators.stop());
  const federation = await buildFederationServer({ receiver: wing.receiver, entries: wing.committer, directory, self: directory.self, events, tls: { keyPem: identity.tls.keyPem, certPem: identity.tls.certPem }, pins: peerLinks.pins, streams, reconcile: reconciler, pendingWants: ops.pendingWants, probes: ops.prober, logger: log.child({ face: 'federation' }, { level: 'warn' }), schemaController: validators.schemaController, commitWaitMs: receivedCommitWaitFrom(process.env.HOTLINE_RECEIVED_COMMIT_WAIT_MS) });
  const closeFederation = once(() => (peerLinks.stop(), federation.close()));
  down.add(closeFederation);
  timings.mark('federation server');
  const consolePort = options.officerPort ?? identity.config.officer.port;
  if (options.insecureCookies && !['127.0.0.1', '::1', 'localhost'].includes(identity.config.officer.host))
    throw new TerminalError('BAD_REQUEST', { detail: `Insecure session cookies are allowed only when the officer API listens on loopback, not ${identity.config.officer.host}.` });
  const code = identity.config.party.code;
  const officers = new OfficerService(store.officers, clock, new AuditLog(store.officers, clock), {
    issuer: `Hotline ${code}`,
    webauthn: { rpName: `Hotline ${code}`, rpID: 'localhost', origins: [`http://localhost:${consolePort}`, `https://localhost:${consolePort}`] },
  });
  const officer = await buildOfficerServer({
    schemaController: validators.schemaController,
    officers, formats,
    insecureCookies: options.insecureCookies,
    ports: { self: directory.self, directory, actions: wing.writer, messages: wing.messages, peers: wing.peers, receiver: wing.receiver, events, now: () => clock.now() },
    store,
    token,
    metricsToken,
    trustProxy: identity.config.officer.trustProxy,
    logger: log.child({ face: 'officer' }, { level: 'warn' }),
    links: linkList,
    linkHealth: () => ops.linkTester.health(),
    // The peer of a forked own log by its label, as everywhere officers read it.
    reconciling: notSignable(reconciler, directory, clock),
    ...(options.ha ? { ha: options.ha.status, haInstance: options.ha.instance } : {}),
    storeFull: () => wing.committer.fullSince, storeStalled: () => wing.committer.stalledSince,
    lockLost: () => lockGuard?.lostSince,
    ownKeyRevoked: () => ownKeyRevoked(wing.registry, identity.party, signer.publicKey, clock.now()),
    signingKey: () => signer.publicKey,
    rotation: keyRotationPort({ dir: identity.dir, tls: identity.tls.spkiFingerprint, signer, registry: wing.registry, log, publish: options.ha?.publishCard }),
    defaultOfficer: { name: `${code} duty officer`, title: 'Duty Officer', role: 'duty-officer' },
    version: options.version ?? '0.1.0',
    operations: { drills: ops.drills, metrics },
    escalation: escalationFiles,
  });
  down.add(() => officer.close());
  timings.mark('officer server');
  // The federation face closes first of all: the peers' streams end at once and they turn to the
  // party's next active instance, which waits for their word before it signs (reconciler.ts).
  down.add(closeFederation);
  const federationUrl = await listen(federation, 'federation', identity.config.federation.host, options.federationPort ?? identity.config.federation.port, '--federation-port');
  const officerUrl = await listen(officer, 'officer API', identity.config.officer.host, consolePort, '--officer-port');
  await lock?.describe(thisProcess(`officer API ${officerUrl}, federation ${federationUrl}`, clock.now()));
  await options.ha?.announce({ officerUrl, federationUrl });
  // Links dial out once this terminal's own servers listen: a peer that sees us connect dials back
  // at once (peer-seen), and would otherwise find nobody listening yet and back off.
  peerLinks.start();
  watchStalls({ party: identity.config.party.code, events, log, clock, down });
  log.debug(timings.end('listen'), 'start-up timings');
  void validators.warm();
  return { officerUrl, federationUrl, token, store, metrics, links: linkList, close: () => down.run(log) };
}

/**
 * What this terminal remembers having signed, beside the database (channels/own-heads.ts): a
 * restored database is recognised, and its channels wait for every peer before signing. The file
 * is written after the last flush (teardown runs backwards), and not before the reconciler is
 * attached (a start that fails half-way changes nothing).
 */
async function rememberOwnHeads(identity: TerminalIdentity, wing: ChannelWing, events: EventBus, down: Teardown, log: Logger) {
  const [remembered, forks] = await Promise.all([readOwnHeads(identity.dir), readOwnForks(identity.dir)]);
  let reconciler: Reconciler | undefined;
  const writer = new OwnHeadsWriter({
    dir: identity.dir,
    forked: () => reconciler?.forks() ?? forks,
    heads: () => {
      const heads = new Map(remembered);
      if (reconciler) for (const c of wing.registry.channelIds()) heads.set(c, reconciler.restoredTarget(c) ?? wing.committer.committedHead(c));
      return heads;
    },
    log,
  });
  down.add(() => writer.stop());
  events.on('entry', (e) => {
    if (e.own) writer.touch();
  });
  return {
    remembered: remembered as ReadonlyMap<string, number>,
    forks: forks as ReadonlyMap<string, RememberedFork>,
    attach(r: Reconciler): void {
      reconciler = r;
      r.onForked = () => writer.touch();
      const reconciled = r.onReconciled;
      r.onReconciled = (channel) => {
        reconciled(channel);
        writer.touch();
      };
      writer.touch();
    },
  };
}

/**
 * Nothing is signed on a channel until the peers said how much of our log they hold, and what
 * they hold beyond our database is fetched back first (#14 A1, channels/reconciler.ts).
 */
function startReconciler(identity: TerminalIdentity, wing: ChannelWing, clock: Clock, events: EventBus, log: Logger, ownHeads: Awaited<ReturnType<typeof rememberOwnHeads>>, streams: InboundStreams): Reconciler {
  // The hash of an own entry, to compare with the one a peer's `holds` names (a forked own log).
  const ownHash = async (channel: string, seq: number) => {
    const [raw] = await wing.committer.entriesFor(channel, identity.party, seq, seq);
    const parsed = raw === undefined ? undefined : parseEntry(raw);
    return parsed?.ok ? parsed.sealed.hash : undefined;
  };
  const reconciler = new Reconciler({ self: identity.party, directory: wing.registry, head: (c) => wing.committer.committedHead(c), clock, events, streams, startWaitMs: reconcileWait(process.env.HOTLINE_RECONCILE_WAIT_MS), remembered: ownHeads.remembered, rememberedForks: ownHeads.forks, ownHash, log });
  // An active instance of a highly available party too: its database is the one its predecessor
  // committed to, but a primary replaced under asynchronous replication may have lost the last
  // commits, which the peers hold (docs/operations.md "High availability").
  reconciler.startUp();
  reconciler.onReconciled = (channel) => wing.receipts.schedule(channel);
  wing.writer.gate = reconciler;
  ownHeads.attach(reconciler);
  return reconciler;
}

/**
 * The channels this terminal may not sign on now, for status, readiness and the channel view:
 * reconciling or forked (the reconciler, peers by their code), and those whose own last entry is
 * dated ahead of the clock (CLOCK_BEHIND_LOG).
 */
function notSignable(reconciler: Reconciler, directory: ChannelWing['registry'], clock: Clock) {
  return () => {
    const blocked = reconciler.reconciling().map((r) => (r.peer === undefined ? r : { ...r, peer: directory.label(r.peer) }));
    return [...blocked, ...clockBehindChannels(directory, directory.self.party, clock.now(), new Set(blocked.map((r) => r.channel)))];
  };
}

/** The status's OWN_KEY_REVOKED problem: the channels where this terminal's key is revoked, and what to do. */
function ownKeyRevoked(registry: ChannelWing['registry'], self: string, key: string, now: number): OwnKeyRevoked | undefined {
  const channels = ownKeyRevokedChannels(registry, self, key, now);
  if (channels.length === 0) return undefined;
  const from = new Date(Math.min(...channels.map((c) => c.from))).toISOString();
  const message = TERMINAL_ERRORS.format('OWN_KEY_REVOKED', { key: `${key.slice(0, 16)}…`, channel: channels.map((c) => c.channel.slice(0, 12)).join(', '), from });
  return { key, channels, message };
}

/** At most HOTLINE_MAX_UNRECEIPTED own entries per channel a peer has not receipted (backlog.ts). */
async function attachBacklog(identity: TerminalIdentity, store: Store, wing: ChannelWing): Promise<Backlog> {
  const directory = wing.registry;
  const cap = wholeSetting(process.env.HOTLINE_MAX_UNRECEIPTED, { name: 'HOTLINE_MAX_UNRECEIPTED', unit: 'entries', min: 1, fallback: DEFAULT_MAX_UNRECEIPTED });
  const backlog = new Backlog({ self: identity.party, cap, store, head: (c) => wing.committer.committedHead(c), peersOf: (c) => directory.peersOf(c), label: (p) => directory.label(p) });
  await backlog.load(directory.channelIds());
  wing.committer.onReceivedCommitted = (channel, entries) => backlog.noteEntries(channel, entries);
  wing.writer.backlog = backlog;
  return backlog;
}

/**
 * Every alarm in the log too (an operator reading journald sees CLOCK_SKEW, LINK_DOWN, ...), but
 * those their raiser logged already with their detail.
 */
function logAlarms(events: EventBus, log: Logger): void {
  const alarmLog = log.child({ face: 'alarm' });
  events.on('alarm', (e) => {
    if (!LOGGED_ALARMS.has(e)) alarmLog.warn({ code: e.code, ...(e.channel ? { channel: e.channel } : {}), ...(e.peer ? { peer: e.peer } : {}) }, e.message);
  });
}

/** Link tests, metrics, drills, escalation and the periodic jobs that drive them. */
function composeOperations(o: {
  identity: TerminalIdentity;
  signer: SwitchableSigner;
  wing: ChannelWing;
  store: Store;
  clock: Clock;
  events: EventBus;
  log: Logger;
  metrics: TerminalMetrics;
  escalationFiles: EscalationSettingsFiles;
  peerLinks: PeerLinks;
  linkList: RunningTerminal['links'];
  down: Teardown;
  reconciler: Reconciler;
  backlog: Backlog;
  streams: InboundStreams;
}) {
  const { wing, store, clock, events, log, metrics, down } = o;
  const directory = wing.registry;
  const self = directory.self;
  // Version-2 channels test the line with signed frames on the peer links (link-prober.ts).
  const prober = new LinkProber({ directory, keys: channelKeys(directory), actions: wing.writer, self: { party: self.party, signer: o.signer }, clock });
  prober.transport = (peer, probe) => o.peerLinks.get(peer)?.probe(probe) ?? false;
  const linkTester = new LinkTester({ directory, actions: wing.writer, samples: store, self, clock, events, prober });
  linkTester.start();
  down.add(() => linkTester.stop());
  metrics.collectProcessMetrics();
  const unbind = metrics.bind({ directory, entries: wing.committer, store, self, clock, events, writerStats: () => wing.committer.writerStats, logEntries: () => wing.registry.entryCounts(), links: o.linkList, linkHealth: () => linkTester.health(), peerHolds: (peer, channel) => o.peerLinks.get(peer)?.confirmedHolds(channel) });
  down.add(unbind);
  const drills = new DrillScheduler({ directory, actions: wing.writer, store, clock }, { onDrill: () => metrics.drillsSent.inc({ trigger: 'scheduled' }), log });

  // Deadlines and escalation: console, webhook and e-mail notifiers, steps recorded in the store.
  const smtp = o.identity.config.smtp;
  const email = smtp ? new EmailNotifier(smtp) : undefined;
  if (email) down.add(() => email.close());
  const escalationLog = log.child({ face: 'escalation' });
  const settings = () => o.escalationFiles.current();
  const dispatcher = new Dispatcher({
    store: store.escalations,
    notifiers: [new ConsoleNotifier(events), new WebhookNotifier(), ...(email ? [email] : [])],
    // Retries wait on the monotonic clock: a clock stepped back does not put them off.
    now: () => clock.now(), elapsed: () => monotonicMs(clock),
    retry: () => settings().retry,
    stillWanted: (n): Promise<boolean> => escalation.stillWanted(n),
    log: escalationLog,
    observe: dispatcherMetrics(metrics),
  });
  const escalation: EscalationScheduler = new EscalationScheduler({ directory, messages: wing.messages, store, self, clock, events, settings, dispatcher, log: escalationLog });
  escalation.start();
  down.add(async () => {
    escalation.stop();
    await escalation.idle();
    await escalation.keepClock();
  });
  logAlarms(events, log);
  // Our messages awaiting only a party an amendment removed: acknowledged once the others have.
  const settler = new AckSettler({ events, store, directory, self, now: () => clock.now(), log: escalationLog });
  settler.start();
  down.add(async () => {
    settler.stop();
    await settler.idle();
  });

  // The periodic jobs, named (jobs/periodic-job.ts).
  const jobs = new JobRunner({ onError: (e, job) => log.warn({ err: (e as Error)?.message, job }, `${job} tick failed`) });
  jobs.add({ name: 'link-tests', everyMs: 1000, run: () => linkTester.tick() });
  jobs.add({ name: 'escalation', everyMs: 1000, run: () => escalation.tick() });
  // Dialogue reminders: meetings soon, commitments due and overdue, through the same policies and notifiers.
  const reminders = new DialogueReminders({ directory, store, self, clock, events, settings, dispatcher });
  jobs.add({ name: 'dialogue-reminders', everyMs: 1000, run: () => reminders.tick() });
  jobs.add({ name: 'drills', everyMs: 1000, run: () => drills.tick() });
  jobs.add({ name: 'reconcile', everyMs: 1000, run: async () => o.reconciler.tick() });
  // Receipts of a party whose stream is down, and what held entries wait for, asked of the others (federation/relay-wants.ts, pending-wants.ts).
  const relays = new RelayWants({ self: self.party, directory, receiptedBy: (c, p) => o.backlog.receiptedBy(c, p), events, clock, streams: o.streams });
  const pendingWants = new PendingWants({ self: self.party, directory, clock, streams: o.streams });
  jobs.add({ name: 'relay-wants', everyMs: 1000, run: async () => (relays.tick(), pendingWants.tick()) });
  // A peer that cannot reach this terminal: its entries fetched over our own connection (federation/pull-fallback.ts).
  const pulls = new PullFallback({ streams: o.streams, targets: () => o.peerLinks.pullTargets(), directory, receiver: wing.receiver, tls: o.identity.tls, clock, log: log.child({ face: 'pull' }) });
  jobs.add({ name: 'pull-fallback', everyMs: 1000, run: () => pulls.tick() });
  down.add(() => pulls.close());
  startCardRefresh({ ...o, jobs });
  // While the database counts as full, one small write every 5 s sees room an operator freed (readiness).
  jobs.add({ name: 'store-writable', everyMs: 5000, run: () => wing.committer.probeWritable() });
  // A commit waiting far longer than commits take: the database is stalled (readiness, an alarm).
  jobs.add({ name: 'store-stall', everyMs: 1000, run: async () => wing.committer.checkStall() });
  // A channel whose commit failed and whose reload failed too takes no entry until it reloads.
  jobs.add({ name: 'stale-channels', everyMs: 1000, run: () => wing.committer.reloadStale() });
  // Daily checkpoints of version-2 channels, what period bundles are anchored at (docs/protocol.md §15).
  // HOTLINE_CHECKPOINTS=0 turns them off while a peer still runs a release that refuses the kind.
  const checkpoints = new CheckpointScheduler({ directory, actions: wing.writer, store, self, clock });
  if (process.env.HOTLINE_CHECKPOINTS !== '0') jobs.add({ name: 'checkpoints', everyMs: 60_000, run: () => checkpoints.tick() });
  jobs.start();
  down.add(() => jobs.stop());
  return { linkTester, prober, drills, relays, pendingWants };
}

/** The peers' re-signed cards picked up by themselves: fetched over the pinned links, adopted by the rules, logged and audited (federation/card-refresh.ts). */
function startCardRefresh(o: { identity: TerminalIdentity; wing: ChannelWing; store: Store; clock: Clock; events: EventBus; log: Logger; peerLinks: PeerLinks; streams: InboundStreams; down: Teardown; jobs: JobRunner }): void {
  const audit = new AuditLog(o.store.officers, o.clock);
  const directory = o.wing.registry;
  const cards = new CardRefresh({ targets: () => o.peerLinks.pullTargets(), adopt: (peer, card) => o.wing.peers.adoptCard(peer, card), label: (p) => directory.label(p), fingerprint, audit: (r) => audit.append(r), events: o.events, cutStreams: (peer) => void o.streams.cut(peer), tls: o.identity.tls, clock: o.clock, log: o.log.child({ face: 'cards' }) });
  o.jobs.add({ name: 'card-refresh', everyMs: 1000, run: () => cards.tick() });
  o.down.add(() => cards.stop());
}

/** Listens, saying which port is taken and which option changes it (#14 2c). */
async function listen(app: { listen(o: { host: string; port: number }): Promise<string> }, face: string, host: string, port: number, option: string): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new TerminalError('PORT_IN_USE', { face, host, port, option });
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') throw new TerminalError('PORT_UNAVAILABLE', { face, host, port, option, why: code === 'EACCES' ? 'this user may not listen on it' : 'no interface of this machine has that address' });
    throw e;
  }
}

/**
 * One state per peer (link-state.ts): the stream and its heartbeats combined with the link tests,
 * the peer's refusals and the peer's own stream to this terminal (missing past `graceMs`: degraded).
 */
function lineStates(o: { peerLinks: PeerLinks; directory: ChannelWing['registry']; clock: Clock; streams: InboundStreams; graceMs: number; health: () => ReturnType<LinkTester['health']> }): RunningTerminal['links'] {
  const { peerLinks, directory, clock, streams } = o;
  return () =>
    peerLinks.list((p) => directory.label(p)).map((l) => {
      // A channel's tests never answered yet count once three intervals went by without an echo.
      const now = clock.now();
      const tests = o
        .health()
        .filter((h) => h.peer === l.peer)
        .filter((h) => h.lastEchoAt !== null || now - h.since >= 3 * 1000 * directory.view(h.channel).charter.linkTestIntervalSec);
      // Degraded once the peer's entries are fetched for want of its stream (from PULL_AFTER_MS on),
      // whatever the grace: echoes fetched so would otherwise show a line that works one way up.
      const grace = Math.min(o.graceMs, PULL_AFTER_MS);
      const line = combineLine({ ...l, inboundMissingSince: inboundOverdue(streams.missingSince(l.peer), now, grace), inboundOpen: streams.isOpen(l.peer) }, tests, now);
      return { ...l, transport: l.state, state: line.state, since: line.since, reason: line.reason };
    });
}

/** HOTLINE_INBOUND_GRACE_MS: how long a peer's stream may be missing while the outbound one is up before the line is `degraded` (link-state.ts; at most PULL_AFTER_MS, when its entries start being fetched). */
function inboundGrace(value: string | undefined): number {
  return wholeSetting(value, { name: 'HOTLINE_INBOUND_GRACE_MS', unit: 'ms', min: 0, fallback: DEFAULT_INBOUND_GRACE_MS });
}

/** HOTLINE_PEER_STORE_OVERDUE_MS: how long a batch sent to a peer may go unanswered before the line is `down`, the peer not storing (peer-link.ts). */
function storedOverdue(value: string | undefined): number {
  return wholeSetting(value, { name: 'HOTLINE_PEER_STORE_OVERDUE_MS', unit: 'ms', min: 100, max: 3_600_000, fallback: STORED_OVERDUE_MS });
}

/** HOTLINE_RECONCILE_WAIT_MS: how long, at most, a channel waits at start-up for its peers' holds (default 10 s). */
function reconcileWait(value: string | undefined): number | undefined {
  return wholeSetting(value, { name: 'HOTLINE_RECONCILE_WAIT_MS', unit: 'milliseconds', min: 0, max: 3_600_000, fallback: undefined });
}

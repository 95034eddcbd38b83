/**
 * A running terminal: store, channel service, federation server, officer API and peer links,
 * composed from an identity loaded from the data directory.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { openStore, SQLITE_SYNCHRONOUS, type SqliteSynchronous, type Store } from '../store/index.js';
import { ChannelService } from './channels/channel-service.js';
import { EventBus } from './events/event-bus.js';
import { systemClock, type Clock } from './clock.js';
import { buildFederationServer } from './federation-api/federation-server.js';
import { exists, writeFileAtomic, PRIVATE_FILE_MODE } from './identity/files.js';
import type { TerminalIdentity } from './identity/index.js';
import { buildOfficerServer } from './officer-api/officer-server.js';
import { AuditLog } from './officers/audit-log.js';
import { TerminalError } from './errors.js';
import { lazyValidators } from './lazy-validators.js';
import { OfficerService } from './officers/officer-service.js';
import { entryChecker } from './sync/check-pool.js';
import { PeerLink, type LinkState } from './sync/peer-link.js';
import { PeerLinks } from './federation/peer-links.js';
import { JobRunner } from './jobs/periodic-job.js';
import { composeChannels, type ChannelWing } from './channels/compose.js';
import { LinkTester } from './schedulers/link-tester.js';
import { DrillScheduler } from './schedulers/drill-scheduler.js';
import { EscalationScheduler } from './schedulers/escalation-scheduler.js';
import { EscalationSettingsFiles } from './escalation/settings-files.js';
import { EscalationPlanner } from './escalation/escalation-planner.js';
import { ConsoleNotifier } from './notifiers/console-notifier.js';
import { Dispatcher } from './notifiers/dispatcher.js';
import { EmailNotifier } from './notifiers/email-notifier.js';
import { WebhookNotifier } from './notifiers/webhook-notifier.js';
import { escalationRoutes } from './officer-api/escalation-routes.js';
import { metrics as defaultMetrics, type TerminalMetrics } from './metrics.js';

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
}

/** A started terminal. */
export interface RunningTerminal {
  readonly officerUrl: string;
  readonly federationUrl: string;
  readonly token: string;
  readonly store: Store;
  readonly metrics: TerminalMetrics;
  links(): Array<{ peer: string; code: string; state: LinkState; endpoint: string | null }>;
  close(): Promise<void>;
}

/** The file holding the officer API token (0600), created at first start. */
export const TOKEN_FILE = 'officer.token';

async function officerToken(dir: string): Promise<string> {
  const file = join(dir, TOKEN_FILE);
  if (await exists(file)) return (await readFile(file, 'utf8')).trim();
  const token = randomBytes(24).toString('base64url');
  await writeFileAtomic(file, `${token}\n`, PRIVATE_FILE_MODE);
  return token;
}

export { peerTlsPins } from './federation/peer-links.js';

/** Starts a terminal from its identity: the composition root, where every part is constructed and wired. */
export async function startTerminal(identity: TerminalIdentity, options: StartTerminalOptions = {}): Promise<RunningTerminal> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: process.env.HOTLINE_LOG_LEVEL ?? 'info' }, pino.destination(2));
  const log = logger.child({ party: identity.config.party.code });
  const events = new EventBus({ onListenerError: (e, event) => log.error({ err: (e as Error)?.message, event: event.type }, 'an event listener failed') });
  // HOTLINE_SQLITE_SYNCHRONOUS: full (default), full-async, or normal, which trades power-cut
  // durability for latency (docs/operations.md "Durability").
  const sync = sqliteSynchronous(process.env.HOTLINE_SQLITE_SYNCHRONOUS);
  // Received entries' signatures are checked on worker threads (HOTLINE_CHECK_WORKERS, default one
  // per core; 0 keeps them on the main thread).
  const checker = entryChecker(checkWorkers(process.env.HOTLINE_CHECK_WORKERS), (e) => log.error({ err: (e as Error).message }, 'entry check workers failed; checking on the main thread'));
  // Threads start while the store opens and the channel logs load: a terminal coming back to a
  // backlog uses them at once.
  checker.warm();
  const store = await openStore(identity.database.kind === 'sqlite' ? { ...identity.database, synchronous: sync } : identity.database).catch(async (e: unknown) => {
    await checker.close();
    throw e;
  });
  // Escalation policies and roster: a bad file stops the start with an error naming the field.
  const escalationFiles = await EscalationSettingsFiles.load(identity.dir, { smtp: !!identity.config.smtp }).catch(async (e: unknown) => {
    await checker.close();
    await store.close();
    throw e;
  });

  // The channel wing, and the ports the rest of the terminal takes from it.
  const self = { party: identity.party, code: identity.config.party.code, signer: identity.terminalSigner, card: identity.card };
  const planner: EscalationPlanner = new EscalationPlanner({ settings: () => escalationFiles.current(), self: identity.party, label: (p: string): string => wing.registry.label(p) });
  const wing: ChannelWing = composeChannels({ store, self, clock, events, log, checker, planner, receiptSpacingMs: RECEIPT_SPACING_MS });
  await wing.load();
  const directory = wing.registry;
  const selfInfo = directory.self;
  // Temporary: the federation and officer API still take the whole wing (channel-service.ts).
  const service = new ChannelService({ store, self, clock, events, wing });
  const token = await officerToken(identity.dir);

  const peerLinks = new PeerLinks({ store, clock, log, tls: { keyPem: identity.tls.keyPem, certPem: identity.tls.certPem }, connect: (o) => new PeerLink({ ...o, service }), events });
  await peerLinks.refresh();
  const linkList = () => peerLinks.list((p) => directory.label(p));

  const linkTester = new LinkTester({ directory, actions: wing.writer, samples: store, self: selfInfo, clock, events });
  linkTester.start();
  const metrics = options.metrics ?? defaultMetrics;
  metrics.collectProcessMetrics();
  const unbindMetrics = metrics.bind({ directory, entries: wing.committer, store, self: selfInfo, clock, events, writerStats: () => wing.committer.writerStats, links: linkList, linkHealth: () => linkTester.health(), peerHolds: (peer, channel) => peerLinks.get(peer)?.confirmedHolds(channel) });
  const drills = new DrillScheduler({ directory, actions: wing.writer, store, clock }, { onDrill: () => metrics.drillsSent.inc({ trigger: 'scheduled' }), log });

  // Deadlines and escalation: console, webhook and e-mail notifiers, steps recorded in the store.
  const email = identity.config.smtp ? new EmailNotifier(identity.config.smtp) : undefined;
  const escalationLog = log.child({ face: 'escalation' });
  const dispatcher = new Dispatcher({
    store: store.escalations,
    notifiers: [new ConsoleNotifier(events), new WebhookNotifier(), ...(email ? [email] : [])],
    now: () => clock.now(),
    retry: () => escalationFiles.current().retry,
    stillWanted: (n): Promise<boolean> => escalation.stillWanted(n),
    log: escalationLog,
    observe: dispatcherMetrics(metrics),
  });
  const escalation: EscalationScheduler = new EscalationScheduler({ directory, messages: wing.messages, store, self: selfInfo, clock, events, settings: () => escalationFiles.current(), dispatcher, log: escalationLog });
  escalation.start();

  // The periodic jobs, named (jobs/periodic-job.ts).
  const jobs = new JobRunner({ onError: (e, job) => log.warn({ err: (e as Error)?.message, job }, `${job} tick failed`) });
  jobs.add({ name: 'link-tests', everyMs: 1000, run: () => linkTester.tick() });
  jobs.add({ name: 'escalation', everyMs: 1000, run: () => escalation.tick() });
  jobs.add({ name: 'drills', everyMs: 1000, run: () => drills.tick() });
  jobs.start();

  // Route validators compile at first use, and the rest once both faces listen (lazy-validators.ts).
  const validators = lazyValidators();
  const federation = await buildFederationServer({ service, tls: { keyPem: identity.tls.keyPem, certPem: identity.tls.certPem }, pins: peerLinks.pins, logger: log.child({ face: 'federation' }, { level: 'warn' }), schemaController: validators.schemaController });
  const code = identity.config.party.code;
  const consolePort = options.officerPort ?? identity.config.officer.port;
  if (options.insecureCookies && !['127.0.0.1', '::1', 'localhost'].includes(identity.config.officer.host))
    throw new TerminalError('BAD_REQUEST', { detail: `Insecure session cookies are allowed only when the officer API listens on loopback, not ${identity.config.officer.host}.` });
  const officerAudit = new AuditLog(store.officers, clock);
  const officers = new OfficerService(store.officers, clock, officerAudit, {
    issuer: `Hotline ${code}`,
    webauthn: { rpName: `Hotline ${code}`, rpID: 'localhost', origins: [`http://localhost:${consolePort}`, `https://localhost:${consolePort}`] },
  });
  const officer = await buildOfficerServer({
    schemaController: validators.schemaController,
    officers,
    insecureCookies: options.insecureCookies,
    service,
    token,
    logger: log.child({ face: 'officer' }, { level: 'warn' }),
    links: linkList,
    linkHealth: () => linkTester.health(),
    defaultOfficer: { name: `${identity.config.party.code} duty officer`, title: 'Duty Officer', role: 'duty-officer' },
    version: options.version ?? '0.1.0',
    operations: { drills, metrics },
  });
  await officer.register(escalationRoutes, { service, files: escalationFiles });
  const federationUrl = await federation.listen({ host: identity.config.federation.host, port: options.federationPort ?? identity.config.federation.port });
  const officerUrl = await officer.listen({ host: identity.config.officer.host, port: consolePort });
  // Links dial out once this terminal's own servers listen: a peer that sees us connect dials back
  // at once (peer-seen), and would otherwise find nobody listening yet and back off.
  peerLinks.start();
  void validators.warm();

  return {
    officerUrl,
    federationUrl,
    token,
    store,
    metrics,
    links: linkList,
    async close() {
      validators.stop();
      await jobs.stop();
      escalation.stop();
      await escalation.idle();
      email?.close();
      unbindMetrics();
      linkTester.stop();
      peerLinks.stop();
      await officer.close();
      await federation.close();
      await wing.flush();
      await checker.close();
      await store.close();
    },
  };
}

/** The dispatcher's observations counted into the metrics. */
function dispatcherMetrics(metrics: TerminalMetrics): NonNullable<ConstructorParameters<typeof Dispatcher>[0]['observe']> {
  return {
    notice: (n) => {
      if (n.kind === 'escalation') metrics.escalationsFired.inc({ channel: n.channel ?? '-', level: String(n.level) });
    },
    outcome: (via, outcome) => {
      if (outcome === 'delivered') metrics.notificationsSent.inc({ notifier: via });
      else if (outcome === 'failed') metrics.notifierFailures.inc({ notifier: via });
    },
  };
}

/**
 * Least time between two receipts of a channel: an isolated message is receipted at once, a
 * stream of them by one cumulative receipt per 20 ms (instead of one per message).
 */
export const RECEIPT_SPACING_MS = 20;

/** HOTLINE_SQLITE_SYNCHRONOUS: one of SQLITE_SYNCHRONOUS, or unset for full. */
function sqliteSynchronous(value: string | undefined): SqliteSynchronous {
  if (value === undefined || value.trim() === '') return 'full';
  const mode = SQLITE_SYNCHRONOUS.find((m) => m === value.trim().toLowerCase());
  if (!mode) throw new TerminalError('BAD_REQUEST', { detail: `HOTLINE_SQLITE_SYNCHRONOUS must be one of ${SQLITE_SYNCHRONOUS.join(', ')}, not "${value}".` });
  return mode;
}

/** HOTLINE_CHECK_WORKERS: a whole number of threads, or unset for the default. */
function checkWorkers(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new TerminalError('BAD_REQUEST', { detail: `HOTLINE_CHECK_WORKERS must be a whole number from 0 to 64, not "${value}".` });
  return n;
}

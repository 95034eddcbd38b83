/**
 * A running terminal: store, channel service, federation server, officer API and peer links,
 * composed from an identity loaded from the data directory.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { PartyCard } from '../protocol/index.js';
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
import { LinkTester } from './schedulers/link-tester.js';
import { DrillScheduler } from './schedulers/drill-scheduler.js';
import { EscalationScheduler } from './schedulers/escalation-scheduler.js';
import { EscalationSettingsFiles } from './escalation/settings-files.js';
import { ConsoleNotifier } from './notifiers/console-notifier.js';
import { Dispatcher } from './notifiers/dispatcher.js';
import { EmailNotifier } from './notifiers/email-notifier.js';
import { WebhookNotifier } from './notifiers/webhook-notifier.js';
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
  readonly service: ChannelService;
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

/** The TLS fingerprint to pin for a peer: its newest certificate valid now. */
export function peerTlsPins(card: PartyCard, now: number): string[] {
  return card.terminals.filter((c) => c.notBefore <= now && now < c.notAfter).sort((a, b) => b.notBefore - a.notBefore).map((c) => c.tls);
}

/** Starts a terminal from its identity. */
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
  const officerAudit = new AuditLog(store.officers, clock);
  const service = new ChannelService({ events, audit: officerAudit, store, self: { party: identity.party, code: identity.config.party.code, signer: identity.terminalSigner, card: identity.card }, clock, log, checker, receiptSpacingMs: RECEIPT_SPACING_MS });
  await service.load();
  const token = await officerToken(identity.dir);
  // Escalation policies and roster: a bad file stops the start with an error naming the field.
  const escalationFiles = await EscalationSettingsFiles.load(identity.dir, { smtp: !!identity.config.smtp }).catch(async (e: unknown) => {
    await checker.close();
    await store.close();
    throw e;
  });

  const pins = new Map<string, string>();
  const links = new Map<string, PeerLink>();
  const tls = { keyPem: identity.tls.keyPem, certPem: identity.tls.certPem };
  // Links dial out once this terminal's own servers listen: a peer that sees us connect dials back
  // at once (peer-seen below), and would otherwise find nobody listening yet and back off.
  let serving = false;
  const refreshPeers = async () => {
    const now = clock.now();
    pins.clear();
    for (const peer of await store.listPeers()) {
      const card = JSON.parse(peer.card) as PartyCard;
      // Pin only TLS keys of certificates not expired and whose terminal key is not revoked: a
      // retired terminal's stolen TLS key must not read this terminal's channels.
      const revoked = new Map(card.revocations.map((r) => [r.key, r.from]));
      for (const c of card.terminals) if (c.notAfter > now && (revoked.get(c.key) ?? Infinity) > now) pins.set(c.tls, card.party);
      const expected = peerTlsPins(card, now)[0];
      if (!expected) {
        log.warn({ peer: card.code }, 'peer has no terminal certificate valid now; not connecting');
        continue;
      }
      const existing = links.get(card.party);
      if (existing) existing.update({ endpoints: card.endpoints, expectedFingerprint: expected });
      else {
        const link = new PeerLink({
          peer: card.party,
          code: card.code,
          endpoints: card.endpoints,
          expectedFingerprint: expected,
          tls,
          service,
          log: log.child({ link: card.code }),
          onState: (state, endpoint) => {
            log.info({ peer: card.code, state, endpoint }, `link to ${card.code} ${state}`);
            events.emit({ type: 'alarm', code: `LINK_${state.toUpperCase()}`, message: `Link to ${card.code} is ${state}${endpoint ? ` via ${endpoint}` : ''}.`, peer: card.party });
          },
        });
        links.set(card.party, link);
        if (serving) link.start();
      }
    }
  };
  await refreshPeers();
  const unsubscribe = [
    events.on('peers', () => void refreshPeers()),
    // The peer is back: skip the rest of our reconnection backoff towards it.
    events.on('peer-seen', (e) => links.get(e.peer)?.retryNow()),
  ];
  const linkList = () => [...links.values()].map((l) => ({ peer: l.peer, code: service.label(l.peer), state: l.state, endpoint: l.endpoint }));

  const linkTester = new LinkTester(service);
  linkTester.start();
  const linkTimer = setInterval(() => void linkTester.tick().catch((e: Error) => log.warn({ err: e.message }, 'link test tick failed')), 1000);
  linkTimer.unref();

  const metrics = options.metrics ?? defaultMetrics;
  metrics.collectProcessMetrics();
  const unbindMetrics = metrics.bind({ service, links: linkList, linkHealth: () => linkTester.health(), peerHolds: (peer, channel) => links.get(peer)?.confirmedHolds(channel) });
  const drills = new DrillScheduler(service, { onDrill: () => metrics.drillsSent.inc({ trigger: 'scheduled' }), log });
  const drillTimer = setInterval(() => void drills.tick().catch((e: Error) => log.warn({ err: e.message }, 'drill tick failed')), 1000);
  drillTimer.unref();

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
    observe: {
      notice: (n) => {
        if (n.kind === 'escalation') metrics.escalationsFired.inc({ channel: n.channel ?? '-', level: String(n.level) });
      },
      outcome: (via, outcome) => {
        if (outcome === 'delivered') metrics.notificationsSent.inc({ notifier: via });
        else if (outcome === 'failed') metrics.notifierFailures.inc({ notifier: via });
      },
    },
  });
  const escalation: EscalationScheduler = new EscalationScheduler({ service, settings: () => escalationFiles.current(), dispatcher, log: escalationLog });
  escalation.start();
  const escalationTimer = setInterval(() => void escalation.tick().catch((e: Error) => log.warn({ err: e.message }, 'escalation tick failed')), 1000);
  escalationTimer.unref();

  // Route validators compile at first use, and the rest once both faces listen (lazy-validators.ts).
  const validators = lazyValidators();
  const federation = await buildFederationServer({ service, tls, pins, logger: log.child({ face: 'federation' }, { level: 'warn' }), schemaController: validators.schemaController });
  const code = identity.config.party.code;
  const consolePort = options.officerPort ?? identity.config.officer.port;
  if (options.insecureCookies && !['127.0.0.1', '::1', 'localhost'].includes(identity.config.officer.host))
    throw new TerminalError('BAD_REQUEST', { detail: `Insecure session cookies are allowed only when the officer API listens on loopback, not ${identity.config.officer.host}.` });
  const officers = new OfficerService(store.officers, clock, officerAudit, {
    issuer: `Hotline ${code}`,
    webauthn: { rpName: `Hotline ${code}`, rpID: 'localhost', origins: [`http://localhost:${consolePort}`, `https://localhost:${consolePort}`] },
  });
  const officer = await buildOfficerServer({
    schemaController: validators.schemaController,
    officers,
    insecureCookies: options.insecureCookies,
    // The channel service implements the narrow ports the officer API takes.
    ports: { self: service.self, directory: service, actions: service, messages: service, peers: service, receiver: service, events, now: () => clock.now() },
    store,
    token,
    logger: log.child({ face: 'officer' }, { level: 'warn' }),
    links: linkList,
    linkHealth: () => linkTester.health(),
    defaultOfficer: { name: `${identity.config.party.code} duty officer`, title: 'Duty Officer', role: 'duty-officer' },
    version: options.version ?? '0.1.0',
    operations: { drills, metrics },
    escalation: escalationFiles,
  });
  const fedPort = options.federationPort ?? identity.config.federation.port;
  const offPort = options.officerPort ?? identity.config.officer.port;
  const federationUrl = await federation.listen({ host: identity.config.federation.host, port: fedPort });
  const officerUrl = await officer.listen({ host: identity.config.officer.host, port: offPort });
  serving = true;
  for (const l of links.values()) l.start();
  void validators.warm();

  return {
    officerUrl,
    federationUrl,
    token,
    service,
    store,
    metrics,
    links: linkList,
    async close() {
      for (const u of unsubscribe) u();
      validators.stop();
      clearInterval(linkTimer);
      clearInterval(drillTimer);
      clearInterval(escalationTimer);
      escalation.stop();
      await escalation.idle();
      email?.close();
      unbindMetrics();
      linkTester.stop();
      for (const l of links.values()) l.stop();
      await officer.close();
      await federation.close();
      await service.flush();
      await checker.close();
      await store.close();
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

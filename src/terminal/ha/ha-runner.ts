/**
 * A highly available terminal process (#19): a standby until it holds its party's lease, then the
 * active instance (the whole terminal of terminal.ts, every commit fenced by the lease's token),
 * and a standby again the moment it loses the lease (renewal refused or impossible for a whole
 * lease, or its leadership connection gone), so a paused or partitioned process steps down by
 * itself. A clean stop releases the lease so that a standby takes over at once.
 *
 * The lease, its fencing and the database clock are store/leadership.ts; what a standby answers is
 * standby-server.ts. docs/operations.md "High availability" is the operator's side.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pino, type Logger } from 'pino';
import { Leadership, openStore, type AcquiredLease, type LeaseBlocker, type PostgresStoreConfig } from '../../store/index.js';
import { TerminalError } from '../errors.js';
import { IdentityError, type TerminalIdentity } from '../identity/index.js';
import { metrics as defaultMetrics } from '../metrics.js';
import type { HaStatus } from '../officer-api/api-schemas.js';
import { stderrLog } from '../log-destination.js';
import { metricsToken, officerToken, startTerminal, type RunningTerminal, type StartTerminalOptions } from '../terminal.js';
import { currentIdentity } from './current-identity.js';
import { ownKeyRevocation, revokedKeySentence } from './own-key.js';
import { startStandbyServer, type StandbyServer } from './standby-server.js';

/** Default lease: a paused or cut-off active instance is replaced within about this long. */
export const DEFAULT_LEASE_MS = 3000;
/** How often a standby reads the lease. */
export const POLL_MS = 200;
/** How often an instance looks whether its party revoked its own terminal key, ms. */
const KEY_CHECK_MS = 2000;
/** How often a standby waiting on a locked lease row says so again. */
const BLOCKED_LOG_EVERY_MS = 30_000;

/** Options of {@link runHighlyAvailable}. */
export interface HaRunOptions extends Omit<StartTerminalOptions, 'ha'> {
  /** The lease length (HOTLINE_HA_LEASE_MS, default DEFAULT_LEASE_MS). */
  readonly leaseMs?: number;
}

/** A running highly available process. */
export interface RunningHa {
  role(): 'standby' | 'active';
  /** Settles when the process must end: rejects with the error if the terminal could not start as the active instance. */
  readonly done: Promise<void>;
  /** Stops whatever runs, releasing the lease if held. */
  close(): Promise<void>;
}

/** Runs this data directory's instance: standby, active, and back, until closed. */
export async function runHighlyAvailable(identity: TerminalIdentity, o: HaRunOptions): Promise<RunningHa> {
  const instance = identity.config.ha?.instance;
  if (!instance) throw new TerminalError('BAD_REQUEST', { detail: `${identity.dir} is not an instance of a highly available party (config.json has no "ha"): see \`hotline ha add-instance\`.` });
  const db = identity.database;
  if (db.kind !== 'postgres') throw new TerminalError('BAD_REQUEST', { detail: 'high availability needs the instances to share a PostgreSQL database, and this one keeps its data in SQLite.' });
  // The tables of the lease exist once the store has migrated.
  await (await openStore(db)).close();
  const logger = o.logger ?? pino({ level: process.env.HOTLINE_LOG_LEVEL ?? 'info' }, stderrLog);
  const runner = new HaRunner(identity, { ...db, applicationName: `hotline:${process.pid}:${instance}` }, instance, { ...o, logger }, await officerToken(identity.dir), await metricsToken(identity.dir));
  await Promise.race([runner.firstPhase, runner.done]);
  return { role: () => runner.role, done: runner.done, close: () => runner.close() };
}

class HaRunner {
  role: 'standby' | 'active' = 'standby';
  readonly firstPhase: Promise<void>;
  /** This data directory's identity, read again before each phase (current-identity.ts). */
  #identity: TerminalIdentity;
  readonly #db: PostgresStoreConfig;
  readonly #instance: string;
  /** This process among the holders: a restarted process is another holder. */
  readonly #holder: string;
  readonly #o: HaRunOptions & { logger: Logger };
  readonly #log: Logger;
  readonly #token: string;
  readonly #metricsToken: string;
  readonly #leaseMs: number;
  #stopping = false;
  /** HA_KEY_REVOKED's sentence while this instance's own key is revoked (it then takes no lease). */
  #revoked: string | undefined;
  #keyCheckedAt = Number.NEGATIVE_INFINITY;
  #wake: (() => void) | undefined;
  readonly done: Promise<void>;
  #started!: () => void;

  constructor(identity: TerminalIdentity, db: PostgresStoreConfig, instance: string, o: HaRunOptions & { logger: Logger }, token: string, metricsToken: string) {
    this.#identity = identity;
    this.#token = token;
    this.#metricsToken = metricsToken;
    this.#db = db;
    this.#instance = instance;
    this.#holder = `${instance}/${randomBytes(6).toString('hex')}`;
    this.#o = o;
    this.#log = o.logger.child({ party: identity.config.party.code, instance });
    this.#leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
    this.firstPhase = new Promise<void>((resolve) => (this.#started = resolve));
    this.done = this.#run();
    this.done.catch(() => {});
  }

  async close(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.done.catch(() => {});
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      let leadership: Leadership | undefined;
      try {
        leadership = await Leadership.connect(this.#db);
        const lease = await this.#standby(leadership);
        if (lease) await this.#active(leadership, lease);
      } catch (e) {
        if (e instanceof FatalStart) throw e.cause;
        // A port it listens on taken (the standby's officer API) is not the database's doing.
        const code = (e as NodeJS.ErrnoException).code;
        // Its own files read again before each phase (current-identity.ts): a damaged one is named.
        const what =
          e instanceof IdentityError ? `its data directory cannot be read again (${e.message})`
          : code === 'EADDRINUSE' || code === 'EACCES' ? `it cannot listen (${code}): free the port or change it in config.json`
          : 'the database failed';
        this.#log.warn({ err: (e as Error).message, code }, `high availability: ${what}; trying again in a second`);
        await this.#sleep(1000);
      } finally {
        await leadership?.close();
      }
    }
    this.#started();
  }

  /** Serves as a standby until this process holds the lease (or is stopped: undefined). */
  async #standby(leadership: Leadership): Promise<AcquiredLease | undefined> {
    this.role = 'standby';
    const metrics = this.#o.metrics ?? defaultMetrics;
    metrics.haActive.set({ instance: this.#instance }, 0);
    const config = this.#identity.config;
    let lost: Error | undefined;
    leadership.onLost((e) => (lost = e));
    await this.#refresh(leadership);
    const federationUrl = `https://${config.federation.host}:${this.#o.federationPort ?? config.federation.port}`;
    let server: StandbyServer | undefined;
    try {
      server = await startStandbyServer({ instance: this.#instance, party: config.party.code, token: this.#token, metricsToken: this.#metricsToken, host: config.officer.host, port: this.#o.officerPort ?? config.officer.port, metrics, status: () => haStatus(leadership, this.#instance, 'standby'), blocked: () => this.#revoked });
      let announced = 0;
      let waited: number | undefined;
      while (!this.#stopping) {
        if (lost) throw lost;
        if (performance.now() - announced >= 1000) {
          await leadership.announce({ instance: this.#instance, officerUrl: server.url, federationUrl, host: hostname(), pid: process.pid, role: 'standby' });
          announced = performance.now();
        }
        const lease = await leadership.lease();
        if (lease) metrics.haFailovers.set(lease.failovers);
        const free = !lease || lease.expiresAt <= lease.now || !lease.holderConnected || lease.holder === this.#holder;
        if (free && !(await this.#keyRevoked(leadership, lease?.now))) {
          const got = await leadership.acquire({ instance: this.#instance, holder: this.#holder, ttlMs: this.#leaseMs });
          if (got) {
            this.#log.warn({ token: got.token, previous: got.previous ?? null, failovers: got.failovers }, `high availability: instance ${this.#instance} takes over${got.previous && got.previous !== this.#instance ? ` from ${got.previous}` : ''}`);
            return got;
          }
          waited = this.#tellBlocked(leadership.blockedBy(), waited);
        }
        // Up as a standby once it has looked at the lease and found it held.
        this.#started();
        await this.#sleep(POLL_MS);
      }
      return undefined;
    } finally {
      await server?.close();
    }
  }

  /** Reads this data directory's identity again, taking up the party's newest card (current-identity.ts). */
  async #refresh(leadership: Leadership): Promise<void> {
    this.#identity = await currentIdentity(this.#identity, leadership, this.#log);
    this.#keyCheckedAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * Whether this instance's own terminal key is revoked by its party at `now` (the database clock
   * when known), looked up at most every KEY_CHECK_MS; logs HA_KEY_REVOKED when it becomes so.
   */
  async #keyRevoked(leadership: Leadership, now: number | undefined): Promise<boolean> {
    if (performance.now() - this.#keyCheckedAt < KEY_CHECK_MS) return this.#revoked !== undefined;
    this.#keyCheckedAt = performance.now();
    const r = await ownKeyRevocation(this.#identity, leadership, now ?? this.#o.clock?.now() ?? Date.now());
    const sentence = r ? revokedKeySentence(this.#identity, this.#instance, r) : undefined;
    if (sentence && sentence !== this.#revoked) this.#log.error({ code: 'HA_KEY_REVOKED', key: r!.key, from: r!.from }, sentence);
    if (!sentence && this.#revoked) this.#log.warn(`high availability: instance ${this.#instance}'s terminal key is no longer revoked; it may take the lease again`);
    this.#revoked = sentence;
    return sentence !== undefined;
  }

  /**
   * The lease is free but its row stays locked (lock_timeout ran out): an orphaned backend of a
   * dead instance, or one paused inside a commit. Said at once, then every 30 s while it lasts,
   * naming the backends and what to do; `since` is when it was last said.
   */
  #tellBlocked(blockers: readonly LeaseBlocker[], since: number | undefined): number | undefined {
    if (blockers.length === 0) return undefined;
    if (since !== undefined && performance.now() - since < BLOCKED_LOG_EVERY_MS) return since;
    const who = blockers.map((b) => `backend PID ${b.pid} (application_name ${b.applicationName || 'none'}, ${b.state}${b.inTransactionSec !== undefined ? `, in a transaction for ${b.inTransactionSec} s` : ''})`).join(', ');
    this.#log.warn(
      { blockers },
      `high availability: instance ${this.#instance} waits for the lease: its holder is gone or expired, but the lease row is locked by ${who}. It is taken once that backend ends: PostgreSQL ends an idle one after idle_in_transaction_session_timeout; a backend of an instance that is dead can be ended now with \`select pg_terminate_backend(PID)\` (check application_name hotline:PID: that process must not be running).`,
    );
    return performance.now();
  }

  /** Runs the terminal while the lease holds; returns when it is lost or the process stops. */
  async #active(leadership: Leadership, lease: AcquiredLease): Promise<void> {
    this.role = 'active';
    const metrics = this.#o.metrics ?? defaultMetrics;
    let lostReason: string | undefined;
    const lose = (why: string) => {
      lostReason ??= why;
      // At once, before the terminal closes: nothing in flight commits after this instance saw
      // that it lost its lease or its database (the next active one may not hold the token yet,
      // and this one's log in memory may hold what the database does not).
      terminal?.store.fenceWrites(0);
      this.#wake?.();
    };
    leadership.onLost((e) => lose(`its connection to the database failed (${e.message})`));
    let terminal: RunningTerminal | undefined;
    let ended = false;
    // Renewals start now, not once the terminal is up: a start slower than the lease (a loaded
    // machine, many channels to load) would otherwise let the lease lapse and another instance
    // take it while this one was still starting.
    const renewing = this.#renew(leadership, lease, lose, () => ended || lostReason !== undefined, () => terminal);
    try {
      // The key and card as they are now (rotated or re-signed since this process last read them).
      await this.#refresh(leadership);
      terminal = await startTerminal(this.#identity, {
        ...this.#o,
        ha: {
          instance: this.#instance,
          token: lease.token,
          leaseMs: this.#leaseMs,
          announce: (where) => leadership.announce({ instance: this.#instance, ...where, host: hostname(), pid: process.pid, role: 'active' }),
          status: () => haStatus(leadership, this.#instance, 'active'),
          publishCard: (card) => leadership.publishCard(JSON.stringify(card), card.issued),
        },
      }).catch(async (e: unknown) => {
        // A terminal that cannot start (a port taken, a bad file) would fail again at once: the
        // lease goes to another instance and this process ends with the error.
        ended = true;
        this.#wake?.();
        await leadership.release(lease.token).catch(() => {});
        throw new FatalStart(e);
      });
      // Lost while starting: fenced before anything of it runs further.
      if (lostReason !== undefined) terminal.store.fenceWrites(0);
      metrics.haActive.set({ instance: this.#instance }, 1);
      metrics.haActiveSince.set(lease.since / 1000);
      metrics.haFailovers.set(lease.failovers);
      this.#started();
      await renewing;
    } finally {
      ended = true;
      this.#wake?.();
      metrics.haActive.set({ instance: this.#instance }, 0);
      if (lostReason !== undefined) this.#log.error({ reason: lostReason }, `high availability: instance ${this.#instance} steps down: ${lostReason}`);
      await terminal?.close();
      if (this.#stopping && lostReason === undefined) await leadership.release(lease.token).catch(() => {});
    }
    // A connection that failed is replaced before standing by again.
    if (lostReason?.startsWith('its connection')) throw new Error(lostReason);
  }

  /**
   * Renews the lease every third of its length until `done()`, the process stops, or it is lost;
   * gives up once a whole lease went by without a renewal, measured on this machine's monotonic
   * clock (a paused process sees that at once on waking).
   */
  async #renew(leadership: Leadership, lease: AcquiredLease, lose: (why: string) => void, done: () => boolean, terminal: () => RunningTerminal | undefined): Promise<void> {
    let renewed = performance.now();
    while (!this.#stopping && !done()) {
      await this.#sleep(this.#leaseMs / 3);
      if (this.#stopping || done()) return;
      if (performance.now() - renewed > this.#leaseMs) return lose(`it could not renew its lease for ${Math.round(performance.now() - renewed)} ms (paused, or cut off from the database)`);
      const asked = performance.now();
      // A database that does not answer counts as refusing: wait at most what is left of the lease.
      const left = Math.max(1, this.#leaseMs - (asked - renewed));
      let timer: NodeJS.Timeout | undefined;
      const expiry = await Promise.race([
        leadership.renew(lease.token, this.#leaseMs).catch((e: unknown) => {
          this.#log.warn({ err: (e as Error).message }, 'high availability: renewing the lease failed');
          return null;
        }),
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), left))),
      ]);
      clearTimeout(timer);
      if (expiry === undefined) return lose('another instance holds the lease now');
      if (expiry !== null && performance.now() - renewed <= this.#leaseMs) {
        renewed = asked;
        // A revocation dated ahead (`--from`) comes into force while this instance is active.
        if (await this.#keyRevoked(leadership, undefined).catch(() => false)) return lose('its own terminal key is revoked (HA_KEY_REVOKED)');
        const t = terminal();
        if (t) await leadership.announce({ instance: this.#instance, officerUrl: t.officerUrl, federationUrl: t.federationUrl, host: hostname(), pid: process.pid, role: 'active' }).catch(() => {});
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = done;
    });
  }
}

/** The active terminal failed to start: the process ends with its error. */
class FatalStart extends Error {
  constructor(readonly original: unknown) {
    super('the terminal failed to start', { cause: original });
  }
}

/** The lease and the instances, as the status shows them. */
async function haStatus(leadership: Leadership, instance: string, role: 'active' | 'standby'): Promise<HaStatus> {
  const [lease, { now, instances }] = await Promise.all([leadership.lease(), leadership.instances()]);
  const live = lease && lease.expiresAt > lease.now && lease.holderConnected;
  return {
    instance,
    role,
    active: live ? lease.instance : null,
    since: live ? lease.since : null,
    failovers: lease?.failovers ?? 0,
    token: live ? lease.token : null,
    // An instance that announced itself active but holds no live lease died or lost it: `gone`
    // (until it announces itself again), never a second `active` beside the lease holder.
    instances: instances.map((i) => ({ instance: i.instance, role: i.role === 'active' && !(live && lease.instance === i.instance) ? 'gone' : i.role, officerUrl: i.officerUrl, federationUrl: i.federationUrl, host: i.host, pid: i.pid, seenMsAgo: Math.max(0, now - i.seenAt) })),
  };
}

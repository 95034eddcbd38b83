/**
 * Leadership of a highly available terminal (#19): several processes of one party share a
 * PostgreSQL database and exactly one of them, the active instance, signs entries. What decides it
 * is one row of `ha_lease`, read and written on a dedicated connection per process:
 *
 * - **Lease.** The holder renews `expires_at` (database clock) every third of its length. Another
 *   process may take the row when the lease expired, or at once when the holder's leadership
 *   connection is gone from `pg_stat_activity` (the holder died: the kernel closed its socket and
 *   the server ended its backend), so a killed process is replaced in well under the lease.
 * - **Fencing token.** Every acquisition adds one to `token`. Every commit of entries first reads
 *   the row under a key-share lock and fails (STORE_FENCED) unless it still carries the token of
 *   its process (KyselyStore.fenceWrites). An acquisition locks the row FOR UPDATE, which conflicts
 *   with those: it waits for the commits in flight, and every later commit of the previous holder
 *   fails. A renewal updates a non-key column, which takes a lock that does not conflict with a
 *   key share: renewals and commits never wait for each other. So a process
 *   paused past its lease (GC, SIGSTOP) or cut off from the database can never commit a signed
 *   entry after another instance took over.
 *
 * Times are the database's clock, never the machines': a clock that jumps on one machine does not
 * hand leadership to two processes.
 */
import pg from 'pg';
import { StoreError } from './errors.js';
import { startupOptions, type PostgresStoreConfig } from './postgres.js';

/** The lease as the database holds it, read at `now` (database clock, ms). */
export interface LeaseState {
  readonly token: number;
  readonly instance: string;
  readonly holder: string;
  readonly since: number;
  readonly expiresAt: number;
  readonly failovers: number;
  readonly now: number;
  /** The holder's leadership connection still exists on the server. */
  readonly holderConnected: boolean;
}

/** A lease just acquired. */
/** A session holding a lock on the lease table while a standby waited for the row in vain. */
export interface LeaseBlocker {
  readonly pid: number;
  /** hotline:PID:... for a terminal's connections (the process that opened it). */
  readonly applicationName: string;
  /** pg_stat_activity's state: `idle in transaction` for an orphaned or paused one. */
  readonly state: string;
  /** How long its transaction has been open, seconds. */
  readonly inTransactionSec: number | undefined;
}

export interface AcquiredLease {
  readonly token: number;
  readonly since: number;
  readonly expiresAt: number;
  readonly failovers: number;
  /** The instance that held it before, if any. */
  readonly previous: string | undefined;
}

/** One process of a highly available terminal, as it announces itself. */
export interface InstanceRow {
  readonly instance: string;
  readonly officerUrl: string;
  readonly federationUrl: string;
  readonly host: string;
  readonly pid: number;
  readonly role: 'active' | 'standby';
  readonly seenAt: number;
}

const NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;
const INT8_OID = 20;

/** The dedicated leadership connection of one process. */
/** How long opening the leadership connection may take, ms. */
const CONNECT_TIMEOUT_MS = 5_000;

export class Leadership {
  readonly #client: pg.Client;
  readonly #backend: { pid: number; start: string };
  #lost: ((error: Error) => void) | undefined;
  #closed = false;
  /** One operation at a time on the connection (a transaction must not interleave with a status read). */
  #queue: Promise<unknown> = Promise.resolve();
  #blocked: readonly LeaseBlocker[] = [];

  private constructor(client: pg.Client, backend: { pid: number; start: string }) {
    this.#client = client;
    this.#backend = backend;
    const lost = (error: Error): void => {
      if (!this.#closed) this.#lost?.(error);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('the leadership connection to the database ended')));
  }

  /** Opens the connection (the tables must exist: open the store once before). */
  static async connect(config: PostgresStoreConfig): Promise<Leadership> {
    const client = new pg.Client({
      connectionString: config.connectionString,
      ...(config.applicationName !== undefined ? { application_name: config.applicationName } : {}),
      ...startupOptions({ schema: config.schema }),
      // An address that accepts and then says nothing (a virtual IP moving, a proxy whose backend
      // died) must not hold a standby's watch for ever: it fails and is tried again.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
    });
    client.on('error', () => {});
    try {
      await client.connect();
      const r = await client.query<{ pid: number; start: string }>('select pid, backend_start::text as start from pg_stat_activity where pid = pg_backend_pid()');
      const backend = r.rows[0];
      if (!backend) throw new Error('the server does not list this connection in pg_stat_activity');
      return new Leadership(client, backend);
    } catch (error) {
      await client.end().catch(() => {});
      throw new StoreError('STORE_UNREACHABLE', { backend: 'PostgreSQL', where: 'the leadership connection', detail: (error as Error).message }, { cause: error });
    }
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Called once if this connection fails or ends (the holder must then step down). */
  onLost(fn: (error: Error) => void): void {
    this.#lost = fn;
  }

  /** The lease now, or undefined if no process ever held it. Takes no lock. */
  async lease(): Promise<LeaseState | undefined> {
    const r = await this.#exclusive(() => this.#client.query<{ token: number; instance: string; holder: string; since: number; expires_at: number; failovers: number; now: number; connected: boolean }>(
      `select l.token, l.instance, l.holder, l.since, l.expires_at, l.failovers, ${NOW} as now,
              exists (select 1 from pg_stat_activity a where a.pid = l.backend_pid and a.backend_start::text = l.backend_start) as connected
         from ha_lease l where l.id = 1`,
    ));
    const row = r.rows[0];
    if (!row || row.instance === '') return undefined;
    return { token: row.token, instance: row.instance, holder: row.holder, since: row.since, expiresAt: row.expires_at, failovers: row.failovers, now: row.now, holderConnected: row.connected };
  }

  /**
   * Takes the lease for `holder` if nobody holds it: none yet, expired, or its holder's connection
   * gone. Waits for the commits in flight under the old token. Undefined when it is held.
   */
  async acquire(o: { instance: string; holder: string; ttlMs: number }): Promise<AcquiredLease | undefined> {
    return this.#exclusive(() => this.#acquire(o));
  }

  async #acquire(o: { instance: string; holder: string; ttlMs: number }): Promise<AcquiredLease | undefined> {
    const c = this.#client;
    this.#blocked = [];
    await c.query('begin');
    try {
      // The row lock waits for commits in flight under the old token; a process paused inside one
      // holds it until the server ends its idle transaction (idle_in_transaction_session_timeout,
      // the lease's length): meanwhile give up and try again at the next look.
      await c.query(`set local lock_timeout = ${Math.max(1, Math.round(o.ttlMs))}`);
      const r = await c.query<{ token: number; instance: string; holder: string; expires_at: number; failovers: number; now: number; connected: boolean }>(
        `select l.token, l.instance, l.holder, l.expires_at, l.failovers, ${NOW} as now,
                exists (select 1 from pg_stat_activity a where a.pid = l.backend_pid and a.backend_start::text = l.backend_start) as connected
           from ha_lease l where l.id = 1 for update`,
      );
      const old = r.rows[0];
      if (!old) throw new Error('the lease row is missing (migration 0016_ha not applied?)');
      if (old.holder !== o.holder && old.expires_at > old.now && old.connected) {
        await c.query('rollback');
        return undefined;
      }
      // Under the row lock taken above: the token is the row's plus one, never computed elsewhere.
      const failover = old.instance !== '' && old.instance !== o.instance;
      const w = await c.query<{ token: number; since: number; expires_at: number; failovers: number }>(
        `update ha_lease set token = token + 1, instance = $1, holder = $2, backend_pid = $3, backend_start = $4,
           since = ${NOW}, expires_at = ${NOW} + $5, failovers = failovers + $6
         where id = 1 returning token, since, expires_at, failovers`,
        [o.instance, o.holder, this.#backend.pid, this.#backend.start, o.ttlMs, failover ? 1 : 0],
      );
      await c.query('commit');
      const row = w.rows[0]!;
      return { token: row.token, since: row.since, expiresAt: row.expires_at, failovers: row.failovers, previous: old.instance === '' ? undefined : old.instance };
    } catch (error) {
      await c.query('rollback').catch(() => {});
      if ((error as { code?: string }).code === '55P03') {
        // lock_not_available: say who holds the row, for the standby's log.
        this.#blocked = await this.#lockers().catch(() => []);
        return undefined;
      }
      throw error;
    }
  }

  /**
   * The sessions that held a lock on the lease table when the last {@link acquire} gave up waiting
   * for its row (lock_timeout): an orphaned backend of a dead instance, or one paused inside a
   * commit. Empty when the last acquire did not wait in vain.
   */
  blockedBy(): readonly LeaseBlocker[] {
    return this.#blocked;
  }

  async #lockers(): Promise<LeaseBlocker[]> {
    const r = await this.#client.query<{ pid: number; application_name: string; state: string | null; xact_sec: number | null }>(
      `select distinct a.pid, a.application_name, a.state, extract(epoch from (now() - a.xact_start))::float8 as xact_sec
         from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'relation' and l.relation = 'ha_lease'::regclass and l.granted and l.pid <> pg_backend_pid()
        order by a.pid`,
    );
    return r.rows.map((x) => ({ pid: x.pid, applicationName: x.application_name, state: x.state ?? 'unknown', inTransactionSec: x.xact_sec === null ? undefined : Math.round(x.xact_sec) }));
  }

  /** Extends the lease of `token`; the new expiry (database clock), or undefined if it is no longer held. */
  async renew(token: number, ttlMs: number): Promise<number | undefined> {
    const r = await this.#exclusive(() => this.#client.query<{ expires_at: number }>(`update ha_lease set expires_at = ${NOW} + $2 where id = 1 and token = $1 returning expires_at`, [token, ttlMs]));
    return r.rows[0]?.expires_at;
  }

  /** Gives the lease up at once (a clean stop), so a standby need not wait for it to expire. */
  async release(token: number): Promise<void> {
    await this.#exclusive(() => this.#client.query('update ha_lease set expires_at = 0 where id = 1 and token = $1', [token]));
  }

  /** Records where this process serves and in which role (for status and for standbys). */
  async announce(row: Omit<InstanceRow, 'seenAt'>): Promise<void> {
    await this.#exclusive(() => this.#client.query(
      `insert into ha_instances (instance, officer_url, federation_url, host, pid, role, seen_at) values ($1, $2, $3, $4, $5, $6, ${NOW})
       on conflict (instance) do update set officer_url = excluded.officer_url, federation_url = excluded.federation_url,
         host = excluded.host, pid = excluded.pid, role = excluded.role, seen_at = excluded.seen_at`,
      [row.instance, row.officerUrl, row.federationUrl, row.host, row.pid, row.role],
    ));
  }

  /** Every instance that ever announced itself, with when it was last seen (database clock). */
  async instances(): Promise<{ now: number; instances: InstanceRow[] }> {
    const r = await this.#exclusive(() =>
      this.#client.query<{ instance: string; officer_url: string; federation_url: string; host: string; pid: number; role: string; seen_at: number; now: number }>(
        `select instance, officer_url, federation_url, host, pid, role, seen_at, ${NOW} as now from ha_instances order by instance`,
      ),
    );
    const now = r.rows[0]?.now ?? (await this.#exclusive(() => this.#client.query<{ now: number }>(`select ${NOW} as now`))).rows[0]!.now;
    return { now, instances: r.rows.map((x) => ({ instance: x.instance, officerUrl: x.officer_url, federationUrl: x.federation_url, host: x.host, pid: x.pid, role: x.role === 'active' ? 'active' : 'standby', seenAt: x.seen_at })) };
  }

  /**
   * The wire text of every `key.revoke` entry `author` signed, in every channel: a standby reads
   * them before it takes the lease, so that an instance whose own key its party revoked does not.
   */
  async revocationEntries(author: string): Promise<string[]> {
    const r = await this.#exclusive(() =>
      this.#client.query<{ raw: string }>(`select e.raw from channels c join entries e on e.channel = c.id and e.kind = 'key.revoke' where e.author = $1`, [author]),
    );
    return r.rows.map((x) => x.raw);
  }

  /**
   * Keeps `card` (its JSON text) as the party's newest card unless the one kept is as new or newer
   * (`issued`): the instance that re-signed it publishes it, the others take it up (ha-runner.ts).
   */
  async publishCard(card: string, issued: number): Promise<void> {
    await this.#exclusive(() =>
      this.#client.query(`insert into ha_card (id, issued, card) values (1, $1, $2) on conflict (id) do update set issued = excluded.issued, card = excluded.card where ha_card.issued < excluded.issued`, [issued, card]),
    );
  }

  /** The party's newest card published by an instance (JSON text), if any. */
  async card(): Promise<string | undefined> {
    const r = await this.#exclusive(() => this.#client.query<{ card: string }>('select card from ha_card where id = 1'));
    return r.rows[0]?.card;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#client.end().catch(() => {});
  }
}

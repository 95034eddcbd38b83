/**
 * Persistence of officer accounts, their second factors, console sessions, login failures and the
 * local audit log: the {@link OfficerStore} interface and its Kysely implementation (both
 * backends). Reached as `store.officers`; inside `store.transaction(fn)` it joins the transaction.
 *
 * The store keeps what it is given: password hashes, TOTP secrets and session-id hashes are
 * computed by the terminal (src/terminal/officers/); the store never sees a password or a raw
 * session id. The audit log is append-only: there is no method to change or delete a row.
 */
import { sql, type CompiledQuery, type Kysely, type Selectable } from 'kysely';
import { StoreError } from './errors.js';
import type { AuditLogTable, Database, OfficersTable, SessionsTable } from './schema.js';
import type { PreparedWritePath, StoreAdapter } from './store-adapter.js';

// ---- rows that cross the boundary ------------------------------------------------------------

/** Roles of an officer, as stored (JSON text in `officers.roles`). */
export interface OfficerRoles {
  /** Roles held on every channel of this terminal (and terminal-wide, e.g. admin). */
  readonly terminal: readonly string[];
  /** Per-channel grants: channel id -> the role held on that channel (overrides `terminal`). */
  readonly channels: Readonly<Record<string, string>>;
}

/** An officer account of this terminal. */
export interface OfficerRow {
  /** Opaque id (random). */
  readonly id: string;
  /** Unique name, as published to peers inside signed entries. */
  readonly name: string;
  /** Title as published to peers, e.g. "Duty Officer". */
  readonly title: string;
  readonly roles: OfficerRoles;
  readonly disabled: boolean;
  /** argon2id PHC string. */
  readonly passwordHash: string;
  /** Base32 TOTP secret, or null when none is enrolled. */
  readonly totpSecret: string | null;
  /** The last TOTP time step accepted (replay protection), or null. */
  readonly totpLastStep: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Fields of an officer that may change. */
export type OfficerPatch = Partial<Pick<OfficerRow, 'title' | 'roles' | 'disabled' | 'passwordHash' | 'totpSecret' | 'totpLastStep'>> & {
  readonly updatedAt: number;
};

/** A WebAuthn credential (passkey) registered by an officer. */
export interface WebAuthnCredentialRow {
  /** Credential id, base64url. */
  readonly id: string;
  readonly officer: string;
  /** COSE public key, base64url. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

/** A console session. The id itself never reaches the store: only its SHA-256. */
export interface SessionRow {
  /** SHA-256 (hex) of the session id held in the officer's cookie. */
  readonly idHash: string;
  readonly officer: string;
  /** SHA-256 (hex) of the session's CSRF token. */
  readonly csrfHash: string;
  /** How the second factor was given: "totp", "webauthn" or "none" (roles that need none). */
  readonly secondFactor: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** Absolute end of the session. */
  readonly expiresAt: number;
  readonly revokedAt: number | null;
  readonly ip: string;
  readonly userAgent: string;
}

/** Consecutive failed sign-ins for one name (known or not), and the lockout they caused. */
export interface LoginFailureRow {
  readonly name: string;
  readonly failures: number;
  readonly lastFailureAt: number;
  readonly lockedUntil: number | null;
}

/** One record of the local audit log. */
export interface AuditRow {
  /** 1, 2, 3, ... without gaps. */
  readonly seq: number;
  readonly at: number;
  /** Who acted: an officer name, "terminal" (the host credential), or "anonymous". */
  readonly actor: string;
  /** What was done, e.g. "auth.login", "message.send". */
  readonly action: string;
  /** Details, JSON text (canonical; kept byte-identical). */
  readonly detail: string;
  /** Hash of the previous record ("" for the first). */
  readonly prevHash: string;
  /** Hash of this record (see src/terminal/officers/audit-log.ts). */
  readonly hash: string;
}

/** Officer accounts, sessions and the audit log. Every method is atomic. */
export interface OfficerStore {
  /** Adds an officer; returns false (and writes nothing) when the name is taken. */
  addOfficer(officer: OfficerRow): Promise<boolean>;
  getOfficer(id: string): Promise<OfficerRow | undefined>;
  getOfficerByName(name: string): Promise<OfficerRow | undefined>;
  /** All officers, by name. */
  listOfficers(): Promise<OfficerRow[]>;
  /** Whether any officer is enabled (one indexed row read, not the list). */
  hasEnabledOfficer(): Promise<boolean>;
  /** Changes an officer; returns false if there is no such officer. */
  updateOfficer(id: string, patch: OfficerPatch): Promise<boolean>;
  /**
   * Records that TOTP time step `step` was used, only if it is newer than the last one used:
   * returns false when it is not (a replayed code).
   */
  useTotpStep(id: string, step: number): Promise<boolean>;

  addCredential(credential: WebAuthnCredentialRow): Promise<void>;
  listCredentials(officer: string): Promise<WebAuthnCredentialRow[]>;
  /** Updates the signature counter after a successful authentication. */
  useCredential(id: string, counter: number, at: number): Promise<void>;
  /** Removes every credential of an officer (reset of the second factor); returns how many. */
  deleteCredentials(officer: string): Promise<number>;

  createSession(session: SessionRow): Promise<void>;
  getSession(idHash: string): Promise<SessionRow | undefined>;
  /** Records activity on a session (sliding idle timeout). */
  touchSession(idHash: string, at: number): Promise<void>;
  /** Revokes one session; returns false if unknown or already revoked. */
  revokeSession(idHash: string, at: number): Promise<boolean>;
  /** Revokes every live session of an officer; returns how many. */
  revokeOfficerSessions(officer: string, at: number): Promise<number>;
  /** Sessions, newest first; only those of `officer` when given. */
  listSessions(options?: { readonly officer?: string }): Promise<SessionRow[]>;

  getLoginFailures(name: string): Promise<LoginFailureRow | undefined>;
  putLoginFailures(row: LoginFailureRow): Promise<void>;
  clearLoginFailures(name: string): Promise<void>;

  /**
   * Appends one audit record. `build` receives the last record (or undefined) and returns the new
   * one, whose seq must be the next; concurrent appends are retried so the chain has no forks.
   */
  appendAudit(build: (last: AuditRow | undefined) => AuditRow): Promise<AuditRow>;
  /** Audit records with seq >= fromSeq, in order. */
  listAudit(options?: { readonly fromSeq?: number; readonly limit?: number }): Promise<AuditRow[]>;
  /** A page of audit records, newest first: before `beforeSeq`, narrowed by the filter. */
  auditPage(query: AuditPageQuery): Promise<AuditRow[]>;
}

/** A page of the audit log, newest first (the console's browsing). */
export interface AuditPageQuery {
  /** Only records with a smaller seq (the previous page's last). */
  readonly beforeSeq?: number;
  readonly limit: number;
  /** The actor exactly. */
  readonly actor?: string;
  /** The action exactly, or its prefix up to a dot ("auth" matches "auth.login"). */
  readonly action?: string;
  /** At or after, ms. */
  readonly since?: number;
  /** Before, ms. */
  readonly until?: number;
}

// ---- implementation ----------------------------------------------------------------------------

const AUDIT_APPEND_ATTEMPTS = 8;

/** {@link OfficerStore} over Kysely; `db` may be a transaction. */
export class KyselyOfficerStore implements OfficerStore {
  /**
   * @param durability where a COMMIT returns before it is on disk (SQLite, sqlite-durable.ts): what
   *   makes it so; the audit's own transactions settle only after it
   * @param writePath prepared statements for appends inside a caller's transaction, where the
   *   backend has them
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly adapter: Pick<StoreAdapter, 'lockAuditForAppend'>,
    private readonly durability?: { sync(): Promise<void> },
    private readonly writePath?: Pick<PreparedWritePath, 'auditLast' | 'auditInsert'>,
  ) {}

  async addOfficer(o: OfficerRow): Promise<boolean> {
    const r = await this.db
      .insertInto('officers')
      .values({
        id: o.id,
        name: o.name,
        title: o.title,
        roles: JSON.stringify(o.roles),
        disabled: o.disabled ? 1 : 0,
        password_hash: o.passwordHash,
        totp_secret: o.totpSecret,
        totp_last_step: o.totpLastStep,
        created_at: o.createdAt,
        updated_at: o.updatedAt,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async getOfficer(id: string): Promise<OfficerRow | undefined> {
    const row = await this.db.selectFrom('officers').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toOfficer(row);
  }

  async getOfficerByName(name: string): Promise<OfficerRow | undefined> {
    const row = await this.db.selectFrom('officers').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toOfficer(row);
  }

  async listOfficers(): Promise<OfficerRow[]> {
    return (await this.db.selectFrom('officers').selectAll().orderBy('name').execute()).map(toOfficer);
  }

  /** Compiled once: building and compiling a Kysely query costs more than running this one. */
  #enabledOfficer: CompiledQuery | undefined;

  async hasEnabledOfficer(): Promise<boolean> {
    // Literals, not bound parameters: SQLite re-prepares a statement whose bound values could
    // change its plan (with ANALYZE statistics, as here: `disabled` is indexed) at every run, and
    // this one runs on every signed request of the host credential (measured: 50 µs a request).
    this.#enabledOfficer ??= this.db.selectFrom('officers').select('id').where('disabled', '=', sql.lit(0)).limit(sql.lit(1)).compile();
    return (await this.db.executeQuery(this.#enabledOfficer)).rows.length > 0;
  }

  async updateOfficer(id: string, p: OfficerPatch): Promise<boolean> {
    const set: Partial<OfficersTable> = { updated_at: p.updatedAt };
    if (p.title !== undefined) set.title = p.title;
    if (p.roles !== undefined) set.roles = JSON.stringify(p.roles);
    if (p.disabled !== undefined) set.disabled = p.disabled ? 1 : 0;
    if (p.passwordHash !== undefined) set.password_hash = p.passwordHash;
    if (p.totpSecret !== undefined) set.totp_secret = p.totpSecret;
    if (p.totpLastStep !== undefined) set.totp_last_step = p.totpLastStep;
    const r = await this.db.updateTable('officers').set(set).where('id', '=', id).executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async useTotpStep(id: string, step: number): Promise<boolean> {
    const r = await this.db
      .updateTable('officers')
      .set({ totp_last_step: step })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async addCredential(c: WebAuthnCredentialRow): Promise<void> {
    await this.db
      .insertInto('webauthn_credentials')
      .values({
        id: c.id,
        officer: c.officer,
        public_key: c.publicKey,
        counter: c.counter,
        transports: JSON.stringify(c.transports),
        created_at: c.createdAt,
        last_used_at: c.lastUsedAt,
      })
      .execute();
  }

  async listCredentials(officer: string): Promise<WebAuthnCredentialRow[]> {
    const rows = await this.db.selectFrom('webauthn_credentials').selectAll().where('officer', '=', officer).orderBy('created_at').execute();
    return rows.map((r) => ({
      id: r.id,
      officer: r.officer,
      publicKey: r.public_key,
      counter: Number(r.counter),
      transports: JSON.parse(r.transports) as string[],
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  async useCredential(id: string, counter: number, at: number): Promise<void> {
    await this.db.updateTable('webauthn_credentials').set({ counter, last_used_at: at }).where('id', '=', id).execute();
  }

  async deleteCredentials(officer: string): Promise<number> {
    const r = await this.db.deleteFrom('webauthn_credentials').where('officer', '=', officer).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async createSession(s: SessionRow): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: s.idHash,
        officer: s.officer,
        csrf_hash: s.csrfHash,
        second_factor: s.secondFactor,
        created_at: s.createdAt,
        last_seen_at: s.lastSeenAt,
        expires_at: s.expiresAt,
        revoked_at: s.revokedAt,
        ip: s.ip,
        user_agent: s.userAgent,
      })
      .execute();
  }

  async getSession(idHash: string): Promise<SessionRow | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row && toSession(row);
  }

  async touchSession(idHash: string, at: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: at }).where('id_hash', '=', idHash).where('last_seen_at', '<', at).execute();
  }

  async revokeSession(idHash: string, at: number): Promise<boolean> {
    const r = await this.db.updateTable('sessions').set({ revoked_at: at }).where('id_hash', '=', idHash).where('revoked_at', 'is', null).executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async revokeOfficerSessions(officer: string, at: number): Promise<number> {
    const r = await this.db.updateTable('sessions').set({ revoked_at: at }).where('officer', '=', officer).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async listSessions(options: { readonly officer?: string } = {}): Promise<SessionRow[]> {
    let q = this.db.selectFrom('sessions').selectAll();
    if (options.officer !== undefined) q = q.where('officer', '=', options.officer);
    return (await q.orderBy('created_at', 'desc').orderBy('id_hash').execute()).map(toSession);
  }

  async getLoginFailures(name: string): Promise<LoginFailureRow | undefined> {
    const r = await this.db.selectFrom('login_failures').selectAll().where('name', '=', name).executeTakeFirst();
    return r && { name: r.name, failures: Number(r.failures), lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until };
  }

  async putLoginFailures(row: LoginFailureRow): Promise<void> {
    const values = { name: row.name, failures: row.failures, last_failure_at: row.lastFailureAt, locked_until: row.lockedUntil };
    await this.db
      .insertInto('login_failures')
      .values(values)
      .onConflict((oc) => oc.column('name').doUpdateSet({ failures: values.failures, last_failure_at: values.last_failure_at, locked_until: values.locked_until }))
      .execute();
  }

  async clearLoginFailures(name: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('name', '=', name).execute();
  }

  /** Appends of this process, one after the other: retries are for other processes' writers. */
  #auditTail: Promise<unknown> = Promise.resolve();
  /** Appends waiting for the next group commit. */
  #auditQueue: Array<{ build: (last: AuditRow | undefined) => AuditRow; resolve: (row: AuditRow) => void; reject: (e: unknown) => void }> = [];
  #auditDraining = false;

  appendAudit(build: (last: AuditRow | undefined) => AuditRow): Promise<AuditRow> {
    if (this.db.isTransaction) {
      const run = this.#auditTail.then(() => this.#appendAuditRetrying(build));
      this.#auditTail = run.catch(() => undefined);
      return run;
    }
    // Group commit: appends made while a commit runs share the next transaction (one fsync),
    // chained in arrival order.
    return new Promise<AuditRow>((resolve, reject) => {
      this.#auditQueue.push({ build, resolve, reject });
      if (!this.#auditDraining) void this.#drainAudit();
    });
  }

  async #drainAudit(): Promise<void> {
    this.#auditDraining = true;
    try {
      while (this.#auditQueue.length > 0) {
        const batch = this.#auditQueue.splice(0, 256);
        let rows: AuditRow[];
        try {
          rows = await this.db.transaction().execute(async (trx) => {
            await this.adapter.lockAuditForAppend(trx);
            const last = await trx.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
            let prev = last && toAudit(last);
            const out: AuditRow[] = [];
            for (const w of batch) {
              const row = w.build(prev);
              if (row.seq !== (prev?.seq ?? 0) + 1) throw new StoreError('STORE_BAD_INPUT', { field: 'audit seq', detail: `${row.seq} does not follow ${prev?.seq ?? 0}` });
              out.push(row);
              prev = row;
            }
            await trx
              .insertInto('audit_log')
              .values(out.map((row) => ({ seq: row.seq, at: row.at, actor: row.actor, action: row.action, detail: row.detail, prev_hash: row.prevHash, hash: row.hash })))
              .execute();
            return out;
          });
        } catch {
          // One bad append, or another process's writer: fall back to one at a time, so only the culprit fails.
          for (const w of batch) {
            try {
              w.resolve(await this.#appendAuditRetrying(w.build));
            } catch (e) {
              w.reject(e);
            }
          }
          continue;
        }
        try {
          await this.durability?.sync();
        } catch (e) {
          for (const w of batch) w.reject(e);
          continue;
        }
        batch.forEach((w, i) => w.resolve(rows[i]!));
      }
    } finally {
      this.#auditDraining = false;
    }
  }

  async #appendAuditRetrying(build: (last: AuditRow | undefined) => AuditRow): Promise<AuditRow> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#appendAuditOnce(build);
      } catch (e) {
        // Another writer took the same seq (primary key): read the new last record and chain again.
        if (attempt >= AUDIT_APPEND_ATTEMPTS || e instanceof StoreError || this.db.isTransaction) throw e;
      }
    }
  }

  /**
   * The last record, once this transaction holds the audit lock: nobody else appends until it
   * ends, so its own appends chain on without reading the table again (a group commit of many
   * officers' requests appends many records in one transaction).
   */
  #txLast: { row: AuditRow | undefined } | undefined;

  /** The prepared statements, inside a transaction only: they bypass the durable commit of autocommit writes. */
  get #prepared(): Pick<PreparedWritePath, 'auditLast' | 'auditInsert'> | undefined {
    return this.db.isTransaction ? this.writePath : undefined;
  }

  async #appendAuditOnce(build: (last: AuditRow | undefined) => AuditRow): Promise<AuditRow> {
    let prev: AuditRow | undefined;
    if (this.db.isTransaction && this.#txLast) prev = this.#txLast.row;
    else {
      // Inside a caller's transaction (an audit record committed with the entry it records), take
      // turns with every other appender until that transaction ends.
      if (this.db.isTransaction) await this.adapter.lockAuditForAppend(this.db);
      const last: Selectable<AuditLogTable> | undefined = this.#prepared ? this.#prepared.auditLast() : await this.db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
      prev = last && toAudit(last);
    }
    const row = build(prev);
    if (row.seq !== (prev?.seq ?? 0) + 1) throw new StoreError('STORE_BAD_INPUT', { field: 'audit seq', detail: `${row.seq} does not follow ${prev?.seq ?? 0}` });
    const values = { seq: row.seq, at: row.at, actor: row.actor, action: row.action, detail: row.detail, prev_hash: row.prevHash, hash: row.hash };
    if (this.#prepared) this.#prepared.auditInsert(values);
    else await this.db.insertInto('audit_log').values(values).execute();
    if (this.db.isTransaction) this.#txLast = { row };
    return row;
  }

  async listAudit(options: { readonly fromSeq?: number; readonly limit?: number } = {}): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_log').selectAll().where('seq', '>=', options.fromSeq ?? 1).orderBy('seq');
    if (options.limit !== undefined) q = q.limit(options.limit);
    return (await q.execute()).map(toAudit);
  }

  async auditPage(query: AuditPageQuery): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (query.beforeSeq !== undefined) q = q.where('seq', '<', query.beforeSeq);
    if (query.actor !== undefined) q = q.where('actor', '=', query.actor);
    if (query.action !== undefined) {
      const prefix = `${query.action}.`;
      q = q.where((eb) => eb.or([eb('action', '=', query.action!), eb(sql<string>`substr(action, 1, ${prefix.length})`, '=', prefix)]));
    }
    if (query.since !== undefined) q = q.where('at', '>=', query.since);
    if (query.until !== undefined) q = q.where('at', '<', query.until);
    return (await q.orderBy('seq', 'desc').limit(query.limit).execute()).map(toAudit);
  }
}

function toOfficer(r: Selectable<OfficersTable>): OfficerRow {
  return {
    id: r.id,
    name: r.name,
    title: r.title,
    roles: JSON.parse(r.roles) as OfficerRoles,
    disabled: Number(r.disabled) !== 0,
    passwordHash: r.password_hash,
    totpSecret: r.totp_secret,
    totpLastStep: r.totp_last_step === null ? null : Number(r.totp_last_step),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toSession(r: Selectable<SessionsTable>): SessionRow {
  return {
    idHash: r.id_hash,
    officer: r.officer,
    csrfHash: r.csrf_hash,
    secondFactor: r.second_factor,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    ip: r.ip,
    userAgent: r.user_agent,
  };
}

function toAudit(r: Selectable<AuditLogTable>): AuditRow {
  return { seq: Number(r.seq), at: r.at, actor: r.actor, action: r.action, detail: r.detail, prevHash: r.prev_hash, hash: r.hash };
}

/**
 * Officer accounts and their authentication: add, list, disable, enable, reset; sign-in with an
 * argon2id password and a second factor (TOTP, or a WebAuthn passkey where the browser has one);
 * console sessions with idle and absolute timeouts by the injected clock; lockout after repeated
 * failures. Every change and every sign-in (and its failures) goes to the audit log.
 *
 * Secrets never reach the store in the clear: passwords as argon2id hashes, session ids and CSRF
 * tokens as SHA-256 hashes. TOTP secrets must be readable to check codes, so they are stored as
 * given (the database is as sensitive as the terminal's key files; see docs/security.md).
 *
 * Over 400 lines with its comments (under 400 of code): accounts, passwords, second factors and
 * sessions share one lockout and one audit trail, and splitting them would spread that invariant.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { generateSecret, generateURI, verify as totpVerify } from 'otplib';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { controlCharacterIn, printable, sha256Hex, ROLES, type OfficerRef, type Role } from '../../protocol/index.js';
import type { OfficerRoles, OfficerRow, OfficerStore, SessionRow } from '../../store/index.js';
import type { Clock } from '../clock.js';
import { TerminalError } from '../errors.js';
import type { AuditLog } from './audit-log.js';
import { needsSecondFactor } from './permissions.js';

/**
 * The WebAuthn library, loaded at the first passkey operation: it takes about 0.2 s to load, and
 * most processes (every CLI command among them) never need it.
 */
const webauthn = () => import('@simplewebauthn/server');

/** Limits of sign-in and sessions. */
export interface AuthPolicy {
  /** Consecutive failures for one name before it is locked. */
  readonly maxFailures: number;
  /** How long a lockout lasts, ms. */
  readonly lockoutMs: number;
  /** A session ends after this long without a request, ms. */
  readonly idleMs: number;
  /** A session ends this long after sign-in whatever happens, ms. */
  readonly absoluteMs: number;
}

/** Defaults: 5 failures lock for 15 minutes; sessions idle out after 15 minutes, end after 12 hours. */
export const DEFAULT_AUTH_POLICY: AuthPolicy = Object.freeze({ maxFailures: 5, lockoutMs: 15 * 60_000, idleMs: 15 * 60_000, absoluteMs: 12 * 3_600_000 });

/** Where passkeys are valid (the console's origin). */
export interface WebAuthnConfig {
  readonly rpName: string;
  /** The console's host name, e.g. "localhost". */
  readonly rpID: string;
  /** The console's origins, e.g. ["http://localhost:7081"]. */
  readonly origins: readonly string[];
}

/** Who is calling the officer API. */
export type Principal =
  /** The host credential (DATA/officer.token): the terminal's operator on its own machine. */
  | { readonly kind: 'terminal' }
  /**
   * An officer: signed in to the console (cookie session, with a second factor where required),
   * or named by the host credential (`session` null: the CLI's `--officer NAME` on the host).
   */
  | { readonly kind: 'officer'; readonly officer: OfficerRow; readonly session: SessionRow | null };

/** An officer as the API and CLI show it (no secrets). */
export interface OfficerView {
  readonly name: string;
  readonly title: string;
  readonly roles: readonly string[];
  readonly channelRoles: Readonly<Record<string, string>>;
  readonly disabled: boolean;
  readonly secondFactor: { readonly totp: boolean; readonly passkeys: number; readonly required: boolean };
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What to create. */
export interface NewOfficer {
  readonly name: string;
  readonly title: string;
  readonly roles: readonly Role[];
  readonly channelRoles?: Readonly<Record<string, Role>>;
}

/** Secrets handed out once (at creation or reset); never retrievable again. */
export interface IssuedSecrets {
  readonly password?: string;
  readonly totpSecret?: string;
  /** otpauth:// URI to scan into an authenticator app. */
  readonly totpUri?: string;
}

/** A new console session: the id goes into the cookie, the CSRF token to the client. */
export interface NewSession {
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly officer: OfficerRow;
  readonly session: SessionRow;
}

/** Where a request came from, for the audit log (never put in signed entries). */
export interface RequestOrigin {
  readonly ip: string;
  readonly userAgent: string;
}

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} .'_-]{0,99}$/u;
const CHALLENGE_TTL_MS = 5 * 60_000;
// A valid argon2id hash of a random password: unknown names cost as much as known ones.
let dummyHash: Promise<string> | undefined;

/** SHA-256 (hex) of a session id or CSRF token, as stored. */
export function secretHash(secret: string): string {
  return sha256Hex('hotline.session.v1\n', secret);
}

/**
 * The CSRF token of a session, derived from its id: the console can ask for it again after a
 * reload (GET /api/v1/auth/session), and nothing but the session's holder can compute it.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', sessionId).update('hotline.csrf.v1').digest('base64url');
}

/** Officer accounts, sign-in and sessions. */
export class OfficerService {
  readonly policy: AuthPolicy;
  readonly #challenges = new Map<string, { challenge: string; until: number }>();

  constructor(
    private readonly store: OfficerStore,
    private readonly clock: Clock,
    readonly audit: AuditLog,
    private readonly options: { readonly issuer: string; readonly policy?: Partial<AuthPolicy>; readonly webauthn?: WebAuthnConfig },
  ) {
    this.policy = { ...DEFAULT_AUTH_POLICY, ...options.policy };
  }

  // ---- accounts --------------------------------------------------------------------------------

  /** Creates an officer with a random password and a TOTP secret, returned once. */
  async add(input: NewOfficer, actor: string): Promise<{ officer: OfficerView; secrets: IssuedSecrets }> {
    const name = checkName(input.name);
    const title = input.title.trim();
    if (!title || title.length > 200) throw new TerminalError('BAD_REQUEST', { detail: 'A title of 1 to 200 characters is required; peers see it, e.g. "Duty Officer".' });
    if (controlCharacterIn(title) !== undefined) throw new TerminalError('BAD_REQUEST', { detail: 'The title holds a control character (a newline, a tab, a bidirectional control); peers would see it escaped. Type it without.' });
    const roles = checkRoles(input.roles, input.channelRoles ?? {});
    const now = this.clock.now();
    const password = newPassword();
    const totpSecret = generateSecret();
    const row: OfficerRow = { id: randomUUID(), name, title, roles, disabled: false, passwordHash: await argonHash(password), totpSecret, totpLastStep: null, createdAt: now, updatedAt: now };
    if (!(await this.store.addOfficer(row))) throw new TerminalError('OFFICER_EXISTS', { name });
    await this.audit.append({ actor, action: 'officer.add', detail: { officer: name, title, roles: roles.terminal, channelRoles: roles.channels } });
    return { officer: await this.#view(row), secrets: { password, totpSecret, totpUri: this.#totpUri(name, totpSecret) } };
  }

  /** Every officer, by name. */
  async list(): Promise<OfficerView[]> {
    return Promise.all((await this.store.listOfficers()).map((o) => this.#view(o)));
  }

  /** Whether any officer account is enabled (asked on every signed action of the host credential). */
  anyEnabled(): Promise<boolean> {
    return this.store.hasEnabledOfficer();
  }

  /** An officer by name, or OFFICER_NOT_FOUND. */
  async get(name: string): Promise<OfficerRow> {
    const o = await this.store.getOfficerByName(name);
    // Echoed escaped and short: the name may be anything a caller typed.
    if (!o) throw new TerminalError('OFFICER_NOT_FOUND', { name: printable(name.length > 100 ? `${name.slice(0, 100)}…` : name) });
    return o;
  }

  /** Disables (or re-enables) an officer; disabling ends every session at once. */
  async setDisabled(name: string, disabled: boolean, actor: string): Promise<OfficerView> {
    const o = await this.get(name);
    const now = this.clock.now();
    await this.store.updateOfficer(o.id, { disabled, updatedAt: now });
    const ended = disabled ? await this.store.revokeOfficerSessions(o.id, now) : 0;
    await this.audit.append({ actor, action: disabled ? 'officer.disable' : 'officer.enable', detail: { officer: name, sessionsEnded: ended } });
    return this.#view({ ...o, disabled, updatedAt: now });
  }

  /** Changes title or roles. */
  async update(name: string, change: { title?: string; roles?: readonly Role[]; channelRoles?: Readonly<Record<string, Role>> }, actor: string): Promise<OfficerView> {
    const o = await this.get(name);
    const roles = change.roles || change.channelRoles ? checkRoles(change.roles ?? (o.roles.terminal as Role[]), change.channelRoles ?? (o.roles.channels as Record<string, Role>)) : undefined;
    const now = this.clock.now();
    await this.store.updateOfficer(o.id, { ...(change.title ? { title: change.title } : {}), ...(roles ? { roles } : {}), updatedAt: now });
    await this.audit.append({ actor, action: 'officer.update', detail: { officer: name, ...(change.title ? { title: change.title } : {}), ...(roles ? { roles: roles.terminal, channelRoles: roles.channels } : {}) } });
    return this.#view(await this.get(name));
  }

  /**
   * Issues a new password and/or a new TOTP secret (removing passkeys); ends every session and
   * clears a lockout. The new secrets are returned once.
   */
  async reset(name: string, what: { password?: boolean; secondFactor?: boolean }, actor: string): Promise<IssuedSecrets> {
    const o = await this.get(name);
    const now = this.clock.now();
    const password = what.password ? newPassword() : undefined;
    const totpSecret = what.secondFactor ? generateSecret() : undefined;
    await this.store.updateOfficer(o.id, {
      ...(password ? { passwordHash: await argonHash(password) } : {}),
      ...(totpSecret ? { totpSecret, totpLastStep: null } : {}),
      updatedAt: now,
    });
    const passkeys = what.secondFactor ? await this.store.deleteCredentials(o.id) : 0;
    const ended = await this.store.revokeOfficerSessions(o.id, now);
    await this.store.clearLoginFailures(name);
    await this.audit.append({ actor, action: 'officer.reset', detail: { officer: name, password: !!password, secondFactor: !!totpSecret, passkeysRemoved: passkeys, sessionsEnded: ended } });
    return { ...(password ? { password } : {}), ...(totpSecret ? { totpSecret, totpUri: this.#totpUri(name, totpSecret) } : {}) };
  }

  /**
   * Lifts a lockout after failed sign-ins (and clears the count), changing nothing else: the
   * officer signs in again with the same password and second factor, and their sessions go on.
   * For an admin when someone (a mistyping officer, or anyone who can reach the sign-in page) has
   * locked a name out during a watch. Says whether a lockout was in force.
   */
  async unlock(name: string, actor: string): Promise<{ name: string; wasLockedUntil: number | null }> {
    const o = await this.get(name);
    const failures = await this.store.getLoginFailures(o.name);
    const until = failures?.lockedUntil != null && failures.lockedUntil > this.clock.now() ? failures.lockedUntil : null;
    await this.store.clearLoginFailures(o.name);
    await this.audit.append({ actor, action: 'officer.unlock', detail: { officer: o.name, ...(until !== null ? { lockedUntil: until } : {}), failures: failures?.failures ?? 0 } });
    return { name: o.name, wasLockedUntil: until };
  }

  /** The name, title and role an officer publishes inside signed entries. */
  static ref(officer: OfficerRow, role: Role): OfficerRef {
    return { name: officer.name, title: officer.title, role };
  }

  // ---- sign-in ---------------------------------------------------------------------------------

  /**
   * Signs an officer in: password, then the second factor when any of their roles can send or
   * sign. Every failure counts towards a lockout of that name (known or not) and is audited; the
   * answer never says which part was wrong. On success a fresh session id is issued (never one
   * the client offered: no fixation).
   */
  async login(input: { name: string; password: string; totp?: string; webauthn?: AuthenticationResponseJSON }, from: RequestOrigin): Promise<NewSession> {
    const now = this.clock.now();
    const name = input.name.trim();
    const failures = await this.store.getLoginFailures(name);
    if (failures?.lockedUntil && failures.lockedUntil > now) {
      await this.audit.append({ actor: name, action: 'auth.login.locked', detail: { ...from, until: failures.lockedUntil } });
      throw this.#lockedOut(name, failures.lockedUntil);
    }
    const officer = await this.store.getOfficerByName(name);
    const passwordOk = await argonVerify(officer?.passwordHash ?? (await (dummyHash ??= argonHash(newPassword()))), input.password);
    let factor: 'totp' | 'webauthn' | 'none' | undefined;
    if (officer && passwordOk) factor = await this.#secondFactor(officer, input);
    if (!officer || !passwordOk || !factor) return this.#failed(name, failures?.failures ?? 0, from, !officer ? 'unknown name' : !passwordOk ? 'wrong password' : 'second factor missing or wrong');
    if (officer.disabled) {
      await this.audit.append({ actor: name, action: 'auth.login.failed', detail: { ...from, reason: 'disabled' } });
      throw new TerminalError('AUTH_DISABLED', { name });
    }
    await this.store.clearLoginFailures(name);
    const sessionId = randomBytes(32).toString('base64url');
    const csrfToken = csrfTokenFor(sessionId);
    const session: SessionRow = { idHash: secretHash(sessionId), officer: officer.id, csrfHash: secretHash(csrfToken), secondFactor: factor, createdAt: now, lastSeenAt: now, expiresAt: now + this.policy.absoluteMs, revokedAt: null, ip: from.ip, userAgent: from.userAgent.slice(0, 300) };
    await this.store.createSession(session);
    await this.audit.append({ actor: name, action: 'auth.login', detail: { ...from, factor, session: session.idHash.slice(0, 16) } });
    return { sessionId, csrfToken, officer, session };
  }

  async #secondFactor(officer: OfficerRow, input: { totp?: string; webauthn?: AuthenticationResponseJSON }): Promise<'totp' | 'webauthn' | 'none' | undefined> {
    if (input.webauthn) return (await this.#checkPasskey(officer, input.webauthn)) ? 'webauthn' : undefined;
    if (input.totp && officer.totpSecret) {
      const token = input.totp.replace(/\s+/g, '');
      if (!/^\d{6}$/.test(token)) return undefined;
      const r = await totpVerify({ secret: officer.totpSecret, token, epoch: Math.floor(this.clock.now() / 1000), epochTolerance: 30 });
      if (!r.valid || !('timeStep' in r)) return undefined;
      // Each code is good once: a code seen on the wire cannot be replayed within its window.
      return (await this.store.useTotpStep(officer.id, r.timeStep)) ? 'totp' : undefined;
    }
    return needsSecondFactor(officer.roles) ? undefined : 'none';
  }

  async #failed(name: string, before: number, from: RequestOrigin, reason: string): Promise<never> {
    const now = this.clock.now();
    const failures = before + 1;
    const lockedUntil = failures >= this.policy.maxFailures ? now + this.policy.lockoutMs : null;
    await this.store.putLoginFailures({ name, failures: lockedUntil ? 0 : failures, lastFailureAt: now, lockedUntil });
    await this.audit.append({ actor: name, action: 'auth.login.failed', detail: { ...from, reason, failures, ...(lockedUntil ? { lockedUntil } : {}) } });
    if (lockedUntil) throw this.#lockedOut(name, lockedUntil);
    throw new TerminalError('AUTH_FAILED', { left: this.policy.maxFailures - failures, minutes: Math.round(this.policy.lockoutMs / 60_000) });
  }

  #lockedOut(name: string, until: number): TerminalError {
    const e = new TerminalError('AUTH_LOCKED_OUT', { name, until: new Date(until).toISOString(), minutes: Math.max(1, Math.ceil((until - this.clock.now()) / 60_000)) });
    Object.assign(e.details, { retryAt: until });
    return e;
  }

  /**
   * The officer behind a session id, or AUTH_* when the session is unknown, revoked, idle too
   * long or past its absolute end. A live session's idle clock restarts.
   */
  async authenticate(sessionId: string): Promise<{ officer: OfficerRow; session: SessionRow }> {
    const now = this.clock.now();
    const session = await this.store.getSession(secretHash(sessionId));
    if (!session) throw new TerminalError('AUTH_REQUIRED');
    if (session.revokedAt !== null) throw new TerminalError('AUTH_SESSION_ENDED');
    const expired = now >= session.expiresAt ? `${Math.round(this.policy.absoluteMs / 3_600_000)} h after sign-in` : now - session.lastSeenAt >= this.policy.idleMs ? `${Math.round(this.policy.idleMs / 60_000)} min without activity` : undefined;
    const officer = await this.store.getOfficer(session.officer);
    if (expired || !officer || officer.disabled) {
      await this.store.revokeSession(session.idHash, now);
      if (expired) await this.audit.append({ actor: officer?.name ?? session.officer, action: 'auth.session.expired', detail: { session: session.idHash.slice(0, 16), why: expired } });
      throw expired ? new TerminalError('AUTH_SESSION_EXPIRED', { why: expired }) : new TerminalError('AUTH_SESSION_ENDED');
    }
    await this.store.touchSession(session.idHash, now);
    return { officer, session: { ...session, lastSeenAt: now } };
  }

  /** Whether `token` is the CSRF token of `session`. */
  static csrfOk(session: SessionRow, token: string | undefined): boolean {
    return typeof token === 'string' && token.length > 0 && secretHash(token) === session.csrfHash;
  }

  /** Signs out: the session id is dead from now on. */
  async logout(session: SessionRow, actor: string): Promise<void> {
    await this.store.revokeSession(session.idHash, this.clock.now());
    await this.audit.append({ actor, action: 'auth.logout', detail: { session: session.idHash.slice(0, 16) } });
  }

  /** Sessions (of one officer, or all), newest first; ids shown as the first 16 hex of their hash. */
  async sessions(officerName?: string): Promise<Array<{ id: string; officer: string; createdAt: number; lastSeenAt: number; expiresAt: number; revokedAt: number | null; ip: string; userAgent: string; active: boolean }>> {
    const officers = new Map((await this.store.listOfficers()).map((o) => [o.id, o.name]));
    const filter = officerName ? (await this.get(officerName)).id : undefined;
    const now = this.clock.now();
    return (await this.store.listSessions(filter ? { officer: filter } : {})).map((s) => ({
      id: s.idHash.slice(0, 16),
      officer: officers.get(s.officer) ?? s.officer,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      expiresAt: s.expiresAt,
      revokedAt: s.revokedAt,
      ip: s.ip,
      userAgent: s.userAgent,
      active: s.revokedAt === null && now < s.expiresAt && now - s.lastSeenAt < this.policy.idleMs,
    }));
  }

  /** Revokes a session by the id prefix {@link sessions} shows; `onlyOf` limits it to one officer's. */
  async revoke(idPrefix: string, actor: string, onlyOf?: string): Promise<boolean> {
    if (!/^[0-9a-f]{8,64}$/.test(idPrefix)) throw new TerminalError('BAD_REQUEST', { detail: 'A session id is 8 to 64 hex characters, as `GET /api/v1/auth/sessions` lists it.' });
    const match = (await this.store.listSessions(onlyOf ? { officer: onlyOf } : {})).filter((s) => s.idHash.startsWith(idPrefix));
    if (match.length !== 1) return false;
    const done = await this.store.revokeSession(match[0]!.idHash, this.clock.now());
    if (done) await this.audit.append({ actor, action: 'auth.session.revoke', detail: { session: idPrefix.slice(0, 16) } });
    return done;
  }

  // ---- passkeys (WebAuthn) -----------------------------------------------------------------------

  #webauthn(): WebAuthnConfig {
    if (!this.options.webauthn) throw new TerminalError('AUTH_WEBAUTHN', { detail: 'passkeys are not configured on this terminal' });
    return this.options.webauthn;
  }

  #challenge(key: string, challenge: string): void {
    const now = this.clock.now();
    for (const [k, v] of this.#challenges) if (v.until <= now) this.#challenges.delete(k);
    this.#challenges.set(key, { challenge, until: now + CHALLENGE_TTL_MS });
  }

  #takeChallenge(key: string): string {
    const c = this.#challenges.get(key);
    this.#challenges.delete(key);
    if (!c || c.until <= this.clock.now()) throw new TerminalError('AUTH_WEBAUTHN', { detail: 'no passkey challenge is pending, or it expired' });
    return c.challenge;
  }

  /** Options for registering a passkey, for a signed-in officer. */
  async passkeyRegistrationOptions(officer: OfficerRow): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const cfg = this.#webauthn();
    const existing = await this.store.listCredentials(officer.id);
    const { generateRegistrationOptions } = await webauthn();
    const options = await generateRegistrationOptions({
      rpName: cfg.rpName,
      rpID: cfg.rpID,
      userName: officer.name,
      userID: new TextEncoder().encode(officer.id),
      attestationType: 'none',
      excludeCredentials: existing.map((c) => ({ id: c.id, transports: [...c.transports] })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    });
    this.#challenge(`reg:${officer.id}`, options.challenge);
    return options;
  }

  /** Verifies and stores a passkey registration. */
  async registerPasskey(officer: OfficerRow, response: RegistrationResponseJSON): Promise<{ id: string }> {
    const cfg = this.#webauthn();
    const expectedChallenge = this.#takeChallenge(`reg:${officer.id}`);
    let verified;
    try {
      const { verifyRegistrationResponse } = await webauthn();
      verified = await verifyRegistrationResponse({ response, expectedChallenge, expectedOrigin: [...cfg.origins], expectedRPID: cfg.rpID, requireUserVerification: true });
    } catch (e) {
      throw new TerminalError('AUTH_WEBAUTHN', { detail: (e as Error).message });
    }
    if (!verified.verified) throw new TerminalError('AUTH_WEBAUTHN', { detail: 'the registration did not verify' });
    const c = verified.registrationInfo.credential;
    await this.store.addCredential({ id: c.id, officer: officer.id, publicKey: Buffer.from(c.publicKey).toString('base64url'), counter: c.counter, transports: c.transports ?? [], createdAt: this.clock.now(), lastUsedAt: null });
    await this.audit.append({ actor: officer.name, action: 'officer.passkey.add', detail: { credential: c.id.slice(0, 16) } });
    return { id: c.id };
  }

  /** Options for signing in with a passkey; an unknown name gets options that no passkey satisfies. */
  async passkeyLoginOptions(name: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const cfg = this.#webauthn();
    const officer = await this.store.getOfficerByName(name.trim());
    const creds = officer ? await this.store.listCredentials(officer.id) : [];
    const { generateAuthenticationOptions } = await webauthn();
    const options = await generateAuthenticationOptions({ rpID: cfg.rpID, allowCredentials: creds.map((c) => ({ id: c.id, transports: [...c.transports] })), userVerification: 'required' });
    this.#challenge(`auth:${name.trim()}`, options.challenge);
    return options;
  }

  async #checkPasskey(officer: OfficerRow, response: AuthenticationResponseJSON): Promise<boolean> {
    const cfg = this.options.webauthn;
    if (!cfg) return false;
    const pending = this.#challenges.get(`auth:${officer.name}`);
    this.#challenges.delete(`auth:${officer.name}`);
    if (!pending || pending.until <= this.clock.now()) return false;
    const cred = (await this.store.listCredentials(officer.id)).find((c) => c.id === response.id);
    if (!cred) return false;
    try {
      const { verifyAuthenticationResponse } = await webauthn();
      const r = await verifyAuthenticationResponse({
        response,
        expectedChallenge: pending.challenge,
        expectedOrigin: [...cfg.origins],
        expectedRPID: cfg.rpID,
        credential: { id: cred.id, publicKey: new Uint8Array(Buffer.from(cred.publicKey, 'base64url')), counter: cred.counter, transports: [...cred.transports] },
        requireUserVerification: true,
      });
      if (!r.verified) return false;
      await this.store.useCredential(cred.id, r.authenticationInfo.newCounter, this.clock.now());
      return true;
    } catch {
      return false;
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  #totpUri(name: string, secret: string): string {
    return generateURI({ issuer: this.options.issuer, label: name, secret });
  }

  async #view(o: OfficerRow): Promise<OfficerView> {
    const passkeys = (await this.store.listCredentials(o.id)).length;
    return {
      name: o.name,
      title: o.title,
      roles: o.roles.terminal,
      channelRoles: o.roles.channels,
      disabled: o.disabled,
      secondFactor: { totp: o.totpSecret !== null, passkeys, required: needsSecondFactor(o.roles) },
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
    };
  }
}

function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

function checkName(name: string): string {
  const n = name.trim();
  if (!NAME.test(n)) throw new TerminalError('BAD_REQUEST', { detail: `"${name}" is not a usable officer name: 1 to 100 letters, digits, spaces and . ' _ -, starting with a letter or digit.` });
  return n;
}

function checkRoles(roles: readonly string[], channelRoles: Readonly<Record<string, string>>): OfficerRoles {
  for (const r of [...roles, ...Object.values(channelRoles)])
    if (!(ROLES as readonly string[]).includes(r)) throw new TerminalError('BAD_REQUEST', { detail: `Unknown role "${r}"; roles are ${ROLES.join(', ')}.` });
  for (const c of Object.keys(channelRoles))
    if (!/^[0-9a-f]{64}$/.test(c)) throw new TerminalError('BAD_REQUEST', { detail: `"${c}" is not a channel id (64 hex characters); see \`hotline channel list --json\`.` });
  if (roles.length === 0 && Object.keys(channelRoles).length === 0) throw new TerminalError('BAD_REQUEST', { detail: 'Give the officer at least one role (--role) or a channel role (--channel-role CHANNEL=ROLE).' });
  return { terminal: [...new Set(roles)], channels: { ...channelRoles } };
}

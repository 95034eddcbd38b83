/**
 * The tables as Kysely sees them (snake_case, as stored). Rows are mapped to the camelCase types
 * of store.ts in kysely-store.ts (officer rows in officer-store.ts); nothing outside src/store/
 * sees these types. This module imports nothing of ours: every other store module may import it.
 */
import type { Generated } from 'kysely';

/** Settings of this terminal: `value` is JSON text. */
export interface MetaTable {
  key: string;
  value: string;
}

/** Known peer parties. */
export interface PeersTable {
  party: string;
  code: string;
  card: string;
  fingerprint: string;
  added_at: number;
  updated_at: number;
}

/** Channels and their charter state. */
export interface ChannelsTable {
  id: string;
  proposer: string;
  state: string;
  charter: string;
  created_at: number;
  updated_at: number;
}

/** Every entry of every log; `pos` is the arrival order. */
export interface EntriesTable {
  pos: Generated<number>;
  channel: string;
  author: string;
  seq: number;
  hash: string;
  kind: string;
  time: number;
  raw: string;
  received_at: number;
}

/** Where referents (messages, link tests) that left the terminal's memory are (migration 0019). */
export interface ReferentIndexTable {
  channel: string;
  /** The hash's first 12 hex digits as an integer (48 bits). */
  hash_key: number;
  author: string;
  seq: number;
}

/** Up to which seq an author's referents are in referent_index. */
export interface ReferentMarksTable {
  channel: string;
  author: string;
  seq: number;
}

/**
 * Where each entry of a lasting kind (not in BULK_KINDS) sits, written in the transaction
 * that inserts the entry (migration 0021): read at restart instead of a scan of the log.
 */
export interface LastingEntriesTable {
  channel: string;
  pos: number;
}

/** Evidence of equivocation. */
export interface EvidenceTable {
  id: Generated<number>;
  channel: string;
  author: string;
  seq: number;
  first_raw: string;
  second_raw: string;
  detected_at: number;
}

/** Projection of message entries. `drill` is 0 or 1 (SQLite has no boolean type). */
export interface MessagesTable {
  hash: string;
  channel: string;
  author: string;
  seq: number;
  time: number;
  precedence: string;
  lang: string;
  text: string;
  reply_to: string | null;
  drill: number;
  deadline_at: number | null;
  acked_at: number | null;
  acked_by: string | null;
  receipted_at: number | null;
  escalation_level: Generated<number>;
  /** When the escalation scheduler next looks at the message; null: nothing more to do (migration 0008). */
  escalation_due_at: number | null;
  /** A formatted message's {"fields","format"} as canonical JSON; null for free text (migration 0018). */
  formatted: string | null;
  /** The text as searched (message-pages.ts foldForSearch); null only for rows before migration 0020 filled it. */
  folded: string | null;
  /** The signing officer's name, folded likewise; null when the message names none (migration 0019). */
  officer: string | null;
}

/** Which entries acknowledge which message, by log positions (migration 0019): a page's acknowledgements without a scan. */
export interface MessageAcksTable {
  channel: string;
  message_author: string;
  message_seq: number;
  ack_author: string;
  ack_seq: number;
}

/** Highest cumulative receipt per (channel, holder, author). */
export interface ReceiptsTable {
  channel: string;
  holder: string;
  author: string;
  seq: number;
  hash: string;
  at: number;
}

/**
 * Every advance of a holder's cumulative receipt of an author's log (migration 0022): `holder`'s
 * receipt at `at` (its time) was the first to cover `author`'s entries up to `seq`. A message's
 * first covering receipt by a party is that party's row with the smallest `seq` at or above the
 * message's (rows only advance), so a message is receipted per party without a row per message.
 */
export interface ReceiptMarksTable {
  channel: string;
  author: string;
  holder: string;
  seq: number;
  at: number;
}

/** Link test measurements. */
export interface LinkSamplesTable {
  channel: string;
  peer: string;
  at: number;
  rtt_ms: number;
  offset_ms: number;
}

/** Escalation steps (escalation-store.ts). */
export interface EscalationsTable {
  id: Generated<number>;
  kind: string;
  message: string | null;
  channel: string | null;
  level: number;
  level_name: string;
  repeat: number;
  contact: string;
  via: string;
  address: string;
  attempt: number;
  at: number;
  outcome: string;
  error: string | null;
}

// ---- officer accounts, sessions and the audit log (officer-store.ts) ----------------------------

/** `officers`: `roles` is JSON text, `disabled` 0 or 1 (SQLite has no boolean type). */
export interface OfficersTable {
  id: string;
  name: string;
  title: string;
  roles: string;
  disabled: number;
  password_hash: string;
  totp_secret: string | null;
  totp_last_step: number | null;
  created_at: number;
  updated_at: number;
}

/** `webauthn_credentials`: `transports` is JSON text. */
export interface WebAuthnCredentialsTable {
  id: string;
  officer: string;
  public_key: string;
  counter: number;
  transports: string;
  created_at: number;
  last_used_at: number | null;
}

/** `sessions`, keyed by the hash of the session id. */
export interface SessionsTable {
  id_hash: string;
  officer: string;
  csrf_hash: string;
  second_factor: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
  ip: string;
  user_agent: string;
}

/** `login_failures`, keyed by the name tried. */
export interface LoginFailuresTable {
  name: string;
  failures: number;
  last_failure_at: number;
  locked_until: number | null;
}

/** `audit_log`: append-only, hash-chained. */
export interface AuditLogTable {
  seq: number;
  at: number;
  actor: string;
  action: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

/** `idempotency`: the answer to each officer-API write made with an Idempotency-Key. */
export interface IdempotencyTable {
  /** The caller's key, scoped by the route and caller (see officer-api/idempotency.ts). */
  key: string;
  /** SHA-256 of the request (method, path, body): the same key with another request is refused. */
  request: string;
  status: number;
  /** The answer's JSON body. */
  response: string;
  at: number;
}

/** `ha_lease`: one row (id 1) naming the active instance of a highly available terminal (leadership.ts). */
export interface HaLeaseTable {
  id: number;
  /** The fencing token: one more at every acquisition; commits of entries check it. */
  token: number;
  instance: string;
  /** The instance and a random name of its process: a restarted process is another holder. */
  holder: string;
  /** The PostgreSQL backend of the holder's leadership connection, and when it started. */
  backend_pid: number;
  backend_start: string;
  /** Database-clock milliseconds. */
  since: number;
  expires_at: number;
  /** Acquisitions by another instance than the previous holder's. */
  failovers: number;
}

/** `ha_instances`: the processes of a highly available terminal, and where they serve. */
export interface HaInstancesTable {
  instance: string;
  officer_url: string;
  federation_url: string;
  host: string;
  pid: number;
  role: string;
  seen_at: number;
}

/** The officer tables (officer-store.ts), part of {@link Database}. */
export interface OfficerTables {
  officers: OfficersTable;
  webauthn_credentials: WebAuthnCredentialsTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  audit_log: AuditLogTable;
}

/** The whole database, for `Kysely<Database>`. */
export interface Database extends OfficerTables {
  meta: MetaTable;
  peers: PeersTable;
  channels: ChannelsTable;
  entries: EntriesTable;
  referent_index: ReferentIndexTable;
  referent_marks: ReferentMarksTable;
  lasting_entries: LastingEntriesTable;
  evidence: EvidenceTable;
  messages: MessagesTable;
  message_acks: MessageAcksTable;
  receipts: ReceiptsTable;
  receipt_marks: ReceiptMarksTable;
  idempotency: IdempotencyTable;
  link_samples: LinkSamplesTable;
  escalations: EscalationsTable;
  ha_lease: HaLeaseTable;
  ha_instances: HaInstancesTable;
}

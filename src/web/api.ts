/**
 * The console's only way out: the officer API over HTTP (session cookie + X-CSRF-Token on
 * state-changing requests) and its events WebSocket. The types of what the API answers and of
 * the events' frames are the API's own (src/terminal/officer-api/api-schemas.ts, imported as
 * types only: nothing of the server reaches the console's bundle).
 */

import type * as Api from '../terminal/officer-api/api-schemas.js';

export type { DialogueView, DialogueIssue, DialogueMeeting, DialogueText, DialogueCommitment } from '../terminal/officer-api/api-schemas.js';
export type { FormatDetail, FormatSummary, Geometry, Rendered } from '../terminal/officer-api/api-schemas.js';
export type { ChannelDetail, ChannelSummary, CharterChange, Message, Pending, PendingSummary, LinkView, LinkSample, Status, ApiEvent, EntryEvent } from '../terminal/officer-api/api-schemas.js';

/** The officer signed in to this console (a session always carries its CSRF token here). */
export type Session = Api.OfficerSession & { csrfToken: string };

/**
 * Whether the officer's roles allow `action` on `channel` (a channel's grant replaces the
 * terminal-wide roles there), or on no one channel (terminal-wide roles only) — as the officer
 * API checks it, so that the console offers nothing it would refuse.
 */
export function mayDo(session: Pick<Session, 'permissions' | 'terminalPermissions' | 'channelPermissions'>, action: string, channel?: string): boolean {
  const held = (channel !== undefined ? session.channelPermissions?.[channel] : undefined) ?? session.terminalPermissions ?? session.permissions;
  return held.includes(action);
}

/** Messages awaiting acknowledgement the console lists: the earliest deadlines. */
export const PENDING_SHOWN = 200;

export type Precedence = Api.Message['precedence'];
export const PRECEDENCES = ['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'] as const satisfies readonly Precedence[];

/** An answer of the API other than 2xx, with its code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';
/** Listeners told when the session has ended (401 on any call). */
const ended = new Set<(why: string) => void>();

export function onSessionEnded(fn: (why: string) => void): () => void {
  ended.add(fn);
  return () => ended.delete(fn);
}

/** Answers meaning "nothing was done" while a highly available terminal fails over: retried. */
const NOTHING_DONE = new Set(['HA_STANDBY', 'HA_NO_ACTIVE', 'STORE_FENCED', 'CHANNEL_RECONCILING']);
/** How long a request is retried through a failover. */
const FAILOVER_RETRY_MS = 15_000;

/**
 * One request. Through a failover of a highly available terminal (docs/operations.md) it is
 * retried for up to 15 s when the answer says nothing was done; a message whose answer was lost
 * is retried with the same Idempotency-Key, so it is sent once.
 */
async function call<T>(method: string, path: string, body?: unknown, opts: { probe?: boolean; raw?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  // Sending messages honours Idempotency-Key: a retry after a lost answer is answered, not resent.
  const idempotent = method === 'GET' || (method === 'POST' && /^\/api\/v1\/channels\/[^/]+\/messages$/.test(path));
  if (method === 'POST' && idempotent) headers['idempotency-key'] = crypto.randomUUID();
  const until = Date.now() + FAILOVER_RETRY_MS;
  for (;;) {
    let r: Response;
    try {
      r = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (e) {
      if (!idempotent || Date.now() > until) throw e;
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    const text = await r.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!r.ok) {
      const e = (parsed ?? {}) as { code?: string; message?: string };
      const retry = Date.now() < until && ((e.code !== undefined && NOTHING_DONE.has(e.code)) || (idempotent && (e.code === 'HA_UPSTREAM_FAILED' || r.status === 502)));
      if (retry) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      const err = new ApiError(r.status, e.code ?? `HTTP_${r.status}`, e.message ?? `${method} ${path} failed (${r.status})`);
      if (r.status === 401 && !opts.probe && !path.startsWith('/api/v1/auth/login')) for (const fn of ended) fn(err.message);
      throw err;
    }
    return (opts.raw ? text : parsed) as T;
  }
}

export const api = {
  async session(): Promise<Session | null> {
    try {
      const s = await call<Api.SessionView>('GET', '/api/v1/auth/session', undefined, { probe: true });
      if (s.kind !== 'officer' || s.csrfToken === undefined) return null;
      csrf = s.csrfToken;
      return { ...s, csrfToken: s.csrfToken };
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  },
  async login(name: string, password: string, totp: string): Promise<void> {
    const r = await call<Api.LoginResult>('POST', '/api/v1/auth/login', { name, password, totp });
    csrf = r.csrfToken;
  },
  async logout(): Promise<void> {
    try {
      await call('POST', '/api/v1/auth/logout', {});
    } finally {
      csrf = '';
    }
  },
  status: () => call<Api.Status>('GET', '/api/v1/status'),
  /** The alarms raised lately, newest first (also those raised while this console was not connected). */
  alarms: () => call<Api.RecentAlarms>('GET', '/api/v1/alarms'),
  channels: () => call<Api.ChannelSummary[]>('GET', '/api/v1/channels'),
  channel: (id: string) => call<Api.ChannelDetail>('GET', `/api/v1/channels/${id}`),
  /** The latest messages; formatted ones rendered in `lang` (with their shapes for the map). */
  messages: (id: string, lang?: string) => call<Api.Message[]>('GET', `/api/v1/channels/${id}/messages?limit=${MESSAGES_SHOWN}${lang ? `&lang=${encodeURIComponent(lang)}` : ''}`),
  /** The page of messages before message `before` (oldest first), at most `limit`. */
  messagesBefore: (id: string, before: string, limit: number, lang?: string) => call<Api.Message[]>('GET', `/api/v1/channels/${id}/messages?before=${before}&limit=${limit}${lang ? `&lang=${encodeURIComponent(lang)}` : ''}`),
  /** Messages of a channel matching a search, newest first, a page at a time (`next` goes on). */
  search: (id: string, q: SearchQuery) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
    return call<Api.SearchResults>('GET', `/api/v1/channels/${id}/search?${params.toString()}`);
  },
  /** One format definition, by id, id@version or hash. */
  format: (name: string) => call<Api.FormatDetail>('GET', `/api/v1/formats/${encodeURIComponent(name)}`),
  /** Checks fields against a format; nothing is sent (validation as the officer types). */
  checkFields: (name: string, fields: Record<string, unknown>) => call<Api.FieldsCheck>('POST', `/api/v1/formats/${encodeURIComponent(name)}/check`, { fields }),
  /** The formats a channel's charter agreed. */
  channelFormats: (id: string) => call<Api.FormatSummary[]>('GET', `/api/v1/channels/${id}/formats`),
  /** A formatted message: an agreed format's id and its fields (the text is rendered by the terminal). */
  sendFormatted: (id: string, m: { format: { id: string; version?: number }; fields: Record<string, unknown>; lang: string; replyTo?: string; precedence?: Precedence }) => call<Api.SendResult>('POST', `/api/v1/channels/${id}/messages`, m),
  pending: () => call<Api.Pending[]>('GET', `/api/v1/pending?limit=${PENDING_SHOWN}`),
  pendingSummary: () => call<Api.PendingSummary>('GET', '/api/v1/pending/summary'),
  /** Escalation steps taken for one message: who was notified, how, when, the outcome. */
  escalations: (messageId: string) => call<EscalationStep[]>('GET', `/api/v1/escalations?message=${messageId}`),
  link: (id: string) => call<Api.LinkView>('GET', `/api/v1/channels/${id}/link`),
  send: (id: string, m: { text: string; lang: string; precedence: Precedence; replyTo?: string }) => call<Api.SendResult>('POST', `/api/v1/channels/${id}/messages`, m),
  ack: (messageId: string, note?: string) => call<Api.AckResult>('POST', `/api/v1/messages/${messageId}/ack`, note ? { note } : {}),
  readiness: (id: string) => call<Readiness>('GET', `/api/v1/channels/${id}/readiness`),
  overdue: () => call<OverdueMessage[]>('GET', '/api/v1/overdue'),
  roster: () => call<Roster>('GET', '/api/v1/roster'),
  auditVerify: () => call<AuditCheck>('GET', '/api/v1/audit/verify'),
  /** A page of the audit log, newest first; `next` asks for the older page. */
  auditPage: (q: AuditQuery) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
    return call<Api.AuditPage>('GET', `/api/v1/audit/records?${params.toString()}`);
  },
  /** The whole audit log as the terminal exports it (JSON Lines text), read now. */
  auditExport: () => call<string>('GET', '/api/v1/audit', undefined, { raw: true }),
  /** A channel's escalation policies: its own and those in effect per party. */
  escalation: (id: string) => call<ChannelEscalation>('GET', `/api/v1/channels/${id}/escalation`),
  /** Replaces a channel's own policies (contacts untouched). */
  setEscalation: (id: string, policies: PolicyInput[]) => call<unknown>('PUT', `/api/v1/channels/${id}/escalation`, { policies }),
  /** Replaces the duty roster; a webhook secret given as "(secret)" keeps the stored one. */
  setRoster: (roster: RosterInput) => call<unknown>('PUT', '/api/v1/roster', roster),
  /** The charter's and channel's state changes, with reasons. */
  history: (id: string) => call<Api.StateChange[]>('GET', `/api/v1/channels/${id}/history`),
  /** A charter action; a reason goes on the record (required except to accept and resume). */
  charterAction: (id: string, action: CharterAction, reason?: string) => call<Api.CharterActionResult>('POST', `/api/v1/channels/${id}/${action}`, reason ? { reason } : {}),
  /** Proposes a channel to known peers. */
  propose: (p: ProposalInput) => call<Api.ChannelDetail>('POST', '/api/v1/channels', p),
  /** Proposes an amendment of the charter in force (POST /channels/:id/amend): only what changes. */
  amend: (id: string, a: AmendmentInput) => call<Api.CharterActionResult>('POST', `/api/v1/channels/${id}/amend`, a),
  peers: () => call<Api.Peer[]>('GET', '/api/v1/peers'),
  dialogue: (id: string) => call<Api.DialogueView>('GET', `/api/v1/channels/${id}/dialogue`),
  /** One dialogue act: `path` under the channel, e.g. `/issues/ID/positions` (dialogue-routes.ts). */
  dialogueAct: (id: string, path: string, body: Record<string, unknown>) => call<Api.DialogueWritten>('POST', `/api/v1/channels/${id}${path}`, body),
};

export type OverdueMessage = Api.Overdue;
export type { StateChange, Peer } from '../terminal/officer-api/api-schemas.js';

export const CHARTER_ACTIONS = ['accept', 'decline', 'withdraw', 'suspend', 'resume', 'close'] as const;
export type CharterAction = (typeof CHARTER_ACTIONS)[number];

/** POST /api/v1/channels: a proposal as the console drafts it. */
export interface ProposalInput {
  title: Record<string, string>;
  tier: string;
  parties: string[];
  roles?: string[];
  languages?: string[];
  linkTestIntervalSec?: number;
  ackDeadlineSec?: Partial<Record<Precedence, number>>;
  note?: string;
}

/** POST /api/v1/channels/:id/amend: what an amendment drafted in the console changes, and why. */
export interface AmendmentInput {
  addParties?: string[];
  /** The roles a party already in the channel is to have, by code. */
  partyRoles?: Record<string, string[]>;
  removeParties?: string[];
  ackDeadlineSec?: Partial<Record<Precedence, number>>;
  linkTestIntervalSec?: number;
  title?: Record<string, string>;
  addLanguages?: string[];
  removeLanguages?: string[];
  /** The charter's note, or null to remove it. */
  note?: string | null;
  reason: string;
}

/** GET /api/v1/channels/:id/readiness (operations/readiness.ts), the parts the console shows. */
export interface Readiness {
  readonly title: Record<string, string>;
  readonly overall: DrillStats;
  readonly byShift: ReadonlyArray<DrillStats & { readonly shift: string }>;
  readonly byOfficer: ReadonlyArray<{ readonly party: string; readonly officer: string; readonly title: string; readonly acknowledged: number; readonly late: number; readonly timeToAck: AckTimes }>;
  readonly drills: ReadonlyArray<{ readonly id: string; readonly time: number; readonly deadlineAt: number | null; readonly status: 'acknowledged' | 'late' | 'unanswered' | 'pending'; readonly timeToAckMs: number | null }>;
}
interface AckTimes {
  readonly count: number;
  readonly medianMs: number | null;
  readonly worstMs: number | null;
}
interface DrillStats {
  readonly sent: number;
  readonly acknowledged: number;
  readonly late: number;
  readonly missed: number;
  readonly timeToAck: AckTimes;
}

/** A shift of the duty roster (escalation/settings.ts). */
export interface ShiftInput {
  officer: string;
  role: string;
  channel?: string;
  daily?: { from: string; to: string };
  start?: string;
  end?: string;
}
/** An officer of the duty roster and how to reach them. */
export interface RosterOfficer {
  name: string;
  console?: boolean;
  email?: string;
  webhook?: { url: string; secret: string };
}
/** PUT /api/v1/roster: only the officers and the shifts. */
export interface RosterInput {
  officers: Record<string, RosterOfficer>;
  shifts: ShiftInput[];
}

/** A level of an escalation policy. */
export interface LevelInput {
  name: string;
  contacts: string[];
  waitSec: number;
  repeats?: number;
}
/** An escalation policy as the terminal keeps it (fields the editor does not show are kept). */
export interface PolicyInput {
  channel?: string;
  party?: string;
  startAtReceipt?: Precedence[];
  levels: LevelInput[];
  overdue?: string[];
  alarms?: string[];
  dialogue?: string[];
  remindBeforeSec?: number;
}
/** GET /api/v1/channels/:id/escalation. */
export interface ChannelEscalation {
  readonly channel: string;
  readonly configured: boolean;
  readonly policies: PolicyInput[];
  readonly effective: ReadonlyArray<{ readonly party: string; readonly policy: PolicyInput }>;
}

/** GET /api/v1/audit/records's query. */
export interface AuditQuery {
  before?: number;
  limit?: number;
  actor?: string;
  action?: string;
  since?: number;
  until?: number;
}
export type AuditRecord = Api.AuditRecord;

/** GET /api/v1/roster: the shifts and who is on watch now. */
export interface Roster {
  readonly officers: Readonly<Record<string, RosterOfficer>>;
  readonly shifts: ReadonlyArray<{ readonly officer: string; readonly role: string; readonly channel?: string; readonly daily?: { readonly from: string; readonly to: string }; readonly start?: string; readonly end?: string }>;
  readonly onWatch: ReadonlyArray<{ readonly officer: string; readonly name: string; readonly role: string; readonly until: number }>;
}

/** GET /api/v1/audit/verify. */
export type AuditCheck = { readonly ok: true; readonly records: number; readonly head: string } | { readonly ok: false; readonly records: number; readonly seq: number; readonly problem: string };

/** Messages of a channel the console loads first: the latest ones. */
export const MESSAGES_SHOWN = 500;
/** Messages of each older page the timeline loads as the officer scrolls back. */
export const OLDER_PAGE = 200;

/** GET /api/v1/channels/:id/search's query. */
export interface SearchQuery {
  q?: string;
  /** Comma-separated precedences. */
  precedence?: string;
  officer?: string;
  since?: number;
  until?: number;
  before?: string;
  limit?: number;
  lang?: string;
}

/** GET /api/v1/escalations: one step of an escalation (store's EscalationStepRow). */
export interface EscalationStep {
  readonly kind: string;
  readonly level: number;
  readonly levelName: string;
  readonly repeat: number;
  readonly contact: string;
  readonly via: string;
  readonly at: number;
  readonly outcome: string;
  readonly error: string | null;
}

// The bodies of entry events: in a module of their own, free of the browser's globals (src/web/live.ts
// is tested under Node).
export { bodyOf, type AckBody, type MessageBody, type ReceiptBody } from './event-bodies.js';

/**
 * The events WebSocket, authenticated by the session cookie (same origin); reconnects with a
 * growing delay. Returns a function that closes it for good.
 */
export function connectEvents(onEvent: (e: Api.ApiEvent) => void, onState: (open: boolean) => void): () => void {
  let ws: WebSocket | undefined;
  let closed = false;
  let delay = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = () => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/events`;
    ws = new WebSocket(url);
    ws.onopen = () => {
      delay = 500;
      onState(true);
    };
    ws.onmessage = (m) => {
      try {
        onEvent(JSON.parse(String(m.data)) as Api.ApiEvent);
      } catch {
        // not an event
      }
    };
    ws.onclose = () => {
      onState(false);
      if (closed) return;
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 15_000);
    };
  };
  open();
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    ws?.close();
  };
}

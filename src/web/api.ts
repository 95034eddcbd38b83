/**
 * The console's only way out: the officer API over HTTP (session cookie + X-CSRF-Token on
 * state-changing requests) and its events WebSocket. Types are the fields the API presents.
 */

export interface Officer {
  name: string;
  title: string;
  roles: string[];
  channelRoles: Record<string, string>;
  permissions?: string[];
}

export interface Session extends Officer {
  kind: 'officer';
  csrfToken: string;
  expiresAt?: number;
  idleTimeoutMs?: number;
}

export interface ChannelSummary {
  id: string;
  state: string;
  title: Record<string, string>;
  tier: string;
  proposer: string;
  parties: string[];
  entries: number;
}

export interface ChannelDetail {
  id: string;
  state: string;
  title: Record<string, string>;
  tier: string;
  parties: Array<{ party: string; code: string; accepted?: boolean; link: string; roles?: string[] }>;
  messages: { total: number; unacknowledged: number };
  equivocations: number;
}

export interface AckedBy {
  code?: string;
  officer?: { name: string; title: string; role?: string };
  time?: number;
}

export interface Message {
  id: string;
  from: string;
  own: boolean;
  seq: number;
  time: number;
  precedence: Precedence;
  lang: string;
  text: string;
  replyTo: string | null;
  drill: boolean;
  deadlineAt: number | null;
  receiptedAt: number | null;
  ackedAt: number | null;
  ackedBy: AckedBy | null;
}

export interface Pending {
  id: string;
  channel: string;
  from: string;
  time: number;
  precedence: Precedence;
  text: string;
  drill: boolean;
  deadlineAt: number | null;
  escalation: { level: number; levelName: string | null };
}

/** How many await acknowledgement here, in all and per channel (the list holds the earliest few). */
export interface PendingSummary {
  total: number;
  channels: Record<string, number>;
}

/** Messages awaiting acknowledgement the console lists: the earliest deadlines. */
export const PENDING_SHOWN = 200;

export interface LinkSample {
  at: number;
  rttMs: number;
  offsetMs: number;
}

export interface LinkView {
  health: Array<{ peer: string; code: string; state: string; lastEchoAt: number | null; lastRttMs: number | null; lastOffsetMs: number | null; since: number }>;
  samples: Record<string, LinkSample[]>;
}

export interface Status {
  party: string;
  code: string;
  links: Array<{ peer: string; code: string; state: string; endpoint: string | null }>;
  time: number;
}

export const PRECEDENCES = ['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'] as const;
export type Precedence = (typeof PRECEDENCES)[number];

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

async function call<T>(method: string, path: string, body?: unknown, opts: { probe?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const r = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (!r.ok) {
    const e = (parsed ?? {}) as { code?: string; message?: string };
    const err = new ApiError(r.status, e.code ?? `HTTP_${r.status}`, e.message ?? `${method} ${path} failed (${r.status})`);
    if (r.status === 401 && !opts.probe && !path.startsWith('/api/v1/auth/login')) for (const fn of ended) fn(err.message);
    throw err;
  }
  return parsed as T;
}

export const api = {
  async session(): Promise<Session | null> {
    try {
      const s = await call<Session | { kind: 'terminal' }>('GET', '/api/v1/auth/session', undefined, { probe: true });
      if (s.kind !== 'officer') return null;
      csrf = s.csrfToken;
      return s;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  },
  async login(name: string, password: string, totp: string): Promise<void> {
    const r = await call<{ csrfToken: string }>('POST', '/api/v1/auth/login', { name, password, totp });
    csrf = r.csrfToken;
  },
  async logout(): Promise<void> {
    try {
      await call('POST', '/api/v1/auth/logout', {});
    } finally {
      csrf = '';
    }
  },
  status: () => call<Status>('GET', '/api/v1/status'),
  channels: () => call<ChannelSummary[]>('GET', '/api/v1/channels'),
  channel: (id: string) => call<ChannelDetail>('GET', `/api/v1/channels/${id}`),
  messages: (id: string) => call<Message[]>('GET', `/api/v1/channels/${id}/messages?limit=500`),
  pending: () => call<Pending[]>('GET', `/api/v1/pending?limit=${PENDING_SHOWN}`),
  pendingSummary: () => call<PendingSummary>('GET', '/api/v1/pending/summary'),
  link: (id: string) => call<LinkView>('GET', `/api/v1/channels/${id}/link`),
  send: (id: string, m: { text: string; lang: string; precedence: Precedence; replyTo?: string }) => call<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, m),
  ack: (messageId: string) => call<{ id: string }>('POST', `/api/v1/messages/${messageId}/ack`, {}),
};

/** An event of the terminal (the fields the console uses). */
export interface TerminalEvent {
  type: 'entry' | 'state' | 'alarm' | 'escalation' | 'peers' | 'peer-seen';
  channel?: string;
  kind?: string;
  own?: boolean;
  authorCode?: string;
  hash?: string;
  body?: { text?: string; precedence?: Precedence; drill?: boolean; message?: string } | undefined;
  code?: string;
  message?: string;
  subject?: string;
  text?: string;
  state?: string;
}

/**
 * The events WebSocket, authenticated by the session cookie (same origin); reconnects with a
 * growing delay. Returns a function that closes it for good.
 */
export function connectEvents(onEvent: (e: TerminalEvent) => void, onState: (open: boolean) => void): () => void {
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
        onEvent(JSON.parse(String(m.data)) as TerminalEvent);
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

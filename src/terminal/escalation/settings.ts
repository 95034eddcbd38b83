/**
 * Escalation policies (DATA/escalation.json) and the duty roster (DATA/roster.json): their
 * schemas, validation with errors that name the field, and the questions the scheduler asks —
 * which policy governs a message, and who a target such as "duty-officer" reaches right now.
 *
 * escalation.json
 *   { "contacts": { "ops-room": { "console": true, "webhook": { "url": "...", "secret": "..." } } },
 *     "policies": [ { "channel": "*", "party": "*", "startAtReceipt": ["FLASH"],
 *                     "levels": [ { "name": "duty officer", "contacts": ["duty-officer"], "waitSec": 120, "repeats": 1 },
 *                                 { "name": "watch supervisor", "contacts": ["watch-supervisor"], "waitSec": 300 } ],
 *                     "overdue": ["ops-room"], "alarms": ["ops-room"] } ] }
 * roster.json
 *   { "officers": { "lt-chen": { "name": "Lt Chen", "console": true, "email": "chen@example.org" } },
 *     "shifts": [ { "officer": "lt-chen", "role": "duty-officer", "channel": "*", "daily": { "from": "08:00", "to": "20:00" } },
 *                 { "officer": "lt-chen", "role": "watch-supervisor", "start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z" } ] }
 *
 * A target in a level (or in `overdue`/`alarms`) is a contact name, an officer id of the roster,
 * or a role that roster shifts (or the protocol's roles) name: a role reaches the officers on
 * watch in that role for the channel at the moment of the step.
 */
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { PRECEDENCES, ROLES } from '../../protocol/index.js';
import { TerminalError } from '../errors.js';

export const ESCALATION_FILE = 'escalation.json';
export const ROSTER_FILE = 'roster.json';

/** Longest wait between two steps: one week. */
export const MAX_WAIT_SEC = 604_800;

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._ -]*$' });
const Email = Type.String({ minLength: 3, maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' });
const Webhook = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    /** HMAC-SHA256 key of the X-Hotline-Signature header. */
    secret: Type.String({ minLength: 16, maxLength: 500 }),
  },
  { additionalProperties: false },
);
const ContactFields = {
  console: Type.Optional(Type.Boolean()),
  webhook: Type.Optional(Webhook),
  email: Type.Optional(Email),
};
const Contact = Type.Object(ContactFields, { additionalProperties: false });
const Targets = Type.Array(Name, { minItems: 1, maxItems: 50 });
/**
 * `*`, or a channel id or a prefix of it. The CLI and the officer API ask for at least 6
 * characters; an escalation.json keeps taking 4 as it did before, so that a file that worked is
 * never a reason for a terminal not to start after an upgrade.
 */
const ChannelSelector = Type.String({ pattern: '^(\\*|[0-9a-f]{4,64})$' });
const PartySelector = Type.String({ pattern: '^(\\*|[A-Z0-9][A-Z0-9-]{0,15})$' });

const Level = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    contacts: Targets,
    /** Seconds before the next notification (a repeat, or the next level). */
    waitSec: Type.Integer({ minimum: 1, maximum: MAX_WAIT_SEC }),
    /** How many more times this level is notified before the next level. */
    repeats: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  },
  { additionalProperties: false },
);

const Policy = Type.Object(
  {
    /** A channel id (or unique prefix), or "*" for every channel. */
    channel: Type.Optional(ChannelSelector),
    /** The other party by code, or "*". */
    party: Type.Optional(PartySelector),
    /** Precedences for which escalation starts at receipt rather than at the deadline. */
    startAtReceipt: Type.Optional(Type.Array(Type.Enum(PRECEDENCES), { uniqueItems: true })),
    levels: Type.Array(Level, { minItems: 1, maxItems: 20 }),
    /** Who hears that our own message was not acknowledged by the other side in time (default: level 1). */
    overdue: Type.Optional(Targets),
    /** Who hears alarms (link down/up, equivocation) on this channel (default: level 1). */
    alarms: Type.Optional(Targets),
    /** Who hears dialogue reminders: meetings soon, commitments due and overdue (default: `overdue`, else level 1). */
    dialogue: Type.Optional(Targets),
    /** How long before a meeting or a commitment's due date its reminder goes out, seconds (default one day). */
    remindBeforeSec: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86_400 })),
  },
  { additionalProperties: false },
);

const Retry = Type.Object(
  {
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    backoffSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    maxBackoffSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);

export const EscalationFileSchema = Type.Object(
  {
    contacts: Type.Optional(Type.Record(Name, Contact)),
    policies: Type.Array(Policy, { maxItems: 1000 }),
    /** Webhook and e-mail retries: capped exponential backoff. */
    retry: Type.Optional(Retry),
  },
  { additionalProperties: false },
);

const Officer = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), ...ContactFields }, { additionalProperties: false });
const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });
const Shift = Type.Object(
  {
    officer: Name,
    role: Name,
    channel: Type.Optional(ChannelSelector),
    /** A one-off shift, ISO 8601 times. */
    start: Type.Optional(Type.String({ minLength: 10, maxLength: 40 })),
    end: Type.Optional(Type.String({ minLength: 10, maxLength: 40 })),
    /** A daily shift in UTC; `to` at or before `from` runs past midnight. */
    daily: Type.Optional(Type.Object({ from: HHMM, to: HHMM }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const RosterFileSchema = Type.Object(
  {
    officers: Type.Record(Name, Officer),
    shifts: Type.Array(Shift, { maxItems: 10_000 }),
  },
  { additionalProperties: false },
);

export type ContactSpec = Static<typeof Contact>;
export type LevelSpec = Static<typeof Level>;
export type PolicySpec = Static<typeof Policy>;
export type EscalationFile = Static<typeof EscalationFileSchema>;
export type RosterFile = Static<typeof RosterFileSchema>;
export type ShiftSpec = Static<typeof Shift>;

/** Retry settings with defaults applied. */
export interface RetrySettings {
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { maxAttempts: 5, backoffMs: 5_000, maxBackoffMs: 300_000 };

/** Used when escalation.json does not exist: the console rings, and keeps ringing every 5 minutes. */
export const DEFAULT_POLICY: PolicySpec = Object.freeze({
  channel: '*',
  party: '*',
  levels: [{ name: 'duty officer', contacts: ['console'], waitSec: 300, repeats: 11 }],
});

/** One way to reach someone, resolved from a contact or an officer. */
export interface Target {
  /** The contact name or officer id, as configured. */
  readonly contact: string;
  readonly via: 'console' | 'webhook' | 'email';
  /** URL, e-mail address or "console". */
  readonly address: string;
  /** Webhook HMAC key. */
  readonly secret?: string;
}

/** What resolving a list of targets gave: addresses, and targets that reach nobody now. */
export interface Resolution {
  readonly targets: Target[];
  readonly unreachable: Array<{ contact: string; reason: string }>;
}

const escalationCheck = Compile(EscalationFileSchema);
const rosterCheck = Compile(RosterFileSchema);

function schemaProblem(check: typeof escalationCheck | typeof rosterCheck, value: unknown): string | undefined {
  if (check.Check(value)) return undefined;
  const errors = [...check.Errors(value)].sort((a, b) => b.instancePath.length - a.instancePath.length);
  const e = errors.find((x) => x.keyword !== 'boolean' && x.keyword !== 'anyOf') ?? errors[0];
  if (!e) return 'invalid value';
  const field = fieldName(e.instancePath);
  if (/\/waitSec$/.test(e.instancePath)) return `${field}: invalid wait ${JSON.stringify(valueAt(value, e.instancePath))}: give a whole number of seconds from 1 to ${MAX_WAIT_SEC}`;
  if (/\/levels$/.test(e.instancePath) && e.keyword === 'minItems') return `${field}: the policy has no levels: give at least one level with contacts and a wait`;
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperties?: string[] }).additionalProperties;
    return `${field}: unknown field${extra?.length ? ` "${extra.join('", "')}"` : ''}`;
  }
  return `${field}: ${e.message}`;
}

function fieldName(pointer: string): string {
  if (pointer === '') return '(top level)';
  return pointer
    .slice(1)
    .split('/')
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : `${i ? '.' : ''}${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('');
}

function valueAt(root: unknown, pointer: string): unknown {
  let v = root;
  for (const p of pointer.split('/').slice(1)) v = (v as Record<string, unknown> | undefined)?.[p];
  return v;
}

function invalid(file: string, detail: string): TerminalError {
  return new TerminalError('BAD_REQUEST', { detail: `${file}: ${detail}.` });
}

type ParsedShift = ShiftSpec & { startMs?: number; endMs?: number; fromMin?: number; toMin?: number };

/** Validated, ready-to-query escalation settings of one terminal. */
export class EscalationSettings {
  readonly file: EscalationFile;
  readonly roster: RosterFile;
  readonly retry: RetrySettings;
  /** Whether escalation.json existed (otherwise {@link DEFAULT_POLICY} applies). */
  readonly configured: boolean;
  readonly #shifts: ParsedShift[];

  private constructor(file: EscalationFile, roster: RosterFile, configured: boolean, shifts: ParsedShift[]) {
    this.file = file;
    this.roster = roster;
    this.configured = configured;
    this.#shifts = shifts;
    this.retry = {
      maxAttempts: file.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
      backoffMs: (file.retry?.backoffSec ?? DEFAULT_RETRY.backoffMs / 1000) * 1000,
      maxBackoffMs: (file.retry?.maxBackoffSec ?? DEFAULT_RETRY.maxBackoffMs / 1000) * 1000,
    };
  }

  /** No escalation.json and no roster.json: the console-only default. */
  static defaults(): EscalationSettings {
    return EscalationSettings.from(undefined, undefined, { smtp: false });
  }

  /**
   * Validates parsed escalation.json and roster.json (undefined = file absent); throws a
   * TerminalError (BAD_REQUEST) whose message names the file and the field.
   * `smtp`: whether e-mail can be sent (config.json has an smtp section).
   */
  static from(escalation: unknown, roster: unknown, opts: { smtp: boolean }): EscalationSettings {
    const r: RosterFile = roster === undefined ? { officers: {}, shifts: [] } : (roster as RosterFile);
    if (roster !== undefined) {
      const p = schemaProblem(rosterCheck, roster);
      if (p) throw invalid(ROSTER_FILE, p);
    }
    const shifts: ParsedShift[] = [];
    r.shifts.forEach((s, i) => {
      const at = `shifts[${i}]`;
      if (!r.officers[s.officer]) throw invalid(ROSTER_FILE, `${at}.officer: unknown officer "${s.officer}": add it under "officers"`);
      if (s.daily && (s.start || s.end)) throw invalid(ROSTER_FILE, `${at}: give either "daily" or "start" and "end", not both`);
      if (s.daily) {
        const min = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
        shifts.push({ ...s, fromMin: min(s.daily.from), toMin: min(s.daily.to) });
        return;
      }
      if (!s.start || !s.end) throw invalid(ROSTER_FILE, `${at}: a shift needs "start" and "end" (ISO 8601 times) or "daily": {"from": "HH:MM", "to": "HH:MM"}`);
      const startMs = Date.parse(s.start);
      const endMs = Date.parse(s.end);
      if (Number.isNaN(startMs)) throw invalid(ROSTER_FILE, `${at}.start: "${s.start}" is not an ISO 8601 time such as 2026-01-01T08:00:00Z`);
      if (Number.isNaN(endMs)) throw invalid(ROSTER_FILE, `${at}.end: "${s.end}" is not an ISO 8601 time such as 2026-01-01T20:00:00Z`);
      if (endMs <= startMs) throw invalid(ROSTER_FILE, `${at}.end: the shift ends (${s.end}) before it starts (${s.start})`);
      shifts.push({ ...s, startMs, endMs });
    });
    for (const [id, o] of Object.entries(r.officers)) checkContact(ROSTER_FILE, `officers.${id}`, o, opts.smtp);

    const configured = escalation !== undefined;
    const file: EscalationFile = configured ? (escalation as EscalationFile) : { policies: [DEFAULT_POLICY] };
    if (configured) {
      const p = schemaProblem(escalationCheck, escalation);
      if (p) throw invalid(ESCALATION_FILE, p);
    }
    const contacts = file.contacts ?? {};
    for (const [name, c] of Object.entries(contacts)) {
      checkContact(ESCALATION_FILE, `contacts.${name}`, c, opts.smtp);
      if (r.officers[name]) throw invalid(ESCALATION_FILE, `contacts.${name}: "${name}" is also an officer id in ${ROSTER_FILE}; use one name for one person`);
    }
    const roles = new Set<string>([...ROLES, ...r.shifts.map((s) => s.role)]);
    const known = (t: string) => t === 'console' || !!contacts[t] || !!r.officers[t] || roles.has(t);
    file.policies.forEach((policy, i) => {
      const check = (list: readonly string[] | undefined, where: string) =>
        list?.forEach((t, j) => {
          if (!known(t))
            throw invalid(
              ESCALATION_FILE,
              `policies[${i}].${where}[${j}]: unknown contact "${t}": define it under "contacts", as an officer in ${ROSTER_FILE}, or as the role of a roster shift (known: ${[...Object.keys(contacts), ...Object.keys(r.officers), ...roles].join(', ')})`,
            );
        });
      policy.levels.forEach((l, j) => check(l.contacts, `levels[${j}].contacts`));
      check(policy.overdue, 'overdue');
      check(policy.alarms, 'alarms');
      check(policy.dialogue, 'dialogue');
    });
    return new EscalationSettings(file, r, configured, shifts);
  }

  /**
   * The policy for a message of `partyCode` on `channel`: the most specific match (channel and
   * party, then channel, then party, then "*"), the first in file order among equals.
   */
  policyFor(channel: string | undefined, partyCode: string | undefined): PolicySpec {
    let best: PolicySpec | undefined;
    let bestScore = -1;
    for (const p of this.file.policies) {
      const c = p.channel ?? '*';
      const party = p.party ?? '*';
      if (c !== '*' && !(channel && channel.startsWith(c))) continue;
      if (party !== '*' && party !== partyCode) continue;
      const score = (c !== '*' ? 2 : 0) + (party !== '*' ? 1 : 0);
      if (score > bestScore) {
        best = p;
        bestScore = score;
      }
    }
    return best ?? DEFAULT_POLICY;
  }

  /** Officers on watch at `now` for `channel` (every role, or one role). */
  onWatch(now: number, channel?: string, role?: string): Array<{ officer: string; name: string; role: string; until: number }> {
    const out: Array<{ officer: string; name: string; role: string; until: number }> = [];
    const d = new Date(now);
    const minute = d.getUTCHours() * 60 + d.getUTCMinutes();
    const dayStart = now - (now % 86_400_000);
    for (const s of this.#shifts) {
      if (role !== undefined && s.role !== role) continue;
      const c = s.channel ?? '*';
      if (c !== '*' && !(channel && channel.startsWith(c))) continue;
      let until: number | undefined;
      if (s.startMs !== undefined && s.endMs !== undefined) {
        if (s.startMs <= now && now < s.endMs) until = s.endMs;
      } else if (s.fromMin !== undefined && s.toMin !== undefined) {
        const overnight = s.toMin <= s.fromMin;
        if (!overnight && minute >= s.fromMin && minute < s.toMin) until = dayStart + s.toMin * 60_000;
        else if (overnight && minute >= s.fromMin) until = dayStart + 86_400_000 + s.toMin * 60_000;
        else if (overnight && minute < s.toMin) until = dayStart + s.toMin * 60_000;
      }
      if (until !== undefined) out.push({ officer: s.officer, name: this.roster.officers[s.officer]!.name, role: s.role, until });
    }
    return out;
  }

  /** Resolves targets (contacts, officers, roles through the roster) to addresses, at `now`. */
  resolve(targets: readonly string[], now: number, channel?: string): Resolution {
    const out: Target[] = [];
    const unreachable: Resolution['unreachable'] = [];
    const seen = new Set<string>();
    const add = (contact: string, c: ContactSpec) => {
      const push = (t: Target) => {
        const key = `${t.via} ${t.address}`;
        if (seen.has(key)) return;
        seen.add(key);
        out.push(t);
      };
      if (c.console) push({ contact, via: 'console', address: 'console' });
      if (c.webhook) push({ contact, via: 'webhook', address: c.webhook.url, secret: c.webhook.secret });
      if (c.email) push({ contact, via: 'email', address: c.email });
    };
    const contacts = this.file.contacts ?? {};
    for (const t of targets) {
      if (contacts[t]) add(t, contacts[t]);
      else if (this.roster.officers[t]) add(t, this.roster.officers[t]);
      else if (t === 'console') add(t, { console: true });
      else {
        const watch = this.onWatch(now, channel, t);
        if (watch.length === 0) unreachable.push({ contact: t, reason: `nobody is on watch as ${t}${channel ? ` for channel ${channel.slice(0, 12)}` : ''}: see ${ROSTER_FILE}` });
        for (const w of watch) add(w.officer, this.roster.officers[w.officer]!);
      }
    }
    return { targets: out, unreachable };
  }
}

function checkContact(file: string, at: string, c: ContactSpec, smtp: boolean): void {
  if (!c.console && !c.webhook && !c.email) throw invalid(file, `${at}: no way to reach this contact: give "console": true, a "webhook" or an "email"`);
  if (c.webhook) {
    let url: URL | undefined;
    try {
      url = new URL(c.webhook.url);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      throw invalid(file, `${at}.webhook.url: bad webhook URL "${c.webhook.url}": give an absolute http:// or https:// URL`);
  }
  if (c.email && !smtp) throw invalid(file, `${at}.email: e-mail needs an SMTP server, and this terminal has none: add "smtp": {"host": ..., "port": ..., "from": ...} to the config.json of its data directory and restart the terminal (or reach this contact by "console": true or a "webhook")`);
}

/** Parses JSON text of one of the two files, naming the file when it is not JSON. */
export function parseSettingsJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw invalid(file, `not valid JSON (${(e as Error).message})`);
  }
}

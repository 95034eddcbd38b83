/**
 * The officer API's answers and the frames of its events socket, defined ONCE as TypeBox
 * schemas: routes declare them as response schemas (Fastify serialises through them, and the
 * OpenAPI document at /openapi.json shows them), presenters.ts builds them, and the console
 * (src/web/api.ts) and the CLI (src/cli) import their static types with `import type`.
 *
 * This file imports nothing of ours but the protocol's wire schemas (typebox only): the console
 * typechecks it as part of its own program (src/web/tsconfig.json), without Node's types.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { CharterSchema, FormatDefinitionSchema, FormatLanguagePackSchema, FormatRefSchema, KINDS, OfficerRef, PartyCardSchema, PRECEDENCES } from '../../protocol/schemas.js';

const Int = Type.Integer();
const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
const LangMap = Type.Record(Type.String(), Type.String());

/** An answer other than 2xx: a stable code and a message worded for the person who must act. */
export const ApiErrorBody = Type.Object({ code: Type.String(), message: Type.String() });

// ---- the terminal ----------------------------------------------------------------------------

/** A link to a peer party and its line state (connecting, up, degraded, refusing, down: federation/link-state.ts). */
export const LinkStatus = Type.Object({ peer: Type.String(), code: Type.String(), state: Type.String(), endpoint: NullableString, since: Type.Optional(Int), reason: Type.Optional(NullableString), transport: Type.Optional(Type.String()) });

/** GET /api/v1/status: who this terminal is, its peers' links, its clock. */
/**
 * A channel this terminal may not sign on: it is fetching its own entries back from its peers
 * (`why` peer-holds-more, waiting-for-peers, checking-own-log), or its own log forked there
 * (`own-log-forked`, at `forkedAt`, seen by `peer`: for good, until repaired).
 */
export const Reconciling = Type.Object({ channel: Type.String(), have: Int, peerHolds: Int, why: Type.String(), forkedAt: Type.Optional(Int), peer: Type.Optional(Type.String()) });
/** One process of a highly available party, as the lease table knows it. */
/** An instance of a highly available party: `role` is `active` (the live lease holder), `standby`, or `gone` (it announced itself active and holds no live lease: it died or lost the lease). */
export const HaInstance = Type.Object({ instance: Type.String(), role: Type.String(), officerUrl: Type.String(), federationUrl: Type.String(), host: Type.String(), pid: Int, seenMsAgo: Int });
export type HaInstance = Static<typeof HaInstance>;

/** The status's high-availability part: this instance's role, the lease, the other instances. */
export const HaStatus = Type.Object({ instance: Type.String(), role: Type.String(), active: Type.Union([Type.String(), Type.Null()]), since: Type.Union([Int, Type.Null()]), failovers: Int, token: Type.Union([Int, Type.Null()]), instances: Type.Array(HaInstance) });
export type HaStatus = Static<typeof HaStatus>;

/** What is wrong with this terminal's database, when something is: full since (STORE_FULL), commits stalled since (STORE_STALLED), the terminal lock lost since (TERMINAL_LOCK_LOST). */
export const DatabaseTrouble = Type.Object({ fullSince: Type.Optional(Int), stalledSince: Type.Optional(Int), lockLostSince: Type.Optional(Int) });
export type DatabaseTrouble = Static<typeof DatabaseTrouble>;

/**
 * The channels where this terminal's own signing key is revoked (OWN_KEY_REVOKED: nothing it signs
 * there counts), each with the time from which; `message` says what to do. Absent when none.
 */
export const OwnKeyRevoked = Type.Object({ key: Type.String(), channels: Type.Array(Type.Object({ channel: Type.String(), from: Int })), message: Type.String() });
export type OwnKeyRevoked = Static<typeof OwnKeyRevoked>;

/** GET /api/v1/alarms: an alarm raised lately (alarms-route.ts). */
export const RecentAlarm = Type.Object({
  at: Type.Integer({ description: "when it was raised, ms since the epoch (this terminal's clock)" }),
  code: Type.String(),
  message: Type.String(),
  channel: Type.Optional(Type.String()),
  peer: Type.Optional(Type.String()),
});
export type RecentAlarm = Static<typeof RecentAlarm>;
export const RecentAlarms = Type.Object({ alarms: Type.Array(RecentAlarm) });
export type RecentAlarms = Static<typeof RecentAlarms>;

export const Status = Type.Object({ party: Type.String(), code: Type.String(), fingerprint: Type.String(), channels: Int, links: Type.Array(LinkStatus), time: Int, reconciling: Type.Optional(Type.Array(Reconciling)), ha: Type.Optional(HaStatus), database: Type.Optional(DatabaseTrouble), ownKeyRevoked: Type.Optional(OwnKeyRevoked) });

/** GET /api/v1/peers: a known peer. */
export const Peer = Type.Object({
  party: Type.String(), code: Type.String(), fingerprint: Type.String(), endpoints: Type.Array(Type.String()), link: Type.String(),
  /** The card held: when its party issued it, when this terminal last stored it (by `peer add`, or fetched from the peer), its terminal keys and the keys it revokes. */
  card: Type.Optional(Type.Object({ issued: Int, updatedAt: Int, keys: Type.Array(Type.String()), revoked: Type.Array(Type.String()) })),
});

/** POST /api/v1/peers: the peer paired with. */
export const PeerAdded = Type.Object({ party: Type.String(), code: Type.String(), fingerprint: Type.String() });

/** GET /api/v1/card: this party's card. */
export const PartyCard = PartyCardSchema;

/** GET /readyz. */
export const Readiness = Type.Object({ ok: Type.Boolean(), reason: Type.Optional(Type.String()), peersUp: Type.Optional(Int), peers: Type.Optional(Int), reconciling: Type.Optional(Type.Array(Reconciling)), links: Type.Optional(Type.Array(LinkStatus)) });

// ---- channels --------------------------------------------------------------------------------

/** Why this party holds a channel it may no longer write to. */
const Left = Type.Object(
  {
    at: Int,
    by: Type.String(),
    reason: Type.String(),
    outcome: Type.Union([Type.Literal('removed'), Type.Literal('declined'), Type.Literal('withdrawn')]),
  },
  {
    description:
      'present when this party holds the channel but may not write to it: an adopted amendment removed it (`outcome` removed), or the amendment that would have added it, offered to this terminal, was declined or withdrawn; `at` that amendment\'s time, `by` its proposer, `reason` its reason; the record stays, read-only, and nothing more is written to the channel from this terminal (CHANNEL_LEFT)',
  },
);

/** GET /api/v1/channels: one channel of the list. */
export const ChannelSummary = Type.Object({
  id: Type.String(),
  state: Type.String(),
  title: LangMap,
  tier: Type.String(),
  proposer: Type.String(),
  parties: Type.Array(Type.String()),
  entries: Int,
  /** An amendment awaiting answers: who proposed it, whose answers it still needs. */
  amendment: Type.Optional(Type.Object({ proposer: Type.String(), awaiting: Type.Array(Type.String()) })),
  left: Type.Optional(Left),
});

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** One difference an amendment makes to the charter in force (protocol/charter-changes.ts). */
export const CharterChange = Type.Union([
  Type.Object({ kind: Type.Literal('party-added'), party: Type.String(), code: Type.String(), roles: Type.Array(Type.String()) }),
  Type.Object({ kind: Type.Literal('party-removed'), party: Type.String(), code: Type.String() }),
  Type.Object({ kind: Type.Literal('party-roles'), party: Type.String(), code: Type.String(), from: Type.Array(Type.String()), to: Type.Array(Type.String()) }),
  Type.Object({ kind: Type.Literal('title'), lang: Type.String(), from: Nullable(Type.String()), to: Nullable(Type.String()) }),
  Type.Object({ kind: Type.Union([Type.Literal('language-added'), Type.Literal('language-removed')]), lang: Type.String() }),
  Type.Object({ kind: Type.Literal('tier'), from: Type.String(), to: Type.String() }),
  Type.Object({ kind: Type.Literal('ack-deadline'), precedence: Type.String(), from: Int, to: Int }),
  Type.Object({ kind: Type.Literal('link-test-interval'), from: Int, to: Int }),
  Type.Object({ kind: Type.Literal('expires'), from: Nullable(Int), to: Nullable(Int) }),
  Type.Object({ kind: Type.Literal('note'), from: Nullable(Type.String()), to: Nullable(Type.String()) }),
  Type.Object({ kind: Type.Literal('dialogue'), from: Nullable(Type.Unknown()), to: Nullable(Type.Unknown()) }),
  Type.Object({ kind: Type.Union([Type.Literal('format-added'), Type.Literal('format-removed')]), format: FormatRefSchema }),
  Type.Object({ kind: Type.Literal('protocol'), from: Int, to: Int }),
]);

export type CharterChange = Static<typeof CharterChange>;

const viewParty = { party: Type.String(), code: Type.String(), roles: Type.Array(Type.String()), accepted: Type.Boolean(), suspended: Type.Boolean(), entries: Int };
const viewFields = {
  id: Type.String(),
  state: Type.String(),
  title: LangMap,
  tier: Type.String(),
  proposer: Type.String(),
  charterHash: Type.String(),
  charter: CharterSchema,
  pendingAmendment: Type.Optional(
    Type.Object({
      hash: Type.String(),
      proposer: Type.String(),
      accepted: Type.Array(Type.String()),
      awaiting: Type.Array(Type.String(), { description: 'parties whose acceptance it still needs: those of the charter in force and of the amended one' }),
      reason: Type.String(),
      changes: Type.Array(CharterChange, { description: 'what it changes from the charter in force' }),
    }),
  ),
  alsoPending: Type.Optional(
    Type.Array(Type.Object({ hash: Type.String(), proposer: Type.String(), awaiting: Type.Array(Type.String()) }), {
      description: 'other amendments pending at once (two parties amended concurrently), after pendingAmendment, which is the one awaiting this party if any',
    }),
  ),
  left: Type.Optional(Left),
  entries: Int,
};

/** A channel as officers see it: charter, state, members. */
export const ChannelView = Type.Object({ ...viewFields, parties: Type.Array(Type.Object(viewParty)) });

/** GET /api/v1/channels/:id: the view, each member's link, message counts, equivocations. */
export const ChannelDetail = Type.Object({
  ...viewFields,
  parties: Type.Array(Type.Object({ ...viewParty, link: Type.String() })),
  messages: Type.Object({ total: Int, unacknowledged: Int }),
  equivocations: Int,
  /** Present while this terminal may not sign on the channel: reconciling with the peers, or its own log forked there. */
  reconciling: Type.Optional(Reconciling),
});

/** GET /api/v1/channels/:id/history: one change of the charter or the channel's state, with its reason. */
export const StateChange = Type.Object({ kind: Type.String(), party: Type.String(), code: Type.String(), time: Int, reason: Type.Optional(Type.String()), entry: Type.String() });

/** POST /api/v1/channels/:id/{accept,decline,...}: the entry written and the channel after it. */
export const CharterActionResult = Type.Object({ entry: Type.String(), channel: ChannelView });

/** GET /api/v1/channels/:id/link. */
export const LinkHealth = Type.Object({ channel: Type.String(), peer: Type.String(), code: Type.String(), state: Type.String(), lastEchoAt: NullableInt, lastRttMs: NullableNumber, lastOffsetMs: NullableNumber, since: Int });
export const LinkSample = Type.Object({ channel: Type.String(), peer: Type.String(), at: Int, rttMs: Type.Number(), offsetMs: Type.Number() });
export const LinkView = Type.Object({ health: Type.Array(LinkHealth), samples: Type.Record(Type.String(), Type.Array(LinkSample)) });

/** GET /api/v1/channels/:id/evidence: two different entries with the same author and seq. */
export const Evidence = Type.Object({ id: Int, channel: Type.String(), author: Type.String(), seq: Int, firstRaw: Type.String(), secondRaw: Type.String(), detectedAt: Int });

/** POST /api/v1/import. */
export const ImportResult = Type.Object({
  accepted: Int,
  duplicate: Int,
  pending: Int,
  rejected: Type.Array(Type.Object({ hash: Type.Optional(Type.String()), code: Type.String(), message: Type.String() })),
});

// ---- messages --------------------------------------------------------------------------------

/** Who acknowledged a message: their party, its code, the officer signed in, the ack entry. */
export const AckedBy = Type.Object({ party: Type.Optional(Type.String()), code: Type.Optional(Type.String()), officer: Type.Optional(OfficerRef), entry: Type.Optional(Type.String()) });

/** One acknowledgement of a message: the acknowledging party, its officer, the time signed, the optional note, the ack entry. */
export const Acknowledgement = Type.Object({ party: Type.String(), code: Type.String(), officer: OfficerRef, time: Int, note: Type.Optional(Type.String()), entry: Type.String() });
/**
 * One party a message is addressed to (every party of the channel but its author) and when the
 * first of its receipts covering the message was taken in here (its `time`); null while none has.
 */
export const PartyReceipt = Type.Object({ party: Type.String(), code: Type.String(), at: NullableInt });
const RECEIPTS_TEXT =
  'per party the message is addressed to (every party of the channel but its author), sorted by code: `at`, the time of its first receipt covering the message as this terminal took it in, null until then; `receiptedAt` is the latest of them, null until every one has';

/** GET /api/v1/channels/:id/messages: a message with its receipt and acknowledgement. */
/** A shape of a formatted message for the map: a position, a circle (radius in metres) or a polygon; points are [lon, lat]. */
export const Geometry = Type.Object({
  field: Type.String(),
  label: Type.String(),
  shape: Type.Union([Type.Literal('point'), Type.Literal('circle'), Type.Literal('polygon')]),
  points: Type.Array(Type.Tuple([Type.Number(), Type.Number()])),
  radiusM: Type.Optional(Type.Number()),
});

/** A formatted message rendered in the reader's language (GET messages?lang=), with its shapes. */
export const Rendered = Type.Object({
  lang: Type.String(),
  title: Type.String(),
  text: Type.String(),
  /** Each field present, labelled; a date-time also as ms (`at`), for the reader's local time beside. */
  fields: Type.Array(Type.Object({ name: Type.String(), label: Type.String(), value: Type.String(), at: Type.Optional(Type.Integer()) })),
  geometry: Type.Array(Geometry),
});

export const Message = Type.Object({
  id: Type.String(),
  from: Type.String(),
  own: Type.Boolean(),
  seq: Int,
  time: Int,
  precedence: Type.Enum(PRECEDENCES),
  lang: Type.String(),
  text: Type.String(),
  replyTo: NullableString,
  drill: Type.Boolean(),
  deadlineAt: NullableInt,
  /** When the last of the parties it is addressed to receipted it (each in `receipts`); null until all have. */
  receiptedAt: NullableInt,
  /** Per party it is addressed to (every party of the channel but its author), sorted by code: when its receipts first covered it. */
  receipts: Type.Optional(Type.Array(PartyReceipt, { description: RECEIPTS_TEXT })),
  ackedAt: NullableInt,
  ackedBy: Type.Union([AckedBy, Type.Null()]),
  /** The officer who signed the message (its body's `from`), when it names one. */
  signedBy: Type.Optional(OfficerRef),
  /** Every acknowledgement of the message, in log order: who (party and officer), when, and the note. */
  acks: Type.Optional(Type.Array(Acknowledgement)),
  /** Our message to several parties that not all have acknowledged: the codes of those whose acknowledgement it awaits (the parties of the charter in force it was addressed to). */
  ackAwaited: Type.Optional(Type.Array(Type.String(), { description: 'our message to several parties not yet acknowledged by all: the codes of the parties whose acknowledgement it awaits' })),
  /** A formatted message (#17): its agreed format and its fields; render them with the definition (GET /api/v1/formats/:hash). */
  format: Type.Optional(FormatRefSchema),
  fields: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** With ?lang=: the formatted message rendered in that language, when the definition is held. */
  rendered: Type.Optional(Rendered),
});

/** GET /api/v1/channels/:id/search: a page of results and where the next one starts. */
export const SearchResults = Type.Object({
  messages: Type.Array(Message, { description: 'newest first' }),
  /** Pass as `before` for the next page; null when this page is the last. */
  next: Type.Union([Type.String(), Type.Null()]),
});

/** GET /api/v1/formats: a format held here, with its title in each of its languages. */
export const FormatSummary = Type.Object({
  id: Type.String(),
  version: Int,
  hash: Type.String(),
  precedence: Type.Enum(PRECEDENCES),
  ackDeadlineSec: Int,
  languages: Type.Array(Type.String()),
  title: LangMap,
  fields: Type.Array(Type.Object({ name: Type.String(), type: Type.String(), required: Type.Boolean() })),
  /** "shipped", or the file of the data directory it was loaded from. */
  origin: Type.String(),
  /** Languages added by language packs (docs/protocol.md §13.7): each pack's language, hash and file. */
  packs: Type.Array(Type.Object({ lang: Type.String(), hash: Type.String(), origin: Type.String() })),
});

/** POST /api/v1/formats/:name/check: the first field that breaks a rule, if any (nothing is sent). */
export const FieldsCheck = Type.Object({ ok: Type.Boolean(), field: Type.Optional(Type.String()), rule: Type.Optional(Type.String()), detail: Type.Optional(Type.String()) });

/** GET /api/v1/formats/:name: the whole definition (docs/protocol.md §13) and its hash. */
export const FormatDetail = Type.Object({
  hash: Type.String(),
  definition: FormatDefinitionSchema,
  /** The language packs held for it (docs/protocol.md §13.7): more languages to read it in. */
  packs: Type.Array(FormatLanguagePackSchema),
});

/** POST /api/v1/channels/:id/messages: the message entry written. */
export const SendResult = Type.Object({ id: Type.String(), seq: Int, time: Int });

/** POST /api/v1/channels/:id/messages/batch. */
export const BatchResult = Type.Object({ messages: Type.Array(SendResult) });

/** POST /api/v1/messages/:id/ack: the acknowledgement entry and the message it acknowledges. */
export const AckResult = Type.Object({ id: Type.String(), message: Type.String(), time: Int, officer: Type.Optional(OfficerRef) });

// ---- the send stream (GET /api/v1/channels/:id/messages/stream, send-stream.ts) --------------

/** A stream message's reference, chosen by the client: its answer carries it back. */
export const StreamRef = Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Integer()]);
/** The answer to one message of a send stream: what the same POST would have answered, by `ref`. */
export const StreamAnswer = Type.Union([
  Type.Object({ ref: StreamRef, status: Type.Literal(201), message: SendResult, replayed: Type.Optional(Type.Literal(true)) }),
  Type.Object({ ref: Type.Union([StreamRef, Type.Null()]), status: Int, error: ApiErrorBody }),
]);
export type StreamAnswer = Static<typeof StreamAnswer>;

// ---- what awaits acknowledgement (escalation-routes.ts) --------------------------------------

const pendingFields = {
  id: Type.String(),
  channel: Type.String(),
  from: Type.String(),
  own: Type.Boolean(),
  time: Int,
  precedence: Type.Enum(PRECEDENCES),
  lang: Type.String(),
  text: Type.String(),
  drill: Type.Boolean(),
  deadlineAt: NullableInt,
  remainingMs: NullableInt,
  overdue: Type.Boolean(),
  /** When the last of the parties it is addressed to receipted it; null until all have (who has: `receipts`). */
  receiptedAt: NullableInt,
  receipts: Type.Optional(Type.Array(PartyReceipt, { description: RECEIPTS_TEXT })),
};

/** GET /api/v1/pending: a message of the other side awaiting acknowledgement here. */
export const Pending = Type.Object({
  ...pendingFields,
  escalation: Type.Object({ level: Int, levelName: NullableString, steps: Int, next: Type.Union([Type.Object({ level: Int, levelName: Type.String(), at: Int }), Type.Null()]) }),
});

/** GET /api/v1/pending/summary: how many await acknowledgement here, in all and per channel. */
export const PendingSummary = Type.Object({ total: Int, channels: Type.Record(Type.String(), Int) });

/** One record of the audit log (store's AuditRow; `detail` is canonical JSON text). */
export const AuditRecord = Type.Object({ seq: Int, at: Int, actor: Type.String(), action: Type.String(), detail: Type.String(), prevHash: Type.String(), hash: Type.String() });
/** GET /api/v1/audit/records: a page, newest first, and the seq to page on from (null: the last page). */
export const AuditPage = Type.Object({ records: Type.Array(AuditRecord), next: Type.Union([Int, Type.Null()]) });

/**
 * GET /api/v1/overdue: our message not acknowledged by every party it is addressed to by its
 * deadline; `acknowledgedBy`, in a channel of three or more, the codes of those that have.
 */
export const Overdue = Type.Object({ ...pendingFields, to: Type.Array(Type.String()), acknowledgedBy: Type.Optional(Type.Array(Type.String(), { description: 'In a channel of three or more parties: the codes of the parties that have acknowledged it (the others have not).' })) });

// ---- drills (operations-routes.ts) -----------------------------------------------------------

/** POST /api/v1/channels/:id/drills. */
export const DrillSent = Type.Object({ id: Type.String(), seq: Int, time: Int, precedence: Type.Literal('FLASH'), drill: Type.Literal(true), deadlineAt: Int });

/** GET and PUT /api/v1/channels/:id/drill-schedule. */
export const DrillScheduleView = Type.Object({
  channel: Type.String(),
  schedule: Type.Union([Type.Object({ enabled: Type.Boolean(), window: Type.String(), timezone: Type.String() }), Type.Null()]),
  plan: Type.Union([Type.Object({ window: Type.String(), at: Int, status: Type.String(), message: NullableString }), Type.Null()]),
});

// ---- officers and sessions (auth-routes.ts) --------------------------------------------------

/** An officer as the console shows the one signed in. */
export const OfficerSummary = Type.Object({ name: Type.String(), title: Type.String(), roles: Type.Array(Type.String()), channelRoles: Type.Record(Type.String(), Type.String()) });

/** POST /api/v1/auth/login. */
export const LoginResult = Type.Object({ officer: OfficerSummary, csrfToken: Type.String(), secondFactor: Type.String(), expiresAt: Int, idleTimeoutMs: Int });

/** GET /api/v1/auth/session: an officer's session, or the host credential. */
export const OfficerSession = Type.Object({
  kind: Type.Literal('officer'),
  name: Type.String(),
  title: Type.String(),
  roles: Type.Array(Type.String()),
  channelRoles: Type.Record(Type.String(), Type.String()),
  permissions: Type.Array(Type.String()),
  /** What the terminal-wide roles allow: routes on no one channel (the roster) check these. */
  terminalPermissions: Type.Optional(Type.Array(Type.String())),
  /** What the role granted on a channel allows there (it replaces the terminal-wide roles on that channel). */
  channelPermissions: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
  /** The most urgent precedence this officer may send (null: may not send). */
  maxPrecedence: Type.Union([Type.String(), Type.Null()]),
  csrfToken: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Int),
  lastSeenAt: Type.Optional(Int),
  idleTimeoutMs: Type.Optional(Int),
});
export const TerminalSession = Type.Object({ kind: Type.Literal('terminal'), name: Type.Literal('terminal'), permissions: Type.Literal('all') });
export const SessionView = Type.Union([OfficerSession, TerminalSession]);

// ---- the events socket (GET /api/v1/events) --------------------------------------------------

/**
 * An entry durably committed to a channel (own, or received from a peer), with its signed body.
 * A message's frame also carries its acknowledgement deadline, as the message list shows it.
 */
export const EntryEvent = Type.Object({
  type: Type.Literal('entry'),
  channel: Type.String(),
  hash: Type.String(),
  author: Type.String(),
  authorCode: Type.String(),
  seq: Int,
  kind: Type.Enum(KINDS),
  time: Int,
  own: Type.Boolean(),
  body: Type.Unknown(),
  deadlineAt: Type.Optional(Int),
  /** For a dialogue entry: the issue, meeting, joint text or commitment it creates or changes (its hash). */
  object: Type.Optional(Type.String()),
});
/** A channel's charter state changed (proposed, active, suspended, ...). */
export const StateEvent = Type.Object({ type: Type.Literal('state'), channel: Type.String(), state: Type.String(), previous: NullableString });
/** Something an officer must see: a rejected entry, equivocation, a link going down. */
export const AlarmEvent = Type.Object({ type: Type.Literal('alarm'), code: Type.String(), message: Type.String(), channel: Type.Optional(Type.String()), peer: Type.Optional(Type.String()) });
/** A notification of escalation for the officers at this terminal's consoles. */
export const EscalationEvent = Type.Object({
  type: Type.Literal('escalation'),
  kind: Type.Union([Type.Literal('escalation'), Type.Literal('overdue'), Type.Literal('alarm'), Type.Literal('dialogue')]),
  subject: Type.String(),
  text: Type.String(),
  channel: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  precedence: Type.Optional(Type.String()),
  drill: Type.Optional(Type.Boolean()),
  level: Int,
  levelName: Type.String(),
  repeat: Type.Integer(),
  contact: Type.String(),
  at: Int,
});
/** The set of peers (or a peer's card) changed. */
export const PeersEvent = Type.Object({ type: Type.Literal('peers') });

/** One frame of the events socket (JSON text). */
export const ApiEvent = Type.Union([EntryEvent, StateEvent, AlarmEvent, EscalationEvent, PeersEvent]);

export type ApiErrorBody = Static<typeof ApiErrorBody>;
export type LinkStatus = Static<typeof LinkStatus>;
export type Status = Static<typeof Status>;
export type Peer = Static<typeof Peer>;
export type PeerAdded = Static<typeof PeerAdded>;
export type PartyCard = Static<typeof PartyCard>;
export type ChannelSummary = Static<typeof ChannelSummary>;
export type ChannelView = Static<typeof ChannelView>;
export type ChannelDetail = Static<typeof ChannelDetail>;
export type CharterActionResult = Static<typeof CharterActionResult>;
export type StateChange = Static<typeof StateChange>;
export type LinkHealth = Static<typeof LinkHealth>;
export type LinkSample = Static<typeof LinkSample>;
export type LinkView = Static<typeof LinkView>;
export type Evidence = Static<typeof Evidence>;
export type ImportResult = Static<typeof ImportResult>;
export type AckedBy = Static<typeof AckedBy>;
export type Message = Static<typeof Message>;
export type SearchResults = Static<typeof SearchResults>;
export type Acknowledgement = Static<typeof Acknowledgement>;
export type PartyReceipt = Static<typeof PartyReceipt>;
export type FormatSummary = Static<typeof FormatSummary>;
export type FieldsCheck = Static<typeof FieldsCheck>;
export type Rendered = Static<typeof Rendered>;
export type Geometry = Static<typeof Geometry>;
export type FormatDetail = Static<typeof FormatDetail>;
export type SendResult = Static<typeof SendResult>;
export type BatchResult = Static<typeof BatchResult>;
export type AckResult = Static<typeof AckResult>;
export type Pending = Static<typeof Pending>;
export type PendingSummary = Static<typeof PendingSummary>;
export type AuditRecord = Static<typeof AuditRecord>;
export type AuditPage = Static<typeof AuditPage>;
export type Overdue = Static<typeof Overdue>;
export type DrillSent = Static<typeof DrillSent>;
export type DrillScheduleView = Static<typeof DrillScheduleView>;
export type OfficerSummary = Static<typeof OfficerSummary>;
export type LoginResult = Static<typeof LoginResult>;
export type OfficerSession = Static<typeof OfficerSession>;
export type SessionView = Static<typeof SessionView>;
export type EntryEvent = Static<typeof EntryEvent>;
export type StateEvent = Static<typeof StateEvent>;
export type AlarmEvent = Static<typeof AlarmEvent>;
export type EscalationEvent = Static<typeof EscalationEvent>;
export type PeersEvent = Static<typeof PeersEvent>;
export type ApiEvent = Static<typeof ApiEvent>;
export * from './dialogue-schemas.js';

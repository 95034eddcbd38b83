/**
 * Wire schemas (docs/protocol.md §4–§6) as TypeBox JSON Schemas: the same definitions validate
 * entries here and document them in the terminal's OpenAPI description.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/** Limits fixed by the protocol (docs/protocol.md §4.3). */
export const LIMITS = Object.freeze({
  /** Maximum size of one entry's canonical JSON text in bytes, signature included. */
  entryBytes: 65_536,
  /** Maximum message text length in UTF-16 code units (well inside entryBytes). */
  textChars: 16_000,
  maxParties: 32,
  maxHeads: 32,
  /**
   * Latest time the protocol can carry, ms: 9999-12-31T23:59:59.999Z (docs/protocol.md §2.4).
   * Every time prints as a four-digit-year ISO 8601 date, and adding a charter's longest deadline
   * to it stays an exact integer.
   */
  maxTime: 253_402_300_799_999,
  /** Longest acknowledgement deadline a charter may set, seconds: seven days (§5.1). */
  maxAckDeadlineSec: 604_800,
  /** Longest link-test interval a charter may set, seconds: one day (§5.1). */
  maxLinkTestIntervalSec: 86_400,
});

export const PRECEDENCES = ['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'] as const;
export type Precedence = (typeof PRECEDENCES)[number];

export const TIERS = ['leaders', 'ministerial', 'military', 'working', 'technical'] as const;
export type Tier = (typeof TIERS)[number];

export const ROLES = ['plenipotentiary', 'principal', 'duty-officer', 'observer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The dialogue layer's kinds (docs/protocol.md §6.1): issues, meetings, readouts, joint texts, commitments. */
const DIALOGUE_KINDS_LIST = [
  'issue.open',
  'issue.position',
  'meeting.propose',
  'meeting.accept',
  'meeting.decline',
  'meeting.reschedule',
  'readout.file',
  'text.draft',
  'text.amend',
  'text.endorse',
  'commitment.add',
  'commitment.update',
  'commitment.confirm',
  'commitment.dispute',
] as const;
export type DialogueKind = (typeof DIALOGUE_KINDS_LIST)[number];
export const DIALOGUE_KINDS: ReadonlySet<string> = new Set<string>(DIALOGUE_KINDS_LIST);

/** Issue categories every charter knows; a charter's dialogue rules may add more (§6.1). */
export const ISSUE_CATEGORIES = ['trade', 'human-rights', 'cybersecurity', 'territorial', 'maritime', 'crisis-communication', 'cooperation'] as const;
export const MEETING_KINDS = ['call', 'video', 'visit', 'working-group'] as const;
export const MEETING_LEVELS = ['leaders', 'ministerial', 'senior-officials', 'working'] as const;
export const TEXT_TYPES = ['joint-statement', 'memorandum', 'terms-of-reference'] as const;
export const COMMITMENT_STATUSES = ['in-progress', 'done', 'delayed', 'withdrawn'] as const;

export const KINDS = [
  'charter.propose',
  'charter.accept',
  'charter.decline',
  'charter.withdraw',
  'charter.amend',
  'channel.suspend',
  'channel.resume',
  'channel.close',
  'message',
  'receipt',
  'ack',
  'link.test',
  'link.echo',
  'link.summary',
  'link.state',
  'key.rotate',
  'key.revoke',
  ...DIALOGUE_KINDS_LIST,
  'checkpoint',
] as const;
export type EntryKind = (typeof KINDS)[number];

const Int = (opts: object = {}) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...opts });
export const HashHex = Type.String({ pattern: '^[0-9a-f]{64}$' });
export const PublicKey = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });
export const SignatureB64 = Type.String({ pattern: '^[A-Za-z0-9_-]{86}$' });
/**
 * BCP 47 language tag, simplified (en, zh, zh-Hans, en-GB, sr-Latn-RS): a language and at most
 * three subtags, so at most 30 characters. The bound is in the pattern itself because language
 * maps use it for member names, which maxLength does not reach.
 */
export const LangTag = Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$' });
/** A time: ms since the epoch, 0 ..= LIMITS.maxTime. */
export const Millis = Int({ maximum: LIMITS.maxTime });
const Deadline = Int({ minimum: 1, maximum: LIMITS.maxAckDeadlineSec });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
// additionalProperties: false makes the key pattern binding; without it keys that do not match
// the pattern are allowed unchecked (JSON Schema patternProperties semantics).
const LangMap = Type.Record(LangTag, Text(500), { minProperties: 1, additionalProperties: false });

/** An officer as published to peers inside signed entries (name and title, never session data). */
export const OfficerRef = Type.Object(
  { name: Text(200), title: Text(200), role: Type.Enum(ROLES) },
  { additionalProperties: false },
);

export const Head = Type.Object({ seq: Int({ minimum: 1 }), hash: HashHex }, { additionalProperties: false });

/** The signed envelope shared by every kind. */
export const EntrySchema = Type.Object(
  {
    v: Type.Union([Type.Literal(1), Type.Literal(2)]),
    channel: Type.Union([HashHex, Type.Null()]),
    author: PublicKey,
    key: PublicKey,
    seq: Int({ minimum: 1 }),
    prev: Type.Union([HashHex, Type.Null()]),
    heads: Type.Record(PublicKey, Head, { maxProperties: LIMITS.maxHeads, additionalProperties: false }),
    time: Millis,
    kind: Type.Enum(KINDS),
    body: Type.Object({}, { additionalProperties: true }),
    sig: SignatureB64,
  },
  { additionalProperties: false },
);

/** How a charter and a message name an agreed format (§13): id, version, hash of its definition. */
export const FormatRefSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,63}$' }),
    version: Type.Integer({ minimum: 1, maximum: 65535 }),
    hash: HashHex,
  },
  { additionalProperties: false },
);
export type FormatRef = Static<typeof FormatRefSchema>;

/** A formatted message's values, by field name; checked against the agreed definition (§13.3). */
const FormatFields = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }), Type.Unknown(), {
  maxProperties: 40,
  additionalProperties: false,
});

const PartyInCharter = Type.Object(
  {
    party: PublicKey,
    code: Type.String({ pattern: '^[A-Z0-9][A-Z0-9-]{0,15}$' }),
    roles: Type.Array(Type.Enum(ROLES), { minItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
);

const Category = Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' });
const RoleSet = Type.Array(Type.Enum(ROLES), { minItems: 1, uniqueItems: true });

/**
 * The charter's dialogue rules (docs/protocol.md §6.1): which officer roles may state a party's
 * positions, endorse joint texts and record or update commitments, and the issue categories the
 * charter adds. Every member is optional; DIALOGUE_DEFAULTS apply to what is absent.
 */
export const DialogueRulesSchema = Type.Object(
  {
    positions: Type.Optional(RoleSet),
    endorse: Type.Optional(RoleSet),
    commitments: Type.Optional(RoleSet),
    categories: Type.Optional(Type.Array(Category, { minItems: 1, maxItems: 32, uniqueItems: true })),
  },
  { additionalProperties: false },
);

/** Default acknowledgement deadlines in seconds per precedence (docs/protocol.md §5.1). */
export const DEFAULT_ACK_DEADLINES = Object.freeze({ FLASH: 180, IMMEDIATE: 900, PRIORITY: 3600, ROUTINE: 86_400 });

export const CharterSchema = Type.Object(
  {
    title: LangMap,
    tier: Type.Enum(TIERS),
    parties: Type.Array(PartyInCharter, { minItems: 2, maxItems: LIMITS.maxParties }),
    languages: Type.Array(LangTag, { minItems: 1, uniqueItems: true }),
    linkTestIntervalSec: Int({ minimum: 1, maximum: LIMITS.maxLinkTestIntervalSec }),
    ackDeadlineSec: Type.Object(
      { FLASH: Deadline, IMMEDIATE: Deadline, PRIORITY: Deadline, ROUTINE: Deadline },
      { additionalProperties: false },
    ),
    expires: Type.Optional(Millis),
    note: Type.Optional(Text(4000)),
    dialogue: Type.Optional(DialogueRulesSchema),
    formats: Type.Optional(Type.Array(FormatRefSchema, { minItems: 1, maxItems: 64 })),
    /** Protocol version of the channel's entries while this charter is in force (§14.1); absent = 1. */
    protocol: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])),
  },
  { additionalProperties: false },
);

export const TerminalCertificateSchema = Type.Object(
  {
    type: Type.Literal('hotline.terminal-cert'),
    v: Type.Literal(1),
    party: PublicKey,
    key: PublicKey,
    tls: HashHex,
    notBefore: Millis,
    notAfter: Millis,
    sig: SignatureB64,
  },
  { additionalProperties: false },
);

export const KeyRevocationSchema = Type.Object(
  {
    type: Type.Literal('hotline.key-revocation'),
    v: Type.Literal(1),
    party: PublicKey,
    key: PublicKey,
    from: Millis,
    reason: Text(1000),
    sig: SignatureB64,
  },
  { additionalProperties: false },
);

/** The first line of a transcript bundle (§8.1): informative, unsigned, but exact. */
export const BundleHeaderSchema = Type.Object(
  {
    type: Type.Literal('hotline.bundle'),
    v: Type.Literal(1),
    channel: HashHex,
    exportedAt: Type.Optional(Millis),
    exportedBy: Type.Optional(Type.String({ pattern: '^[A-Z0-9][A-Z0-9-]{0,15}$' })),
    /** A period bundle (§15.2): the hash of the checkpoint entry it is anchored at. */
    anchor: Type.Optional(HashHex),
    /** The period asked for (informative and unsigned, §15.2). */
    since: Type.Optional(Millis),
    until: Type.Optional(Millis),
  },
  { additionalProperties: false },
);

export const PartyCardSchema = Type.Object(
  {
    type: Type.Literal('hotline.party-card'),
    v: Type.Literal(1),
    party: PublicKey,
    code: Type.String({ pattern: '^[A-Z0-9][A-Z0-9-]{0,15}$' }),
    names: LangMap,
    terminals: Type.Array(TerminalCertificateSchema, { minItems: 1, maxItems: 64 }),
    revocations: Type.Array(KeyRevocationSchema, { maxItems: 256 }),
    endpoints: Type.Array(Type.String({ pattern: '^(https|wss)://', maxLength: 500 }), { maxItems: 16 }),
    issued: Millis,
    sig: SignatureB64,
  },
  { additionalProperties: false },
);

/** The kinds of field an agreed format may have (§13.2). */
export const FIELD_TYPES = ['text', 'free-text', 'number', 'enum', 'datetime', 'duration', 'position', 'area', 'designation'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Units a number field may carry: written after the value, the same in every language. */
export const UNITS = ['m', 'km', 'nm', 'ft', 'kt', 'km/h', 'deg', 'count', 'persons', 't', 'kg'] as const;
export type Unit = (typeof UNITS)[number];

/** The kinds a designation names (the reader sees them in their language). */
export const DESIGNATION_KINDS = ['vessel', 'aircraft', 'submarine', 'unit', 'other'] as const;

/** Units of a circle's radius. */
export const RADIUS_UNITS = ['m', 'km', 'nm'] as const;

const FieldName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' });
const FieldCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9.+_-]{0,39}$' });
const FieldLabel = Type.String({ minLength: 1, maxLength: 300 });

export const FieldSpecSchema = Type.Object(
  {
    name: FieldName,
    type: Type.Enum(FIELD_TYPES),
    required: Type.Boolean(),
    /** The value is a list of 1..many values of the type. */
    many: Type.Optional(Type.Integer({ minimum: 2, maximum: 100 })),
    /** text, free-text: the longest text, in code points (default 2000). */
    maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 4000 })),
    /** number: its unit, bounds, and whether it is a whole number. */
    unit: Type.Optional(Type.Enum(UNITS)),
    minimum: Type.Optional(Type.Integer({ minimum: -1e15, maximum: 1e15 })),
    maximum: Type.Optional(Type.Integer({ minimum: -1e15, maximum: 1e15 })),
    integer: Type.Optional(Type.Boolean()),
    /** enum: the codes a value may take. */
    values: Type.Optional(Type.Array(FieldCode, { minItems: 1, maxItems: 200, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type FieldSpec = Static<typeof FieldSpecSchema>;

export const LanguageSectionSchema = Type.Object(
  {
    title: FieldLabel,
    /** A label for every field. */
    fields: Type.Record(FieldName, FieldLabel, { additionalProperties: false }),
    /** For every enum and designation field, a label for every code. */
    values: Type.Record(FieldName, Type.Record(FieldCode, FieldLabel, { additionalProperties: false }), { additionalProperties: false }),
    /**
     * The rendering: text with `{field}` placeholders (the field's value as rendered) and
     * `{field:label}` (its label). A line whose placeholders are all of absent optional fields
     * is left out.
     */
    template: Type.String({ minLength: 1, maxLength: 4000 }),
  },
  { additionalProperties: false },
);
export type LanguageSection = Static<typeof LanguageSectionSchema>;

export const FormatDefinitionSchema = Type.Object(
  {
    type: Type.Literal('hotline.format'),
    v: Type.Literal(1),
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,63}$' }),
    version: Type.Integer({ minimum: 1, maximum: 65535 }),
    precedence: Type.Enum(PRECEDENCES),
    /** The acknowledgement deadline this format asks for, seconds (at most a charter's). */
    ackDeadlineSec: Type.Integer({ minimum: 1, maximum: 604_800 }),
    fields: Type.Array(FieldSpecSchema, { minItems: 1, maxItems: 40 }),
    languages: Type.Record(LangTag, LanguageSectionSchema, { minProperties: 1, additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type FormatDefinition = Static<typeof FormatDefinitionSchema>;

/**
 * A language pack (§13.7): one more language for one definition, bound to its hash, hashed on its
 * own. It adds a reading of the format without changing the definition or what a charter agreed.
 */
export const FormatLanguagePackSchema = Type.Object(
  {
    type: Type.Literal('hotline.format-lang'),
    v: Type.Literal(1),
    /** The definition this pack is for. */
    format: FormatRefSchema,
    lang: LangTag,
    title: LanguageSectionSchema.properties.title,
    fields: LanguageSectionSchema.properties.fields,
    values: LanguageSectionSchema.properties.values,
    template: LanguageSectionSchema.properties.template,
  },
  { additionalProperties: false },
);
export type FormatLanguagePack = Static<typeof FormatLanguagePackSchema>;

const Reason = Type.String({ minLength: 1, maxLength: 4000 });
const By = OfficerRef;
/** A joint text's content: one text per language, each up to 16 000 code points (§6.1). */
const Content = Type.Record(LangTag, Text(LIMITS.textChars), { minProperties: 1, maxProperties: 8, additionalProperties: false });
/** An IANA time-zone name ("Asia/Shanghai", "America/New_York", "UTC"). */
const TimeZone = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$', maxLength: 64 });

const DIALOGUE_BODIES = {
  'issue.open': Type.Object(
    { title: LangMap, category: Category, summary: Type.Optional(Text(4000)), by: By },
    { additionalProperties: false },
  ),
  'issue.position': Type.Object(
    { issue: HashHex, party: PublicKey, text: Text(8000), lang: LangTag, by: By },
    { additionalProperties: false },
  ),
  'meeting.propose': Type.Object(
    {
      title: LangMap,
      kind: Type.Enum(MEETING_KINDS),
      level: Type.Enum(MEETING_LEVELS),
      start: Millis,
      end: Millis,
      place: Text(300),
      zones: Type.Optional(Type.Record(PublicKey, TimeZone, { maxProperties: LIMITS.maxParties, additionalProperties: false })),
      participants: Type.Array(
        Type.Object({ party: PublicKey, name: Text(200), title: Text(200) }, { additionalProperties: false }),
        { maxItems: 128 },
      ),
      agenda: Type.Array(HashHex, { maxItems: 32, uniqueItems: true }),
      by: By,
    },
    { additionalProperties: false },
  ),
  'meeting.accept': Type.Object({ meeting: HashHex, schedule: HashHex, by: By }, { additionalProperties: false }),
  'meeting.decline': Type.Object({ meeting: HashHex, schedule: HashHex, reason: Reason, by: By }, { additionalProperties: false }),
  'meeting.reschedule': Type.Object(
    { meeting: HashHex, start: Millis, end: Millis, place: Type.Optional(Text(300)), reason: Reason, by: By },
    { additionalProperties: false },
  ),
  'readout.file': Type.Object(
    { meeting: HashHex, text: Text(LIMITS.textChars), lang: LangTag, release: Type.Boolean(), by: By },
    { additionalProperties: false },
  ),
  'text.draft': Type.Object(
    { title: LangMap, type: Type.Enum(TEXT_TYPES), content: Content, source: Type.Optional(HashHex), by: By },
    { additionalProperties: false },
  ),
  'text.amend': Type.Object(
    { draft: HashHex, base: HashHex, content: Content, note: Type.Optional(Text(4000)), by: By },
    { additionalProperties: false },
  ),
  'text.endorse': Type.Object({ draft: HashHex, version: HashHex, by: By }, { additionalProperties: false }),
  'commitment.add': Type.Object(
    { owner: PublicKey, what: Text(4000), lang: LangTag, due: Millis, source: Type.Optional(HashHex), by: By },
    { additionalProperties: false },
  ),
  'commitment.update': Type.Object(
    { commitment: HashHex, status: Type.Enum(COMMITMENT_STATUSES), note: Type.Optional(Text(4000)), due: Type.Optional(Millis), by: By },
    { additionalProperties: false },
  ),
  'commitment.confirm': Type.Object({ commitment: HashHex, update: HashHex, by: By }, { additionalProperties: false }),
  'commitment.dispute': Type.Object({ commitment: HashHex, update: HashHex, reason: Reason, by: By }, { additionalProperties: false }),
} as const satisfies Record<DialogueKind, TSchema>;

/** Bodies of each kind (docs/protocol.md §6). */
/** Link states a link record names (§6.2). */
export const LINK_STATES = ['up', 'degraded', 'down'] as const;
const LinkStateName = Type.Union([Type.Literal('up'), Type.Literal('degraded'), Type.Literal('down')]);
/** A signed number of milliseconds (a clock offset may be negative). */
const SignedMs = Type.Integer({ minimum: -LIMITS.maxTime, maximum: LIMITS.maxTime });
/** Order statistics of one window's samples, ms: min <= p50 <= p90 <= p99 <= max (§6.2). */
const LinkPercentiles = <T extends TSchema>(n: T) => Type.Object({ min: n, p50: n, p90: n, p99: n, max: n }, { additionalProperties: false });
/** One peer's line over a summary window (§6.2). */
const LinkSummaryPeer = Type.Object(
  {
    peer: PublicKey,
    sent: Int({ maximum: 10_000_000 }),
    answered: Int({ maximum: 10_000_000 }),
    failures: Int({ maximum: 10_000_000 }),
    rttMs: Type.Optional(LinkPercentiles(Int({ maximum: LIMITS.maxTime }))),
    offsetMs: Type.Optional(LinkPercentiles(SignedMs)),
    state: LinkStateName,
  },
  { additionalProperties: false },
);
/** `link.summary` (version 2, §6.2): the author's link tests of one window, per peer. */
const LinkSummaryBody = Type.Object(
  { from: Millis, until: Millis, peers: Type.Array(LinkSummaryPeer, { minItems: 1, maxItems: 64 }) },
  { additionalProperties: false },
);
/** `link.state` (version 2, §6.2): the author's line to one peer changed state. */
const LinkStateBody = Type.Object(
  {
    peer: PublicKey,
    state: LinkStateName,
    was: LinkStateName,
    at: Millis,
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    rttMs: Type.Optional(Int({ maximum: LIMITS.maxTime })),
    offsetMs: Type.Optional(SignedMs),
  },
  { additionalProperties: false },
);

export const BODY_SCHEMAS = {
  'charter.propose': Type.Object({ charter: CharterSchema }, { additionalProperties: false }),
  'charter.accept': Type.Object({ charter: HashHex }, { additionalProperties: false }),
  'charter.decline': Type.Object({ charter: HashHex, reason: Reason }, { additionalProperties: false }),
  'charter.withdraw': Type.Object({ charter: HashHex, reason: Reason }, { additionalProperties: false }),
  'charter.amend': Type.Object({ charter: CharterSchema, reason: Reason }, { additionalProperties: false }),
  'channel.suspend': Type.Object({ reason: Reason }, { additionalProperties: false }),
  'channel.resume': Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false }),
  'channel.close': Type.Object({ reason: Reason }, { additionalProperties: false }),
  message: Type.Object(
    {
      text: Text(LIMITS.textChars),
      lang: LangTag,
      precedence: Type.Enum(PRECEDENCES),
      replyTo: Type.Optional(HashHex),
      subject: Type.Optional(Text(300)),
      template: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,63}$' })),
      drill: Type.Optional(Type.Boolean()),
      from: Type.Optional(OfficerRef),
      format: Type.Optional(FormatRefSchema),
      fields: Type.Optional(FormatFields),
    },
    { additionalProperties: false },
  ),
  receipt: Type.Object(
    {
      holds: Type.Array(
        Type.Object({ author: PublicKey, seq: Int({ minimum: 1 }), hash: HashHex }, { additionalProperties: false }),
        { minItems: 1, maxItems: LIMITS.maxParties },
      ),
    },
    { additionalProperties: false },
  ),
  ack: Type.Object(
    { message: HashHex, officer: OfficerRef, note: Type.Optional(Text(2000)) },
    { additionalProperties: false },
  ),
  'link.test': Type.Object({ nonce: Type.String({ pattern: '^[0-9a-f]{16,64}$' }), t1: Millis }, { additionalProperties: false }),
  'link.echo': Type.Object(
    { test: HashHex, t1: Millis, t2: Millis, t3: Millis },
    { additionalProperties: false },
  ),
  'link.summary': LinkSummaryBody,
  'link.state': LinkStateBody,
  'key.rotate': Type.Object({ cert: TerminalCertificateSchema }, { additionalProperties: false }),
  'key.revoke': Type.Object({ revocation: KeyRevocationSchema }, { additionalProperties: false }),
  ...DIALOGUE_BODIES,
  /** `checkpoint` (version 2, §15.1): the lasting entries of the entry's causal past, committed by count and digest. */
  checkpoint: Type.Object({ count: Int({ maximum: 100_000_000 }), lasting: HashHex }, { additionalProperties: false }),
} as const satisfies Record<EntryKind, TSchema>;

export type Charter = Static<typeof CharterSchema>;
export type DialogueRules = Static<typeof DialogueRulesSchema>;
export type TerminalCertificate = Static<typeof TerminalCertificateSchema>;
export type KeyRevocation = Static<typeof KeyRevocationSchema>;
export type PartyCard = Static<typeof PartyCardSchema>;
export type OfficerRef = Static<typeof OfficerRef>;
export type Head = Static<typeof Head>;
export type BodyOf<K extends EntryKind> = Static<(typeof BODY_SCHEMAS)[K]>;

/** A compiled validator that reports the first failing field by JSON pointer. */
export interface Validator<T> {
  check(value: unknown): value is T;
  /** The first problem as "field: message", or undefined when valid. */
  firstError(value: unknown): string | undefined;
}

/** Compiles a TypeBox schema into a validator (also for the formats' schemas, §13). */
export function compileValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  const compiled = Compile(schema);
  return {
    check: (value: unknown): value is Static<S> => compiled.Check(value),
    firstError(value) {
      if (compiled.Check(value)) return undefined;
      const errors = [...compiled.Errors(value)];
      // Prefer the most specific problem (longest path, not the generic "schema is false").
      errors.sort((a, b) => b.instancePath.length - a.instancePath.length);
      const e = errors.find((x) => x.keyword !== 'boolean') ?? errors[0];
      if (!e) return 'invalid value';
      const field = e.instancePath === '' ? '(top level)' : e.instancePath.slice(1).replace(/\//g, '.');
      const extra =
        e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperties?: string[] }).additionalProperties ?? '')})` : '';
      return `${field}: ${e.message}${extra}`;
    },
  };
}

export const validateEnvelope = compileValidator(EntrySchema);
export const validateCharter = compileValidator(CharterSchema);
export const validateCard = compileValidator(PartyCardSchema);
export const validateCert = compileValidator(TerminalCertificateSchema);
export const validateRevocation = compileValidator(KeyRevocationSchema);
export const validateBundleHeader = compileValidator(BundleHeaderSchema);
export const validateBody = Object.fromEntries(
  Object.entries(BODY_SCHEMAS).map(([k, s]) => [k, compileValidator(s)]),
) as { [K in EntryKind]: Validator<BodyOf<K>> };

/**
 * Every object of the protocol by name, as docs/protocol.md Appendix A publishes it (normative
 * JSON Schema; test/protocol/schema-appendix.test.ts keeps the two identical).
 */
export const WIRE_SCHEMAS: Readonly<Record<string, TSchema>> = Object.freeze({
  entry: EntrySchema,
  ...Object.fromEntries(KINDS.map((k) => [`body:${k}`, BODY_SCHEMAS[k]])),
  charter: CharterSchema,
  'dialogue-rules': DialogueRulesSchema,
  officer: OfficerRef,
  'terminal-cert': TerminalCertificateSchema,
  'key-revocation': KeyRevocationSchema,
  'party-card': PartyCardSchema,
  'bundle-header': BundleHeaderSchema,
  format: FormatDefinitionSchema,
  'format-lang': FormatLanguagePackSchema,
});

/**
 * The dialogue layer's answers (docs/protocol.md §6.1), as TypeBox schemas: the routes declare them
 * (dialogue-routes.ts), the OpenAPI document shows them, and the console and the CLI import their
 * static types through api-schemas.ts. Like api-schemas.ts, imports nothing of ours but the
 * protocol's wire schemas.
 */
import Type, { type Static } from 'typebox';
import { COMMITMENT_STATUSES, MEETING_KINDS, MEETING_LEVELS, OfficerRef, TEXT_TYPES } from '../../protocol/schemas.js';

const Int = Type.Integer();
const Hash = Type.String();
const LangMap = Type.Record(Type.String(), Type.String());
const Opt = Type.Optional;

export const DialoguePosition = Type.Object({ hash: Hash, party: Type.String(), seq: Int, time: Int, text: Type.String(), lang: Type.String(), by: OfficerRef });
export const DialogueIssue = Type.Object({
  hash: Hash,
  author: Type.String(),
  time: Int,
  title: LangMap,
  category: Type.String(),
  summary: Opt(Type.String()),
  by: OfficerRef,
  positions: Type.Array(DialoguePosition),
  current: Type.Array(DialoguePosition),
});
export const DialogueSchedule = Type.Object({ hash: Hash, author: Type.String(), time: Int, start: Int, end: Int, place: Type.String(), reason: Opt(Type.String()) });
export const DialogueReadout = Type.Object({ hash: Hash, party: Type.String(), seq: Int, time: Int, text: Type.String(), lang: Type.String(), release: Type.Boolean(), by: OfficerRef });
export const DialogueMeeting = Type.Object({
  hash: Hash,
  author: Type.String(),
  time: Int,
  title: LangMap,
  kind: Type.Enum(MEETING_KINDS),
  level: Type.Enum(MEETING_LEVELS),
  zones: Type.Record(Type.String(), Type.String()),
  participants: Type.Array(Type.Object({ party: Type.String(), name: Type.String(), title: Type.String() })),
  agenda: Type.Array(Hash),
  by: OfficerRef,
  schedule: DialogueSchedule,
  schedules: Type.Array(DialogueSchedule),
  accepted: Type.Array(Type.String()),
  declined: Type.Array(Type.Object({ party: Type.String(), hash: Hash, time: Int, reason: Type.String() })),
  status: Type.Union([Type.Literal('proposed'), Type.Literal('accepted'), Type.Literal('declined')]),
  readouts: Type.Array(DialogueReadout),
  currentReadouts: Type.Array(DialogueReadout),
});
export const DialogueVersion = Type.Object({
  hash: Hash,
  n: Int,
  author: Type.String(),
  time: Int,
  base: Opt(Hash),
  content: LangMap,
  note: Opt(Type.String()),
  by: OfficerRef,
  endorsedBy: Type.Array(Type.String()),
  adopted: Type.Boolean(),
});
export const DialogueText = Type.Object({
  hash: Hash,
  author: Type.String(),
  time: Int,
  title: LangMap,
  type: Type.Enum(TEXT_TYPES),
  source: Opt(Hash),
  by: OfficerRef,
  versions: Type.Array(DialogueVersion),
  latest: DialogueVersion,
  adopted: Opt(DialogueVersion),
});
const Answer = Type.Object({ party: Type.String(), hash: Hash, time: Int });
export const DialogueUpdate = Type.Object({
  hash: Hash,
  seq: Int,
  time: Int,
  status: Type.Enum(COMMITMENT_STATUSES),
  note: Opt(Type.String()),
  due: Opt(Int),
  by: OfficerRef,
  confirmedBy: Type.Array(Answer),
  disputedBy: Type.Array(Type.Object({ party: Type.String(), hash: Hash, time: Int, reason: Type.String() })),
});
export const DialogueCommitment = Type.Object({
  hash: Hash,
  author: Type.String(),
  time: Int,
  owner: Type.String(),
  what: Type.String(),
  lang: Type.String(),
  due: Int,
  originalDue: Int,
  source: Opt(Hash),
  by: OfficerRef,
  status: Type.Union([Type.Literal('open'), Type.Enum(COMMITMENT_STATUSES)]),
  updates: Type.Array(DialogueUpdate),
  verdict: Opt(Type.Union([Type.Literal('confirmed'), Type.Literal('disputed')])),
  overdue: Type.Boolean(),
});

/** GET /api/v1/channels/:id/dialogue: the whole dialogue of a channel, judged at `at`. */
export const DialogueView = Type.Object({
  channel: Hash,
  parties: Type.Array(Type.Object({ party: Type.String(), code: Type.String() })),
  languages: Type.Array(Type.String()),
  title: LangMap,
  at: Int,
  issues: Type.Array(DialogueIssue),
  meetings: Type.Array(DialogueMeeting),
  texts: Type.Array(DialogueText),
  commitments: Type.Array(DialogueCommitment),
});

/** What a dialogue POST wrote: the signed entry, and the object it created or changed. */
export const DialogueWritten = Type.Object({ entry: Hash, kind: Type.String(), seq: Int, time: Int, object: Hash });

export type DialoguePosition = Static<typeof DialoguePosition>;
export type DialogueIssue = Static<typeof DialogueIssue>;
export type DialogueSchedule = Static<typeof DialogueSchedule>;
export type DialogueReadout = Static<typeof DialogueReadout>;
export type DialogueMeeting = Static<typeof DialogueMeeting>;
export type DialogueVersion = Static<typeof DialogueVersion>;
export type DialogueText = Static<typeof DialogueText>;
export type DialogueUpdate = Static<typeof DialogueUpdate>;
export type DialogueCommitment = Static<typeof DialogueCommitment>;
export type DialogueView = Static<typeof DialogueView>;
export type DialogueWritten = Static<typeof DialogueWritten>;

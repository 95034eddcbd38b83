/**
 * The dialogue layer's routes (docs/protocol.md §6.1): the dialogue of a channel, and one POST per
 * act — open an issue, state a position, propose / accept / decline / reschedule a meeting, file a
 * readout, draft / amend / endorse a joint text, record / update / confirm / dispute a commitment.
 * Each signs one entry as the officer signed in (auth.ts signingOfficer); the channel log judges
 * it against the protocol's rules and the charter's dialogue rules before it is committed, and
 * the permission table with the charter's dialogue rules decides who may ask (permissions.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static, type TSchema } from 'typebox';
import {
  HotlineProtocolError,
  COMMITMENT_STATUSES,
  MEETING_KINDS,
  MEETING_LEVELS,
  OfficerRef,
  TEXT_TYPES,
  dialogueRules,
  type BodyOf,
  type DialogueKind,
  type OfficerRef as OfficerRefT,
  type SealedEntry,
} from '../../protocol/index.js';
import { DialogueService, type ChannelDialogue } from '../dialogue/dialogue-service.js';
import { recordHtml } from '../dialogue/record-html.js';
import type { Action } from '../officers/permissions.js';
import { signingOfficer } from './auth.js';
import * as Api from './api-schemas.js';
import { ChannelParams, LangTagParam, type OfficerApiPorts } from './route-kit.js';

export type DialogueRoutesOptions = Pick<OfficerApiPorts, 'self' | 'directory' | 'actions' | 'peers' | 'now'>;

const Ref = Type.String({ minLength: 6, maxLength: 64, pattern: '^[0-9a-f]+$' });
const RefParams = Type.Object({ id: ChannelParams.properties.id, ref: Ref });
const Title = Type.Record(LangTagParam, Type.String({ minLength: 1, maxLength: 500 }), { minProperties: 1 });
const Content = Type.Record(LangTagParam, Type.String({ minLength: 1, maxLength: 16_000 }), { minProperties: 1, maxProperties: 8 });
const Reason = Type.String({ minLength: 1, maxLength: 4000 });
const Time = Type.Integer({ minimum: 0, maximum: 253_402_300_799_999 });
const Party = Type.String({ minLength: 1, maxLength: 64, description: 'a party code (e.g. CN) or id' });
/** Who signs: the officer signed in; with the host credential acting as nobody, `by` or the party's delegation. */
const By = Type.Optional(OfficerRef);

type Rule = 'positions' | 'endorse' | 'commitments' | undefined;

/** Registers the dialogue routes. */
export async function dialogueRoutes(app: FastifyInstance, opts: DialogueRoutesOptions): Promise<void> {
  const service = new DialogueService({ directory: opts.directory, actions: opts.actions, now: opts.now });
  app.get(
    '/api/v1/channels/:id/dialogue',
    {
      config: { permission: 'channel.read', scope: 'channel' },
      schema: { summary: 'The dialogue of a channel: issues and positions, meetings and readouts, joint texts and endorsements, commitments', params: ChannelParams, response: { 200: Api.DialogueView } },
    },
    async (request) => present(service.dialogue((request.params as { id: string }).id)),
  );
  app.get(
    '/api/v1/channels/:id/record',
    {
      config: { permission: 'channel.read', scope: 'channel' },
      schema: {
        summary: 'The printable record of the dialogue, or of one meeting (?meeting=): HTML with print styles, entry hashes and the command that verifies them',
        params: ChannelParams,
        querystring: Type.Object({ meeting: Type.Optional(Ref) }),
        response: { 200: Type.String({ description: 'text/html' }) },
      },
    },
    async (request, reply) => {
      const d = service.dialogue((request.params as { id: string }).id);
      const ref = (request.query as { meeting?: string }).meeting;
      const meeting = ref !== undefined ? (present(d).meetings.find((m) => m.hash === service.find(d, 'meeting', ref).hash) as Api.DialogueMeeting) : undefined;
      // Nothing of the record runs: no script, its own inline styles only, never framed.
      void reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'");
      return reply.type('text/html; charset=utf-8').send(recordHtml(present(d), meeting));
    },
  );
  const ctx: Ctx = { app, opts, service };
  issueRoutes(ctx);
  meetingRoutes(ctx);
  textRoutes(ctx);
  commitmentRoutes(ctx);
}

interface Ctx {
  readonly app: FastifyInstance;
  readonly opts: DialogueRoutesOptions;
  readonly service: DialogueService;
}

function present(d: ChannelDialogue): Api.DialogueView {
  return { channel: d.channel, parties: [...d.parties], languages: [...d.languages], title: d.title, at: d.at, ...d.state } as Api.DialogueView;
}

/**
 * One POST route writing one dialogue entry: `build` turns the request into the signed body
 * (without `by`) and names the object the entry creates or changes (undefined: the entry itself).
 */
function post<S extends TSchema, K extends DialogueKind>(
  ctx: Ctx,
  spec: { url: string; permission: Action; summary: string; body: S; kind: K; rule?: Rule; withRef?: boolean },
  build: (b: Static<S>, d: ChannelDialogue, ref: string | undefined) => Promise<{ body: Omit<BodyOf<K>, 'by'>; object?: string }> | { body: Omit<BodyOf<K>, 'by'>; object?: string },
): void {
  const { app, opts, service } = ctx;
  app.post(
    spec.url,
    {
      config: { permission: spec.permission, scope: 'channel' },
      schema: { summary: spec.summary, params: spec.withRef ? RefParams : ChannelParams, body: spec.body, response: { 201: Api.DialogueWritten, 409: Api.ApiErrorBody } },
    },
    async (request, reply) => {
      const { id, ref } = request.params as { id: string; ref?: string };
      const b = (request.body ?? {}) as Static<S> & { by?: OfficerRefT };
      const d = service.dialogue(id);
      const made = await build(b, d, ref);
      const by = byOf(request, b.by, d, opts, spec.rule);
      const body = { ...made.body, by } as BodyOf<K>;
      const sealed: SealedEntry<K> = await service
        .write(d.channel, spec.kind, body, { audit: request.auditWithEntry(201, (s: SealedEntry) => ({ id: s.hash, kind: spec.kind })) })
        .catch((e: unknown) => {
          throw inOfficersWords(e, opts, d.channel);
        });
      const e = sealed.entry;
      return reply.code(201).send({ entry: sealed.hash, kind: e.kind, seq: e.seq, time: e.time, object: made.object ?? sealed.hash } satisfies Api.DialogueWritten);
    },
  );
}

/**
 * A refusal of the protocol's dialogue rules as the officer who just acted reads it: the protocol
 * names the entry it judged by its author's key prefix and sequence ("Entry VUqVVmEo#33
 * (commitment.update) ... owed by pOe-zL97"), internal ids of an entry that was never written;
 * here "This commitment.update ... owed by CN". Same code and status.
 */
function inOfficersWords(e: unknown, opts: DialogueRoutesOptions, channel: string): unknown {
  if (!(e instanceof HotlineProtocolError) || !/^(DIALOGUE_|ENTRY_)/.test(e.code)) return e;
  let text = e.message.replace(/^Entry \S+#\d+ \(([a-z.]+)\)/, 'This $1').replace(/^Entry \S+#\d+/, 'This entry');
  for (const p of opts.directory.channel(channel).state(opts.now()).charter.parties) text = text.replaceAll(p.party.slice(0, 8), opts.directory.label(p.party));
  e.message = text;
  return e;
}

/** The officer who signs: the signed-in one; the host credential acting as nobody signs `claimed` or the party's delegation. */
function byOf(request: FastifyRequest, claimed: OfficerRefT | undefined, d: ChannelDialogue, opts: DialogueRoutesOptions, rule: Rule): OfficerRefT {
  const signed = signingOfficer(request, claimed);
  if (signed) return signed;
  const charter = opts.directory.channel(d.channel).state(opts.now()).charter;
  const held = charter.parties.find((p) => p.party === opts.self.party)?.roles ?? [];
  const allowed = rule ? dialogueRules(charter)[rule] : held.filter((r) => r !== 'observer' && r !== 'admin');
  const role = held.find((r) => allowed.includes(r)) ?? held[0] ?? 'principal';
  return { name: `${opts.self.code} delegation`, title: 'Delegation', role };
}

async function partyOf(opts: DialogueRoutesOptions, idOrCode: string): Promise<string> {
  return (await opts.peers.resolveParty(idOrCode)).party;
}

function issueRoutes(ctx: Ctx): void {
  post(
    ctx,
    { url: '/api/v1/channels/:id/issues', permission: 'dialogue.write', summary: 'Open an issue on the table', kind: 'issue.open', body: Type.Object({ title: Title, category: Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' }), summary: Type.Optional(Reason), by: By }) },
    (b) => ({ body: { title: b.title, category: b.category, ...(b.summary ? { summary: b.summary } : {}) } }),
  );
  post(
    ctx,
    { url: '/api/v1/channels/:id/issues/:ref/positions', permission: 'dialogue.position', rule: 'positions', withRef: true, summary: "State (or revise) this party's position on an issue", kind: 'issue.position', body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 8000 }), lang: Type.Optional(LangTagParam), by: By }) },
    (b, d, ref) => {
      const issue = ctx.service.find(d, 'issue', ref!);
      return { body: { issue: issue.hash, party: ctx.opts.self.party, text: b.text, lang: b.lang ?? 'en' }, object: issue.hash };
    },
  );
}

const MeetingBody = Type.Object({
  title: Title,
  kind: Type.Enum(MEETING_KINDS),
  level: Type.Enum(MEETING_LEVELS),
  start: Time,
  end: Time,
  place: Type.String({ minLength: 1, maxLength: 300 }),
  zones: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 64 }))),
  participants: Type.Optional(Type.Array(Type.Object({ party: Party, name: Type.String({ minLength: 1, maxLength: 200 }), title: Type.String({ minLength: 1, maxLength: 200 }) }), { maxItems: 128 })),
  agenda: Type.Optional(Type.Array(Ref, { maxItems: 32 })),
  by: By,
});

function meetingRoutes(ctx: Ctx): void {
  const { opts, service } = ctx;
  post(ctx, { url: '/api/v1/channels/:id/meetings', permission: 'dialogue.write', summary: 'Propose a meeting', kind: 'meeting.propose', body: MeetingBody }, async (b, d) => {
    const zones: Record<string, string> = {};
    for (const [p, z] of Object.entries(b.zones ?? {})) zones[await partyOf(opts, p)] = z;
    const participants = [];
    for (const p of b.participants ?? []) participants.push({ party: await partyOf(opts, p.party), name: p.name, title: p.title });
    const agenda = (b.agenda ?? []).map((r) => service.find(d, 'issue', r).hash);
    return { body: { title: b.title, kind: b.kind, level: b.level, start: b.start, end: b.end, place: b.place, ...(Object.keys(zones).length ? { zones } : {}), participants, agenda } };
  });
  const answer = (kind: 'meeting.accept' | 'meeting.decline', body: TSchema, summary: string) =>
    post(ctx, { url: `/api/v1/channels/:id/meetings/:ref/${kind === 'meeting.accept' ? 'accept' : 'decline'}`, permission: 'dialogue.write', withRef: true, summary, kind, body }, (b, d, ref) => {
      const m = service.find(d, 'meeting', ref!);
      const reason = (b as { reason?: string }).reason;
      return { body: { meeting: m.hash, schedule: m.schedule.hash, ...(reason !== undefined ? { reason } : {}) } as Omit<BodyOf<typeof kind>, 'by'>, object: m.hash };
    });
  answer('meeting.accept', Type.Object({ by: By }), "Accept a meeting's schedule in force");
  answer('meeting.decline', Type.Object({ reason: Reason, by: By }), "Decline a meeting's schedule in force, with a reason");
  post(
    ctx,
    { url: '/api/v1/channels/:id/meetings/:ref/reschedule', permission: 'dialogue.write', withRef: true, summary: 'Propose another time (and place) for a meeting', kind: 'meeting.reschedule', body: Type.Object({ start: Time, end: Time, place: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })), reason: Reason, by: By }) },
    (b, d, ref) => {
      const m = service.find(d, 'meeting', ref!);
      return { body: { meeting: m.hash, start: b.start, end: b.end, ...(b.place ? { place: b.place } : {}), reason: b.reason }, object: m.hash };
    },
  );
  post(
    ctx,
    { url: '/api/v1/channels/:id/meetings/:ref/readouts', permission: 'dialogue.write', withRef: true, summary: "File (or revise) this party's readout of a meeting held", kind: 'readout.file', body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 16_000 }), lang: Type.Optional(LangTagParam), release: Type.Optional(Type.Boolean()), by: By }) },
    (b, d, ref) => {
      const m = service.find(d, 'meeting', ref!);
      return { body: { meeting: m.hash, text: b.text, lang: b.lang ?? 'en', release: b.release === true }, object: m.hash };
    },
  );
}

function textRoutes(ctx: Ctx): void {
  const { service } = ctx;
  const sourceOf = (d: ChannelDialogue, ref: string): string => {
    const all = [...d.state.issues, ...d.state.meetings, ...d.state.texts].filter((x) => x.hash.startsWith(ref));
    return all.length === 1 ? all[0]!.hash : service.find(d, 'issue', ref).hash;
  };
  post(
    ctx,
    { url: '/api/v1/channels/:id/texts', permission: 'dialogue.write', summary: 'Draft a joint text (version 1)', kind: 'text.draft', body: Type.Object({ title: Title, type: Type.Enum(TEXT_TYPES), content: Content, source: Type.Optional(Ref), by: By }) },
    (b, d) => ({ body: { title: b.title, type: b.type, content: b.content, ...(b.source ? { source: sourceOf(d, b.source) } : {}) } }),
  );
  post(
    ctx,
    { url: '/api/v1/channels/:id/texts/:ref/amend', permission: 'dialogue.write', withRef: true, summary: 'Amend a joint text: a new version on its latest (or on `base`)', kind: 'text.amend', body: Type.Object({ content: Content, base: Type.Optional(Ref), note: Type.Optional(Reason), by: By }) },
    (b, d, ref) => {
      const t = service.find(d, 'text', ref!);
      const base = b.base ? (t.versions.find((v) => v.hash.startsWith(b.base!))?.hash ?? b.base) : t.latest.hash;
      return { body: { draft: t.hash, base, content: b.content, ...(b.note ? { note: b.note } : {}) }, object: t.hash };
    },
  );
  post(
    ctx,
    { url: '/api/v1/channels/:id/texts/:ref/endorse', permission: 'dialogue.endorse', rule: 'endorse', withRef: true, summary: 'Endorse exactly one version of a joint text (its latest, or `version`): adopted once every party endorses the same one', kind: 'text.endorse', body: Type.Object({ version: Type.Optional(Ref), by: By }) },
    (b, d, ref) => {
      const t = service.find(d, 'text', ref!);
      const version = b.version ? (t.versions.find((v) => v.hash.startsWith(b.version!))?.hash ?? b.version) : t.latest.hash;
      return { body: { draft: t.hash, version }, object: t.hash };
    },
  );
}

function commitmentRoutes(ctx: Ctx): void {
  const { opts, service } = ctx;
  post(
    ctx,
    { url: '/api/v1/channels/:id/commitments', permission: 'dialogue.commitment', rule: 'commitments', summary: 'Record a commitment: who owes what, by when, from where', kind: 'commitment.add', body: Type.Object({ owner: Party, what: Type.String({ minLength: 1, maxLength: 4000 }), lang: Type.Optional(LangTagParam), due: Time, source: Type.Optional(Ref), by: By }) },
    async (b, d) => {
      const source = b.source ? [...d.state.issues, ...d.state.meetings, ...d.state.texts].find((x) => x.hash.startsWith(b.source!))?.hash ?? b.source : undefined;
      return { body: { owner: await partyOf(opts, b.owner), what: b.what, lang: b.lang ?? 'en', due: b.due, ...(source ? { source } : {}) } };
    },
  );
  post(
    ctx,
    { url: '/api/v1/channels/:id/commitments/:ref/update', permission: 'dialogue.commitment', rule: 'commitments', withRef: true, summary: 'Update a commitment this party owes: in progress, done (with evidence), delayed (with a new date), withdrawn (with a reason)', kind: 'commitment.update', body: Type.Object({ status: Type.Enum(COMMITMENT_STATUSES), note: Type.Optional(Reason), due: Type.Optional(Time), by: By }) },
    (b, d, ref) => {
      const c = service.find(d, 'commitment', ref!);
      return { body: { commitment: c.hash, status: b.status, ...(b.note ? { note: b.note } : {}), ...(b.due !== undefined ? { due: b.due } : {}) }, object: c.hash };
    },
  );
  const answer = (kind: 'commitment.confirm' | 'commitment.dispute', body: TSchema, summary: string) =>
    post(ctx, { url: `/api/v1/channels/:id/commitments/:ref/${kind === 'commitment.confirm' ? 'confirm' : 'dispute'}`, permission: 'dialogue.commitment', rule: 'commitments', withRef: true, summary, kind, body }, (b, d, ref) => {
      const c = service.find(d, 'commitment', ref!);
      const last = c.updates[c.updates.length - 1];
      const reason = (b as { reason?: string }).reason;
      return { body: { commitment: c.hash, update: last?.hash ?? c.hash, ...(reason !== undefined ? { reason } : {}) } as Omit<BodyOf<typeof kind>, 'by'>, object: c.hash };
    });
  answer('commitment.confirm', Type.Object({ by: By }), 'Confirm that a commitment of another party marked done is done');
  answer('commitment.dispute', Type.Object({ reason: Reason, by: By }), 'Dispute that a commitment of another party marked done is done, with a reason');
}

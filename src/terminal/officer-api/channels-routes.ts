/**
 * /api/v1/channels*: the channels held here and their charters (list, propose, show, accept,
 * decline, withdraw, suspend, resume, close, amend to add formats), transcript bundles out (export) and in (import),
 * link tests and equivocation evidence. Each route declares its permission beside its schema.
 */
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { charterChanges, charterHash, checkCharter, DialogueRulesSchema, LIMITS, formatHash, HotlineProtocolError, LangTag, isBundleHeader, protocolError, ROLES, TIERS, writeBundle, type Charter, type SealedEntry } from '../../protocol/index.js';
import { DEFAULT_CHARTER_ROLES, type ProposeInput } from '../channels/channel-types.js';
import { TerminalError } from '../errors.js';
import { BundleCharters } from './import-charters.js';
import { definitionsFor, missingDefinitions, refsFor, type FormatCatalogue } from '../formats/catalogue.js';
import * as Api from './api-schemas.js';
import { mayRead } from './auth.js';
import { presentChannelDetail, presentChannelSummary, presentChannelView, presentHistory } from './presenters.js';
import { periodBundleEntries } from './period-export.js';
import { ChannelParams, LangTagParam, type LinkHealthFn, type LinksFn, type OfficerApiPorts, type ReadPorts, type ReconcilingFn } from './route-kit.js';

/** Options of {@link channelsRoutes}. */
export interface ChannelsRoutesOptions extends Pick<OfficerApiPorts, 'self' | 'directory' | 'actions' | 'receiver' | 'peers' | 'now'>, ReadPorts {
  readonly links: LinksFn;
  readonly linkHealth?: LinkHealthFn;
  /** Channels this terminal may not sign on now (reconciling, or its own log forked): shown on the channel. */
  readonly reconciling?: ReconcilingFn;
  /** The format definitions held: a charter lists only those, and is accepted only if all are held. */
  readonly formats: FormatCatalogue;
}

/** A period (docs/protocol.md §15.2): ms since the epoch. */
const ExportQuery = Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })), until: Type.Optional(Type.Integer({ minimum: 0 })) });
const CheckpointResult = Type.Object({ entry: Type.String(), seq: Type.Integer(), time: Type.Integer(), count: Type.Integer(), lasting: Type.String() });
const Reason = Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })) });
const Deadline = Type.Optional(Type.Integer({ minimum: 1 }));
const Proposal = Type.Object({
  title: Type.Record(LangTagParam, Type.String({ minLength: 1, maxLength: 500 }), { minProperties: 1 }),
  tier: Type.Enum(TIERS),
  parties: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 31 }),
  roles: Type.Optional(Type.Array(Type.Enum(ROLES), { minItems: 1 })),
  languages: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
  linkTestIntervalSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  /** Deadlines other than the defaults (FLASH 180 s, IMMEDIATE 900 s, PRIORITY 1 h, ROUTINE 24 h); those not named keep theirs. */
  ackDeadlineSec: Type.Optional(Type.Partial(Type.Object({ FLASH: Deadline, IMMEDIATE: Deadline, PRIORITY: Deadline, ROUTINE: Deadline }, { additionalProperties: false }), { minProperties: 1 })),
  expires: Type.Optional(Type.Integer({ minimum: 0 })),
  note: Type.Optional(Type.String({ maxLength: 4000 })),
  /** The charter's dialogue rules (docs/protocol.md §6.1): who states positions, endorses, records commitments; added categories. */
  dialogue: Type.Optional(DialogueRulesSchema),
  /** Agreed formats (#17): ids, id@version, hashes, or "all" for every format this terminal holds. */
  formats: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 70 }), { minItems: 1, maxItems: 64 })),
  /** Protocol version of the channel's entries (docs/protocol.md §14.1); 2 lets one message be proven without the others. */
  protocol: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])),
});

/** Charter actions and the permission each needs. */
const CHARTER_ACTIONS = [
  ['accept', 'charter.accept'],
  ['decline', 'charter.decline'],
  ['withdraw', 'charter.withdraw'],
  ['suspend', 'charter.suspend'],
  ['resume', 'charter.resume'],
  ['close', 'charter.close'],
] as const;
type CharterAction = (typeof CHARTER_ACTIONS)[number][0];

/** Link-test samples shown per peer: the last day's, at most this many. */
const LINK_SAMPLES = 500;

/** Registers the channel routes. */
export async function channelsRoutes(app: FastifyInstance, opts: ChannelsRoutesOptions): Promise<void> {
  const { self, directory, actions, reads } = opts;

  app.get(
    '/api/v1/channels',
    { config: { permission: 'channel.read' }, schema: { summary: 'Channels on this terminal (those the caller may read)', response: { 200: Type.Array(Api.ChannelSummary) } } },
    async (request) => directory.channelIds().filter((id) => mayRead(request.principal, id)).map((id) => presentChannelSummary(directory.view(id))),
  );

  app.post(
    '/api/v1/channels',
    { config: { permission: 'charter.propose' }, schema: { summary: 'Propose a channel charter', body: Proposal, response: { 201: Api.ChannelView } } },
    async (request, reply) => {
      const { formats, ...input } = request.body as Omit<ProposeInput, 'formats'> & { formats?: string[] };
      const proposal: ProposeInput = formats ? { ...input, formats: refsFor(opts.formats, formats) } : input;
      return reply.code(201).send(presentChannelView(await actions.propose(proposal)));
    },
  );

  app.get(
    '/api/v1/channels/:id',
    { config: { permission: 'channel.read', scope: 'channel' }, schema: { summary: 'A channel: state, members, link, counts', params: ChannelParams, response: { 200: Api.ChannelDetail } } },
    async (request) => {
      const v = directory.view((request.params as { id: string }).id);
      const links = new Map(opts.links().map((l) => [l.peer, l.state]));
      const [counts, evidence] = await Promise.all([reads.messageCounts(v.id), reads.evidence(v.id)]);
      const reconciling = opts.reconciling?.().find((r) => r.channel === v.id);
      return { ...presentChannelDetail(v, self.party, links, counts, evidence.length), ...(reconciling ? { reconciling } : {}) };
    },
  );

  app.get(
    '/api/v1/channels/:id/history',
    { config: { permission: 'channel.read', scope: 'channel' }, schema: { summary: "The charter's and the channel's states in log order: who proposed, accepted, declined, withdrew, amended, suspended, resumed, closed, when, and the reason", params: ChannelParams, response: { 200: Type.Array(Api.StateChange) } } },
    async (request) => {
      const log = directory.channel((request.params as { id: string }).id);
      return presentHistory(await reads.stateEntries(log.id), (party) => directory.label(party));
    },
  );

  charterRoutes(app, opts);
  amendRoute(app, opts);
  transcriptRoutes(app, opts);

  app.get(
    '/api/v1/channels/:id/link',
    { config: { permission: 'channel.read', scope: 'channel' }, schema: { summary: 'Link-test state per peer and recent round-trip/offset samples', params: ChannelParams, response: { 200: Api.LinkView } } },
    async (request) => {
      const log = directory.channel((request.params as { id: string }).id);
      const health = (opts.linkHealth?.() ?? []).filter((h) => h.channel === log.id);
      const since = opts.now() - 24 * 3_600_000;
      const samples: Api.LinkView['samples'] = {};
      for (const peer of directory.peersOf(log.id)) samples[directory.label(peer)] = await reads.linkSamples(log.id, peer, since, LINK_SAMPLES);
      return { health, samples };
    },
  );

  app.get(
    '/api/v1/channels/:id/evidence',
    { config: { permission: 'channel.read', scope: 'channel' }, schema: { summary: 'Equivocation evidence', params: ChannelParams, response: { 200: Type.Array(Api.Evidence) } } },
    async (request) => reads.evidence(directory.channel((request.params as { id: string }).id).id),
  );
}

/** The charter actions: accept, decline, withdraw, suspend, resume, close. */
function charterRoutes(app: FastifyInstance, opts: ChannelsRoutesOptions): void {
  const { directory, actions } = opts;

  for (const [action, permission] of CHARTER_ACTIONS)
    app.post(
      `/api/v1/channels/:id/${action}`,
      { config: { permission, scope: 'channel' }, schema: { summary: `Charter action: ${action}`, params: ChannelParams, body: Type.Optional(Reason), response: { 200: Api.CharterActionResult } } },
      async (request) => {
        const { id } = request.params as { id: string };
        const sealed = await charterAction(id, action, (request.body as { reason?: string } | undefined)?.reason);
        return { entry: sealed.hash, channel: presentChannelView(directory.view(id)) };
      },
    );

  function charterAction(id: string, action: CharterAction, reason: string | undefined): Promise<SealedEntry> {
    const need = () => {
      if (!reason) throw new TerminalError('BAD_REQUEST', { detail: `A reason is required to ${action} a channel; it goes on the record.` });
      return reason;
    };
    switch (action) {
      case 'accept': {
        // Accepting a charter (or an amendment) promises to read its formats: refused while a
        // definition is not held.
        const view = directory.channel(id).state(opts.now());
        const missing = missingDefinitions(opts.formats, view.amendments.find((a) => a.status === 'pending')?.charter ?? view.charter);
        if (missing.length > 0)
          throw new HotlineProtocolError(protocolError('FORMAT_UNKNOWN', { format: `${missing[0]!.id} v${missing[0]!.version}`, hash: missing[0]!.hash.slice(0, 12), where: ' on this terminal' }));
        return actions.accept(id);
      }
      case 'decline':
        return actions.decline(id, need());
      case 'withdraw':
        return actions.withdraw(id, need());
      case 'suspend':
        return actions.write(id, 'channel.suspend', { reason: need() });
      case 'resume':
        return actions.write(id, 'channel.resume', reason ? { reason } : {});
      case 'close':
        return actions.write(id, 'channel.close', { reason: need() });
    }
  }
}

const PartyRef = Type.String({ minLength: 1, maxLength: 64, description: 'a party by code (e.g. RU) or root key' });
const Amendment = Type.Object({
  /** Parties to add (paired peers, by code or root key), with `roles` (default: those a proposal gives, every role but admin). */
  addParties: Type.Optional(Type.Array(PartyRef, { minItems: 1, maxItems: 16, uniqueItems: true })),
  /** The roles of the added parties. */
  roles: Type.Optional(Type.Array(Type.Enum(ROLES), { minItems: 1, uniqueItems: true })),
  /** The roles a party of the amended charter (by code or root key) is to have instead of those it has. */
  partyRoles: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Array(Type.Enum(ROLES), { minItems: 1, uniqueItems: true }), { minProperties: 1, maxProperties: 32 })),
  /** Parties to remove (never this terminal's own: another party proposes that). */
  removeParties: Type.Optional(Type.Array(PartyRef, { minItems: 1, maxItems: 16, uniqueItems: true })),
  /** Titles to set, by language: a language added needs one. */
  title: Type.Optional(Type.Record(LangTag, Type.String({ minLength: 1, maxLength: 500 }), { minProperties: 1 })),
  addLanguages: Type.Optional(Type.Array(LangTag, { minItems: 1, uniqueItems: true })),
  removeLanguages: Type.Optional(Type.Array(LangTag, { minItems: 1, uniqueItems: true })),
  /** Acknowledgement deadlines to change, seconds by precedence. */
  ackDeadlineSec: Type.Optional(Type.Partial(Type.Object({ FLASH: Type.Integer({ minimum: 1 }), IMMEDIATE: Type.Integer({ minimum: 1 }), PRIORITY: Type.Integer({ minimum: 1 }), ROUTINE: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }), { minProperties: 1 })),
  linkTestIntervalSec: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Refused with an explanation: `expires` is the proposal's deadline for answers (docs/protocol.md §5.1), never read in an amended charter (§5.3). */
  expires: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  /** The charter's note (what it is for), or null to remove it. */
  note: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 4000 }), Type.Null()])),
  /** Formats to add (#17): ids, id@version or hashes of definitions held here. */
  addFormats: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 70 }), { minItems: 1, maxItems: 64 })),
  /** Move the channel to protocol version 2 (docs/protocol.md §14.1): proofs of one message. */
  protocol: Type.Optional(Type.Literal(2)),
  reason: Type.String({ minLength: 1, maxLength: 4000 }),
});
type AmendmentBody = Static<typeof Amendment>;

/** The charter in force with what `b` asks changed; refuses (BAD_REQUEST, naming it) what cannot be. */
async function amendedCharter(opts: ChannelsRoutesOptions, charter: Charter, b: AmendmentBody): Promise<Charter> {
  const bad = (detail: string) => new TerminalError('BAD_REQUEST', { detail });
  if (b.expires !== undefined)
    throw bad("a charter's expires is the time until which its proposal may be accepted (docs/protocol.md §5.1); an amended charter's is never read (§5.3), so an amendment cannot set a date for the channel to end. To end it then, close it then (`hotline channel close`)");
  const parties = [...charter.parties];
  const find = (ref: string) => parties.findIndex((p) => p.party === ref || p.code === ref.toUpperCase());
  for (const ref of b.removeParties ?? []) {
    const i = find(ref);
    if (i < 0) throw bad(`${ref} is not a party of the charter in force (its parties: ${charter.parties.map((p) => p.code).join(', ')})`);
    if (parties[i]!.party === opts.self.party) throw bad(`a terminal cannot remove its own party (${opts.self.code}): another party proposes that amendment, or close the channel`);
    parties.splice(i, 1);
  }
  for (const ref of b.addParties ?? []) {
    const { party, code } = await opts.peers.resolveParty(ref);
    if (find(party) >= 0) throw bad(`${code} is already a party of the channel`);
    parties.push({ party, code, roles: b.roles ?? [...DEFAULT_CHARTER_ROLES] });
  }
  if (b.roles && !b.addParties) throw bad('roles are those of the parties added: give addParties (--add-party) with them; partyRoles (--party-roles CODE=ROLE,...) changes those of a party already in the channel');
  for (const [ref, roles] of Object.entries(b.partyRoles ?? {})) {
    const i = find(ref);
    if (i < 0) throw bad(`${ref} is not a party of the amended charter (its parties: ${parties.map((p) => p.code).join(', ')}): partyRoles names parties that stay or are added`);
    parties[i] = { ...parties[i]!, roles };
  }
  let languages = [...charter.languages];
  for (const l of b.removeLanguages ?? []) {
    if (!languages.includes(l)) throw bad(`the charter in force has no language "${l}" (its languages: ${languages.join(', ')})`);
    languages = languages.filter((x) => x !== l);
  }
  for (const l of b.addLanguages ?? []) {
    if (languages.includes(l)) throw bad(`the charter in force already has the language "${l}"`);
    if (!b.title?.[l] && !charter.title[l]) throw bad(`a language added needs the title in it: give title.${l} (--title ${l}=TEXT)`);
    languages.push(l);
  }
  const title: Record<string, string> = {};
  for (const l of languages) title[l] = b.title?.[l] ?? charter.title[l]!;
  for (const l of Object.keys(b.title ?? {})) if (!languages.includes(l)) throw bad(`a title in "${l}", which is not a language of the amended charter: add the language too (addLanguages, --add-language ${l})`);
  const agreed = charter.formats ?? [];
  const added = refsFor(opts.formats, b.addFormats ?? []).filter((r) => !agreed.some((a) => a.hash === r.hash));
  const { note: _note, ...rest } = charter;
  const note = b.note === undefined ? charter.note : (b.note ?? undefined);
  return {
    ...rest,
    ...(note !== undefined ? { note } : {}),
    title,
    parties,
    languages,
    ackDeadlineSec: { ...charter.ackDeadlineSec, ...b.ackDeadlineSec },
    linkTestIntervalSec: b.linkTestIntervalSec ?? charter.linkTestIntervalSec,
    ...(added.length > 0 ? { formats: [...agreed, ...added] } : {}),
    ...(b.protocol !== undefined ? { protocol: b.protocol } : {}),
  };
}

/**
 * Amendments (docs/protocol.md §5.3): a plenipotentiary proposes the charter in force changed: a
 * party added or removed, its terms (titles, languages, acknowledgement deadlines, link test
 * interval, expiry), more agreed formats, protocol version 2 (§14.1). Every party of the charter
 * in force and of the amended one accepts it with the accept route (an added party on its own
 * terminal, which the channel reaches once the amendment names it), and it is in force once all
 * have. Refused when it would change nothing, or when the amended charter would not be valid.
 */
function amendRoute(app: FastifyInstance, opts: ChannelsRoutesOptions): void {
  const { directory, actions } = opts;
  app.post(
    '/api/v1/channels/:id/amend',
    { config: { permission: 'charter.amend', scope: 'channel' }, schema: { summary: 'Propose an amendment of the charter: add or remove parties, change its terms, add agreed formats, move to protocol version 2', params: ChannelParams, body: Amendment, response: { 200: Api.CharterActionResult } } },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as AmendmentBody;
      const log = directory.channel(id);
      const state = log.state(opts.now());
      const charter = state.charter;
      const amended = await amendedCharter(opts, charter, body);
      // Every later entry names the logs once named (§7 heads rules 2-3), at most 32 (§4.1): a
      // channel whose record would hold more than that could never be written to again.
      const logs = new Set([...log.authors(), ...amended.parties.map((p) => p.party)]);
      if (logs.size > LIMITS.maxHeads)
        throw new TerminalError('BAD_REQUEST', { detail: `the channel's record would hold the logs of ${logs.size} parties (those that ever wrote in it and those of the amended charter), and every later entry must name them all, at most ${LIMITS.maxHeads} (docs/protocol.md §7): the channel would lock. Open a new channel for this set of parties instead.` });
      if (charterChanges(charter, amended).length === 0) {
        const what = [...(body.addFormats ? [`already agrees ${body.addFormats.join(', ')}`] : []), ...(body.protocol !== undefined ? [`already speaks protocol version ${body.protocol}`] : [])];
        throw new TerminalError('BAD_REQUEST', { detail: what.length > 0 ? `The charter in force ${what.join(' and ')}: the amendment would change nothing.` : 'The amendment would change nothing: name what it changes (a party added or removed, a term, a format, the protocol version).' });
      }
      const problem = checkCharter(amended, opts.self.party);
      if (problem) throw new HotlineProtocolError(problem);
      // An amendment is named by its charter's hash (§5.3): a charter the channel already had (the
      // terms it was proposed with, say, after the party added is removed again) needs a new note.
      const hash = charterHash(amended);
      const had = hash === state.proposalHash ? { what: 'the one it was proposed with', time: log.proposal.entry.time } : state.amendments.find((a) => a.hash === hash);
      if (had)
        throw new TerminalError('BAD_REQUEST', { detail: `the amended charter would be exactly ${'what' in had ? had.what : `the one an amendment of ${new Date(had.time).toISOString()} proposed (${had.status})`}. Amendments are named by the hash of their charter, so each must differ from every earlier one: give it a note saying what it is for (note, \`--note\`).` });
      const sealed = await actions.write(id, 'charter.amend', { charter: amended, reason: body.reason });
      return { entry: sealed.hash, channel: presentChannelView(directory.view(id)) };
    },
  );
}

/** Transcript bundles: out for offline verification, in by hand (the sneakernet path). */
function transcriptRoutes(app: FastifyInstance, opts: ChannelsRoutesOptions): void {
  const { self, directory, receiver, reads } = opts;

  app.get(
    '/api/v1/channels/:id/export',
    {
      config: { permission: 'channel.export', scope: 'channel' },
      schema: {
        summary: 'Transcript bundle (JSON Lines) for offline verification: the whole channel, or a period anchored at a countersigned checkpoint (docs/protocol.md §15)',
        params: ChannelParams,
        querystring: ExportQuery,
      },
    },
    async (request, reply) => {
      const log = directory.channel((request.params as { id: string }).id);
      const { since, until } = request.query as Static<typeof ExportQuery>;
      if (since === undefined && until !== undefined) throw new TerminalError('BAD_REQUEST', { detail: 'until needs since: a period starts at a checkpoint' });
      const period = since === undefined ? undefined : await periodBundleEntries(log, reads, since, until, opts.now());
      const [cards, raws] = await Promise.all([reads.peerCards(), period ? period.entries : reads.rawEntries(log.id)]);
      void reply.header('content-type', 'application/x-ndjson');
      // The definitions of every format any charter of the channel agreed (§13.5), for the verifier.
      const view = log.state(opts.now());
      const charters = [(log.proposal.entry.body as { charter: Charter }).charter, ...view.amendments.map((a) => a.charter)];
      const definitions = definitionsFor(opts.formats, charters);
      // And the language packs held for them (§13.7): readings the verifier checks, never verdicts.
      const packs = definitions.flatMap((d) => opts.formats.packsOf(formatHash(d)).map((p) => p.pack));
      const header = { channel: log.id, exportedBy: self.code, exportedAt: opts.now(), ...(period ? { anchor: period.anchor.hash, since, ...(until !== undefined ? { until } : {}) } : {}) };
      return writeBundle(header, [self.card, ...cards], raws, [...definitions, ...packs]);
    },
  );

  app.post(
    '/api/v1/channels/:id/checkpoint',
    {
      config: { permission: 'terminal.manage', scope: 'channel' },
      schema: {
        summary: 'Write a checkpoint of a version-2 channel now (docs/protocol.md §15.1): once every party has accepted it, a period can be exported from it',
        params: ChannelParams,
        response: { 200: CheckpointResult },
      },
    },
    async (request) => {
      const log = directory.channel((request.params as { id: string }).id);
      if ((log.state(opts.now()).charter.protocol ?? 1) < 2) throw new TerminalError('PERIOD_PROTOCOL_1', { channel: log.id.slice(0, 12), what: 'it cannot take one' });
      const k = await opts.actions.checkpoint(log.id);
      return { entry: k.hash, seq: k.entry.seq, time: k.entry.time, count: k.entry.body.count, lasting: k.entry.body.lasting };
    },
  );

  app.post(
    '/api/v1/import',
    {
      config: { permission: 'terminal.manage' },
      schema: {
        summary: 'Import a bundle file (the sneakernet path): entries are verified and merged. A bundle sent in parts (each with the header) names its parts with ?part=N: the sender judged the whole bundle, which a part alone cannot show (IMPORT_NOT_A_PARTY)',
        querystring: Type.Object({ part: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: { 200: Api.ImportResult },
      },
    },
    async (request) => {
      const text = typeof request.body === 'string' ? request.body : '';
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      if (lines.length === 0) throw new HotlineProtocolError(protocolError('BUNDLE_EMPTY', {}));
      // The first line must be a bundle header: anything else is refused, not "0 imported" (#14 D10).
      // A large bundle comes in several requests (`hotline import` sends batches), each with the header.
      if (!isBundleHeader(parseOrUndefined(lines[0]!))) throw new HotlineProtocolError(protocolError('BUNDLE_NOT_A_BUNDLE', { detail: 'its first line is not a bundle header' }));
      const entries: string[] = [];
      for (const line of lines.slice(1)) if (line.startsWith('{"author":')) entries.push(line);
      // A part of a bundle may hold its proposal and not the later amendment that adds this party:
      // only a whole bundle is judged here; `hotline import` judges the whole file before sending parts.
      if ((request.query as { part?: number }).part === undefined)
        notAPartyOf(entries, self, (parseOrUndefined(lines[0]!) as { channel?: unknown }).channel, (id) => {
        try {
          return directory.channel(id).id === id;
        } catch {
          return false;
        }
      });
      const first = await receiver.receive(entries, 'import');
      // Entries out of order across authors settle in a second pass.
      const second = first.pending > 0 ? await receiver.receive(entries, 'import') : undefined;
      return { accepted: first.accepted + (second?.accepted ?? 0), duplicate: first.duplicate, pending: second?.pending ?? first.pending, rejected: [...first.rejected, ...(second?.rejected ?? [])].slice(0, 50) };
    },
  );
}

/**
 * Refuses at once, with one clear answer, a bundle of a channel this terminal is not a party of:
 * neither its proposal's charter nor any amendment it carries names this party, so every entry
 * would be rejected one by one (ENTRY_UNKNOWN_KEY: the other parties' keys are not vouched for here).
 */
function notAPartyOf(entries: readonly string[], self: { readonly party: string; readonly code: string }, channel: unknown, known: (id: string) => boolean): void {
  if (typeof channel === 'string' && known(channel)) return;
  const charters = new BundleCharters();
  for (const line of entries) charters.add(line);
  const refusal = charters.refusal(self, channel);
  if (refusal) throw refusal;
}

/** A line's JSON value, or undefined if it is not JSON. */
function parseOrUndefined(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Key revocations into the transcript (#14, docs/protocol.md §3.2, §3.5): a revocation of one of
 * this party's terminal keys, signed by the party's root key, is written as a `key.revoke` entry on
 * every channel this terminal holds that is not closed. A revocation carried only in a party card
 * decides nothing in a verdict; this entry is how it reaches each channel's record.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { checkRevocation, checkTerminalCertificate, HotlineProtocolError, type KeyRevocation, type PartyCard, type TerminalCertificate } from '../../protocol/index.js';
import { TerminalError } from '../errors.js';
import type { OfficerApiPorts } from './route-kit.js';

/** Options of {@link keysRoutes}. */
export interface KeysRoutesOptions extends Pick<OfficerApiPorts, 'self' | 'directory' | 'actions'> {
  /** The key this terminal signs with now: revoking it would invalidate its own next entries. */
  readonly signingKey?: () => string;
  /** Switching this terminal to a new key (key-rotation.ts); absent where it cannot rotate. */
  readonly rotation?: KeyRotationPort;
}

/** What the rotation route needs of the terminal (terminal/key-rotation-port.ts). */
export interface KeyRotationPort {
  /** Checks the staged key and the card on disk against `cert`, and takes the card in. */
  prepare(cert: TerminalCertificate): Promise<void>;
  /** Whether this terminal's log on `channel` already holds a key.rotate certifying `key`. */
  rotated(channel: string, key: string): boolean;
  /** Makes the staged key the terminal key, on disk then in memory. */
  commit(cert: TerminalCertificate): Promise<void>;
  /** Takes up the party card on disk again (re-signed since the start); returns it. */
  reloadCard(): Promise<PartyCard>;
}

const KeyRotateResult = Type.Object({
  key: Type.String(),
  previous: Type.String(),
  entries: Type.Array(Type.Object({ channel: Type.String(), entry: Type.String() })),
  held: Type.Array(Type.String()),
  skipped: Type.Array(Type.Object({ channel: Type.String(), code: Type.String() })),
});

const KeyRevokeResult = Type.Object({ key: Type.String(), from: Type.Integer(), entries: Type.Array(Type.Object({ channel: Type.String(), entry: Type.String() })) });

/** States in which a channel's record takes a key.revoke entry (docs/protocol.md §5.5). */
const OPEN_STATES = new Set(['proposed', 'active', 'suspended', 'declined']);

/** Registers POST /api/v1/keys/revocations, POST /api/v1/keys/rotations and POST /api/v1/card/reload. */
export async function keysRoutes(app: FastifyInstance, opts: KeysRoutesOptions): Promise<void> {
  rotationRoute(app, opts);
  cardReloadRoute(app, opts);
  app.post(
    '/api/v1/keys/revocations',
    {
      config: { permission: 'terminal.manage' },
      schema: {
        summary: "Write a revocation of one of this party's terminal keys (signed by its root key) into every open channel's record",
        body: Type.Object({ revocation: Type.Unknown() }),
        response: { 201: KeyRevokeResult },
      },
    },
    async (request, reply) => {
      const revocation = (request.body as { revocation: unknown }).revocation;
      const problem = checkRevocation(revocation);
      if (problem) throw new HotlineProtocolError(problem);
      const rev = revocation as KeyRevocation;
      if (rev.party !== opts.self.party) throw new TerminalError('BAD_REQUEST', { detail: `The revocation is signed by another party's root key (${rev.party.slice(0, 12)}), not this party's; a terminal records only its own party's revocations.` });
      if (rev.key === opts.signingKey?.()) throw new TerminalError('KEY_IN_USE', { key: rev.key.slice(0, 12) });
      const entries: Array<{ channel: string; entry: string }> = [];
      for (const id of opts.directory.channelIds()) {
        if (!OPEN_STATES.has(opts.directory.view(id).state)) continue;
        const sealed = await opts.actions.write(id, 'key.revoke', { revocation: rev });
        entries.push({ channel: id, entry: sealed.hash });
      }
      return reply.code(201).send({ key: rev.key, from: rev.from, entries });
    },
  );
}

/**
 * POST /api/v1/keys/rotations: publishes the certificate of this terminal's next key (staged and
 * certified by `hotline key rotate`) as a key.rotate entry, signed with the current key, in every
 * channel this terminal writes in, then switches to the new key (docs/protocol.md §3.2). A failure
 * before the switch leaves the current key in use; the same request again resumes.
 */
function rotationRoute(app: FastifyInstance, opts: KeysRoutesOptions): void {
  app.post(
    '/api/v1/keys/rotations',
    {
      config: { permission: 'terminal.manage' },
      schema: {
        summary: "Publish the certificate of this terminal's next key in every channel's record (key.rotate), then sign with that key",
        body: Type.Object({ cert: Type.Unknown() }),
        response: { 201: KeyRotateResult },
      },
    },
    async (request, reply) => {
      const rotation = opts.rotation;
      if (!rotation) throw new TerminalError('BAD_REQUEST', { detail: 'This terminal cannot rotate its key while it runs (no data directory).' });
      const cert = (request.body as { cert: unknown }).cert;
      const problem = checkTerminalCertificate(cert);
      if (problem) throw new HotlineProtocolError(problem);
      const c = cert as TerminalCertificate;
      if (c.party !== opts.self.party) throw new TerminalError('BAD_REQUEST', { detail: `The certificate is signed by another party's root key (${c.party.slice(0, 12)}), not this party's.` });
      const previous = opts.signingKey?.() ?? '';
      const result = { key: c.key, previous, entries: [] as Array<{ channel: string; entry: string }>, held: [] as string[], skipped: [] as Array<{ channel: string; code: string }> };
      if (c.key === previous) return reply.code(201).send(result); // switched already
      await rotation.prepare(c);
      // Again over the channels opened meanwhile (a proposal while this ran), until none is new.
      const seen = new Set<string>();
      for (let pass = 0; pass < 3; pass++) {
        const todo = opts.directory.channelIds().filter((id) => !seen.has(id));
        if (todo.length === 0) break;
        for (const id of todo) {
          seen.add(id);
          await publishRotation(opts, rotation, id, c, result);
        }
      }
      await rotation.commit(c);
      return reply.code(201).send(result);
    },
  );
}

/** One channel's key.rotate: written, already held (a resumed rotation), or skipped (left). */
async function publishRotation(
  opts: KeysRoutesOptions,
  rotation: KeyRotationPort,
  id: string,
  cert: TerminalCertificate,
  result: { entries: Array<{ channel: string; entry: string }>; held: string[]; skipped: Array<{ channel: string; code: string }> },
): Promise<void> {
  if (rotation.rotated(id, cert.key)) {
    result.held.push(id);
    return;
  }
  try {
    const sealed = await opts.actions.write(id, 'key.rotate', { cert });
    result.entries.push({ channel: id, entry: sealed.hash });
  } catch (e) {
    // A channel this party left: it writes nothing there again, with either key.
    if (e instanceof TerminalError && e.code === 'CHANNEL_LEFT') result.skipped.push({ channel: id, code: e.code });
    // The current key is revoked in this channel (keys/ restored from before an earlier rotation,
    // and that key revoked since): nothing it signs there counts, a key.rotate neither. Switching
    // loses nothing there; the peers learn the new key from the reissued card (§3.2).
    else if (e instanceof TerminalError && e.code === 'OWN_KEY_REVOKED') result.skipped.push({ channel: id, code: e.code });
    else throw e;
  }
}

/**
 * POST /api/v1/card/reload: the running terminal takes up the party card on disk again, after
 * `hotline key revoke` or `hotline card reissue` re-signed it, so that what it serves to officers
 * (GET /api/v1/card) and to peers (GET /fed/v1/card) and what it exports carry the revocations.
 */
function cardReloadRoute(app: FastifyInstance, opts: KeysRoutesOptions): void {
  app.post(
    '/api/v1/card/reload',
    {
      config: { permission: 'terminal.manage' },
      schema: {
        summary: 'Take up the party card on disk again (re-signed with a revocation or new endpoints since the terminal started)',
        response: { 200: Type.Object({ terminals: Type.Integer(), revocations: Type.Integer() }) },
      },
    },
    async () => {
      if (!opts.rotation) throw new TerminalError('BAD_REQUEST', { detail: 'This terminal has no card on disk to take up (no data directory).' });
      const card = await opts.rotation.reloadCard();
      return { terminals: card.terminals.length, revocations: card.revocations.length };
    },
  );
}

/**
 * Key revocations into the transcript (#14, docs/protocol.md §3.2, §3.5): a revocation of one of
 * this party's terminal keys, signed by the party's root key, is written as a `key.revoke` entry on
 * every channel this terminal holds that is not closed. A revocation carried only in a party card
 * decides nothing in a verdict; this entry is how it reaches each channel's record.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { checkRevocation, HotlineProtocolError, type KeyRevocation } from '../../protocol/index.js';
import { TerminalError } from '../errors.js';
import type { OfficerApiPorts } from './route-kit.js';

/** Options of {@link keysRoutes}. */
export interface KeysRoutesOptions extends Pick<OfficerApiPorts, 'self' | 'directory' | 'actions'> {
  /** The key this terminal signs with: revoking it would invalidate its own next entries. */
  readonly signingKey?: string;
}

const KeyRevokeResult = Type.Object({ key: Type.String(), from: Type.Integer(), entries: Type.Array(Type.Object({ channel: Type.String(), entry: Type.String() })) });

/** States in which a channel's record takes a key.revoke entry (docs/protocol.md §5.5). */
const OPEN_STATES = new Set(['proposed', 'active', 'suspended', 'declined']);

/** Registers POST /api/v1/keys/revocations. */
export async function keysRoutes(app: FastifyInstance, opts: KeysRoutesOptions): Promise<void> {
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
      if (rev.key === opts.signingKey) throw new TerminalError('KEY_IN_USE', { key: rev.key.slice(0, 12) });
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

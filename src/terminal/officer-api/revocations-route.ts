/**
 * GET /api/v1/keys/revocations: the revocations this party wrote into its channels' records as
 * `key.revoke` entries (keys-routes.ts writes them). `hotline card reissue` puts every one of them
 * on the party card, so that peers importing the card stop pinning the revoked terminals' TLS keys
 * (docs/protocol.md §3.5, §3.6).
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { ReadPorts } from './route-kit.js';

const Revocations = Type.Object({ revocations: Type.Array(Type.Unknown()) });

/** Registers GET /api/v1/keys/revocations. */
export async function revocationsRoute(app: FastifyInstance, opts: ReadPorts): Promise<void> {
  app.get(
    '/api/v1/keys/revocations',
    {
      config: { permission: 'terminal.manage' },
      schema: {
        summary: "The revocations of this party's terminal keys written into its channels' records (key.revoke entries), each once",
        response: { 200: Revocations },
      },
    },
    async () => ({ revocations: await opts.reads.ownRevocations() }),
  );
}

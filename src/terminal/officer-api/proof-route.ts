/**
 * The proof of one message (docs/protocol.md §14): `GET /api/v1/messages/:id/proof` answers the
 * proof document, chosen from this terminal's store (protocol/proof/select.ts) and checked by the
 * same verifier a third party runs before it leaves (a proof that would not verify is a bug here).
 */
import type { FastifyInstance } from 'fastify';
import { buildProof, proofParties, proofText, sealedFromStored, selectProofParts, verifyProof, type ChannelLog, type ProofSource } from '../../protocol/index.js';
import { TerminalError } from '../errors.js';
import type { OfficerReadModel } from './read-model.js';
import { MessageParams, type OfficerApiPorts, type ReadPorts } from './route-kit.js';

/** Options of {@link proofRoutes}. */
export type ProofRoutesOptions = Pick<OfficerApiPorts, 'self' | 'directory' | 'messages' | 'now'> & ReadPorts;

/** A proof source over the store, for one channel held in memory (its authors and lengths). */
export function storeProofSource(log: ChannelLog, reads: OfficerReadModel, cards: ProofSource['cards']): ProofSource {
  const channel = log.id;
  const sealed = (raws: readonly string[]) => raws.map(sealedFromStored);
  return {
    proposal: log.proposal,
    cards,
    authors: () => log.authors(),
    length: (author) => log.head(author)?.seq ?? 0,
    entry: async (author, seq) => {
      const raw = await reads.rawEntry(channel, author, seq);
      return raw === undefined ? undefined : sealedFromStored(raw);
    },
    range: async (author, from, to) => sealed(await reads.rawRange(channel, author, from, to)),
    scan: async (author, from, kinds, limit) => sealed(await reads.rawOfKinds(channel, author, from, kinds, limit)),
    // Every acknowledgement of the message, read by its position (message_acks), not by a scan.
    acksOf: async (message) => {
      const { author, seq } = message.entry;
      return sealed((await reads.pageEntries(channel, [{ channel, author, seq }])).filter((e) => e.kind === 'ack').map((e) => e.raw));
    },
  };
}

/** Registers the proof route. */
export async function proofRoutes(app: FastifyInstance, opts: ProofRoutesOptions): Promise<void> {
  const { directory, messages, reads, self } = opts;
  app.get(
    '/api/v1/messages/:id/proof',
    {
      config: { permission: 'channel.export', scope: 'message' },
      schema: { summary: 'Proof of one message (docs/protocol.md §14): the message, its receipts and acknowledgements, nothing else', params: MessageParams },
    },
    async (request, reply) => {
      const at = await messages.findMessage((request.params as { id: string }).id);
      const log = directory.channel(at.channel);
      const raw = await reads.rawEntry(at.channel, at.author, at.seq);
      if (raw === undefined) throw new TerminalError('MESSAGE_NOT_FOUND', { message: at.hash });
      const cards = [self.card, ...(await reads.peerCards())];
      const message = sealedFromStored(raw);
      // A proof carries the proposal, not the amendments (docs/protocol.md §14.5): a message by a
      // party an amendment added cannot be proven this way; the transcript (`export`) proves it.
      if (!proofParties(log.proposal).has(at.author)) throw new TerminalError('PROOF_NOT_POSSIBLE', { message: at.hash.slice(0, 12), party: directory.label(at.author) });
      const parts = await selectProofParts(storeProofSource(log, reads, cards), message, opts.now());
      if (!parts) throw new TerminalError('PROOF_NOT_READY', { message: at.hash.slice(0, 12) });
      const doc = buildProof(parts);
      const verdict = verifyProof(JSON.parse(JSON.stringify(doc)));
      if (!verdict.valid) throw new TerminalError('PROOF_FAILED', { message: at.hash.slice(0, 12), detail: verdict.error.message });
      // Its own media type: the CLI writes the canonical text out byte for byte (it parses only application/json).
      void reply.header('content-type', 'application/vnd.hotline.proof+json');
      return proofText(doc);
    },
  );
}

/**
 * The running terminal's side of a key rotation (identity/key-rotation.ts): it takes in the card
 * that certifies the staged key, and once every key.rotate entry is written, makes the staged key
 * its terminal key on disk and then signs with it. It also takes up the card on disk again once it
 * was re-signed (a revocation put on it), so that officers and peers are served the card as it is.
 */
import type { Logger } from 'pino';
import { HotlineProtocolError, type KeySigner, type PartyCard } from '../protocol/index.js';
import type { ChannelRegistry } from './channels/channel-registry.js';
import { checkStagedRotation, commitStagedKey, IdentityError, readOwnCard, type SwitchableSigner } from './identity/index.js';
import type { KeyRotationPort } from './officer-api/keys-routes.js';

export function keyRotationPort(o: { dir: string; tls: string; signer: SwitchableSigner; registry: ChannelRegistry; log: Logger; publish?: ((card: PartyCard) => Promise<void>) | undefined }): KeyRotationPort {
  let staged: KeySigner | undefined;
  // High availability: the other instances take the card up from the database when they become
  // active. A failure here leaves card.json right on this instance, which publishes it again then.
  const publish = async (card: PartyCard) => {
    await o.publish?.(card).catch((e: unknown) => o.log.warn({ err: (e as Error).message }, 'high availability: the reissued card could not be stored for the other instances; this instance stores it again when it next becomes active'));
  };
  return {
    async prepare(cert) {
      const { next, card } = await checkStagedRotation(o.dir, cert, o.tls);
      const problem = o.registry.keys.addCard(card);
      if (problem) throw new HotlineProtocolError(problem);
      // The card served to officers and peers (GET /api/v1/card, /fed/v1/card) lists the new key.
      (o.registry.self as { card: PartyCard }).card = card;
      staged = next;
      await publish(card);
    },
    rotated: (channel, key) => o.registry.channel(channel).rotatedKeys(o.registry.self.party).includes(key),
    async commit(cert) {
      if (staged?.publicKey !== cert.key) throw new IdentityError('IDENTITY_ROTATION_MISMATCH', { dir: o.dir, detail: 'the staged key changed during the rotation' });
      const previous = o.signer.publicKey;
      await commitStagedKey(o.dir, staged);
      o.signer.switchTo(staged);
      o.log.warn({ key: staged.publicKey.slice(0, 12), previous: previous.slice(0, 12) }, 'terminal key rotated: signing with the new key');
    },
    async reloadCard() {
      const card = await readOwnCard(o.dir, o.registry.self.party, o.signer.publicKey);
      const problem = o.registry.keys.addCard(card);
      if (problem) throw new HotlineProtocolError(problem);
      (o.registry.self as { card: PartyCard }).card = card;
      o.log.info({ terminals: card.terminals.length, revocations: card.revocations.length }, 'party card taken up again from card.json');
      await publish(card);
      return card;
    },
  };
}

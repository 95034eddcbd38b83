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

export function keyRotationPort(o: { dir: string; tls: string; signer: SwitchableSigner; registry: ChannelRegistry; log: Logger }): KeyRotationPort {
  let staged: KeySigner | undefined;
  return {
    async prepare(cert) {
      const { next, card } = await checkStagedRotation(o.dir, cert, o.tls);
      const problem = o.registry.keys.addCard(card);
      if (problem) throw new HotlineProtocolError(problem);
      // The card served to officers and peers (GET /api/v1/card, /fed/v1/card) lists the new key.
      (o.registry.self as { card: PartyCard }).card = card;
      staged = next;
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
      return card;
    },
  };
}

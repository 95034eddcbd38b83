/**
 * Known peers: pairing with a peer from its party card once an officer confirmed its fingerprint
 * out of band, and resolving party ids or codes. A new or changed card is announced on the event
 * bus (`peers`), so that the composition root dials the peer.
 */
import { checkPartyCard, fingerprint, HotlineProtocolError, normaliseFingerprint, shownCard, type PartyCard } from '../../protocol/index.js';
import type { Store } from '../../store/index.js';
import type { Clock } from '../clock.js';
import { TerminalError } from '../errors.js';
import type { EventSink } from '../events/event-bus.js';
import { judgeCardSuccession, type CardSuccession } from './card-succession.js';
import type { ChannelRegistry } from './channel-registry.js';
import type { PeerDirectory } from './ports.js';

/** The peers of this terminal. */
export class Peers implements PeerDirectory {
  readonly #registry: ChannelRegistry;
  readonly #store: Pick<Store, 'putPeer' | 'listPeers' | 'getPeer'>;
  readonly #clock: Clock;
  readonly #events: EventSink;

  constructor(options: { registry: ChannelRegistry; store: Pick<Store, 'putPeer' | 'listPeers' | 'getPeer'>; clock: Clock; events: EventSink }) {
    this.#registry = options.registry;
    this.#store = options.store;
    this.#clock = options.clock;
    this.#events = options.events;
  }

  async addPeer(card: unknown, confirmedFingerprint: string, options: { sameCode?: boolean } = {}): Promise<{ party: string; code: string; fingerprint: string }> {
    const problem = checkPartyCard(card);
    if (problem) throw new HotlineProtocolError(problem);
    const c = card as PartyCard;
    if (c.party === this.#registry.self.party) throw new TerminalError('PEER_IS_SELF');
    const actual = fingerprint(c.party);
    if (normaliseFingerprint(confirmedFingerprint) !== normaliseFingerprint(actual)) throw new TerminalError('PEER_FINGERPRINT_MISMATCH', { given: confirmedFingerprint, actual });
    // Never back to an older card: it may lack the revocation of a stolen terminal's key, whose TLS
    // key would be pinned again, and its endpoints may be gone (§3.6: the greatest issued, then sig).
    const held = await this.#store.getPeer(c.party);
    const heldCard = held && (JSON.parse(held.card) as PartyCard);
    if (heldCard && heldCard.sig !== c.sig && shownCard(heldCard, c) !== c)
      throw new TerminalError('PEER_CARD_OLDER', { peer: heldCard.code, given: new Date(c.issued).toISOString(), held: new Date(heldCard.issued).toISOString() });
    // A second party key under a code already paired (an impostor, or a party that re-issued its
    // key): the two would be told apart by fingerprint alone, and a charter naming the code would
    // pick one of them silently. Refused unless the officer says they mean it.
    if (!held && !options.sameCode) {
      const other = (await this.#store.listPeers()).find((p) => p.code === c.code);
      if (other) throw new TerminalError('PEER_CODE_TAKEN', { code: c.code, held: other.fingerprint, given: actual });
    }
    this.#registry.keys.addCard(c);
    const now = this.#clock.now();
    await this.#store.putPeer({ party: c.party, code: c.code, card: JSON.stringify(c), fingerprint: actual, addedAt: now, updatedAt: now });
    this.#events.emit({ type: 'peers' });
    return { party: c.party, code: c.code, fingerprint: actual };
  }

  /**
   * A card the peer `party` served over the pinned federation link (card-refresh.ts): adopted, as
   * `addPeer` stores a card, only by the rules of card-succession.ts (same root key, newer, no
   * revocation dropped). No fingerprint is asked: it is the root key already compared.
   */
  async adoptCard(party: string, offered: unknown): Promise<CardSuccession | undefined> {
    const held = await this.#store.getPeer(party);
    if (!held) return undefined;
    const verdict = judgeCardSuccession(JSON.parse(held.card) as PartyCard, offered);
    if (!verdict.adopt) return verdict;
    const c = verdict.card;
    this.#registry.keys.addCard(c);
    await this.#store.putPeer({ party: c.party, code: c.code, card: JSON.stringify(c), fingerprint: held.fingerprint, addedAt: held.addedAt, updatedAt: this.#clock.now() });
    this.#events.emit({ type: 'peers' });
    return verdict;
  }

  async resolveParty(idOrCode: string): Promise<{ party: string; code: string }> {
    const self = this.#registry.self;
    if (idOrCode === self.party || idOrCode.toUpperCase() === self.code) return { party: self.party, code: self.code };
    const peers = await this.#store.listPeers();
    const byId = peers.find((p) => p.party === idOrCode);
    if (byId) return { party: byId.party, code: byId.code };
    const byCode = peers.filter((p) => p.code === idOrCode.toUpperCase());
    if (byCode.length > 1) throw new TerminalError('PARTY_AMBIGUOUS', { code: idOrCode.toUpperCase(), candidates: byCode.map((p) => `${p.party} (fingerprint ${p.fingerprint})`).join('; ') });
    if (byCode[0]) return { party: byCode[0].party, code: byCode[0].code };
    throw new TerminalError('PARTY_UNKNOWN', { party: idOrCode });
  }
}

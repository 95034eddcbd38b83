/**
 * What an instance signs with and serves, read again each time it stands by and before it becomes
 * active. A process that was active when its key was rotated (`hotline key rotate`) or its card
 * re-signed (`hotline key revoke`, `hotline card reissue`) and then stepped down kept, in memory,
 * the identity it started with: taking the lease again in the same process, it signed with the
 * superseded key and served the old card (and, once the old key was revoked, refused the lease
 * with HA_KEY_REVOKED while keys/ held the new key). Each instance keeps its own keys/ and
 * card.json; the card re-signed on one instance reaches the others through the shared database
 * (`ha_card`): an instance takes it up into its own card.json when it is newer than its own, of
 * the same root key, carries every revocation of its own, and certifies this instance's keys.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { checkPartyCard, type PartyCard } from '../../protocol/index.js';
import type { Leadership } from '../../store/index.js';
import { IDENTITY_LAYOUT, jsonText, loadTerminalIdentity, writeFileAtomic, type TerminalIdentity } from '../identity/index.js';

/** card.json is public: the card is sent to every peer. */
const CARD_FILE_MODE = 0o644;

/** The identity in `held`'s data directory as it is now, with the party's newest card from the database taken up. */
export async function currentIdentity(held: TerminalIdentity, leadership: Pick<Leadership, 'card' | 'publishCard'>, log: Logger): Promise<TerminalIdentity> {
  let identity = await loadTerminalIdentity(held.dir);
  const { card, why } = newerCard(identity, await leadership.card());
  if (card) {
    await writeFileAtomic(join(identity.dir, IDENTITY_LAYOUT.card), jsonText(card), CARD_FILE_MODE);
    identity = await loadTerminalIdentity(held.dir);
    log.warn({ issued: new Date(card.issued).toISOString(), terminals: card.terminals.length, revocations: card.revocations.length }, 'high availability: took up the party card re-signed on another instance (card.json updated)');
  } else {
    if (why) log.warn({ why }, 'high availability: the party card stored by another instance is not taken up');
    // The newest card of the party for the others: this one, if it is newer than the stored one.
    await leadership.publishCard(JSON.stringify(identity.card), identity.card.issued);
  }
  if (identity.terminalSigner.publicKey !== held.terminalSigner.publicKey)
    log.warn({ key: identity.terminalSigner.publicKey.slice(0, 12), previous: held.terminalSigner.publicKey.slice(0, 12) }, 'high availability: signs with the terminal key keys/terminal.json holds now (rotated since this process started)');
  return identity;
}

/** The stored card, when this instance should take it up; else why not (undefined: nothing newer). */
export function newerCard(identity: TerminalIdentity, text: string | undefined): { card?: PartyCard; why?: string } {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { why: 'it is not JSON' };
  }
  const problem = checkPartyCard(value);
  if (problem) return { why: problem.message };
  const card = value as PartyCard;
  if (card.party !== identity.party) return { why: "it is signed by another root key than this party's" };
  if (card.issued <= identity.card.issued) return {};
  const kept = new Set(card.revocations.map((r) => r.sig));
  if (!identity.card.revocations.every((r) => kept.has(r.sig))) return { why: 'it lacks a revocation that card.json carries' };
  if (!card.terminals.some((c) => c.key === identity.terminalSigner.publicKey && c.tls === identity.tls.spkiFingerprint))
    return { why: `it no longer certifies this instance's terminal key ${identity.terminalSigner.publicKey.slice(0, 12)}…` };
  return { card };
}

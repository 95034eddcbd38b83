/**
 * After `hotline key revoke`: the revocation goes on the party card too, so that peers importing
 * the card stop pinning the revoked terminal's TLS key (docs/protocol.md §3.5, §3.6). With the root
 * key on this terminal the card is re-signed at once; a revocation signed elsewhere (`--file`) is
 * put on the card where the root key is: `hotline root revoke` already re-signed the root machine's
 * card, and a terminal holding its root key runs `hotline card reissue`.
 */
import type { KeyRevocation } from '../../protocol/index.js';
import { hotlineCommand } from '../hint.js';
import { loadTerminal, officerClient } from '../lazy.js';

/** Re-signs the card with the revocation (root key here); returns what to tell the operator. */
export async function revocationOnCard(dir: string, revocation: KeyRevocation, passphrase: string | undefined): Promise<string> {
  const { loadTerminalIdentity, reissueCard } = await loadTerminal();
  const identity = await loadTerminalIdentity(dir, { passphrase });
  const updated = await reissueCard(identity, { revocations: [revocation], passphrase, now: Date.now() });
  return (
    `The party card now carries the revocation (${updated.card.revocations.length} revoked key${updated.card.revocations.length === 1 ? '' : 's'}).\n` +
    (await cardTakenUp(dir)) +
    'Peers fetch it by themselves over their links and stop pinning that terminal ' +
    `(or send it: ${hotlineCommand('card export', dir)} --out CARD; they run \`hotline peer add CARD\`).\n`
  );
}

/** What to tell the operator after a revocation carried in a file (signed where the root key is). */
export async function revocationFileNote(dir: string): Promise<string> {
  const { loadTerminalIdentity } = await loadTerminal();
  const identity = await loadTerminalIdentity(dir);
  return identity.offlineRoot
    ? 'The party card does not carry it yet on this terminal: `hotline root revoke` re-signed the card of the root machine (ROOTDIR/card.json). ' +
        'Send that card to each peer (`hotline peer add CARD`), so that they stop pinning that terminal; this terminal gets it with its next certificate (`hotline cert request`).\n'
    : `Put it on the party card and send the card to each peer, so that they stop pinning that terminal: ${hotlineCommand('card reissue', dir)}, then ${hotlineCommand('card export', dir)}.\n`;
}

/**
 * Has the running terminal take up the card just re-signed (POST /api/v1/card/reload), so that
 * the card it serves to officers and peers and puts in exports is the new one; returns what to
 * tell the operator.
 */
export async function cardTakenUp(dir: string): Promise<string> {
  try {
    const client = await officerClient(dir);
    await client.call('POST', '/api/v1/card/reload');
    return 'The running terminal serves the new card (to officers, and to peers that fetch it).\n';
  } catch (e) {
    return `The terminal did not take up the new card now (${(e as Error).message.split('\n')[0]}); it does when it next starts.\n`;
  }
}

/**
 * `hotline root revoke` on the offline root machine (offline-root.ts): the root key signs a
 * revocation of one of the party's terminal keys, written to a file carried to a terminal, which
 * records it in every open channel (`hotline key revoke --file`, docs/protocol.md §3.5). The
 * root directory's card (ROOTDIR/card.json, the last one issued) is re-signed with the revocation
 * too, so that it reaches peers with that card and with every card the root issues later.
 */
import { join, resolve } from 'node:path';
import { checkPartyCard, checkRevocation, issuePartyCard, issueRevocation, type KeyRevocation, type PartyCard } from '../../protocol/index.js';
import { IdentityError } from './errors.js';
import { jsonText, PUBLIC_FILE_MODE, writeFileAtomic } from './files.js';
import { openRootKey, readRootCard, readRootParty, ROOT_DIR_LAYOUT } from './offline-root.js';
import { mergeRevocations } from './revocations.js';

/** Options of {@link revokeWithRoot}. */
export interface RootRevokeOptions {
  readonly rootDir: string;
  /** The terminal key revoked (base64url). */
  readonly key: string;
  /** Entries the key signs from this time on are invalid (ms). */
  readonly from: number;
  readonly reason: string;
  readonly passphrase?: string | undefined;
  readonly now: number;
}

/** What {@link revokeWithRoot} did. */
export interface RootRevokeResult {
  readonly revocation: KeyRevocation;
  /** The re-signed card of the root directory (undefined if the root never issued one). */
  readonly card: PartyCard | undefined;
  readonly cardPath: string;
  /** Whether the root directory's card certifies the key (a key it never certified is likely a typo). */
  readonly certified: boolean;
}

/** Signs a revocation with the root directory's key, and adds it to the root directory's card. */
export async function revokeWithRoot(o: RootRevokeOptions): Promise<RootRevokeResult> {
  const dir = resolve(o.rootDir);
  if (!Number.isSafeInteger(o.now) || o.now < 0) throw new IdentityError('IDENTITY_BAD_INPUT', { detail: `the time ${o.now} is not a time in milliseconds` });
  if (o.reason.trim() === '') throw new IdentityError('IDENTITY_BAD_INPUT', { detail: 'the reason is empty: say why the key is revoked (it is published in every channel)' });
  const party = await readRootParty(dir);
  const root = await openRootKey(dir, party, o.passphrase);
  const previous = await readRootCard(dir, party);
  const revocation = issueRevocation(root, { key: o.key, from: o.from, reason: o.reason });
  const problem = checkRevocation(revocation);
  if (problem) throw new IdentityError('IDENTITY_BAD_INPUT', { detail: `not a revocation of a terminal key: ${problem.message}` });
  const cardPath = join(dir, ROOT_DIR_LAYOUT.card);
  let card: PartyCard | undefined;
  if (previous) {
    card = issuePartyCard(root, {
      code: previous.code,
      names: previous.names,
      terminals: [...previous.terminals],
      revocations: mergeRevocations(previous.revocations, [revocation]),
      endpoints: previous.endpoints,
      issued: Math.max(o.now, previous.issued + 1),
    });
    const cardProblem = checkPartyCard(card);
    if (cardProblem) throw new IdentityError('IDENTITY_BAD_INPUT', { detail: cardProblem.message });
    await writeFileAtomic(cardPath, jsonText(card), PUBLIC_FILE_MODE);
  }
  return { revocation, card, cardPath, certified: previous?.terminals.some((c) => c.key === o.key) ?? false };
}

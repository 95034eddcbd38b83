/**
 * A peer picks up a party's re-signed card by itself (docs/operations.md "Rotating a terminal key",
 * docs/security.md §5): US rotates its key with no channel open (so no key.rotate entry tells CN
 * anything) and, without any `peer add` on CN, proposes a new channel signed with the new key. CN
 * refuses it for an unknown key, fetches US's card over the pinned link, adopts it (same root key,
 * newer), takes the proposal and accepts; CN's proof of a new-key message verifies. US then revokes
 * its old key: CN's card of US carries the revocation without any import.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Harness, check, waitFor, type Party } from './harness.js';
import { terminalKey } from './key-kit.js';

interface PeerView {
  code: string;
  card?: { issued: number; keys: string[]; revoked: string[] };
}

async function cardOf(holder: Party, code: string): Promise<PeerView['card']> {
  return (await holder.api<PeerView[]>('GET', '/api/v1/peers')).find((p) => p.code === code)?.card;
}

it("adopts the peer's re-signed card by itself: a new channel signed with the rotated key is accepted, its proofs verify, the revocation arrives", async () => {
  const h = await Harness.create();
  const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
  await h.pair(us, cn);
  const oldKey = await terminalKey(us);

  h.step('US rotates its key with no channel open; CN imports nothing');
  await us.cli(['key', 'rotate']).then(check('key rotate'));
  const newKey = await terminalKey(us);
  expect(newKey).not.toBe(oldKey);

  h.step('US proposes a new channel signed with the new key; CN takes it once it fetched the card, and accepts');
  const id = await h.openChannel(us, cn, { title: { en: 'Line after the rotation' }, tier: 'working', parties: ['CN'] });
  expect((await cardOf(cn, 'US'))?.keys).toContain(newKey);
  const list = await cn.cli(['peer', 'list']).then(check('peer list'));
  expect(list.stdout).toMatch(/US .*card issued .*2 terminal key\(s\)/);
  const hash = (await us.cli(['send', id, 'Signed with the new key']).then(check('send'))).stdout.trim();
  await waitFor('CN to hold the message', async () => (await cn.messages(id)).some((m) => m.id === hash));

  h.step("CN's proof of one message signed with the new key verifies");
  const proof = join(h.root, 'proof-cn.json');
  await cn.cli(['prove', hash], { stdoutFile: proof }).then(check('CN prove'));
  expect((await h.ok(['verify', proof])).stdout).toMatch(/Proof of one message: VALID/);

  h.step("US revokes its old key: CN's card of US carries the revocation by itself");
  await us.cli(['key', 'revoke', oldKey, '--reason', 'rotated']).then(check('key revoke'));
  // The running terminal takes up the card `key revoke` re-signed; CN fetches it after the key.revoke entry.
  await waitFor("CN's card of US to carry the revocation", async () => (await cardOf(cn, 'US'))?.revoked.includes(oldKey));
  await Promise.all([us.linkUp(cn), cn.linkUp(us)]);
  const after = (await us.cli(['send', id, 'After the revocation']).then(check('send'))).stdout.trim();
  await waitFor('CN to hold the message after the revocation', async () => (await cn.messages(id)).some((m) => m.id === after));
  // The adoption is in CN's audit log.
  const audit = await cn.cli(['audit', 'export']).then(check('audit export'));
  expect(audit.stdout).toContain('"action":"peer.card"');
}, 180_000);

/**
 * `hotline key rotate` between two terminal processes (docs/operations.md "Rotating a terminal
 * key"): US switches to a new signing key without closing its channel. The key.rotate entry
 * (signed with the old key) tells CN the new key, so CN accepts and receipts what US signs next;
 * the export verifies offline; CN fetches US's reissued card by itself (its proofs verify); US
 * restarts with the new key; the old key is then revoked and the link stays up; the manual import
 * of the reissued card still works, and a new channel signed with the new key is accepted.
 */
import { copyFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Harness, check, waitFor, type Party } from './harness.js';
import { terminalKey, sendReceipted } from './key-kit.js';

async function verifies(h: Harness, p: Party, id: string, name: string): Promise<string> {
  const bundle = join(h.root, name);
  await p.cli(['export', id], { stdoutFile: bundle }).then(check('export'));
  const verified = await h.cli(['verify', bundle]);
  expect(verified.stdout).toContain('Verdict: VALID');
  expect(verified.code).toBe(0);
  return verified.stdout;
}

it('rotates a terminal key without closing the channel: the peer accepts the new key, the record verifies, the old key is revoked', async () => {
  const h = await Harness.create();
  const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
  await h.pair(us, cn);
  const id = await h.openChannel(us, cn, { title: { en: 'Maritime line' }, tier: 'military', parties: ['CN'] });
  await sendReceipted(us, cn, id, 'Before the rotation');
  const oldKey = await terminalKey(us);

  h.step('US rotates its key');
  const rotated = await us.cli(['key', 'rotate']).then(check('key rotate'));
  const newKey = await terminalKey(us);
  expect(newKey).not.toBe(oldKey);
  expect(rotated.stdout).toContain(`This terminal now signs with key ${newKey.slice(0, 16)}`);
  expect(rotated.stdout).toContain('key.rotate written into 1 channel record:');
  expect(rotated.stdout).toContain(`hotline key revoke ${oldKey}`);
  const card = JSON.parse(await readFile(join(us.dir, 'card.json'), 'utf8')) as { terminals: Array<{ key: string }> };
  expect(card.terminals.map((c) => c.key)).toEqual([oldKey, newKey]);

  // What US signs now carries the new key, and CN takes and receipts it.
  const after = await sendReceipted(us, cn, id, 'After the rotation');
  const report = await verifies(h, us, id, 'rotated.jsonl');
  expect(report).toContain('After the rotation');
  // The bundle holds the key.rotate, and the message after it signed with the new key.
  const lines = (await readFile(join(h.root, 'rotated.jsonl'), 'utf8')).split('\n');
  const rotateLine = lines.find((l) => l.includes('"kind":"key.rotate"'));
  expect(rotateLine).toContain(`"key":"${oldKey}"`); // signed with the old key
  expect(rotateLine).toContain(`"key":"${newKey}"`); // certifying the new one
  expect(lines.find((l) => l.includes('After the rotation'))).toContain(`"key":"${newKey}"`);
  expect(after).toMatch(/^[0-9a-f]{64}$/);
  await verifies(h, cn, id, 'rotated-cn.jsonl');
  // A proof of one message is judged by the cards only (docs/protocol.md §16): US's card lists the new key.
  const proof = join(h.root, 'proof.json');
  await us.cli(['prove', after], { stdoutFile: proof }).then(check('prove'));
  expect((await h.ok(['verify', proof])).stdout).toMatch(/Proof of one message: VALID/);
  const cnProof = join(h.root, 'proof-cn.json');
  // CN picked up US's reissued card by itself (the key.rotate told it to fetch it, federation/card-refresh.ts): its proof verifies without any import.
  await waitFor("CN to hold US's reissued card", async () => (await cn.api<Array<{ code: string; card?: { keys: string[] } }>>('GET', '/api/v1/peers')).find((p) => p.code === 'US')?.card?.keys.includes(newKey));
  await cn.cli(['prove', after], { stdoutFile: cnProof }).then(check('CN prove'));
  expect((await h.ok(['verify', cnProof])).stdout).toMatch(/Proof of one message: VALID/);

  // Running it again is harmless: the rotation is complete.
  expect((await us.cli(['key', 'rotate']).then(check('key rotate again'))).stdout).toContain('now signs with key');
  const third = await terminalKey(us);
  expect(third).not.toBe(newKey);
  await sendReceipted(us, cn, id, 'After a second rotation');

  h.step('US restarts with the new key; CN restarts too (its logs reloaded from the store still know the key.rotate)');
  await us.stop();
  await us.start();
  await Promise.all([us.linkUp(cn), cn.linkUp(us)]);
  await sendReceipted(us, cn, id, 'After the restart');
  await cn.stop();
  await cn.start();
  await Promise.all([us.linkUp(cn), cn.linkUp(us)]);
  await sendReceipted(us, cn, id, 'After the peer restarted');

  h.step('US revokes its first key');
  const inUse = await us.cli(['key', 'revoke', third, '--reason', 'oops']);
  expect(inUse.code).not.toBe(0);
  expect(inUse.stderr).toContain('hotline key rotate');
  await us.cli(['key', 'revoke', oldKey, '--reason', 'rotated']).then(check('key revoke'));
  await sendReceipted(us, cn, id, 'After the revocation');
  await Promise.all([us.linkUp(cn), cn.linkUp(us)]);
  await sendReceipted(cn, us, id, 'CN still hears US');
  const final = await verifies(h, cn, id, 'revoked.jsonl');
  expect(final).toContain('After the revocation');

  h.step('CN imports the reissued card by hand (the fallback; it holds it already); US opens a new channel signed with its new key');
  const newCard = join(h.root, 'us-card-rotated.json');
  copyFileSync(join(us.dir, 'card.json'), newCard);
  await cn.cli(['peer', 'add', newCard, '--fingerprint', us.fingerprint]).then(check('peer add reissued card'));
  await Promise.all([us.linkUp(cn), cn.linkUp(us)]);
  const second = await h.openChannel(us, cn, { title: { en: 'Second line' }, tier: 'working', parties: ['CN'] });
  await sendReceipted(us, cn, second, 'On the new line');
  await cn.cli(['prove', after], { stdoutFile: cnProof }).then(check('CN prove after the import'));
  expect((await h.ok(['verify', cnProof])).stdout).toMatch(/Proof of one message: VALID/);
}, 240_000);

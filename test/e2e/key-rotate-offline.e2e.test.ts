/**
 * `hotline key rotate` on a terminal whose root key is kept offline, between real processes
 * (docs/operations.md "Rotating a terminal key"): the terminal stages its new key and writes a
 * signing request (`--request-out`), the root machine signs it with the ordinary
 * `hotline root sign-request`, and `--install` installs the answer and has the running terminal
 * write key.rotate into the channel and switch. The peer accepts what is signed next, the export
 * verifies, and the terminal restarts with the new key. A second rotation goes through
 * `hotline cert install`, which recognises an answer for the staged key.
 */
import { copyFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { check, freePort, Harness, Party } from './harness.js';
import { terminalKey, sendReceipted } from './key-kit.js';

/** An offline-root US terminal completed through the root machine, as in root-revoke.e2e.test.ts. */
async function offlineRootParty(h: Harness, rootDir: string): Promise<Party> {
  const dir = join(h.root, 'us');
  const [officerPort, federationPort] = [await freePort(), await freePort()];
  await h.ok(['root', 'init', '--party', 'US', '--name', 'United States', '--data', rootDir]);
  await h.ok(['init', '--offline-root', '--party', 'US', '--name', 'United States', '--data', dir, '--officer-port', String(officerPort), '--federation-port', String(federationPort)]);
  await h.ok(['root', 'sign-request', join(dir, 'signing-request.json'), '--data', rootDir, '--out', join(h.root, 'us-cert.json')]);
  await h.ok(['cert', 'install', join(h.root, 'us-cert.json'), '--data', dir]);
  const exported = await h.ok(['card', 'export', '--data', dir]);
  const fingerprint = /Root-key fingerprint:\s+([0-9 ]+)/.exec(exported.stderr)?.[1]?.trim();
  expect(fingerprint).toBeDefined();
  const cardPath = join(h.root, 'us-card.json');
  copyFileSync(join(dir, 'card.json'), cardPath);
  const us = new Party(h, { code: 'US', dir, officerPort, federationPort, fingerprint: fingerprint!, cardPath });
  h.parties.push(us);
  await us.start();
  return us;
}

/** `key rotate --request-out` on the terminal, then `root sign-request` on the root machine. */
async function signedRotation(h: Harness, us: Party, rootDir: string, name: string): Promise<{ signed: string; key: string }> {
  const request = join(h.root, `${name}-request.json`);
  const asked = await us.cli(['key', 'rotate', '--request-out', request]).then(check('key rotate --request-out'));
  const fp = /Request fingerprint:\s+([0-9 ]+)/.exec(asked.stdout)?.[1]?.trim();
  expect(fp).toBeDefined();
  const signed = join(h.root, `${name}-signed.json`);
  const answer = await h.ok(['root', 'sign-request', request, '--data', rootDir, '--out', signed, '--fingerprint', fp!]);
  expect(answer.stdout).toContain('Key rotation:');
  expect(answer.stdout).toContain(`hotline key rotate --install ${signed}`);
  return { signed, key: (JSON.parse(await readFile(request, 'utf8')) as { key: string }).key };
}

it('rotates the key of an offline-root terminal through the root machine: the peer accepts the new key, the record verifies, restart works', async () => {
  const h = await Harness.create();
  const cnStarting = h.party('CN', 'China');
  cnStarting.catch(() => {});
  const rootDir = join(h.root, 'us-root');
  const us = await offlineRootParty(h, rootDir);
  const cn = await cnStarting;
  await h.pair(us, cn);
  const id = await h.openChannel(us, cn, { title: { en: 'Offline root line' }, tier: 'military', parties: ['CN'] });
  await sendReceipted(us, cn, id, 'Before the rotation');
  const oldKey = await terminalKey(us);

  h.step('plain key rotate is refused and names the offline path');
  const plain = await us.cli(['key', 'rotate']);
  expect(plain.code).not.toBe(0);
  expect(plain.stderr).toContain('IDENTITY_ROTATE_OFFLINE_ROOT');
  expect(plain.stderr).toContain('--request-out');

  h.step('the terminal writes the request, the root machine signs it');
  const first = await signedRotation(h, us, rootDir, 'rotate1');
  expect(first.key).not.toBe(oldKey);
  expect(await terminalKey(us)).toBe(oldKey);

  h.step('installing while the terminal is down is refused, nothing installed');
  const cardBefore = await readFile(join(us.dir, 'card.json'), 'utf8');
  await us.stop();
  const down = await us.cli(['key', 'rotate', '--install', first.signed]);
  expect(down.code).not.toBe(0);
  expect(down.stderr).toContain('no terminal answers'); // CLI_TERMINAL_NOT_RUNNING
  expect(await readFile(join(us.dir, 'card.json'), 'utf8')).toBe(cardBefore);
  await us.start();
  await Promise.all([us.linkUp(cn), cn.linkUp(us)]);

  h.step('install: key.rotate written, the terminal switches');
  const rotated = await us.cli(['key', 'rotate', '--install', first.signed]).then(check('key rotate --install'));
  expect(rotated.stdout).toContain(`This terminal now signs with key ${first.key.slice(0, 16)}`);
  expect(rotated.stdout).toContain('key.rotate written into 1 channel record:');
  expect(await terminalKey(us)).toBe(first.key);
  const card = JSON.parse(await readFile(join(us.dir, 'card.json'), 'utf8')) as { terminals: Array<{ key: string }> };
  expect(card.terminals.map((c) => c.key)).toEqual([oldKey, first.key]);
  // An answer for another key with nothing staged (the first certificate): refused, nothing changed.
  const none = await us.cli(['key', 'rotate', '--install', join(h.root, 'us-cert.json')]);
  expect(none.code).not.toBe(0);
  expect(none.stderr).toContain('IDENTITY_ROTATE_NOT_STAGED');
  // Again: the rotation was complete.
  expect((await us.cli(['key', 'rotate', '--install', first.signed]).then(check('install again'))).stdout).toContain('the rotation was complete, nothing to do');

  await sendReceipted(us, cn, id, 'After the rotation');
  const bundle = join(h.root, 'rotated.jsonl');
  await cn.cli(['export', id], { stdoutFile: bundle }).then(check('export at CN'));
  const verified = await h.cli(['verify', bundle]);
  expect(verified.stdout).toContain('Verdict: VALID');
  expect(verified.code).toBe(0);
  const lines = (await readFile(bundle, 'utf8')).split('\n');
  expect(lines.find((l) => l.includes('"kind":"key.rotate"'))).toContain(`"key":"${oldKey}"`);
  expect(lines.find((l) => l.includes('After the rotation'))).toContain(`"key":"${first.key}"`);

  h.step('US restarts with the new key');
  await us.stop();
  await us.start();
  await Promise.all([us.linkUp(cn), cn.linkUp(us)]);
  await sendReceipted(us, cn, id, 'After the restart');

  h.step('a second rotation, installed with cert install');
  const second = await signedRotation(h, us, rootDir, 'rotate2');
  const stale = await us.cli(['key', 'rotate', '--install', join(h.root, 'us-cert.json')]);
  expect(stale.code).not.toBe(0);
  expect(stale.stderr).toContain('IDENTITY_ROTATE_CERT_MISMATCH');
  expect(await terminalKey(us)).toBe(first.key);
  const viaCert = await us.cli(['cert', 'install', second.signed]).then(check('cert install of a rotation'));
  expect(viaCert.stdout).toContain(`This terminal now signs with key ${second.key.slice(0, 16)}`);
  expect(await terminalKey(us)).toBe(second.key);
  await sendReceipted(us, cn, id, 'After the second rotation');
  const final = join(h.root, 'final.jsonl');
  await us.cli(['export', id], { stdoutFile: final }).then(check('export at US'));
  expect((await h.ok(['verify', final])).stdout).toContain('Verdict: VALID');
}, 240_000);

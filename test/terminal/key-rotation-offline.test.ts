/**
 * Key rotation with the root key offline (src/terminal/identity/key-rotation-offline.ts): the
 * staged key's signing request, answered by the root machine's ordinary signRequest, installed
 * against the staged key; every refusal changes nothing and leaves a terminal that loads with its
 * current key.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  checkStagedRotation,
  commitStagedKey,
  initOfflineTerminal,
  initRootDir,
  installCertificate,
  installRotationCard,
  loadTerminalIdentity,
  makeSigningRequest,
  readStagedKey,
  requestKeyRotation,
  requestRenewal,
  signRequest,
} from '../../src/terminal/identity/index.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const DAY = 86_400_000;
let base: string;
let dir: string;
let rootDir: string;

async function sign(request: unknown, now: number, root = rootDir, validityMs?: number) {
  return signRequest({ rootDir: root, request, requestFile: 'request.json', now, validityMs });
}

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'hotline-offrot-'));
  dir = join(base, 'us');
  rootDir = join(base, 'root');
  await initRootDir({ dir: rootDir, code: 'US', names: { en: 'United States' } });
  const { request } = await initOfflineTerminal({ dir, code: 'US', names: { en: 'United States' }, now: NOW });
  await installCertificate({ dir, signed: await sign(request, NOW), file: 'cert.json', now: NOW });
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

it('stages a key, has the root machine certify it beside the current one, installs the card, and switches', async () => {
  const before = await loadTerminalIdentity(dir);
  const old = before.terminalSigner.publicKey;
  const r = await requestKeyRotation(dir, NOW + 1000);
  expect(r.resumed).toBe(false);
  expect(r.current).toBe(old);
  expect(r.request).toMatchObject({ party: before.party, key: r.key, tls: before.tls.spkiFingerprint });
  expect((await readStagedKey(dir))?.publicKey).toBe(r.key);
  // Asked again before the answer came back: the same staged key.
  const again = await requestKeyRotation(dir, NOW + 2000);
  expect(again).toMatchObject({ resumed: true, key: r.key });

  const signed = await sign(again.request, NOW + 3000);
  expect(signed.card.terminals.map((c) => c.key)).toEqual([old, r.key]);
  const installed = await installRotationCard({ dir, signed, file: 'signed.json', now: NOW + 4000 });
  expect(installed.state).toBe('installed');
  // A restart before the switch signs with the current key, which the new card still certifies.
  const restarted = await loadTerminalIdentity(dir);
  expect(restarted.terminalSigner.publicKey).toBe(old);
  expect(restarted.card.sig).toBe(signed.card.sig);
  // Installing again (the terminal was down, or the route failed) is a resumption, not an error.
  expect((await installRotationCard({ dir, signed, file: 'signed.json', now: NOW + 5000 })).state).toBe('already-installed');

  // The running terminal's steps 3-4 (key-rotation-port.ts) accept what was installed.
  const { next } = await checkStagedRotation(dir, signed.certificate, before.tls.spkiFingerprint);
  await commitStagedKey(dir, next);
  expect((await loadTerminalIdentity(dir)).terminalSigner.publicKey).toBe(r.key);
  expect((await installRotationCard({ dir, signed, file: 'signed.json', now: NOW + 6000 })).state).toBe('complete');
});

it('refuses an answer when no key is staged, or when it renews the key in use', async () => {
  const renewal = await sign((await requestRenewal(dir, NOW + 1000)).request, NOW + 1000);
  const e = await installRotationCard({ dir, signed: renewal, file: 'renewal.json', now: NOW + 2000 }).catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'IDENTITY_ROTATE_CERT_MISMATCH' });
  expect((e as Error).message).toContain('hotline cert install');
  // An answer for some staged key, carried to a terminal that staged none.
  const r = await requestKeyRotation(dir, NOW + 3000);
  const signed = await sign(r.request, NOW + 3000);
  await rm(join(dir, 'keys', 'terminal-next.json'));
  const none = await installRotationCard({ dir, signed, file: 'signed.json', now: NOW + 4000 }).catch((x: unknown) => x);
  expect(none).toMatchObject({ code: 'IDENTITY_ROTATE_NOT_STAGED' });
  expect((none as Error).message).toContain('hotline key rotate --request-out');
});

it('refuses an answer that does not fit the staged key, and installs nothing', async () => {
  const cardBefore = await readFile(join(dir, 'card.json'), 'utf8');
  const first = await requestKeyRotation(dir, NOW + 1000);
  const older = await sign(first.request, NOW + 1000);
  // The staged key was replaced (e.g. the rotation was started over): the older answer does not fit.
  await rm(join(dir, 'keys', 'terminal-next.json'));
  const second = await requestKeyRotation(dir, NOW + 2000);
  expect(second.key).not.toBe(first.key);
  const fails = async (signed: unknown, now: number, detail: RegExp) => {
    const e = await installRotationCard({ dir, signed, file: 'signed.json', now }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'IDENTITY_ROTATE_CERT_MISMATCH' });
    expect((e as Error).message).toMatch(detail);
    expect(await readFile(join(dir, 'card.json'), 'utf8')).toBe(cardBefore);
  };
  await fails(older, NOW + 3000, /the staged key is/);
  // Signed by another party's root.
  const otherRoot = join(base, 'other-root');
  await initRootDir({ dir: otherRoot, code: 'US', names: { en: 'Impostor' } });
  const staged = (await readStagedKey(dir))!;
  const unbound = makeSigningRequest({ ...second.request, party: null, terminal: staged, now: NOW + 3000 });
  await fails(await sign(unbound, NOW + 3000, otherRoot), NOW + 4000, /another root key/);
  // The staged key with another TLS key than this terminal's.
  const otherTls = makeSigningRequest({ ...second.request, tls: 'a'.repeat(64), terminal: staged, now: NOW + 3000 });
  await fails(await sign(otherTls, NOW + 3000), NOW + 4000, /another TLS key/);
  // Not valid at install time.
  await fails(await sign(second.request, NOW + 3000, rootDir, DAY), NOW + 2 * DAY, /not valid now/);
  // A root directory that lost the card it issued: the answer no longer certifies the key in use.
  await rm(join(rootDir, 'card.json'));
  await fails(await sign(second.request, NOW + 5000), NOW + 6000, /no longer certifies the key in use/);
  // Nothing was switched: the terminal loads with its current key and its staged key.
  expect((await loadTerminalIdentity(dir)).terminalSigner.publicKey).toBe(second.current);
  expect((await readStagedKey(dir))?.publicKey).toBe(second.key);
});

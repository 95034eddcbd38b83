/**
 * The order of a key rotation on disk (src/terminal/identity/key-rotation.ts): at every step a
 * restart loads a terminal that signs with a key its card certifies; an interrupted rotation is
 * resumed with the key it staged; a stale staged key (switched already) is dropped; an offline
 * root is refused with nothing written.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  checkStagedRotation,
  commitStagedKey,
  IdentityError,
  initTerminal,
  loadTerminalIdentity,
  NEXT_TERMINAL_KEY,
  readStagedKey,
  stageKeyRotation,
  SwitchableSigner,
} from '../../src/terminal/identity/index.js';
import { KeySigner } from '../../src/protocol/index.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
let base: string;
let dir: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'hotline-rotate-'));
  dir = join(base, 'us');
  await initTerminal({ dir, code: 'US', names: { en: 'United States' }, now: NOW, kdfCost: 10 });
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

it('keeps the current key until the switch, resumes with the staged key, and starts with the new key after it', async () => {
  const before = await loadTerminalIdentity(dir);
  const old = before.terminalSigner.publicKey;

  // Steps 1-2: staged and certified; a restart here still signs with the old key.
  const staged = await stageKeyRotation(before, { now: NOW + 1000 });
  expect(staged.resumed).toBe(false);
  expect(staged.certificate.key).not.toBe(old);
  expect(staged.certificate.tls).toBe(before.tls.spkiFingerprint);
  const restarted = await loadTerminalIdentity(dir);
  expect(restarted.terminalSigner.publicKey).toBe(old);
  expect(restarted.card.terminals.map((c) => c.key)).toEqual([old, staged.certificate.key]);

  // Run again (the terminal was down, or a channel write failed): the same key, no new certificate.
  const again = await stageKeyRotation(restarted, { now: NOW + 2000 });
  expect(again.resumed).toBe(true);
  expect(again.certificate).toEqual(staged.certificate);
  expect((await loadTerminalIdentity(dir)).card.terminals).toHaveLength(2);

  // The running terminal's check, then step 4: a restart now signs with the new key.
  const { next } = await checkStagedRotation(dir, again.certificate, before.tls.spkiFingerprint);
  await commitStagedKey(dir, next);
  const after = await loadTerminalIdentity(dir);
  expect(after.terminalSigner.publicKey).toBe(staged.certificate.key);
  expect(after.certificate.key).toBe(staged.certificate.key);
  expect(await readStagedKey(dir)).toBeUndefined();
});

it('drops a staged key that is already the terminal key (cut after the switch) and stages a fresh one', async () => {
  const identity = await loadTerminalIdentity(dir);
  // As if the switch had happened and the staged file's removal had not.
  await writeFile(join(dir, NEXT_TERMINAL_KEY), await readFile(join(dir, 'keys', 'terminal.json')), { mode: 0o600 });
  const staged = await stageKeyRotation(identity, { now: NOW + 1000 });
  expect(staged.resumed).toBe(false);
  expect(staged.certificate.key).not.toBe(identity.terminalSigner.publicKey);
});

it('refuses a certificate that is not for the staged key, or a card that does not list it, and switches nothing', async () => {
  const identity = await loadTerminalIdentity(dir);
  const staged = await stageKeyRotation(identity, { now: NOW + 1000 });
  const wrongKey = { ...staged.certificate, key: KeySigner.generate().publicKey };
  await expect(checkStagedRotation(dir, wrongKey, identity.tls.spkiFingerprint)).rejects.toMatchObject({ code: 'IDENTITY_ROTATION_MISMATCH' });
  await expect(checkStagedRotation(dir, staged.certificate, 'another-tls')).rejects.toMatchObject({ code: 'IDENTITY_ROTATION_MISMATCH' });
  await writeFile(join(dir, 'card.json'), JSON.stringify(identity.card)); // the card before the rotation
  await expect(checkStagedRotation(dir, staged.certificate, identity.tls.spkiFingerprint)).rejects.toMatchObject({ code: 'IDENTITY_ROTATION_MISMATCH' });
  expect((await loadTerminalIdentity(dir)).terminalSigner.publicKey).toBe(identity.terminalSigner.publicKey);
});

it('refuses an offline root with IDENTITY_ROTATE_OFFLINE_ROOT before writing anything', async () => {
  const identity = await loadTerminalIdentity(dir);
  const offline = { ...identity, offlineRoot: true };
  const e = await stageKeyRotation(offline, { now: NOW + 1000 }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(IdentityError);
  expect((e as IdentityError).code).toBe('IDENTITY_ROTATE_OFFLINE_ROOT');
  expect((e as IdentityError).message).toContain('hotline key rotate --request-out');
  expect(await readStagedKey(dir)).toBeUndefined();
});

it('a switchable signer signs with the key it was switched to', () => {
  const [a, b] = [KeySigner.generate(), KeySigner.generate()];
  const s = new SwitchableSigner(a);
  expect(s.publicKey).toBe(a.publicKey);
  s.switchTo(b);
  expect(s.publicKey).toBe(b.publicKey);
  expect(s.sign(Buffer.from('x'))).toEqual(b.sign(Buffer.from('x')));
});

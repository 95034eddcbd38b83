/**
 * `hotline key rotate` when the root key is kept offline (src/terminal/identity/key-rotation-offline.ts):
 *   `--request-out REQUEST`  stages the new key and writes its signing request for the root machine;
 *   `--install SIGNED`       installs the root machine's answer and has the running terminal publish
 *                            the rotation (key.rotate in every channel) and switch, as the online path.
 * `hotline cert install SIGNED` hands an answer that certifies the staged key over to `--install`.
 */
import { readFile } from 'node:fs/promises';
import { hotlineCommand } from '../hint.js';
import { loadTerminal, officerClient } from '../lazy.js';

/** The rotation route's answer (POST /api/v1/keys/rotations). */
export interface RotateResult {
  key: string;
  previous: string;
  entries: Array<{ channel: string; entry: string }>;
  held: string[];
  skipped: Array<{ channel: string; code: string }>;
}

const out = (line: string) => process.stdout.write(`${line}\n`);

/** What `hotline key rotate` prints once the running terminal answered the rotation route. */
export function reportRotation(r: RotateResult, resumed: boolean, data: string): void {
  if (r.key === r.previous && r.entries.length === 0) {
    out(`This terminal already signs with key ${r.key.slice(0, 16)}…: the rotation was complete.`);
    return;
  }
  out(`${resumed ? 'Resumed the interrupted rotation: t' : 'T'}his terminal now signs with key ${r.key.slice(0, 16)}… (was ${r.previous.slice(0, 16)}…).`);
  out(`key.rotate written into ${r.entries.length} channel record${r.entries.length === 1 ? '' : 's'}${r.held.length > 0 ? ` (${r.held.length} already held it)` : ''}:`);
  for (const e of r.entries) out(`  channel ${e.channel.slice(0, 12)}  entry ${e.entry}`);
  const revokedThere = (code: string) => code === 'OWN_KEY_REVOKED';
  for (const s of r.skipped) out(`  channel ${s.channel.slice(0, 12)}  skipped (${s.code}: ${revokedThere(s.code) ? 'the old key is revoked there, so it could not sign the key.rotate' : 'this party no longer writes there'})`);
  out('');
  if (r.skipped.some((s) => revokedThere(s.code))) {
    out(`The peers of the channels marked OWN_KEY_REVOKED learn the new key only from the reissued card, and refuse what this terminal signs there until they hold it.`);
    out(`Send it to each of them now (hotline card export --data ${data}; on their side: hotline peer add CARD --fingerprint ...).`);
  } else out(`The party card was reissued with the new certificate. Send it to each peer (new channels need it): hotline card export --data ${data}`);
  out(`Then retire the old key: hotline key revoke ${r.previous} --reason "rotated" --data ${data}`);
}

/** `hotline key rotate --request-out FILE`: step 1, and the request that the root machine signs. */
export async function requestRotation(file: string, data: string, now: number): Promise<void> {
  const { jsonText, requestKeyRotation, writeFileAtomic } = await loadTerminal();
  const r = await requestKeyRotation(data, now);
  await writeFileAtomic(file, jsonText(r.request), 0o644);
  out(`${r.resumed ? 'Took up the key staged by an interrupted rotation' : 'Staged a new terminal key'} (${r.key.slice(0, 16)}…); the terminal still signs with ${r.current.slice(0, 16)}….`);
  out(`Wrote its signing request to ${file}.`);
  out(`  Request fingerprint:  ${r.fingerprint}`);
  out('');
  out(`Carry it to the root machine and run: hotline root sign-request ${file} --data ROOTDIR --out SIGNED --fingerprint "${r.fingerprint}"`);
  out(`Bring SIGNED back and, with the terminal running: ${hotlineCommand('key rotate --install SIGNED', data)}`);
}

async function readAnswer(file: string): Promise<unknown> {
  const { IdentityError } = await loadTerminal();
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (error) {
    throw (error as NodeJS.ErrnoException).code
      ? new IdentityError('IDENTITY_IO', { action: 'read', file, detail: (error as Error).message }, { cause: error })
      : new IdentityError('IDENTITY_BAD_SIGNING_FILE', { file, what: 'signed certificate', detail: 'it is not JSON' });
  }
}

/**
 * `hotline key rotate --install SIGNED`: the running terminal must answer first (nothing is
 * installed otherwise); then the card is installed and the rotation route publishes and switches.
 */
export async function installRotation(file: string, data: string, now: number, signed?: unknown): Promise<void> {
  const { installRotationCard } = await loadTerminal();
  const value = signed ?? (await readAnswer(file));
  const client = await officerClient(data);
  await client.call('GET', '/api/v1/card');
  const installed = await installRotationCard({ dir: data, signed: value, file, now });
  if (installed.state === 'complete') {
    out(`This terminal already signs with the key this answer certifies (${installed.certificate.key.slice(0, 16)}…): the rotation was complete, nothing to do.`);
    return;
  }
  const r = await client.call<RotateResult>('POST', '/api/v1/keys/rotations', { cert: installed.certificate });
  reportRotation(r, installed.state === 'already-installed', data);
}

/**
 * For `hotline cert install`: true when `signed` certifies the key staged in `data` for a rotation
 * (not the key in use: a staged file left by a switched rotation is stale, and that answer a renewal).
 */
export async function certifiesStagedKey(data: string, signed: unknown): Promise<boolean> {
  const { answerCertificateKey, loadTerminalIdentity, readStagedKey } = await loadTerminal();
  const key = answerCertificateKey(signed);
  if (key === undefined) return false;
  try {
    if ((await readStagedKey(data))?.publicKey !== key) return false;
    return (await loadTerminalIdentity(data)).terminalSigner.publicKey !== key;
  } catch {
    return false; // a damaged or incomplete data directory: cert install reports what it finds
  }
}

/**
 * Revocation from the offline root machine, as an operator does it: `hotline root init`, a
 * terminal completed by `init --offline-root` / `root sign-request` / `cert install`, paired with
 * a peer; a second terminal of the party is lost, the root machine signs its revocation with
 * `hotline root revoke`, and the file carried to the running terminal is written into the
 * channel's record by `hotline key revoke --file`, where the peer holds it.
 */
import { copyFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, freePort, Harness, Party, waitFor } from './harness.js';

describe('e2e: hotline root revoke', () => {
  it('signs a revocation on the root machine that the terminal writes into every open channel, and puts it on the card', async () => {
    const h = await Harness.create();
    const cnStarting = h.party('CN', 'China');
    cnStarting.catch(() => {});
    const rootDir = join(h.root, 'us-root');
    await h.ok(['root', 'init', '--party', 'US', '--name', 'United States', '--data', rootDir]);
    // Two offline-root terminals of US; the second one is lost before it ever serves.
    const dir = join(h.root, 'us');
    const lostDir = join(h.root, 'us-lost');
    const [officerPort, federationPort] = [await freePort(), await freePort()];
    await h.ok(['init', '--offline-root', '--party', 'US', '--name', 'United States', '--data', dir, '--officer-port', String(officerPort), '--federation-port', String(federationPort)]);
    await h.ok(['root', 'sign-request', join(dir, 'signing-request.json'), '--data', rootDir, '--out', join(h.root, 'us-cert.json')]);
    await h.ok(['cert', 'install', join(h.root, 'us-cert.json'), '--data', dir]);
    await h.ok(['init', '--offline-root', '--party', 'US', '--name', 'United States', '--data', lostDir, '--federation-port', String(await freePort())]);
    await h.ok(['root', 'sign-request', join(lostDir, 'signing-request.json'), '--data', rootDir, '--out', join(h.root, 'lost-cert.json')]);
    const lostKey = (JSON.parse(await readFile(join(h.root, 'lost-cert.json'), 'utf8')) as { certificate: { key: string } }).certificate.key;

    const exported = await h.ok(['card', 'export', '--data', dir]);
    const fingerprint = /Root-key fingerprint:\s+([0-9 ]+)/.exec(exported.stderr)?.[1]?.trim();
    expect(fingerprint).toBeDefined();
    const cardPath = join(h.root, 'us-card.json');
    copyFileSync(join(dir, 'card.json'), cardPath);
    const us = new Party(h, { code: 'US', dir, officerPort, federationPort, fingerprint: fingerprint!, cardPath });
    h.parties.push(us);
    await us.start();
    const cn = await cnStarting;
    await h.pair(us, cn);
    const channel = await h.openChannel(us, cn, { title: { en: 'Offline root line' }, tier: 'military', parties: ['CN'] });

    // The root machine signs the revocation, and its own card now carries it.
    const revFile = join(h.root, 'revocation.json');
    const signed = await h.ok(['root', 'revoke', lostKey, '--reason', 'terminal lost in transit', '--out', revFile, '--data', rootDir]);
    expect(signed.stdout).toContain(`hotline key revoke --file ${revFile}`);
    expect(signed.stderr).toBe('');
    const revocation = JSON.parse(await readFile(revFile, 'utf8')) as { type: string; key: string; reason: string };
    expect(revocation).toMatchObject({ type: 'hotline.key-revocation', key: lostKey, reason: 'terminal lost in transit' });
    const rootCard = JSON.parse(await readFile(join(rootDir, 'card.json'), 'utf8')) as { revocations: Array<{ key: string }> };
    expect(rootCard.revocations.map((r) => r.key)).toEqual([lostKey]);

    // Carried to the terminal: written into the channel's record, and the peer receives it.
    const written = await us.cli(['key', 'revoke', '--file', revFile]).then(check('key revoke --file'));
    expect(written.stdout).toMatch(/written into 1 channel record/);
    expect(written.stdout).toMatch(/re-signed the card of the root machine/);
    await waitFor('CN to hold the key.revoke entry', async () => {
      const file = join(h.root, 'cn-export.jsonl');
      await cn.cli(['export', channel], { stdoutFile: file }).then(check('export at CN'));
      return (await readFile(file, 'utf8')).includes('"kind":"key.revoke"');
    });

    // A key that no certificate of the root's card names is signed too, with a warning.
    const typo = await h.ok(['root', 'revoke', 'A'.repeat(43), '--reason', 'typo', '--out', join(h.root, 'typo.json'), '--data', rootDir]);
    expect(typo.stderr).toMatch(/no certificate of the root's last card names the key/);
    // Bad --from: nothing written.
    const bad = await h.cli(['root', 'revoke', lostKey, '--reason', 'x', '--from', 'yesterday', '--out', join(h.root, 'bad.json'), '--data', rootDir]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--from must be a time/);
  });
});

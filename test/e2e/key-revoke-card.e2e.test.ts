/**
 * A revocation reaches the party card, not only the channels' records: `hotline key revoke` (root
 * key on the terminal) re-signs the card with it, and `hotline card reissue` puts on the card every
 * revocation of the party's key.revoke entries, even one the card it replaces lacked (a card
 * restored from before the revocation). Peers import that card and stop pinning the key.
 */
import { copyFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeySigner } from '../../src/protocol/index.js';
import { check, Harness } from './harness.js';

const revokedKeys = async (file: string) => (JSON.parse(await readFile(file, 'utf8')) as { revocations: Array<{ key: string }> }).revocations.map((r) => r.key);

describe('e2e: revocations on the party card', () => {
  it('key revoke re-signs the card with the revocation, and card reissue carries every key.revoke entry of the party', async () => {
    const h = await Harness.create();
    const [us, cn] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China')]);
    await h.pair(us, cn);
    await h.openChannel(us, cn, { title: { en: 'Revocation line' }, tier: 'military', parties: ['CN'] });
    const before = join(h.root, 'us-card-before.json');
    copyFileSync(join(us.dir, 'card.json'), before);

    const lost = KeySigner.generate().publicKey;
    const revoked = await us.cli(['key', 'revoke', lost, '--reason', 'laptop of the old terminal lost']).then(check('key revoke'));
    expect(revoked.stdout).toMatch(/written into 1 channel record/);
    expect(revoked.stdout).toMatch(/The party card now carries the revocation/);
    expect(revoked.stdout).toMatch(/Peers fetch it by themselves/);
    // The running terminal serves the re-signed card at once (to officers, and to peers over the
    // federation), without a restart.
    expect(revoked.stdout).toMatch(/The running terminal serves the new card/);
    expect((await us.api<{ revocations: Array<{ key: string }> }>('GET', '/api/v1/card')).revocations.map((r) => r.key)).toEqual([lost]);
    // `hotline card export` prints the re-signed card, with the revocation.
    const exported = join(h.root, 'us-card-after.json');
    await us.cli(['card', 'export', '--out', exported]).then(check('card export'));
    expect(await revokedKeys(exported)).toEqual([lost]);
    // The peer takes the newer card (it replaces the one it held).
    await cn.cli(['peer', 'add', exported, '--fingerprint', us.fingerprint]).then(check('CN peer add the reissued card'));

    // A card without the revocation (restored from before it): reissuing asks the running terminal
    // for the party's key.revoke entries and puts them back on the card.
    copyFileSync(before, join(us.dir, 'card.json'));
    expect(await revokedKeys(join(us.dir, 'card.json'))).toEqual([]);
    const reissued = await us.cli(['card', 'reissue']).then(check('card reissue'));
    expect(reissued.stdout).toMatch(/1 revoked key\)/);
    expect(reissued.stderr).toBe('');
    expect(await revokedKeys(join(us.dir, 'card.json'))).toEqual([lost]);
    expect(reissued.stdout).toMatch(/The running terminal serves the new card/);
    expect((await us.api<{ revocations: Array<{ key: string }> }>('GET', '/api/v1/card')).revocations.map((r) => r.key)).toEqual([lost]);
    // A card on disk that no longer certifies the key the terminal signs with is not taken up.
    const card = JSON.parse(await readFile(join(us.dir, 'card.json'), 'utf8')) as { terminals: unknown[] };
    const keep = await readFile(join(us.dir, 'card.json'), 'utf8');
    await writeFile(join(us.dir, 'card.json'), JSON.stringify({ ...card, terminals: [] }));
    const refused = await us.apiRaw('POST', '/api/v1/card/reload');
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect((await us.api<{ revocations: Array<{ key: string }> }>('GET', '/api/v1/card')).revocations.map((r) => r.key)).toEqual([lost]);
    await writeFile(join(us.dir, 'card.json'), keep);

    // With the terminal stopped, the card keeps what it holds and the operator is told.
    await us.stop();
    const offline = await us.cli(['card', 'reissue']).then(check('card reissue, terminal stopped'));
    expect(offline.stderr).toMatch(/did not list the key\.revoke entries/);
    expect(await revokedKeys(join(us.dir, 'card.json'))).toEqual([lost]);
  });
});

/**
 * Terminals write key.revoke entries (#14): a revocation of one of this party's terminal keys,
 * signed by its root key, goes into every open channel's record as a signed entry that peers and
 * the verifier read; another party's revocation, a forged one, or one of the key this terminal
 * signs with is refused and nothing is written.
 */
import { afterEach, expect, it } from 'vitest';
import { issueRevocation, issueTerminalCertificate, KeySigner } from '../../src/protocol/index.js';
import { IdentityError } from '../../src/terminal/identity/index.js';
import type { KeyRotationPort } from '../../src/terminal/officer-api/keys-routes.js';
import { makeParty, T0 } from '../../src/testkit/scenario.js';
import { officerFixture, type OfficerFixture } from './fixture.js';

let f: OfficerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

it("writes a revocation of one of this party's keys into the channel's record, and the peer holds it", async () => {
  f = await officerFixture();
  // The fixture's parties, whose keys derive from their codes.
  const us = makeParty('US', { en: 'United States' });
  const cn = makeParty('CN', { en: 'China' });
  expect(us.id).toBe(f.t.a.self.party);
  const retired = KeySigner.generate();
  const revocation = issueRevocation(us.root, { key: retired.publicKey, from: T0, reason: 'laptop of the old terminal lost' });
  const r = await f.host('POST', '/api/v1/keys/revocations', { revocation });
  expect(r.statusCode).toBe(201);
  const body = r.json() as { key: string; entries: Array<{ channel: string; entry: string }> };
  expect(body.key).toBe(retired.publicKey);
  expect(body.entries.map((e) => e.channel)).toEqual([f.channel]);
  await f.t.settle();
  const atCn = await f.t.b.store.listEntries(f.channel, { author: us.id });
  expect(atCn.filter((e) => e.kind === 'key.revoke')).toHaveLength(1);

  const others = issueRevocation(cn.root, { key: retired.publicKey, from: T0, reason: 'not ours' });
  expect((await f.host('POST', '/api/v1/keys/revocations', { revocation: others })).statusCode).toBe(400);
  expect((await f.host('POST', '/api/v1/keys/revocations', { revocation: { ...revocation, reason: 'altered' } })).json()).toMatchObject({ code: 'CERT_INVALID' });
  const own = issueRevocation(us.root, { key: f.t.a.self.signer.publicKey, from: T0, reason: 'oops' });
  const refused = await f.host('POST', '/api/v1/keys/revocations', { revocation: own });
  expect(refused.statusCode).toBe(409);
  expect(refused.json()).toMatchObject({ code: 'KEY_IN_USE' });
  expect((await f.t.a.store.listEntries(f.channel, { author: us.id })).filter((e) => e.kind === 'key.revoke')).toHaveLength(1);
});

it('writes the certificate of the next key as key.rotate into the channel (signed with the current key) before switching, and takes up a rotation already published', async () => {
  const calls: string[] = [];
  let held = false;
  let refuse = false;
  const rotation: KeyRotationPort = {
    prepare: async () => {
      calls.push('prepare');
      if (refuse) throw new IdentityError('IDENTITY_ROTATION_MISMATCH', { dir: '/data', detail: 'no key is staged' });
    },
    rotated: () => held,
    commit: async () => void calls.push('commit'),
    reloadCard: () => Promise.reject(new Error('not used here')),
  };
  f = await officerFixture({}, { rotation });
  const us = makeParty('US', { en: 'United States' });
  const cn = makeParty('CN', { en: 'China' });
  const next = KeySigner.generate();
  const cert = issueTerminalCertificate(us.root, { key: next.publicKey, tls: us.card.terminals[0]!.tls, notBefore: T0, notAfter: T0 + 86_400_000 });
  const r = await f.host('POST', '/api/v1/keys/rotations', { cert });
  expect(r.statusCode).toBe(201);
  expect(r.json()).toMatchObject({ key: next.publicKey, previous: f.t.a.self.signer.publicKey, entries: [{ channel: f.channel }], held: [], skipped: [] });
  expect(calls).toEqual(['prepare', 'commit']);
  // Audited as every change is: who, what, on which route.
  const audit = (await f.host('GET', '/api/v1/audit/records?limit=10')).json() as { records: Array<{ action: string; detail: string }> };
  expect(audit.records.some((x) => x.action === 'terminal.manage' && x.detail.includes('/api/v1/keys/rotations'))).toBe(true);
  await f.t.settle();
  const atCn = (await f.t.b.store.listEntries(f.channel, { author: us.id })).filter((e) => e.kind === 'key.rotate');
  expect(atCn).toHaveLength(1);

  // Resumed after a crash: the channel holds the entry already; nothing is written twice.
  held = true;
  const resumed = await f.host('POST', '/api/v1/keys/rotations', { cert });
  expect(resumed.json()).toMatchObject({ entries: [], held: [f.channel] });
  // Another party's certificate, a forged one, or a staged key that does not fit: nothing written, no switch.
  const others = issueTerminalCertificate(cn.root, { key: next.publicKey, tls: cert.tls, notBefore: T0, notAfter: T0 + 86_400_000 });
  expect((await f.host('POST', '/api/v1/keys/rotations', { cert: others })).statusCode).toBe(400);
  expect((await f.host('POST', '/api/v1/keys/rotations', { cert: { ...cert, notAfter: cert.notAfter + 1 } })).json()).toMatchObject({ code: 'CERT_INVALID' });
  held = false;
  refuse = true;
  calls.length = 0;
  const mismatch = await f.host('POST', '/api/v1/keys/rotations', { cert });
  expect(mismatch.statusCode).toBe(409);
  expect(mismatch.json()).toMatchObject({ code: 'IDENTITY_ROTATION_MISMATCH' });
  expect(calls).toEqual(['prepare']);
  expect((await f.t.a.store.listEntries(f.channel, { author: us.id })).filter((e) => e.kind === 'key.rotate')).toHaveLength(1);
});

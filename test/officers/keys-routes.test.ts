/**
 * Terminals write key.revoke entries (#14): a revocation of one of this party's terminal keys,
 * signed by its root key, goes into every open channel's record as a signed entry that peers and
 * the verifier read; another party's revocation, a forged one, or one of the key this terminal
 * signs with is refused and nothing is written.
 */
import { afterEach, expect, it } from 'vitest';
import { issueRevocation, KeySigner } from '../../src/protocol/index.js';
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

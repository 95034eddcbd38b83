/**
 * A peer's re-signed card, fetched from its terminal, is adopted only by the rules of
 * card-succession.ts (docs/security.md §5): same root key, newer, every revocation held kept.
 * And CardRefresh fetches it, adopts, audits, and raises PEER_CARD_REFUSED for another root key.
 */
import { afterEach, expect, it } from 'vitest';
import { fingerprint, issuePartyCard, issueRevocation, issueTerminalCertificate, KeySigner, sha256, type KeyRevocation, type PartyCard } from '../../src/protocol/index.js';
import { CardRefresh } from '../../src/terminal/federation/card-refresh.js';
import { makeParty, seedFor, type TestParty } from '../../src/testkit/scenario.js';
import { backToBack, type BackToBack } from './back-to-back.js';

let pair: BackToBack | undefined;
afterEach(async () => {
  await pair?.cleanup();
  pair = undefined;
});

/** RU's card re-signed: an extra terminal key, the revocations given, issued `later` ms after the first. */
function reissued(ru: TestParty, later: number, revocations: KeyRevocation[], extraKey?: string): PartyCard {
  const extra = extraKey
    ? [issueTerminalCertificate(ru.root, { key: extraKey, tls: sha256('RU tls').toString('hex'), notBefore: ru.card.issued, notAfter: ru.card.issued + 365 * 86_400_000 })]
    : [];
  return issuePartyCard(ru.root, { code: 'RU', names: { en: 'Russia' }, terminals: [...ru.card.terminals, ...extra], revocations, endpoints: ru.card.endpoints, issued: ru.card.issued + later });
}

/** A CardRefresh of US for RU's card at RU's one address, on the clock `now`; `o` replaces any option. */
function refresher(p: BackToBack, ru: TestParty, now: () => number, o: Partial<ConstructorParameters<typeof CardRefresh>[0]>): CardRefresh {
  return new CardRefresh({
    targets: () => [{ peer: ru.id, target: { endpoint: 'https://ru.hotline.example:7443', expectedFingerprint: 'aa' } }],
    adopt: (peer, card) => p.a.wing.peers.adoptCard(peer, card),
    label: () => 'RU',
    fingerprint,
    audit: async () => {},
    events: p.a.events,
    tls: { keyPem: '', certPem: '' },
    clock: { now, elapsed: now },
    log: { warn: () => {}, info: () => {} },
    ...o,
  });
}

async function heldCard(p: BackToBack, party: string): Promise<PartyCard> {
  return JSON.parse((await p.a.store.getPeer(party))!.card) as PartyCard;
}

it('adopts a newer card of the same root key, and refuses another root key, an older card, a dropped revocation and a forgery', async () => {
  const p = (pair = await backToBack());
  const ru = makeParty('RU', { en: 'Russia' });
  await p.a.addPeer(ru.card, fingerprint(ru.id));
  const newKey = KeySigner.fromSeed(seedFor('RU terminal 2')).publicKey;
  const peersEvents: unknown[] = [];
  p.a.events.on('peers', (e) => peersEvents.push(e));

  // Same root, newer: adopted; the new key is certified at once (proofs, charters), the code and fingerprint unchanged.
  const revocation = issueRevocation(ru.root, { key: ru.terminal.publicKey, from: ru.card.issued + 5, reason: 'rotated' });
  const rotated = reissued(ru, 10, [revocation], newKey);
  expect(p.a.registry.check(ru.id, newKey, ru.card.issued + 20).ok).toBe(false);
  const adopted = await p.a.wing.peers.adoptCard(ru.id, rotated);
  expect(adopted).toMatchObject({ adopt: true, newKeys: [newKey], newRevocations: [{ key: ru.terminal.publicKey }] });
  expect(await heldCard(p, ru.id)).toMatchObject({ issued: rotated.issued, sig: rotated.sig });
  expect((await p.a.store.getPeer(ru.id))!.fingerprint).toBe(fingerprint(ru.id));
  expect(p.a.registry.check(ru.id, newKey, ru.card.issued + 20).ok).toBe(true);
  expect(peersEvents).toHaveLength(1);

  // The same card again, or the older one: nothing to do.
  expect(await p.a.wing.peers.adoptCard(ru.id, rotated)).toEqual({ adopt: false, why: 'same' });
  expect(await p.a.wing.peers.adoptCard(ru.id, ru.card)).toEqual({ adopt: false, why: 'older' });

  // Another root key at RU's address (an impostor with RU's code): refused, the card held kept.
  const impostor = makeParty('RU', { en: 'Russia' }, 'impostor');
  const other = issuePartyCard(impostor.root, { ...impostor.card, issued: rotated.issued + 1000, revocations: [] });
  expect(await p.a.wing.peers.adoptCard(ru.id, other)).toMatchObject({ adopt: false, why: 'other-root' });
  // Newer but without the revocation held (or with it only later): refused, the revocation not lost.
  expect(await p.a.wing.peers.adoptCard(ru.id, reissued(ru, 20, [], newKey))).toMatchObject({ adopt: false, why: 'drops-revocation' });
  const later = issueRevocation(ru.root, { key: ru.terminal.publicKey, from: ru.card.issued + 50, reason: 'rotated' });
  expect(await p.a.wing.peers.adoptCard(ru.id, reissued(ru, 30, [later], newKey))).toMatchObject({ adopt: false, why: 'drops-revocation' });
  // A card whose signature does not verify.
  expect(await p.a.wing.peers.adoptCard(ru.id, { ...reissued(ru, 40, [revocation], newKey), code: 'RX' })).toMatchObject({ adopt: false, why: 'invalid' });
  expect(await heldCard(p, ru.id)).toMatchObject({ sig: rotated.sig });
  expect(peersEvents).toHaveLength(1);

  // A newer card keeping the revocation (and adding one) is adopted.
  const third = KeySigner.fromSeed(seedFor('RU terminal 3')).publicKey;
  const more = reissued(ru, 60, [revocation, issueRevocation(ru.root, { key: newKey, from: ru.card.issued + 55, reason: 'rotated' })], third);
  expect(await p.a.wing.peers.adoptCard(ru.id, more)).toMatchObject({ adopt: true, newRevocations: [{ key: newKey }] });
  // A party never paired is not adopted from a card.
  expect(await p.a.wing.peers.adoptCard(impostor.id, other)).toBeUndefined();
});

it('CardRefresh fetches a card when the link comes up and on a key.rotate, audits the adoption and alarms another root key once', async () => {
  const p = (pair = await backToBack());
  const ru = makeParty('RU', { en: 'Russia' });
  await p.a.addPeer(ru.card, fingerprint(ru.id));
  const newKey = KeySigner.fromSeed(seedFor('RU terminal 2')).publicKey;
  let served: unknown = ru.card;
  const fetched: string[] = [];
  const audits: Array<{ action: string; detail: Record<string, unknown> }> = [];
  const alarms: Array<{ code: string; message: string }> = [];
  p.a.events.on('alarm', (e) => alarms.push(e));
  let now = 1_000_000;
  const refresh = refresher(p, ru, () => now, {
    audit: async (r) => void audits.push(r),
    connect: () => ({ request: async (url) => (fetched.push(String(url)), { status: 200, headers: {}, body: Buffer.from(JSON.stringify(served)) }), close: () => {} }),
  });
  await refresh.tick();
  expect(fetched).toEqual(['https://ru.hotline.example:7443/fed/v1/card']);
  await refresh.tick(); // not due again
  expect(fetched).toHaveLength(1);
  // RU rotates: a key.rotate of RU arrives, and the card is fetched at the next tick (after the gap).
  served = reissued(ru, 10, [], newKey);
  p.a.events.emit({ type: 'entry', channel: 'c', hash: 'h', author: ru.id, authorCode: 'RU', seq: 5, kind: 'key.rotate', time: now, own: false, body: {} });
  now += 6_000;
  await refresh.tick();
  expect(fetched).toHaveLength(2);
  expect(audits).toEqual([{ actor: 'terminal', action: 'peer.card', detail: expect.objectContaining({ peer: ru.id, code: 'RU', newKeys: [newKey] }) }]);
  expect(p.a.registry.check(ru.id, newKey, ru.card.issued + 20).ok).toBe(true);
  // Another root key served: PEER_CARD_REFUSED, once for that card, the card held kept.
  const impostor = makeParty('RU', { en: 'Russia' }, 'impostor');
  served = impostor.card;
  refresh.want(ru.id);
  now += 6_000;
  await refresh.tick();
  refresh.want(ru.id);
  now += 6_000;
  await refresh.tick();
  expect(fetched).toHaveLength(4);
  const refused = alarms.filter((a) => a.code === 'PEER_CARD_REFUSED');
  expect(refused).toHaveLength(1);
  expect(refused[0]!.message).toContain(fingerprint(ru.id));
  expect(refused[0]!.message).toContain('impostor');
  expect((await heldCard(p, ru.id)).terminals.map((c) => c.key)).toContain(newKey);
  // Hourly otherwise.
  now += 60 * 60_000;
  await refresh.tick();
  expect(fetched).toHaveLength(5);
  refresh.stop();
});

it('CardRefresh tries a failed fetch again within seconds, doubling the wait, not at the next hourly refresh', async () => {
  const p = (pair = await backToBack());
  const ru = makeParty('RU', { en: 'Russia' });
  await p.a.addPeer(ru.card, fingerprint(ru.id));
  const newKey = KeySigner.fromSeed(seedFor('RU terminal 2')).publicKey;
  let answer: 'down' | 'busy' | 'up' = 'down';
  const fetched: number[] = [];
  const warnings: string[] = [];
  let now = 1_000_000;
  const refresh = refresher(p, ru, () => now, {
    log: { warn: (_o, m) => void warnings.push(m ?? ''), info: () => {} },
    connect: () => ({
      request: async () => {
        fetched.push(now);
        if (answer === 'down') throw new Error('connect ECONNREFUSED');
        if (answer === 'busy') return { status: 503, headers: {}, body: Buffer.from('{}') };
        return { status: 200, headers: {}, body: Buffer.from(JSON.stringify(reissued(ru, 10, [], newKey))) };
      },
      close: () => {},
    }),
  });
  await refresh.tick(); // the link came up: fetched, and the peer's HTTPS side is down
  expect(fetched).toHaveLength(1);
  expect(warnings.at(-1)).toContain('tried again in 10 s');
  now += 9_000;
  await refresh.tick();
  expect(fetched).toHaveLength(1);
  now += 1_000;
  await refresh.tick(); // 10 s after: again, and it fails with a 503
  answer = 'busy';
  expect(fetched).toHaveLength(2);
  now += 20_000;
  answer = 'busy';
  await refresh.tick();
  expect(fetched).toHaveLength(3);
  expect(warnings.at(-1)).toContain('status 503');
  expect(warnings.at(-1)).toContain('tried again in 40 s');
  // The waits stop doubling at five minutes.
  for (let i = 0; i < 8; i++) {
    now += 5 * 60_000;
    await refresh.tick();
  }
  expect(warnings.at(-1)).toContain('tried again in 300 s');
  answer = 'up';
  now += 5 * 60_000;
  await refresh.tick();
  expect(p.a.registry.check(ru.id, newKey, ru.card.issued + 20).ok).toBe(true);
  // Adopted: back to the hourly refresh.
  const count = fetched.length;
  now += 30 * 60_000;
  await refresh.tick();
  expect(fetched).toHaveLength(count);
  refresh.stop();
});

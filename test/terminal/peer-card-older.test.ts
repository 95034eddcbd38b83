/**
 * A peer's card is never replaced by an older one (docs/protocol.md §3.6): the older may lack the
 * revocation of a stolen terminal key, whose TLS key would then be pinned again.
 */
import { afterEach, expect, it } from 'vitest';
import { fingerprint, issuePartyCard, issueRevocation } from '../../src/protocol/index.js';
import { TerminalError } from '../../src/terminal/errors.js';
import { makeParty } from '../../src/testkit/scenario.js';
import { backToBack, type BackToBack } from './back-to-back.js';

let pair: BackToBack | undefined;
afterEach(async () => {
  await pair?.cleanup();
  pair = undefined;
});

it('refuses an older card of a peer with PEER_CARD_OLDER and keeps the newer one', async () => {
  const p = (pair = await backToBack());
  const ru = makeParty('RU', { en: 'Russia' });
  const revoking = issuePartyCard(ru.root, {
    code: 'RU',
    names: { en: 'Russia' },
    terminals: [...ru.card.terminals],
    revocations: [issueRevocation(ru.root, { key: ru.terminal.publicKey, from: ru.card.issued + 1, reason: 'Terminal stolen' })],
    endpoints: ru.card.endpoints,
    issued: ru.card.issued + 10,
  });
  await p.a.addPeer(revoking, fingerprint(ru.id));
  const e = await p.a.addPeer(ru.card, fingerprint(ru.id)).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(TerminalError);
  expect((e as TerminalError).code).toBe('PEER_CARD_OLDER');
  expect((e as TerminalError).message).toMatch(/That card of RU was issued .* before the one this terminal holds/);
  // The same card again is no change, and the newer one stays.
  await p.a.addPeer(revoking, fingerprint(ru.id));
  const held = (await p.a.store.listPeers()).find((x) => x.party === ru.id)!;
  expect(JSON.parse(held.card)).toMatchObject({ issued: revoking.issued });
});

it('refuses a second party key under a code already paired (PEER_CODE_TAKEN) unless --same-code; the code alone is then ambiguous', async () => {
  const p = (pair = await backToBack());
  const impostor = makeParty('CN', { en: 'China' }, 'impostor');
  const e = await p.a.addPeer(impostor.card, fingerprint(impostor.id)).then(() => undefined, (x: unknown) => x);
  expect((e as TerminalError).code).toBe('PEER_CODE_TAKEN');
  expect((e as TerminalError).message).toContain(fingerprint(impostor.id));
  expect((await p.a.store.listPeers()).filter((x) => x.code === 'CN')).toHaveLength(1);
  expect((await p.a.resolveParty('CN')).party).not.toBe(impostor.id);
  // Meant (a re-issued party key): paired, and a code that names two peers is refused by name.
  await p.a.addPeer(impostor.card, fingerprint(impostor.id), { sameCode: true });
  const ambiguous = await p.a.resolveParty('CN').then(() => undefined, (x: unknown) => x);
  expect((ambiguous as TerminalError).code).toBe('PARTY_AMBIGUOUS');
  expect((ambiguous as TerminalError).message).toContain(impostor.id);
  expect((await p.a.resolveParty(impostor.id)).party).toBe(impostor.id);
});

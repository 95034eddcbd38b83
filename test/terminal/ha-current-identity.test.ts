/**
 * High availability: which card stored by another instance (ha_card) an instance takes up into its
 * own card.json (src/terminal/ha/current-identity.ts), and that it reads its keys/ again.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { issuePartyCard, issueRevocation, issueTerminalCertificate, KeySigner, type PartyCard } from '../../src/protocol/index.js';
import { currentIdentity, newerCard } from '../../src/terminal/ha/current-identity.js';
import { commitStagedKey, initTerminal, loadTerminalIdentity, reissueCard, type TerminalIdentity } from '../../src/terminal/identity/index.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
let base: string;
let dir: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'hotline-ha-card-'));
  dir = join(base, 'us');
  await initTerminal({ dir, code: 'US', names: { en: 'United States' }, now: NOW, kdfCost: 10 });
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function reissued(id: TerminalIdentity, o: { issued: number; root?: KeySigner; terminals?: PartyCard['terminals']; revocations?: PartyCard['revocations'] }): Promise<PartyCard> {
  const root = o.root ?? ((await id.loadRootSigner()) as KeySigner);
  return issuePartyCard(root, { code: 'US', names: id.card.names, terminals: o.terminals ?? id.card.terminals, revocations: o.revocations ?? id.card.revocations, endpoints: id.card.endpoints, issued: o.issued });
}

it('takes up a newer card of its root that keeps its revocations and certifies its keys, and nothing else', async () => {
  const id = await loadTerminalIdentity(dir);
  const root = (await id.loadRootSigner()) as KeySigner;
  const revocation = issueRevocation(root, { key: KeySigner.generate().publicKey, from: NOW, reason: 'stolen' });
  const newer = await reissued(id, { issued: id.card.issued + 10, revocations: [revocation] });
  expect(newerCard(id, JSON.stringify(newer)).card).toEqual(newer);
  expect(newerCard(id, undefined)).toEqual({});
  // Not newer: kept, and nothing to say.
  expect(newerCard(id, JSON.stringify(id.card))).toEqual({});
  // Another root, a card that drops this instance's certificate, one that lacks a revocation held.
  const other = KeySigner.generate();
  const certOf = (by: KeySigner) => issueTerminalCertificate(by, { key: KeySigner.generate().publicKey, tls: id.tls.spkiFingerprint, notBefore: NOW, notAfter: NOW + 86_400_000 });
  expect(newerCard(id, JSON.stringify(await reissued(id, { issued: id.card.issued + 10, root: other, terminals: [certOf(other)] }))).why).toMatch(/another root key/);
  expect(newerCard(id, JSON.stringify(await reissued(id, { issued: id.card.issued + 10, terminals: [certOf(root)] }))).why).toMatch(/no longer certifies this instance's terminal key/);
  const withRevocation = await currentIdentityWith(id, newer);
  expect(newerCard(withRevocation, JSON.stringify(await reissued(withRevocation, { issued: newer.issued + 10, revocations: [] }))).why).toMatch(/lacks a revocation/);
  expect(newerCard(id, '{not json').why).toMatch(/not JSON/);
});

it('reads keys/ again (a rotation since the process started) and publishes its own card when the stored one is older', async () => {
  const started = await loadTerminalIdentity(dir);
  const next = KeySigner.generate();
  // The rotation certifies the new key in a reissued card, then switches keys/terminal.json.
  await reissueCard(started, { certifyKey: next.publicKey, now: NOW + 1000 });
  await commitStagedKey(dir, next);
  const published: Array<{ issued: number }> = [];
  const now = await currentIdentity(started, { card: async () => undefined, publishCard: async (_text, issued) => void published.push({ issued }) }, pino({ level: 'silent' }));
  expect(now.terminalSigner.publicKey).toBe(next.publicKey);
  expect(published).toEqual([{ issued: now.card.issued }]);
  expect(now.card.issued).toBeGreaterThan(started.card.issued);
});

/** The identity after taking up `card` from the database: card.json is rewritten. */
async function currentIdentityWith(id: TerminalIdentity, card: PartyCard): Promise<TerminalIdentity> {
  const taken = await currentIdentity(id, { card: async () => JSON.stringify(card), publishCard: async () => {} }, pino({ level: 'silent' }));
  expect(JSON.parse(await readFile(join(dir, 'card.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(card)));
  return taken;
}

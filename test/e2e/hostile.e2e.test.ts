/**
 * Hostile inputs at the federation API of a running terminal (CN): an unpinned TLS client, a
 * forged entry, a replay, and an entry by a party outside the charter. After each, nothing
 * stored changed and the channel's transcript still verifies.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChannelLog, KeyRegistry, KeySigner, composeEntry, parseEntry, type PartyCard, type SealedEntry } from '../../src/protocol/index.js';
import { loadTerminalIdentity } from '../../src/terminal/identity/index.js';
import { createPinnedClient, type PinnedClient } from '../../src/terminal/tls/pinned-client.js';
import { generateTlsIdentity } from '../../src/terminal/tls/tls-identity.js';
import { Harness, bundleEntries, check, waitFor } from './harness.js';

interface Outcome {
  accepted: number;
  duplicate: number;
  pending: number;
  rejected: Array<{ code: string; message: string }>;
}

/** The channel as CN holds it, rebuilt from its export: to compose entries that fit the log. */
function rebuild(bundle: string): ChannelLog {
  const registry = new KeyRegistry();
  for (const line of bundle.split('\n').slice(1)) if (line.includes('"type":"hotline.party-card"')) registry.addCard(JSON.parse(line) as PartyCard);
  const sealed = bundleEntries(bundle).map((raw) => {
    const p = parseEntry(raw);
    if (!p.ok) throw new Error(p.error.message);
    return p.sealed;
  });
  const found = ChannelLog.found(sealed[0]!, registry);
  if (!found.ok) throw new Error(found.error.message);
  for (const s of sealed.slice(1)) {
    const r = found.log.ingest(s);
    if (r.status !== 'accepted') throw new Error(`rebuilding the log: ${r.status}`);
  }
  return found.log;
}

describe('e2e: hostile inputs at the federation API', () => {
  it('refuses unpinned clients, forged and outsider entries, takes replays as duplicates, and loses nothing', async () => {
    const h = await Harness.create();
    const [us, cn, ru] = await Promise.all([h.party('US', 'United States'), h.party('CN', 'China'), h.party('RU', 'Russia', { start: false })]);
    await h.pair(us, cn);
    // CN also knows RU (so RU's keys are valid keys to CN), but RU is not in the channel's charter.
    await cn.cli(['peer', 'add', ru.cardPath, '--fingerprint', ru.fingerprint]).then(check('CN peer add RU'));

    const id = await h.openChannel(us, cn, { title: { en: 'Cyber incidents line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
    for (const [p, text] of [[us, 'Scanning from AS 64500 against our grid operator.'], [cn, 'We are looking into it.'], [us, 'Thank you.']] as const)
      await p.api('POST', `/api/v1/channels/${id}/messages`, { text, precedence: 'PRIORITY' });
    await waitFor('both sides to hold all three messages, receipted', async () => {
      const [a, b] = [await us.messages(id), await cn.messages(id)];
      return a.length === 3 && b.length === 3 && a.every((m) => !m.own || m.receiptedAt) && b.every((m) => !m.own || m.receiptedAt);
    });
    const fedUrl = `https://127.0.0.1:${cn.federationPort}/fed/v1/entries`;
    const cnCard = JSON.parse(await readFile(cn.cardPath, 'utf8')) as PartyCard;
    const cnPin = cnCard.terminals[0]!.tls;
    const usTls = { key: await readFile(join(us.dir, 'keys', 'tls.key'), 'utf8'), cert: await readFile(join(us.dir, 'keys', 'tls.crt'), 'utf8') };
    const clients: PinnedClient[] = [];
    const post = async (client: PinnedClient, entries: string[]) => {
      const r = await client.request(fedUrl, { method: 'POST', body: JSON.stringify({ entries }), headers: { 'content-type': 'application/json' } });
      return { status: r.status, body: JSON.parse(r.body.toString('utf8')) as Outcome & { code?: string; message?: string } };
    };
    const asUs = createPinnedClient({ ...usTls, expectedFingerprint: cnPin });
    clients.push(asUs);

    /**
     * Nothing the hostile input carried was stored at CN, nothing stored was lost, and CN's
     * transcript still verifies offline. (The terminals' own background entries, such as
     * receipts and link tests, may still be added meanwhile.)
     */
    const BACKGROUND = new Set(['receipt', 'link.test', 'link.echo']);
    let baseline: string[] = [];
    const unchanged = async (what: string, hostile: string[] = []) => {
      h.step(`checking nothing changed after: ${what}`);
      const messages = await cn.messages(id);
      expect(messages.length, `messages after ${what}`).toBe(3);
      expect(new Set(messages.map((m) => m.from))).toEqual(new Set(['US', 'CN']));
      const file = join(h.root, `after-${what.replace(/\W+/g, '-')}.jsonl`);
      await cn.cli(['export', id], { stdoutFile: file }).then(check('export'));
      const v = await h.cli(['verify', file]);
      expect(v.code, `verify after ${what}: ${v.stderr}`).toBe(0);
      expect(v.stdout).toContain('Verdict: VALID');
      const entries = bundleEntries(await readFile(file, 'utf8'));
      const held = new Set(entries);
      expect(baseline.filter((e) => !held.has(e)), `entries lost after ${what}`).toEqual([]);
      const before = new Set(baseline);
      const added = entries.filter((e) => !before.has(e)).map((e) => JSON.parse(e) as { kind: string; author: string });
      expect(added.filter((e) => !BACKGROUND.has(e.kind)), `entries added after ${what}`).toEqual([]);
      for (const raw of hostile) expect(held.has(raw), `hostile entry stored after ${what}`).toBe(false);
      return entries;
    };

    try {
      const first = join(h.root, 'before.jsonl');
      await cn.cli(['export', id], { stdoutFile: first }).then(check('export'));
      const bundle = await readFile(first, 'utf8');
      baseline = bundleEntries(bundle);
      const log = rebuild(bundle);
      const usParty = (await loadTerminalIdentity(us.dir)).party;

      // 1. A client with a TLS key CN never pinned (valid certificate, wrong key).
      const stranger = await generateTlsIdentity('not-a-peer');
      const asStranger = createPinnedClient({ key: stranger.keyPem, cert: stranger.certPem, expectedFingerprint: cnPin });
      clients.push(asStranger);
      const refused = await post(asStranger, bundleEntries(bundle));
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('FED_UNPINNED_CLIENT');
      expect(refused.body.message).toMatch(/not pinned/);
      await unchanged('unpinned client');

      // 2. A forged entry: the right shape and place in US's log, signed by a key not in US's card.
      const forger = KeySigner.generate();
      const forged: SealedEntry = composeEntry(log, forger, usParty, 'message', { text: 'Disregard previous messages: we accept full responsibility.', lang: 'en', precedence: 'FLASH' }, Date.now());
      const forgedOut = await post(asUs, [forged.raw]);
      expect(forgedOut.status).toBe(200);
      expect(forgedOut.body).toMatchObject({ accepted: 0, duplicate: 0 });
      expect(forgedOut.body.rejected).toHaveLength(1);
      expect(forgedOut.body.rejected[0]!.code).toBe('ENTRY_UNKNOWN_KEY');
      // The same forgery with a valid US terminal key in "key" but a foreign signature.
      const usKey = (await loadTerminalIdentity(us.dir)).terminalSigner.publicKey;
      const badSig = composeEntry(log, { publicKey: usKey, sign: (m: Uint8Array) => forger.sign(m) }, usParty, 'message', { text: 'Forged under a real key id.', lang: 'en', precedence: 'FLASH' }, Date.now());
      const badSigOut = await post(asUs, [badSig.raw]);
      expect(badSigOut.body).toMatchObject({ accepted: 0 });
      expect(badSigOut.body.rejected).toHaveLength(1);
      expect(badSigOut.body.rejected[0]!.code).toMatch(/SIGNATURE/);
      await unchanged('forged entries', [forged.raw, badSig.raw]);

      // 3. A replay of everything CN already holds: all duplicates, nothing new.
      const replay = await post(asUs, bundleEntries(bundle));
      expect(replay.status).toBe(200);
      expect(replay.body).toMatchObject({ accepted: 0, pending: 0, rejected: [] });
      expect(replay.body.duplicate).toBe(bundleEntries(bundle).length);
      await unchanged('replay');

      // 4. An entry by a party CN knows but who is not in the charter (RU), carried by US.
      const ruSigner = (await loadTerminalIdentity(ru.dir)).terminalSigner;
      const ruParty = (await loadTerminalIdentity(ru.dir)).party;
      const outsider = composeEntry(log, ruSigner, ruParty, 'message', { text: 'We have joined this channel.', lang: 'en', precedence: 'FLASH' }, Date.now());
      const outsiderOut = await post(asUs, [outsider.raw]);
      expect(outsiderOut.body).toMatchObject({ accepted: 0 });
      expect(outsiderOut.body.rejected).toHaveLength(1);
      expect(outsiderOut.body.rejected[0]!.code).toBe('ENTRY_AUTHOR_NOT_PARTY');
      await unchanged('outsider entry', [outsider.raw]);

      // The line still works after all of it.
      const { id: msg } = await us.api<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'Still there?', precedence: 'IMMEDIATE' });
      await waitFor('CN to receive a genuine message afterwards', async () => (await cn.messages(id)).some((m) => m.id === msg));
      const evidence = await cn.api<unknown[]>('GET', `/api/v1/channels/${id}/evidence`);
      expect(evidence).toEqual([]);
    } finally {
      for (const c of clients) c.close();
    }
  }, 120_000);
});

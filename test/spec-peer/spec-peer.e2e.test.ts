/**
 * A clean-room peer (test/spec-peer/peer.ts, written from docs/protocol.md alone) against one real
 * reference terminal (`hotline serve`, built in dist/): pairing, a charter the reference proposes
 * and the peer countersigns, a FLASH with its receipt and acknowledgement, a message of the peer,
 * and the exported transcript verified by `hotline verify` and by the peer's own checks; then probes
 * of §12, and a version-2 channel (§14.2 hashes, §12.3 probe and echo frames both ways). Then, on
 * the same terminal: proofs, checkpoints, link records and period bundles (§14-15), resume (§12),
 * key entries (§3.2), the charter after opening (§5.3-5.5: amendments both ways, a move to version
 * 2, suspension by both, closure) with acks (§6), the dialogue (§6.1) and agreed formats (§13), and
 * proposals of the peer with their ends (§5.2). The peer judges every entry of the terminal in
 * context from the spec (peer.ts judgeInContext); each refusal is checked against its own judgement.
 * With a second clean-room party (XX): three parties relaying on `want` (§12), heads rules 1-4 (§7,
 * rule 4 after a withdrawn amendment that added XX), a suspension by one of three (§5.4-5.5), a
 * version-2 channel of three with probes per peer and checkpoints countersigned by the two others
 * (§12.3, §15.1); checkpoints while suspended and closed; own entries recovered after a restore (§12
 * "Reconciling"). Round 6: relay wants with the peer as the middle party (§12: US asks it for the
 * receipts of a party with no stream to US), a party removed by an adopted amendment (§5.3, §7),
 * answers to a pending amendment while suspended (§5.4), and a forked own log of the peer (§12).
 * Round 7: a channel of CN and XX that US joins by amendment (§12 "A channel joined by amendment"):
 * the channel from its proposal on, the proposal alone (never stored), the amendment before it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Only building, ports and waiting come from the e2e harness: nothing of the protocol does.
import { ensureBuilt, freePort, MAIN, REPO, waitFor } from '../e2e/harness.js';
import { canonical, cardValid, formatHash, judgeInContext, type Charter, type FormatDef, fedRequest, openStream, tlsIdentity, charterHash, entryHash, entryPrefix, fingerprint, keysAt, lastingCommitment, linkFrameValid, newEd25519, parseEntry, SpecPeer, verifyProofDoc, verifySig, PREFIX, signWith, type Ed25519, type Entry, type Held, type PartyCard } from './peer.js';

const env = (): NodeJS.ProcessEnv => ({ ...process.env, HOTLINE_LOG_LEVEL: 'warn', NO_COLOR: '1', HOTLINE_DEBUG: undefined });

function run(args: string[], cwd: string, timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', rej);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

async function ok(args: string[], cwd: string): Promise<string> {
  const r = await run(args, cwd);
  if (r.code !== 0) throw new Error(`hotline ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

interface ApiMessage {
  id: string;
  own: boolean;
  text: string;
  precedence: string;
  receiptedAt: number | null;
  ackedAt: number | null;
  ackedBy: { code: string; officer: { name: string } } | null;
}

/** Offline check of a bundle from the spec alone (§8): cards, every entry's signature, key and chain. */
function checkBundle(bundle: string): { entries: number; authors: Set<string>; kinds: string[] } {
  expect(bundle.endsWith('\n')).toBe(true);
  const lines = bundle.slice(0, -1).split('\n');
  const header = JSON.parse(lines[0]!) as { channel: string; type: string; v: number };
  expect(canonical(header)).toBe(lines[0]);
  expect(header.type).toBe('hotline.bundle');
  const cards = new Map<string, PartyCard>();
  const entries: Array<{ e: Entry; hash: string }> = [];
  const definitions = new Set<string>();
  for (const line of lines.slice(1)) {
    if (line.startsWith('{"author":')) {
      const { held, code } = parseEntry(line);
      expect(code, line).toBeUndefined();
      entries.push({ e: held!.entry, hash: held!.hash });
    } else if ((JSON.parse(line) as { type: string }).type === 'hotline.format') {
      expect(canonical(JSON.parse(line))).toBe(line); // §8.1: a definition the messages use, as its canonical JSON
      definitions.add(formatHash(JSON.parse(line)));
    } else {
      const card = JSON.parse(line) as PartyCard;
      expect(card.type).toBe('hotline.party-card');
      expect(canonical(card)).toBe(line);
      expect(cardValid(card)).toBe(true);
      cards.set(card.party, card);
    }
  }
  const proposal = entries.find((x) => x.hash === header.channel);
  expect(proposal?.e.kind).toBe('charter.propose');
  const byAuthor = new Map<string, Array<{ e: Entry; hash: string }>>();
  for (const x of entries) {
    const card = cards.get(x.e.author);
    expect(card, `a card for ${x.e.author}`).toBeDefined();
    // §3.2: the cards' certificates and those of the author's key.rotate entries of lower seq; no
    // revocation of the author's key.revoke entries of lower seq with from <= time.
    const own = entries.filter((y) => y.e.author === x.e.author && y.e.channel === x.e.channel && y.e.seq < x.e.seq);
    const rotated = own.filter((y) => y.e.kind === 'key.rotate').map((y) => y.e.body.cert as PartyCard['terminals'][number]);
    const revoked = own.filter((y) => y.e.kind === 'key.revoke').map((y) => y.e.body.revocation as { key: string; from: number });
    expect(revoked.filter((r) => r.key === x.e.key && r.from <= x.e.time), `a key revoked for ${x.e.kind} #${x.e.seq}`).toEqual([]);
    expect([...keysAt(card!, x.e.time), ...rotated.filter((c) => c.notBefore <= x.e.time && x.e.time < c.notAfter).map((c) => c.key)]).toContain(x.e.key);
    expect(verifySig(x.e.key, entryPrefix(x.e.v), Buffer.from(entryHash(x.e), 'hex'), x.e.sig)).toBe(true);
    if (x.e.kind !== 'charter.propose') expect(x.e.channel).toBe(header.channel);
    byAuthor.set(x.e.author, [...(byAuthor.get(x.e.author) ?? []), x]);
  }
  for (const x of entries) if (x.e.kind === 'message' && x.e.body.format) expect(definitions).toContain((x.e.body.format as { hash: string }).hash);
  const hashes = new Map(entries.map((x) => [x.hash, x.e]));
  for (const log of byAuthor.values()) {
    log.sort((a, b) => a.e.seq - b.e.seq);
    log.forEach((x, i) => {
      expect(x.e.seq).toBe(i + 1);
      expect(x.e.prev).toBe(i === 0 ? null : log[i - 1]!.hash);
      for (const [author, h] of Object.entries(x.e.heads)) expect(hashes.get(h.hash)?.author).toBe(author);
    });
  }
  return { entries: entries.length, authors: new Set(byAuthor.keys()), kinds: entries.map((x) => x.e.kind) };
}

describe('a clean-room peer written from docs/protocol.md', () => {
  const root = mkdtempSync(join(tmpdir(), 'hotline-spec-peer-'));
  let child: ChildProcess | undefined;
  let log = '';
  let peer: SpecPeer | undefined;
  /** The second clean-room party of the three-party test. */
  let xx: SpecPeer | undefined;
  /** The channel of XX, US and CN (the three-party test), for the tests after it. */
  let three: { id: string } | undefined;
  /** What the first test leaves for the next ones (they run in order, on the same terminal). */
  let ctx:
    | {
        call: <T>(method: string, path: string, body?: unknown) => Promise<T>;
        /** GET on the officer API, the body as text. */
        text: (path: string) => Promise<string>;
        api: string;
        token: string;
        dir: string;
        id: string;
        id2: string;
        usCard: PartyCard;
        endpoint: string;
        flash2: string;
        reply2: string;
      }
    | undefined;

  beforeAll(ensureBuilt, 240_000);

  const dump = () =>
    process.stderr.write(`\n---- spec peer problems ----\n${peer?.problems.join('\n') ?? ''}\n---- frames ----\n${(peer?.frames ?? []).slice(-300).map((f) => `${f.side} ${f.dir} ${JSON.stringify(f.frame).slice(0, 300)}`).join('\n')}\n---- US log ----\n${log.slice(-6000)}\n`);

  afterAll(async () => {
    await peer?.stop();
    await xx?.stop();
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child!.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child!.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('the vectors: canonical JSON and fingerprints as §2.1 and §3.3 say', () => {
    const canon = JSON.parse(readFileSync(join(REPO, 'test/vectors/canonical.json'), 'utf8')) as Array<{ input: string; canonical: string }>;
    for (const c of canon) expect(canonical(JSON.parse(c.input))).toBe(c.canonical);
    const keys = JSON.parse(readFileSync(join(REPO, 'test/vectors/keys.json'), 'utf8')) as Array<{ publicKey: string; fingerprint: string }>;
    for (const k of keys) expect(fingerprint(k.publicKey)).toBe(k.fingerprint);
    const id = JSON.parse(readFileSync(join(REPO, 'test/vectors/identity.json'), 'utf8')) as {
      partyCard: { value: PartyCard };
      charter: { value: unknown; hash?: string };
      channel: { proposalRaw: string; id?: string };
    };
    expect(cardValid(id.partyCard.value)).toBe(true);
    const { held } = parseEntry(id.channel.proposalRaw);
    expect(held).toBeDefined();
    if (id.channel.id) expect(held!.hash).toBe(id.channel.id);
    if (id.charter.hash) expect(charterHash(id.charter.value)).toBe(id.charter.hash);
  });

  it('pairs, countersigns a charter, receipts and acknowledges a FLASH, answers, the transcript verifies; §12 probes; the same on version 2 with signed link-test frames', async () => {
    expect(existsSync(MAIN), 'dist/cli/main.js: run `npm run build` first').toBe(true);
    const t0 = Date.now();
    const step = (s: string) => process.env.HOTLINE_E2E_STEPS && process.stderr.write(`[+${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);
    try {
      // ---- the reference terminal (README "Pairing two terminals on two machines, by hand") ----
      const dir = join(root, 'us');
      const officerPort = await freePort();
      const federationPort = await freePort();
      const init = await ok(['init', '--party', 'US', '--name', 'United States', '--data', dir, '--officer-port', String(officerPort), '--federation-port', String(federationPort)], root);
      const usFingerprint = /Root-key fingerprint:\s+([0-9 ]+)/.exec(init)?.[1]?.trim();
      expect(usFingerprint).toBeDefined();
      const usCardPath = join(root, 'us-card.json');
      await ok(['card', 'export', '--data', dir, '--out', usCardPath], root);
      const usCard = JSON.parse(readFileSync(usCardPath, 'utf8')) as PartyCard;
      expect(fingerprint(usCard.party)).toBe(usFingerprint);
      step('US initialised');

      child = spawn(process.execPath, [MAIN, 'serve', '--data', dir], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: env() });
      child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
      const api = `http://127.0.0.1:${officerPort}`;
      await waitFor('US /healthz', async () => (await fetch(`${api}/healthz`)).ok);
      const token = readFileSync(join(dir, 'officer.token'), 'utf8').trim();
      const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        const r = await fetch(`${api}${path}`, {
          method,
          signal: AbortSignal.timeout(15_000),
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await r.text();
        if (!r.ok) throw new Error(`${method} ${path} -> ${r.status} ${text}`);
        return JSON.parse(text) as T;
      };
      step('US serving');

      // ---- the clean-room peer, CN, and pairing both ways ----
      // Only the pin counts (§12 "Certificates"): the X.509 certificate's own dates are not checked,
      // so the peer's expired yesterday.
      peer = new SpecPeer({ code: 'CN', name: 'China', x509Validity: { notBefore: Date.now() - 3 * 86_400_000, notAfter: Date.now() - 86_400_000 } });
      await peer.start();
      const cnCardPath = join(root, 'cn-card.json');
      writeFileSync(cnCardPath, JSON.stringify(peer.card, null, 2));
      // Each side takes the other's card before either dials: a stream from a party whose card the
      // server does not hold yet is refused (401 FED_UNPINNED_CLIENT) until it does.
      peer.pair(usCard, usFingerprint!);
      await ok(['peer', 'add', cnCardPath, '--fingerprint', peer.fingerprint, '--data', dir], root);
      peer.connect();
      await waitFor('US link to CN up', async () => {
        const s = await call<{ links: Array<{ code: string; state: string; transport?: string }> }>('GET', '/api/v1/status');
        const l = s.links.find((x) => x.code === 'CN');
        return l && (l.transport ?? l.state) === 'up';
      });
      step('paired, US link to CN up');

      // ---- US proposes, CN countersigns ----
      const { id } = await call<{ id: string }>('POST', '/api/v1/channels', { title: { en: 'Spec peer line' }, tier: 'technical', parties: ['CN'] });
      await waitFor('CN to hold the proposal', () => peer!.channels.has(id));
      const proposal = peer.channel(id).proposal;
      expect(proposal.entry.kind).toBe('charter.propose');
      expect(proposal.entry.v).toBe(1);
      peer.accept(id);
      await waitFor('US to see the channel active', async () => (await call<{ state: string }>('GET', `/api/v1/channels/${id}`)).state === 'active');
      step('channel active on US');

      // ---- US sends a FLASH; CN holds it, receipts it (by itself) and acknowledges it ----
      const flashText = 'Request you hold clear of grid 12N 114E';
      const sent = await call<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: flashText, precedence: 'FLASH', lang: 'en' });
      const flash = await waitFor('CN to hold the FLASH', () => peer!.channel(id).logs.get(usCard.party)?.find((h) => h.entry.kind === 'message' && h.entry.body.text === flashText));
      expect(flash.hash).toBe(sent.id);
      expect(flash.entry.body.precedence).toBe('FLASH');
      peer.ack(id, flash.hash, { name: 'Lt Cdr Li', title: 'Duty Officer' });
      const shown = await waitFor('US to show the FLASH receipted and acknowledged', async () => {
        const m = (await call<ApiMessage[]>('GET', `/api/v1/channels/${id}/messages`)).find((x) => x.id === flash.hash);
        return m && m.receiptedAt !== null && m.ackedAt !== null ? m : undefined;
      });
      expect(shown.ackedBy?.code).toBe('CN');
      expect(shown.ackedBy?.officer.name).toBe('Lt Cdr Li');
      step('FLASH receipted and acknowledged on US');

      // ---- CN answers; US shows it ----
      const reply = peer.send(id, 'Acknowledged. Our vessels hold clear of grid 12N 114E.', 'IMMEDIATE', { name: 'Lt Cdr Li', title: 'Duty Officer' });
      const got = await waitFor('US to show the message of CN', async () => (await call<ApiMessage[]>('GET', `/api/v1/channels/${id}/messages`)).find((x) => x.id === reply.hash));
      expect(got.own).toBe(false);
      expect(got.precedence).toBe('IMMEDIATE');
      step('CN message shown on US');

      // ---- the transcript: hotline verify, and the peer's own checks ----
      const bundle = await ok(['export', id, '--data', dir], root);
      const bundlePath = join(root, 'bundle.jsonl');
      writeFileSync(bundlePath, bundle);
      const verified = await run(['verify', bundlePath], root);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/VALID/);
      const mine = checkBundle(bundle);
      expect(mine.authors).toEqual(new Set([usCard.party, peer.card.party]));
      for (const k of ['charter.propose', 'charter.accept', 'message', 'receipt', 'ack']) expect(mine.kinds).toContain(k);
      step(`bundle of ${mine.entries} entries verified`);

      expect(peer.problems).toEqual([]);

      // ---- probes of §12 beyond the scenario (what docs/protocol.md now says exactly) ----
      const endpoint = usCard.endpoints[0]!;
      const own = peer.log(peer.channel(id), peer.card.party);
      const usLog = peer.log(peer.channel(id), usCard.party);
      const other = 'ab'.repeat(32);
      // hello: `heads` then `holds`, first and in that order; holds names every channel of hello
      // (0 for one the server does not share); heads only those above 0, with the own head's hash.
      const s1 = await openStream(endpoint, peer.identity);
      s1.send({ t: 'hello', v: 1, channels: [id, other] });
      await s1.next((f) => f.t === 'holds');
      expect(s1.frames.slice(0, 2)).toEqual([
        { t: 'heads', heads: { [id]: own[own.length - 1]!.hash } },
        { t: 'holds', holds: { [id]: own.length, [other]: 0 } },
      ]);
      // A frame of unknown `t`, one with an unknown member, a text that is not JSON: `refused`
      // FED_BAD_FRAME each, and the stream stays (a duplicate batch is then answered).
      for (const bad of [{ t: 'nonsense' }, { t: 'entries', id: 1, entries: [own[0]!.text], extra: true }, 'not json']) {
        const n = s1.frames.length;
        s1.send(bad);
        const f = await s1.next(() => true, n);
        expect(f).toMatchObject({ t: 'refused', code: 'FED_BAD_FRAME' });
      }
      let n = s1.frames.length;
      s1.send({ t: 'entries', id: 2, entries: [own[0]!.text] });
      expect(await s1.next((f) => f.t === 'stored', n)).toEqual({ t: 'stored', id: 2, accepted: 0, duplicate: 1, pending: 0, rejected: [] });
      s1.close();
      // A batch with an entry two seqs ahead (pending: the server then sends `want` for the gap)
      // and two texts that are no entry (rejected without `hash`).
      const ahead = peer.sign(id, 'message', { text: 'ahead', lang: 'en', precedence: 'ROUTINE' }, own.length + 2);
      const s3 = await openStream(endpoint, peer.identity);
      s3.send({ t: 'hello', v: 1, channels: [id] });
      await s3.next((f) => f.t === 'holds');
      n = s3.frames.length;
      s3.send({ t: 'entries', id: 7, entries: [ahead.text, '{"author":1}', 'garbage'] });
      const stored = await s3.next((f) => f.t === 'stored', n);
      expect(stored).toMatchObject({ id: 7, accepted: 0, duplicate: 0, pending: 1 });
      expect((stored.rejected as Array<Record<string, unknown>>).map((r) => [r.code, 'hash' in r])).toEqual([
        ['ENTRY_MALFORMED', false],
        ['ENTRY_MALFORMED', false],
      ]);
      expect(await s3.next((f) => f.t === 'want', n)).toEqual({ t: 'want', channel: id, author: peer.card.party, fromSeq: own.length + 1, toSeq: own.length + 1 });
      s3.close();
      // An unpinned client: 401 FED_UNPINNED_CLIENT, for the stream and for plain HTTPS.
      const stranger = await tlsIdentity('stranger');
      const s2 = await openStream(endpoint, stranger);
      expect(s2.status).toBe(401);
      expect(JSON.parse(s2.body!)).toMatchObject({ code: 'FED_UNPINNED_CLIENT' });
      s2.close();
      const r5 = await fedRequest(endpoint, stranger, 'GET', '/fed/v1/card');
      expect([r5.status, (JSON.parse(r5.text) as { code: string }).code]).toEqual([401, 'FED_UNPINNED_CLIENT']);
      // Plain HTTPS: the card; entries as JSON Lines (from = first seq, LF after each line); 404
      // for a channel not shared; POST /fed/v1/entries answers the counts and `missing`.
      const r6 = await fedRequest(endpoint, peer.identity, 'GET', '/fed/v1/card');
      expect(r6.pin).toBe(usCard.terminals[0]!.tls);
      expect(canonical(JSON.parse(r6.text))).toBe(canonical(usCard));
      const r7 = await fedRequest(endpoint, peer.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${usCard.party}&from=2&limit=2`);
      expect(r7.status).toBe(200);
      expect(r7.text).toBe(`${usLog[1]!.text}\n${usLog[2]!.text}\n`);
      const r7d = await fedRequest(endpoint, peer.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${usCard.party}`);
      expect(r7d.text.split('\n')[0]).toBe(usLog[0]!.text); // without from: from seq 1
      expect(r7d.text.split('\n').length - 1).toBeGreaterThanOrEqual(Math.min(usLog.length, 7));
      const r7e = await fedRequest(endpoint, peer.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${usCard.party}&from=1&limit=2000`);
      expect([r7e.status, (JSON.parse(r7e.text) as { code: string }).code]).toEqual([400, 'BAD_REQUEST']);
      const r7b = await fedRequest(endpoint, peer.identity, 'GET', `/fed/v1/channels/${other}/entries?author=${usCard.party}&from=1&limit=3`);
      expect(r7b.status).toBe(404);
      const r8 = await fedRequest(endpoint, peer.identity, 'POST', '/fed/v1/entries', { entries: [own[0]!.text, ahead.text] });
      expect([r8.status, JSON.parse(r8.text)]).toEqual([200, { accepted: 0, duplicate: 1, pending: 1, rejected: [], missing: [{ channel: id, author: peer.card.party, fromSeq: own.length + 1, toSeq: own.length + 1 }] }]);
      // A `want` to the other terminal's client: it relays our own entries and the proposal back.
      // Before them, a frame it does not know (dropped, the stream kept) and a want for a channel it
      // does not share with us (refused silently: nothing sent).
      const before = peer.frames.length;
      peer.toClients({ t: 'nonsense' });
      peer.toClients({ t: 'want', channel: other, author: usCard.party, fromSeq: 1, toSeq: 1 });
      peer.toClients({ t: 'want', channel: id, author: peer.card.party, fromSeq: 1, toSeq: 2 });
      peer.toClients({ t: 'want', channel: id, author: '', fromSeq: 1, toSeq: 1 });
      const relayed = await waitFor('the want served', () => {
        const got = peer!.frames.slice(before).filter((f) => f.dir === 'in' && f.side === 'server' && f.frame.t === 'entries').flatMap((f) => f.frame.entries as string[]);
        return got.length >= 3 ? got : undefined;
      }, 5_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(relayed).toEqual([own[0]!.text, own[1]!.text, peer.channel(id).proposal.text]);
      const relayedAll = peer.frames.slice(before).filter((f) => f.dir === 'in' && f.side === 'server' && f.frame.t === 'entries').flatMap((f) => f.frame.entries as string[]);
      expect(relayedAll).toEqual(relayed);
      // A receipt alone draws no receipt (else two terminals would receipt each other's receipts for ever).
      await new Promise((r) => setTimeout(r, 500));
      const usBefore = usLog.length;
      const lastUs = usLog[usLog.length - 1]!;
      const lone = peer.write(id, 'receipt', { holds: [{ author: usCard.party, seq: lastUs.entry.seq, hash: lastUs.hash }] });
      await waitFor('US to hold the lone receipt', async () => {
        const r = await fedRequest(endpoint, peer!.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${peer!.card.party}&from=${lone.entry.seq}&limit=1`);
        return r.text === `${lone.text}\n`;
      }, 5_000);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(usLog.slice(usBefore).filter((h) => h.entry.kind === 'receipt')).toEqual([]);
      // Heartbeats: the other terminal pings the streams it holds with us, about every 2.5 s.
      expect(peer.pings.some((p) => p.side === 'server')).toBe(true);

      step('§12 probes done');
      // ---- a version-2 channel (§14): entries hashed as §14.2, link tests as signed frames (§12.3) ----
      const { id: id2 } = await call<{ id: string }>('POST', '/api/v1/channels', { title: { en: 'Spec peer line v2' }, tier: 'technical', parties: ['CN'], protocol: 2, linkTestIntervalSec: 1 });
      await waitFor('CN to hold the v2 proposal', () => peer!.channels.has(id2));
      expect(peer.channel(id2).proposal.entry.v).toBe(2);
      expect(peer.channel(id2).proposal.hash).toBe(id2);
      peer.accept(id2);
      await waitFor('US to see the v2 channel active', async () => (await call<{ state: string }>('GET', `/api/v1/channels/${id2}`)).state === 'active');
      step('v2 channel active on US');
      // US probes CN over its stream; CN answers with signed echoes.
      await waitFor('CN to answer a probe of US', () => peer!.probesAnswered > 0, 10_000);
      step('CN answered a probe of US');
      // CN probes US over its own stream; US's echo is signed by its terminal key.
      const s4 = await openStream(endpoint, peer.identity);
      s4.send({ t: 'hello', v: 1, channels: [id2] });
      await s4.next((f) => f.t === 'holds');
      const nonce = randomBytes(16).toString('hex');
      const t1 = Date.now();
      n = s4.frames.length;
      s4.send(peer.linkFrame({ t: 'probe', channel: id2, from: peer.card.party, to: usCard.party, nonce, t1 }));
      const echo = await s4.next((f) => f.t === 'echo', n);
      const t4 = Date.now();
      n = s4.frames.length;
      const badSig = { ...peer.linkFrame({ t: 'probe', channel: id2, from: peer.card.party, to: usCard.party, nonce, t1: t1 + 1 }) };
      badSig.sig = peer.linkFrame({ t: 'probe', channel: id2, from: peer.card.party, to: usCard.party, nonce, t1: t1 + 2 }).sig;
      s4.send(badSig);
      s4.send(peer.linkFrame({ t: 'probe', channel: id, from: peer.card.party, to: usCard.party, nonce, t1 }));
      s4.send(peer.linkFrame({ t: 'probe', channel: id2, from: peer.card.party, to: peer.card.party, nonce, t1 }));
      await new Promise((r) => setTimeout(r, 500));
      // A probe with a bad signature, on a version-1 channel, or not addressed to US: no echo, no
      // `refused`, the stream kept (§12.3).
      expect(s4.frames.slice(n)).toEqual([]);
      expect(s4.ws.readyState).toBe(WebSocket.OPEN);
      s4.close();
      expect(echo).toMatchObject({ channel: id2, from: usCard.party, to: peer.card.party, key: usCard.terminals[0]!.key, nonce, t1 });
      expect(linkFrameValid(echo)).toBe(true);
      expect(echo.t2 as number).toBeLessThanOrEqual(echo.t3 as number);
      const rtt = t4 - t1 - ((echo.t3 as number) - (echo.t2 as number));
      expect(rtt).toBeGreaterThanOrEqual(0);
      step('US answered a probe of CN');
      // A message both ways on version 2, receipted and acknowledged.
      const sent2 = await call<{ id: string }>('POST', `/api/v1/channels/${id2}/messages`, { text: 'v2 FLASH', precedence: 'FLASH', lang: 'en' });
      const flash2 = await waitFor('CN to hold the v2 FLASH', () => peer!.channel(id2).logs.get(usCard.party)?.find((h) => h.hash === sent2.id));
      expect(flash2.entry.v).toBe(2);
      peer.ack(id2, flash2.hash, { name: 'Lt Cdr Li', title: 'Duty Officer' });
      await waitFor('US to show the v2 FLASH receipted and acknowledged', async () => {
        const m = (await call<ApiMessage[]>('GET', `/api/v1/channels/${id2}/messages`)).find((x) => x.id === flash2.hash);
        return m && m.receiptedAt !== null && m.ackedAt !== null;
      });
      step('v2 FLASH receipted and acknowledged on US');
      const reply2 = peer.send(id2, 'v2 answer', 'ROUTINE', { name: 'Lt Cdr Li', title: 'Duty Officer' });
      await waitFor('US to show the v2 message of CN', async () => (await call<ApiMessage[]>('GET', `/api/v1/channels/${id2}/messages`)).some((x) => x.id === reply2.hash));
      const bundle2 = await ok(['export', id2, '--data', dir], root);
      writeFileSync(join(root, 'bundle2.jsonl'), bundle2);
      const verified2 = await run(['verify', join(root, 'bundle2.jsonl')], root);
      expect(verified2.code, verified2.stdout + verified2.stderr).toBe(0);
      checkBundle(bundle2);
      step('v2 bundle verified');
      // The line, judged by US's probes and CN's echoes, is up.
      await waitFor('US to judge the line to CN up', async () => {
        const l = (await call<{ links: Array<{ code: string; state: string }> }>('GET', '/api/v1/status')).links.find((x) => x.code === 'CN');
        return l?.state === 'up';
      });
      step('US judges the line to CN up');
      expect(peer.problems).toEqual([]);
      const text = async (path: string): Promise<string> => {
        const r = await fetch(`${api}${path}`, { signal: AbortSignal.timeout(15_000), headers: { authorization: `Bearer ${token}` } });
        const body = await r.text();
        if (!r.ok) throw new Error(`GET ${path} -> ${r.status} ${body}`);
        return body;
      };
      ctx = { call, text, api, token, dir, id, id2, usCard, endpoint, flash2: flash2.hash, reply2: reply2.hash };
    } catch (e) {
      failed(e);
    }
  }, 90_000);

  /** One batch on a stream of its own (hello naming `channels`): the `stored` answer. */
  async function rawBatch(channels: string[], texts: string[], as: SpecPeer = peer!): Promise<{ accepted: number; duplicate: number; pending: number; rejected: Array<{ hash?: string; code: string; message: string }> }> {
    const s = await openStream(ctx!.endpoint, as.identity);
    s.send({ t: 'hello', v: 1, channels });
    await s.next((f) => f.t === 'holds');
    const n = s.frames.length;
    s.send({ t: 'entries', id: 1, entries: texts });
    const stored = await s.next((f) => f.t === 'stored', n);
    s.close();
    return stored as never;
  }

  /** The other terminal's copy of the peer's log from `from` on (GET /fed/v1/channels/:id/entries). */
  async function usHoldsOfPeer(channel: string, from: number): Promise<string[]> {
    const r = await fedRequest(ctx!.endpoint, peer!.identity, 'GET', `/fed/v1/channels/${channel}/entries?author=${peer!.card.party}&from=${from}&limit=1024`);
    return r.text === '' ? [] : r.text.slice(0, -1).split('\n');
  }

  const officer = { name: 'Lt Cdr Li', title: 'Duty Officer' };

  /** Every role: what the charters of these tests give each party. */
  const all = ['plenipotentiary', 'principal', 'duty-officer', 'observer'];
  /** The default acknowledgement deadlines (§5.1), as the charters of these tests give them. */
  const deadlines = { FLASH: 180, IMMEDIATE: 900, PRIORITY: 3600, ROUTINE: 86400 };

  /** CN proposes a channel of CN and US (every role, deadlines as above), US accepts: its id, once CN sees it active. */
  async function cnOpensWithUs(title: string, linkTestIntervalSec: number): Promise<string> {
    const cn = peer!;
    const { call, usCard } = ctx!;
    const C0: Charter = { title: { en: title }, tier: 'working', languages: ['en'], linkTestIntervalSec, ackDeadlineSec: deadlines, parties: [{ party: cn.card.party, code: 'CN', roles: all }, { party: usCard.party, code: 'US', roles: all }] };
    const id = cn.propose(C0).hash;
    await waitFor('US to hold the proposal of CN', async () => (await call<{ state: string }>('GET', `/api/v1/channels/${id}`).catch(() => ({ state: 'none' }))).state === 'proposed');
    await call('POST', `/api/v1/channels/${id}/accept`, {});
    await waitFor('CN to see the channel active', () => cn.view(id).state === 'active');
    return id;
  }

  /** The parties of the tests after the three-party test: CN (the first peer) and XX, and the ids of all three. */
  function threeParties(): { cn: SpecPeer; x: SpecPeer; US: string; CN: string; XX: string } {
    expect(ctx, 'the first test ran').toBeDefined();
    expect(xx, 'the three-party test ran').toBeDefined();
    return { cn: peer!, x: xx!, US: ctx!.usCard.party, CN: peer!.card.party, XX: xx!.card.party };
  }

  /** A test failed: the dump goes to stderr, the error goes on. */
  function failed(e: unknown): never {
    dump();
    throw e;
  }

  /** A test of three parties failed: XX's problems, then the dump, go to stderr; the error goes on. */
  function failedWithXX(e: unknown): never {
    process.stderr.write(`\n---- XX problems ----\n${xx?.problems.join('\n') ?? ''}\n`);
    failed(e);
  }

  /** Exports channel `id` from US to `file` (in the test's folder) and verifies it with `hotline verify --json`. */
  async function exportVerified<R extends { valid: boolean; errors: unknown[]; state: string } = { valid: boolean; errors: unknown[]; state: string }>(id: string, file: string): Promise<{ bundle: string; report: R }> {
    const bundle = await ok(['export', id, '--data', ctx!.dir], root);
    const path = join(root, file);
    writeFileSync(path, bundle);
    return { bundle, report: JSON.parse((await run(['verify', path, '--json'], root)).stdout) as R };
  }

  it('version 2 from the spec: proofs of one message both ways, checkpoints both ways, link records of the peer, a period bundle anchored at the peer checkpoint', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { call, text, dir, id, id2, usCard, flash2, reply2 } = ctx!;
    const p = peer!;
    const ch2 = p.channel(id2);
    const US = usCard.party;
    const t0 = Date.now();
    const step = (s: string) => process.env.HOTLINE_E2E_STEPS && process.stderr.write(`[v2 +${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);
    try {
      // ---- §14: the terminal's proof of its own message, checked by the peer from §14.4 ----
      const usProofText = await text(`/api/v1/messages/${flash2}/proof`);
      const usProof = JSON.parse(usProofText) as Record<string, unknown> & { body: Record<string, unknown>; receipts: Entry[]; acks: Entry[]; path: unknown[] };
      expect(usProofText).toBe(`${canonical(usProof)}\n`); // §14.3: canonical JSON and a newline
      expect(verifyProofDoc(usProof)).toMatchObject({ valid: true, receipts: 1, acks: 1 });
      expect(usProof.body.text).toBe('v2 FLASH');
      expect(usProof.receipts[0]!.author).toBe(p.card.party);
      expect(usProof.acks[0]!.author).toBe(p.card.party);
      expect(verifyProofDoc({ ...usProof, body: { ...usProof.body, text: 'v2 FLASH!' } })).toMatchObject({ valid: false, code: 'PROOF_BAD_BODY' });
      expect(verifyProofDoc({ ...usProof, path: [...usProof.path, usProof.receipts[0]] })).toMatchObject({ valid: false, code: 'PROOF_BROKEN_CHAIN' });
      // ---- the peer's proof of its own message: the terminal acknowledges it, `hotline verify` reads the proof ----
      await call('POST', `/api/v1/messages/${reply2}/ack`, {});
      const cnProof = await waitFor('CN to hold a receipt and the ack of US for its message', () => {
        const doc = p.makeProof(id2, reply2);
        return doc && (doc.acks as unknown[]).length > 0 ? doc : undefined;
      });
      expect(verifyProofDoc(cnProof)).toMatchObject({ valid: true });
      const cnProofPath = join(root, 'cn-proof.json');
      writeFileSync(cnProofPath, `${canonical(cnProof)}\n`);
      step('proofs made and checked both ways (hotline verify pending)');

      // ---- §15.1: the terminal's checkpoint, checked by the peer before it accepts it ----
      const k = await call<{ entry: string; seq: number; count: number; lasting: string }>('POST', `/api/v1/channels/${id2}/checkpoint`);
      const usK = p.log(ch2, US).find((h) => h.hash === k.entry);
      expect(usK?.entry.kind).toBe('checkpoint');
      expect(lastingCommitment(p.causalPast(ch2, usK!.entry))).toEqual({ count: k.count, lasting: k.lasting });
      expect(k.count).toBeGreaterThanOrEqual(1); // CN's charter.accept (the proposal is not counted)
      step('US checkpoint checked by CN');
      // The peer's: a wrong count is refused, CHECKPOINT_MISMATCH; the right one accepted, then countersigned by US.
      // Quiet first: a receipt of US's checkpoint written by the peer meanwhile would take the seq the
      // wrong checkpoint is signed at (and US would see an equivocation, not the wrong count).
      p.quiet = true;
      const myLast = p.log(ch2, p.card.party).at(-1)!;
      await waitFor('US to hold all of CN in id2', async () => (await usHoldsOfPeer(id2, myLast.entry.seq))[0] === myLast.text, 5_000);
      const badK = p.checkpoint(id2, 1);
      const badR = await rawBatch([id2], [badK.text]).finally(() => (p.quiet = false));
      expect(badR.rejected).toEqual([expect.objectContaining({ hash: badK.hash, code: 'CHECKPOINT_MISMATCH' })]);
      const myK = p.checkpoint(id2);
      expect(myK.entry.seq).toBe(badK.entry.seq); // a refused entry leaves its place free
      await waitFor('US to countersign the checkpoint of CN', () => p.log(ch2, US).some((h) => (h.entry.heads[p.card.party]?.seq ?? 0) >= myK.entry.seq));
      step('CN checkpoint accepted and countersigned by US');

      // ---- §6.2: link records written by the peer; each broken rule refused, LINK_RECORD_INVALID ----
      const now = Date.now();
      const q = (a: number) => ({ min: a, p50: a + 1, p90: a + 2, p99: a + 3, max: a + 4 });
      const line = (x: Record<string, unknown> = {}) => ({ peer: US, sent: 10, answered: 9, failures: 1, rttMs: q(3), offsetMs: q(-2), state: 'up', ...x });
      const summary = (x: Record<string, unknown> = {}, peers: unknown[] = [line()]) => ({ from: now - 60_000, until: now - 1, peers, ...x });
      const badRecords: Array<[string, string, Record<string, unknown>]> = [
        ['answered + failures > sent', 'link.summary', summary({}, [line({ answered: 10 })])],
        ['figures without an answer', 'link.summary', summary({}, [line({ answered: 0, failures: 10 })])],
        ['no figures with answers', 'link.summary', summary({}, [{ peer: US, sent: 1, answered: 1, failures: 0, state: 'up' }])],
        ['percentiles out of order', 'link.summary', summary({}, [line({ rttMs: { min: 5, p50: 4, p90: 6, p99: 7, max: 8 } })])],
        ['its own author as peer', 'link.summary', summary({}, [line({ peer: p.card.party })])],
        ['a peer twice', 'link.summary', summary({}, [line(), line()])],
        ['a peer that is no party', 'link.summary', summary({}, [line({ peer: p.root.pub.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })])],
        ['from = until', 'link.summary', summary({ from: now - 1 })],
        ['until after the entry', 'link.summary', summary({ until: now + 600_000 })],
        ['a window longer than a day', 'link.summary', summary({ from: now - 86_400_002 })],
        ['state = was', 'link.state', { peer: US, state: 'up', was: 'up', at: now, reason: 'no change' }],
        ['at after the entry', 'link.state', { peer: US, state: 'down', was: 'up', at: now + 600_000, reason: 'later' }],
      ];
      const bad = await rawBatch([id2], badRecords.map(([, kind, body]) => p.sign(id2, kind, body).text));
      expect(bad.rejected.map((r, i) => `${badRecords[i]![0]}: ${r.code}`)).toEqual(badRecords.map(([why]) => `${why}: LINK_RECORD_INVALID`));
      // On a version-1 channel a link record is refused too (after the kind is allowed, §5.5).
      const onV1 = await rawBatch([id], [p.sign(id, 'link.summary', summary()).text]);
      expect(onV1.rejected.map((r) => r.code)).toEqual(['LINK_RECORD_INVALID']);
      // Valid ones: negative offsets, a summary with a line that answered nothing, a state change.
      const sum = p.write(id2, 'link.summary', { from: now - 3_600_000, until: now, peers: [line({ sent: 3600, answered: 3598, failures: 1, offsetMs: { min: -7, p50: -3, p90: 0, p99: 2, max: 5 } })] });
      const quiet = p.write(id2, 'link.summary', { from: now, until: Math.max(now + 1, Date.now()), peers: [{ peer: US, sent: 2, answered: 0, failures: 2, state: 'down' }] });
      const change = p.write(id2, 'link.state', { peer: US, state: 'degraded', was: 'up', at: now, reason: 'round trips above 2 s', rttMs: 2100, offsetMs: -12 });
      // Windows are not compared across summaries: one that overlaps an earlier one is accepted.
      const overlap = p.write(id2, 'link.summary', summary());
      // (machine-written receipts of the peer may fall between them: left out)
      const records = async () => (await usHoldsOfPeer(id2, sum.entry.seq)).filter((t) => !t.includes('"kind":"receipt"'));
      await waitFor('US to hold the link records of CN', async () => (await records()).length >= 4);
      expect(await records()).toEqual([sum.text, quiet.text, change.text, overlap.text]);
      step('link records refused and accepted as §6.2 says');

      // ---- §15.2-15.3: a period bundle from now: anchored at the newest countersigned checkpoint, the peer's ----
      const period = await ok(['export', id2, '--since', 'now', '--data', dir], root);
      const periodPath = join(root, 'period.jsonl');
      writeFileSync(periodPath, period);
      const lines = period.slice(0, -1).split('\n');
      const header = JSON.parse(lines[0]!) as { anchor?: string; channel: string };
      expect(header.anchor).toBe(myK.hash);
      const inBundle: Held[] = lines.filter((l) => l.startsWith('{"author":')).map((l) => parseEntry(l).held!);
      const anchor = inBundle.find((h) => h.hash === header.anchor)!;
      // §15.2 bounds; the commitment recomputed from the lasting entries before the anchor in the bundle (§15.3 step 4).
      const bound = (a: string) => (a === anchor.entry.author ? anchor.entry.seq - 1 : (anchor.entry.heads[a]?.seq ?? 0));
      const before = inBundle.filter((h) => h.entry.seq <= bound(h.entry.author));
      expect(lastingCommitment(before)).toEqual(anchor.entry.body);
      expect(inBundle.some((h) => h.hash === id2)).toBe(true); // item 1, the proposal
      for (const a of [US, p.card.party]) if (bound(a) >= 1) expect(before.some((h) => h.entry.author === a && h.entry.seq === bound(a))).toBe(true); // item 3
      const vr = await run(['verify', periodPath, '--json'], root);
      const report = JSON.parse(vr.stdout) as { valid: boolean; errors: unknown[]; period?: { anchor: string; by: string; countersigned: Array<{ party: string }> }; link?: { lines: Array<{ party: string; peer: string; summaries: number; sent: number }>; changes: Array<{ party: string; state: string; was: string }> } };
      expect(report.errors).toEqual([]);
      expect(report.valid).toBe(true);
      expect(report.period).toMatchObject({ anchor: myK.hash, by: 'CN', countersigned: [{ party: 'US' }] });
      expect(report.link?.lines).toContainEqual(expect.objectContaining({ party: 'CN', peer: 'US', summaries: 3, sent: 3612 }));
      expect(report.link?.changes).toContainEqual(expect.objectContaining({ party: 'CN', state: 'degraded', was: 'up' }));
      step('period bundle anchored at the CN checkpoint verified by the peer and by hotline verify');
      const pv = await run(['verify', cnProofPath], root);
      expect(pv.code, pv.stdout + pv.stderr).toBe(0);
      expect(pv.stdout).toMatch(/Proof of one message: VALID/);
      step('the proof made by CN verified by hotline verify');
      expect(p.problems).toEqual([]);
    } catch (e) {
      failed(e);
    }
  }, 60_000);

  it('resumes after a stream drops mid-way, both ways: `holds` says where, nothing is lost or sent twice out of order', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { call, id, usCard, endpoint } = ctx!;
    const p = peer!;
    const ch = p.channel(id);
    const t0 = Date.now();
    const step = (s: string) => process.env.HOTLINE_E2E_STEPS && process.stderr.write(`[resume +${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);
    try {
      // ---- the peer's entries: 40 written while its link is down; a first stream carries 1..15 and
      // is cut right after a second batch 16..30 was sent, before its `stored`; the link's own
      // stream then resumes from the `holds` it gets (§12 "Resuming") ----
      p.disconnect();
      const base = p.log(ch, p.card.party).length;
      const mine = Array.from({ length: 40 }, (_, i) => p.send(id, `resume ${i + 1}`, 'ROUTINE', officer));
      const s = await openStream(endpoint, p.identity);
      s.send({ t: 'hello', v: 1, channels: [id] });
      await s.next((f) => f.t === 'holds');
      const n = s.frames.length;
      s.send({ t: 'entries', id: 1, entries: mine.slice(0, 15).map((h) => h.text) });
      expect(await s.next((f) => f.t === 'stored', n)).toMatchObject({ id: 1, accepted: 15, rejected: [] });
      s.send({ t: 'entries', id: 2, entries: mine.slice(15, 30).map((h) => h.text) });
      s.close(); // cut with batch 2 in flight
      const from = p.frames.length;
      p.connect();
      const holds = await waitFor('the link to get holds again', () => p.frames.slice(from).find((f) => f.dir === 'in' && f.side === 'client' && f.frame.t === 'holds'));
      const held = (holds.frame.holds as Record<string, number>)[id]!;
      expect(held).toBeGreaterThanOrEqual(base + 15);
      expect(held).toBeLessThanOrEqual(base + 30);
      // The first batch of the resumed stream starts right after what `holds` said.
      const first = await waitFor('the resumed push', () => p.frames.slice(from).find((f) => f.dir === 'out' && f.side === 'client' && f.frame.t === 'entries'));
      expect((first.frame.entries as string[])[0]).toBe(held === base + 40 ? undefined : mine[held - base]!.text);
      await waitFor('US to hold all 40', async () => (await usHoldsOfPeer(id, base + 1)).length === 40);
      expect(await usHoldsOfPeer(id, base + 1)).toEqual(mine.map((h) => h.text));
      step(`peer → US resumed from ${held - base} of 40`);

      // ---- the terminal's entries: US sends 20 messages; the peer cuts US's stream to it after the 3rd
      // arrives; US redials, reads our `holds` and resumes ----
      const usLog = p.log(ch, usCard.party);
      const usBase = usLog.length;
      let arrived = 0;
      let cutAt = -1;
      p.onAccepted = (c, h) => {
        if (c.id === id && h.entry.kind === 'message' && ++arrived === 3) {
          cutAt = usLog.length;
          p.dropServer();
        }
      };
      const hellos = p.frames.filter((f) => f.dir === 'in' && f.side === 'server' && f.frame.t === 'hello').length;
      const sent: string[] = [];
      for (let i = 1; i <= 20; i++) sent.push((await call<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: `US resume ${i}`, precedence: 'ROUTINE', lang: 'en' })).id);
      await waitFor('CN to hold the 20 messages of US', () => sent.every((h) => usLog.some((x) => x.hash === h)), 10_000);
      p.onAccepted = undefined;
      expect(cutAt).toBeGreaterThan(usBase);
      expect(p.frames.filter((f) => f.dir === 'in' && f.side === 'server' && f.frame.t === 'hello').length).toBeGreaterThan(hellos);
      usLog.forEach((h, i) => expect(h.entry.seq).toBe(i + 1));
      step(`US → peer resumed after a cut at its seq ${cutAt}`);
      expect(p.problems).toEqual([]);
    } catch (e) {
      failed(e);
    }
  }, 40_000);

  it('§12 plain pull: the peer\'s stream to US is down while US\'s stream to the peer is up; US fetches the peer\'s entries with GET /fed/v1/channels/:id/entries from the next seq it lacks, its receipts come back on its own stream, and it stops once the peer\'s stream is back', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { id, usCard } = ctx!;
    const p = peer!;
    const ch = p.channel(id);
    try {
      p.disconnect();
      const base = p.log(ch, p.card.party).length;
      const mine = Array.from({ length: 3 }, (_, i) => p.send(id, `fetched ${i + 1}`, 'FLASH', officer));
      const asked = () => p.requests.filter((r) => r.startsWith(`GET /fed/v1/channels/${id}/entries?`));
      // The peer may write entries of its own meanwhile too (receipts, link tests): the three are among them, in order.
      const texts = mine.map((h) => h.text);
      const fetched = async () => (await usHoldsOfPeer(id, base + 1)).filter((t) => texts.includes(t));
      await waitFor('US to hold the three, fetched', async () => (await fetched()).length === 3, 20_000);
      expect(await fetched()).toEqual(texts);
      const q = new URLSearchParams(asked()[0]!.split('?')[1]);
      expect(q.get('author')).toBe(p.card.party);
      expect(Number(q.get('from'))).toBeLessThanOrEqual(base + 1);
      expect(Number(q.get('limit'))).toBeLessThanOrEqual(1024);
      // US's receipt of them comes on its own stream to the peer.
      const usLog = p.log(ch, usCard.party);
      const covers = (h: Held) => h.entry.kind === 'receipt' && (h.entry.body as { holds: Array<{ author: string; seq: number }> }).holds.some((x) => x.author === p.card.party && x.seq >= base + 3);
      await waitFor('the peer to hold US\'s receipt of them', () => usLog.some(covers), 10_000);
      // The peer's stream back: US asks no more (a round is due every 2 s).
      const from = p.frames.length;
      p.connect();
      await waitFor('the peer\'s stream to US to be up again', () => p.frames.slice(from).some((f) => f.dir === 'in' && f.side === 'client' && f.frame.t === 'holds'));
      const n = asked().length;
      await new Promise((r) => setTimeout(r, 4000));
      expect(asked().length).toBeLessThanOrEqual(n + 1); // one round may have been under way
      expect(p.problems).toEqual([]);
    } catch (e) {
      dump();
      p.connect(); // the later tests need the peer's stream
      throw e;
    }
  }, 60_000);

  /** Sends one probe (§12.3) on a stream of its own, signed by `key`: the echo, or undefined if none came within 700 ms. */
  async function probeWith(channel: string, key: Ed25519): Promise<Record<string, unknown> | undefined> {
    const p = peer!;
    const s = await openStream(ctx!.endpoint, p.identity);
    s.send({ t: 'hello', v: 1, channels: [channel] });
    await s.next((f) => f.t === 'holds');
    const n = s.frames.length;
    s.send(p.linkFrame({ t: 'probe', channel, from: p.card.party, to: ctx!.usCard.party, nonce: randomBytes(16).toString('hex'), t1: Date.now() }, key));
    const echo = await s.next((f) => f.t === 'echo', n, 700).catch(() => undefined);
    s.close();
    return echo;
  }

  /** The peer's keys once the key test ran: the original terminal key (revoked in id2 from `revokedFrom`) and the rotated one. */
  let keys: { old: Ed25519; fresh: Ed25519; revokedFrom: number } | undefined;

  it('key entries of the peer (§3.2): a key.rotate certifies a new key for its later entries in that channel only; a key.revoke refuses the old one from its `from`; the transcript verifies', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { dir, id, id2 } = ctx!;
    const p = peer!;
    const t0 = Date.now();
    const step = (s: string) => process.env.HOTLINE_E2E_STEPS && process.stderr.write(`[keys +${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);
    try {
      const old = p.terminal;
      // An entry signed by a key no certificate names: ENTRY_UNKNOWN_KEY.
      const unknown = p.sign(id2, 'message', { text: 'unknown key', lang: 'en', precedence: 'ROUTINE' }, undefined, newEd25519());
      expect((await rawBatch([id2], [unknown.text])).rejected.map((r) => r.code)).toEqual(['ENTRY_UNKNOWN_KEY']);
      // key.rotate in id2 (signed by the old key), then a message signed by the new key: accepted.
      const { key: fresh, entries: [rot] } = p.rotateKey([id2]);
      const m1 = p.send(id2, 'signed by the rotated key', 'ROUTINE', officer);
      await waitFor('US to hold the message signed by the rotated key', async () => (await usHoldsOfPeer(id2, rot!.entry.seq)).length >= 2);
      expect(await usHoldsOfPeer(id2, rot!.entry.seq)).toEqual([rot!.text, m1.text]);
      // The rotation counts in its own channel only: in id the new key is unknown.
      const elsewhere = p.sign(id, 'message', { text: 'new key, other channel', lang: 'en', precedence: 'ROUTINE' }, undefined, fresh);
      expect((await rawBatch([id], [elsewhere.text])).rejected.map((r) => r.code)).toEqual(['ENTRY_UNKNOWN_KEY']);
      step('key.rotate accepted, the new key signs in its channel only');
      // key.revoke of the old key from now (signed by the new one): an entry the old key signs after is ENTRY_KEY_REVOKED.
      const revokedFrom = Date.now();
      const [rev] = p.revokeKey([id2], old.pub, revokedFrom, 'terminal retired');
      await waitFor('US to hold the revocation', async () => (await usHoldsOfPeer(id2, rev!.entry.seq)).length >= 1);
      const stale = p.sign(id2, 'message', { text: 'revoked key', lang: 'en', precedence: 'ROUTINE' }, undefined, old);
      expect((await rawBatch([id2], [stale.text])).rejected.map((r) => r.code)).toEqual(['ENTRY_KEY_REVOKED']);
      const m2 = p.send(id2, 'still signed by the rotated key', 'ROUTINE', officer);
      await waitFor('US to hold the later message', async () => (await usHoldsOfPeer(id2, m2.entry.seq)).length >= 1);
      step('key.revoke accepted; the revoked key refused');
      // The whole transcript, key entries included, verifies.
      const bundle = await ok(['export', id2, '--data', dir], root);
      writeFileSync(join(root, 'bundle-keys.jsonl'), bundle);
      const vr = await run(['verify', join(root, 'bundle-keys.jsonl')], root);
      expect(vr.code, vr.stdout + vr.stderr).toBe(0);
      expect(checkBundle(bundle).kinds).toEqual(expect.arrayContaining(['key.rotate', 'key.revoke']));
      step('transcript with key entries verified');
      // A period bundle written by the peer from §15.2, anchored at US's checkpoint (which CN
      // countersigned), key entries after the anchor: hotline verify judges it valid.
      const usK = p.log(p.channel(id2), ctx!.usCard.party).filter((h) => h.entry.kind === 'checkpoint').at(-1)!;
      const mine = p.periodBundle(id2, usK.hash);
      const full = checkBundle(bundle).entries;
      const periodPath = join(root, 'cn-period.jsonl');
      writeFileSync(periodPath, mine);
      const pr = await run(['verify', periodPath, '--json'], root);
      const report = JSON.parse(pr.stdout) as { valid: boolean; errors: unknown[]; period?: { anchor: string; by: string; before: number; countersigned: Array<{ party: string }> } };
      expect(report.errors).toEqual([]);
      expect(report.period).toMatchObject({ anchor: usK.hash, by: 'US', countersigned: [{ party: 'CN' }] });
      expect(mine.split('\n').length - 4).toBeLessThan(full); // entries before the anchor left out
      step(`period bundle written by CN verified (${report.period!.before} entries before the anchor)`);
      keys = { old, fresh, revokedFrom };
      expect(p.problems).toEqual([]);
    } catch (e) {
      failed(e);
    }
  }, 40_000);

  // The current key on a channel is judged as §3.2 there (the cards and the channel's key entries):
  // the reference judged probe keys by the cards alone until stop 40 (link-prober.ts channelKeys).
  it('§12.3: a probe signed by the key rotated in on the channel is answered; one signed by the key revoked there is not', async () => {
    expect(keys, 'the key test ran').toBeDefined();
    const { id2 } = ctx!;
    const [byFresh, byOld] = [await probeWith(id2, keys!.fresh), await probeWith(id2, keys!.old)];
    expect({ rotatedKeyAnswered: byFresh !== undefined, revokedKeyAnswered: byOld !== undefined }).toEqual({ rotatedKeyAnswered: true, revokedKeyAnswered: false });
  }, 10_000);
  // A forged key.rotate (§3.2): one carrying a certificate of ANOTHER party (US's own terminal
  // certificate, or one CN's root never signed) is refused CERT_INVALID; nothing of it is kept, so
  // the genuine entry CN writes next at the same seq is accepted (no wedge, no equivocation), and
  // US's key and messages stand (no party framed).
  it('§3.2 a forged key.rotate: a certificate of another party, or one signed by a root not the author\'s, is CERT_INVALID; the channel goes on at that seq, nobody is framed', async () => {
    expect(keys, 'the key test ran').toBeDefined();
    const { id2, usCard, call } = ctx!;
    const p = peer!;
    try {
      const seqBefore = p.log(p.channel(id2), p.root.pub).length;
      const usCert = usCard.terminals[0]!;
      const foreign = p.sign(id2, 'key.rotate', { cert: usCert });
      const rogue = newEd25519();
      const now = Date.now();
      const body = { type: 'hotline.terminal-cert' as const, v: 1 as const, party: p.root.pub, key: newEd25519().pub, tls: p.tlsPin, notBefore: now - 1_000, notAfter: now + 86_400_000 };
      const wrongRoot = p.sign(id2, 'key.rotate', { cert: { ...body, sig: signWith(rogue, PREFIX.cert, Buffer.from(canonical(body), 'utf8')) } });
      const rogueBody = { ...body, party: rogue.pub };
      const otherParty = p.sign(id2, 'key.rotate', { cert: { ...rogueBody, sig: signWith(rogue, PREFIX.cert, Buffer.from(canonical(rogueBody), 'utf8')) } });
      for (const forged of [foreign, wrongRoot, otherParty]) {
        expect(forged.entry.seq).toBe(seqBefore + 1);
        expect((await rawBatch([id2], [forged.text])).rejected.map((r) => r.code)).toEqual(['CERT_INVALID']);
      }
      // The genuine entry at that seq: accepted, no evidence against CN.
      const genuine = p.send(id2, 'after the forged rotations', 'ROUTINE', officer);
      expect(genuine.entry.seq).toBe(seqBefore + 1);
      await waitFor('US to hold the genuine entry', async () => (await usHoldsOfPeer(id2, genuine.entry.seq)).length >= 1);
      expect(await usHoldsOfPeer(id2, genuine.entry.seq)).toEqual([genuine.text]);
      // US signs on with its own key and the transcript verifies without evidence against anyone.
      await call('POST', `/api/v1/channels/${id2}/messages`, { text: 'US after the forged rotations', precedence: 'ROUTINE', lang: 'en' });
      const bundle = await ok(['export', id2, '--data', ctx!.dir], root);
      writeFileSync(join(root, 'bundle-forged-rotate.jsonl'), bundle);
      const vr = await run(['verify', join(root, 'bundle-forged-rotate.jsonl')], root);
      expect(vr.code, vr.stdout + vr.stderr).toBe(0);
      expect(vr.stdout).not.toMatch(/equivocat/i);
      expect(bundle).not.toContain(foreign.hash);
      expect(p.problems).toEqual([]);
    } catch (e) {
      failed(e);
    }
  }, 40_000);
  // ---- §5 after opening, §6 acks, §6.1 dialogue, §13 agreed formats, text edge cases: one channel, closed at the end ----
  it('a charter lives on (§5): amendments both ways, formats agreed and sent (§13), acks (§6), the dialogue (§6.1), text edge cases, suspension by both, closure; the transcript verifies', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { call, usCard } = ctx!;
    const p = peer!;
    const US = usCard.party;
    const CN = p.card.party;
    const t0 = Date.now();
    const step = (s: string) => process.env.HOTLINE_E2E_STEPS && process.stderr.write(`[charter +${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);
    try {
      // ---- §13.1: the peer holds three shipped definitions (data files, §13.6) and computes their hashes ----
      const defs = new Map<string, FormatDef>();
      for (const f of ['launch-notification', 'standard-phrase', 'exercise-notice', 'sar-request']) {
        const def = JSON.parse(readFileSync(join(REPO, `src/protocol/formats/library/definitions/${f}@1.json`), 'utf8')) as FormatDef;
        defs.set(f, def);
        if (f !== 'sar-request') p.formats.set(formatHash(def), def);
      }
      const ref = (f: string) => ({ id: f, version: 1, hash: formatHash(defs.get(f)!) });
      const vectors = JSON.parse(readFileSync(join(REPO, 'test/vectors/formats.json'), 'utf8')) as { definitions: Array<{ id: string; hash: string }> };
      expect(vectors.definitions.find((d) => d.id === 'launch-notification')?.hash).toBe(ref('launch-notification').hash);
      expect((await call<{ hash: string }>('GET', '/api/v1/formats/standard-phrase')).hash).toBe(ref('standard-phrase').hash);

      // ---- US proposes: two languages, its own deadlines, one format, an added issue category ----
      const { id: id3 } = await call<{ id: string }>('POST', '/api/v1/channels', {
        title: { en: 'Spec peer line v3', zh: '规范对端热线' }, tier: 'military', parties: ['CN'], languages: ['en', 'zh'],
        ackDeadlineSec: { FLASH: 120, IMMEDIATE: 1800, PRIORITY: 3600, ROUTINE: 86400 }, formats: ['launch-notification'], dialogue: { categories: ['fisheries'] },
      });
      await waitFor('CN to hold the v3 proposal', () => p.channels.has(id3));
      const ch = p.channel(id3);
      const C0 = ch.proposal.entry.body.charter as Charter;
      expect(C0.formats).toEqual([ref('launch-notification')]);
      p.accept(id3);
      await waitFor('US to see v3 active', async () => (await call<{ state: string }>('GET', `/api/v1/channels/${id3}`)).state === 'active');
      const own = () => p.log(ch, CN);
      const usLog = () => p.log(ch, US);
      /** US holds every entry of CN's log (so the next one signed is at the place US expects). */
      const synced = () => waitFor('US to hold all of CN', async () => (await usHoldsOfPeer(id3, own().length))[0] === own().at(-1)!.text, 5_000);
      const by = (role = 'plenipotentiary') => ({ name: 'Wang Lei 王磊', title: '首席代表', role });
      /** Entries signed at CN's next place, sent in one batch: the codes US gives, and (where asked) the peer's own judgement from the spec. */
      const refuse = async (cases: Array<[string, string, Record<string, unknown>, string, boolean?]>) => {
        p.quiet = true;
        await synced();
        const signed = cases.map(([, kind, body]) => p.sign(id3, kind, body));
        const r = await rawBatch([id3], signed.map((h) => h.text)).finally(() => (p.quiet = false));
        expect(r.rejected.map((x, i) => `${cases[i]![0]}: ${x.code}`)).toEqual(cases.map(([why, , , code]) => `${why}: ${code}`));
        const local = cases.map(([why, , , code, judged = true], i) => `${why}: ${judged ? judgeInContext(ch.proposal, p.causalPast(ch, signed[i]!.entry), signed[i]!.entry, p.formats) : code}`);
        expect(local).toEqual(cases.map(([why, , , code]) => `${why}: ${code}`));
        return r.rejected;
      };
      step('v3 active');

      // ---- §5.3: CN amends (adds standard-phrase); broken amendments refused; US countersigns ----
      const withFormats = (c: Charter, more: string[]) => ({ ...c, formats: [...(c.formats ?? []), ...more.map(ref)] });
      const a1 = withFormats(C0, ['standard-phrase']);
      await refuse([
        ['deadlines out of order', 'charter.amend', { charter: { ...a1, ackDeadlineSec: { ...C0.ackDeadlineSec, FLASH: 7200 } }, reason: 'r' }, 'CHARTER_INVALID'],
        ['the author not listed', 'charter.amend', { charter: { ...a1, parties: C0.parties.map((x) => (x.party === CN ? { ...x, party: newEd25519().pub } : x)) }, reason: 'r' }, 'CHARTER_INVALID'],
        ['a language without a title', 'charter.amend', { charter: { ...a1, languages: ['en', 'zh', 'ru'] }, reason: 'r' }, 'CHARTER_INVALID'],
        ['a format listed twice', 'charter.amend', { charter: withFormats(C0, ['launch-notification']), reason: 'r' }, 'CHARTER_INVALID'],
        ['accepting a hash that is nothing', 'charter.accept', { charter: 'ab'.repeat(32) }, 'ENTRY_BAD_REFERENCE'],
        ['answering the proposal again', 'charter.accept', { charter: charterHash(C0) }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['withdrawing the proposal of another party', 'charter.withdraw', { charter: charterHash(C0), reason: 'r' }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['resuming without a suspension', 'channel.resume', {}, 'ENTRY_KIND_NOT_ALLOWED'],
      ]);
      const am1 = p.write(id3, 'charter.amend', { charter: a1, reason: 'Agreed at the spring talks' });
      const h1 = charterHash(a1);
      await refuse([
        ['a second amendment while one is pending', 'charter.amend', { charter: withFormats(C0, ['exercise-notice']), reason: 'r' }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['accepting its own amendment', 'charter.accept', { charter: h1 }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['a message in a format not yet adopted', 'message', { text: 'Understood.', lang: 'en', precedence: 'IMMEDIATE', format: ref('standard-phrase'), fields: { phrase: 'understood' } }, 'FORMAT_NOT_AGREED'],
      ]);
      const usAccept = await call<{ entry: string }>('POST', `/api/v1/channels/${id3}/accept`, {});
      await waitFor('CN to hold US accepting its amendment', () => usLog().some((h) => h.hash === usAccept.entry));
      expect(usLog().find((h) => h.hash === usAccept.entry)?.entry.body).toEqual({ charter: h1 });
      expect(p.view(id3).amendments.map((a) => [a.hash, a.status])).toEqual([[h1, 'adopted']]);
      expect(am1.entry.kind).toBe('charter.amend');
      step('CN amendment adopted by US');

      // ---- US amends (adds exercise-notice); CN answers on the wire ----
      const usAmend = await call<{ entry: string }>('POST', `/api/v1/channels/${id3}/amend`, { addFormats: ['exercise-notice'], reason: 'Exercises too' });
      const am2 = await waitFor('CN to hold the amendment of US', () => usLog().find((h) => h.hash === usAmend.entry));
      const h2 = charterHash(am2.entry.body.charter);
      expect((am2.entry.body.charter as Charter).formats).toEqual([ref('launch-notification'), ref('standard-phrase'), ref('exercise-notice')]);
      await refuse([
        ['withdrawing the amendment of another party', 'charter.withdraw', { charter: h2, reason: 'r' }, 'ENTRY_BAD_REFERENCE'],
        ['withdrawing its own adopted amendment', 'charter.withdraw', { charter: h1, reason: 'r' }, 'ENTRY_BAD_REFERENCE'],
        ['accepting its adopted amendment again', 'charter.accept', { charter: h1 }, 'ENTRY_KIND_NOT_ALLOWED'],
      ]);
      p.write(id3, 'charter.accept', { charter: h2 });
      await refuse([['accepting the same amendment twice', 'charter.accept', { charter: h2 }, 'ENTRY_KIND_NOT_ALLOWED']]);
      expect(p.view(id3).charter.formats?.length).toBe(3);
      await waitFor('US to agree three formats', async () => (await call<unknown[]>('GET', `/api/v1/channels/${id3}/formats`)).length === 3);
      step('US amendment adopted by CN');

      // ---- §13.3: formatted messages of the peer; numbers and text as RFC 8785 writes them ----
      const from = { name: 'Wang Lei 王磊', title: '值班军官', role: 'duty-officer' };
      const phrase = p.write(id3, 'message', {
        text: 'I intend to pass astern of you.', lang: 'en', precedence: 'IMMEDIATE', from, format: ref('standard-phrase'),
        fields: { phrase: 'pass-astern', addressee: { kind: 'vessel', name: '远洋 7 号 🚢', id: 'IMO 9321483' }, position: { lat: 5e-7, lon: -77.0088 } },
      });
      expect(phrase.text).toContain('"position":{"lat":5e-7,"lon":-77.0088}');
      const launch = p.write(id3, 'message', {
        text: 'Launch notification', lang: 'en', precedence: 'IMMEDIATE', from, format: ref('launch-notification'),
        fields: {
          launch_type: 'space-launch', window_start: '2026-12-03T12:00:00Z', window_end: '2026-12-03T14:00:00.5Z',
          launch_area: { circle: { centre: { lat: 40.1, lon: 124.5 }, radius: 2.5, unit: 'km' } },
          impact_area: [{ polygon: [{ lat: -30.25, lon: 130 }, { lat: -30.25, lon: 131 }, { lat: -29, lon: 131 }, { lat: -30.25, lon: 130 }] }],
          remarks: { lang: 'zh', text: '试验飞行' },
        },
      });
      const weird = 'Ünïcödé — 海上 🚢 e\u0301 \u0007 \u2028 "q" \\ \u007f \u{1F1E8}\u{1F1F3}';
      const edge = p.write(id3, 'message', { text: weird, lang: 'zh-Hans', precedence: 'IMMEDIATE', from, subject: '测试 🚢' });
      expect(edge.text).toContain('\\u0007 \u2028 \\"q\\" \\\\ \u007f');
      const long = p.write(id3, 'message', { text: `${'🚢'.repeat(4000)}${'a'.repeat(12_000)}`, lang: 'en', precedence: 'ROUTINE' }); // 16 000 code points, 20 000 UTF-16 units
      const badPhrase = (fields: Record<string, unknown>) => ({ text: 'x', lang: 'en', precedence: 'IMMEDIATE', format: ref('standard-phrase'), fields });
      const refused = await refuse([
        ['16 001 code points', 'message', { text: `${'🚢'.repeat(4000)}${'a'.repeat(12_001)}`, lang: 'en', precedence: 'ROUTINE' }, 'ENTRY_MALFORMED', false],
        ['a format the charter does not list', 'message', { text: 'x', lang: 'en', precedence: 'FLASH', format: ref('sar-request'), fields: {} }, 'FORMAT_NOT_AGREED'],
        ['an agreed id and version with another hash', 'message', { ...badPhrase({ phrase: 'understood' }), format: { ...ref('standard-phrase'), hash: 'cd'.repeat(32) } }, 'FORMAT_NOT_AGREED'],
        ['a latitude beyond 90', 'message', badPhrase({ phrase: 'understood', position: { lat: 90.5, lon: 0 } }), 'FORMAT_FIELDS_INVALID', false],
        ['a field that is not in the format', 'message', badPhrase({ phrase: 'understood', speed: 12 }), 'FORMAT_FIELDS_INVALID'],
        ['a required field missing', 'message', badPhrase({ position: { lat: 1, lon: 1 } }), 'FORMAT_FIELDS_INVALID'],
        ['a code not in the enumeration', 'message', badPhrase({ phrase: 'go-away' }), 'FORMAT_FIELDS_INVALID', false],
        ['fields without format', 'message', { text: 'x', lang: 'en', precedence: 'ROUTINE', fields: { phrase: 'understood' } }, 'ENTRY_MALFORMED', false],
      ]);
      expect(refused.slice(3, 7).map((r) => r.message)).toEqual([
        expect.stringMatching(/position\.lat.*latitude|latitude.*position\.lat/),
        expect.stringMatching(/speed.*unknown-field|unknown-field.*speed/),
        expect.stringMatching(/phrase.*required|required.*phrase/),
        expect.stringMatching(/phrase.*enum|enum.*phrase/),
      ]);
      // §2.1: the same entry value in another spelling (the hash and signature unchanged) is ENTRY_NON_CANONICAL.
      p.quiet = true;
      await synced();
      const plain = p.sign(id3, 'message', { text: 'é 海 🚢 a/b <&>', lang: 'en', precedence: 'ROUTINE', format: ref('standard-phrase'), fields: { phrase: 'understood', position: { lat: 5e-7, lon: 130 } } });
      const spellings: Array<[string, string]> = [
        ['é escaped', plain.text.replace('é', '\\u00e9')],
        ['海 escaped', plain.text.replace('海', '\\u6d77')],
        ['🚢 as a surrogate pair', plain.text.replace('🚢', '\\ud83d\\udea2')],
        ['/ escaped', plain.text.replace('a/b', 'a\\/b')],
        ['< escaped as Go does', plain.text.replace('<', '\\u003c')],
        ['5e-07', plain.text.replace('5e-7', '5e-07')],
        ['130.0', plain.text.replace('"lon":130', '"lon":130.0')],
        ['members out of order', plain.text.replace('{"lat":5e-7,"lon":130}', '{"lon":130,"lat":5e-7}')],
      ];
      expect(spellings.every(([, t]) => t !== plain.text && canonical(JSON.parse(t)) === plain.text)).toBe(true);
      const spelt = await rawBatch([id3], spellings.map(([, t]) => t)).finally(() => (p.quiet = false));
      expect(spelt.rejected.map((r, i) => `${spellings[i]![0]}: ${r.code}`)).toEqual(spellings.map(([why]) => `${why}: ENTRY_NON_CANONICAL`));
      // §13.3: which rule each broken value names, and where (the path of the value).
      const lf = launch.entry.body.fields as Record<string, unknown>;
      const badLaunch = (x: Record<string, unknown>) => ({ text: 'x', lang: 'en', precedence: 'IMMEDIATE', format: ref('launch-notification'), fields: { ...lf, ...x } });
      const square = (close: boolean) => [{ lat: 1, lon: 1 }, { lat: 1, lon: 2 }, { lat: 2, lon: 2 }, { lat: 2, lon: 1 }, ...(close ? [{ lat: 1, lon: 1 }] : [])];
      const rules: Array<[string, Record<string, unknown>, string, string]> = [
        ['no 29 February 2026', { window_start: '2026-02-29T12:00Z' }, 'window_start', 'datetime'],
        ['four fraction digits', { window_end: '2026-12-03T14:00:00.1234Z' }, 'window_end', 'datetime'],
        ['an offset', { window_end: '2026-12-03T14:00:00+00:00' }, 'window_end', 'datetime'],
        ['a radius in miles', { launch_area: { circle: { centre: { lat: 1, lon: 1 }, radius: 3, unit: 'mi' } } }, 'launch_area.circle.unit', 'radius'],
        ['a radius of 0', { launch_area: { circle: { centre: { lat: 1, lon: 1 }, radius: 0, unit: 'km' } } }, 'launch_area.circle.radius', 'radius'],
        ['a ring not closed', { impact_area: [{ polygon: square(true) }, { polygon: square(false) }] }, 'impact_area[1].polygon', 'polygon-closed'],
        ['a ring that crosses itself', { impact_area: [{ polygon: [{ lat: 1, lon: 1 }, { lat: 2, lon: 2 }, { lat: 1, lon: 2 }, { lat: 2, lon: 1 }, { lat: 1, lon: 1 }] }] }, 'impact_area[0].polygon', 'polygon-self-intersecting'],
        ['eleven impact areas', { impact_area: Array.from({ length: 11 }, () => ({ polygon: square(true) })) }, 'impact_area', 'many'],
        ['a longitude beyond 180 in a corner', { impact_area: [{ polygon: [{ lat: 1, lon: 181 }, ...square(true).slice(1)] }] }, 'impact_area[0].polygon[0].lon', 'longitude'],
        ['a text without its language', { remarks: { text: 'x' } }, 'remarks', 'type'],
        ['a vehicle of 201 code points', { vehicle: '🚀'.repeat(201) }, 'vehicle', 'max-length'],
      ];
      const byRule = await refuse(rules.map(([why, x]) => [why, 'message', badLaunch(x), 'FORMAT_FIELDS_INVALID', false]));
      expect(byRule.map((r, i) => `${rules[i]![0]}: ${/field "([^"]+)"/.exec(r.message)?.[1]} ${/rule "([^"]+)"/.exec(r.message)?.[1]}`)).toEqual(rules.map(([why, , at, rule]) => `${why}: ${at} ${rule}`));
      // US shows them: the fields, the rendering in Chinese (§13.4), the text byte for byte; the deadline
      // of the formatted IMMEDIATE is the format's 900 s (shorter than the charter's 1800 s), the plain one's the charter's.
      interface Msg { id: string; text: string; time: number; deadlineAt: number | null; fields?: Record<string, unknown>; format?: unknown; rendered?: { text?: string } & Record<string, unknown> }
      const list = await waitFor('US to show the messages of CN', async () => {
        const l = await call<Msg[]>('GET', `/api/v1/channels/${id3}/messages?lang=zh`);
        return [phrase, launch, edge, long].every((h) => l.some((m) => m.id === h.hash)) ? l : undefined;
      });
      const shown = (h: Held) => list.find((m) => m.id === h.hash)!;
      expect(shown(phrase).fields).toEqual(phrase.entry.body.fields);
      expect(shown(phrase).format).toEqual(ref('standard-phrase'));
      expect(JSON.stringify(shown(phrase).rendered)).toContain(defs.get('standard-phrase')!.languages.zh!.values.phrase!['pass-astern']);
      expect(JSON.stringify(shown(launch).rendered)).toContain('试验飞行');
      expect(shown(edge).text).toBe(weird);
      expect(shown(long).text).toBe(long.entry.body.text);
      const arrivedBy = Date.now();
      expect(shown(phrase).deadlineAt! - phrase.entry.time).toBeGreaterThanOrEqual(900_000);
      expect(shown(phrase).deadlineAt!).toBeLessThanOrEqual(arrivedBy + 900_000);
      expect(shown(edge).deadlineAt! - edge.entry.time).toBeGreaterThanOrEqual(1_800_000);
      expect(shown(edge).deadlineAt!).toBeLessThanOrEqual(arrivedBy + 1_800_000);
      expect(await usHoldsOfPeer(id3, phrase.entry.seq)).toEqual(expect.arrayContaining([phrase.text, launch.text, edge.text, long.text])); // byte for byte
      // US's own formatted message, in Chinese: the peer judges it (§13.3) and reads its fields.
      const usPhrase = await call<{ id: string }>('POST', `/api/v1/channels/${id3}/messages`, { format: { id: 'standard-phrase' }, fields: { phrase: 'understood' }, lang: 'zh' });
      const usP = await waitFor('CN to hold the formatted message of US', () => usLog().find((h) => h.hash === usPhrase.id));
      expect(usP.entry.body).toMatchObject({ format: ref('standard-phrase'), fields: { phrase: 'understood' }, lang: 'zh', precedence: 'IMMEDIATE' });
      expect(usP.entry.body.text).toContain(defs.get('standard-phrase')!.languages.zh!.values.phrase!.understood);
      step('formatted and edge-case messages accepted, refused and rendered');

      // ---- §6: acknowledgements both ways; US's judged by the peer, the peer's refused where the spec says ----
      await call('POST', `/api/v1/messages/${phrase.hash}/ack`, { note: '收到 ✓' });
      const usAck = await waitFor('CN to hold the ack of US', () => usLog().find((h) => h.entry.kind === 'ack' && h.entry.body.message === phrase.hash));
      expect(usAck.entry.body.note).toBe('收到 ✓');
      expect(C0.parties.find((x) => x.party === US)!.roles).toContain((usAck.entry.body.officer as { role: string }).role);
      p.ack(id3, usP.hash, { name: 'Wang Lei 王磊', title: '值班军官' }, '明白 👍');
      await refuse([
        ['acknowledging its own message', 'ack', { message: phrase.hash, officer: from }, 'ENTRY_BAD_REFERENCE'],
        ['acknowledging a receipt', 'ack', { message: usLog().find((h) => h.entry.kind === 'receipt')!.hash, officer: from }, 'ENTRY_BAD_REFERENCE'],
        ['a role the charter does not give', 'ack', { message: usP.hash, officer: { ...from, role: 'admin' } }, 'ENTRY_ROLE_NOT_ALLOWED'],
      ]);
      await waitFor('US to show its message acknowledged by CN', async () => (await call<Array<{ id: string; ackedBy: { officer: { name: string } } | null }>>('GET', `/api/v1/channels/${id3}/messages`)).find((m) => m.id === usP.hash)?.ackedBy?.officer.name === 'Wang Lei 王磊');
      step('acks both ways');

      // ---- §6.1: the dialogue ----
      const issue = p.write(id3, 'issue.open', { title: { en: 'Fishing grounds', zh: '渔场' }, category: 'fisheries', summary: 'Overlapping claims', by: by() });
      const position = p.write(id3, 'issue.position', { issue: issue.hash, party: CN, text: '我方立场：共同管理。', lang: 'zh', by: by('principal') });
      const start = Date.now() - 60_000;
      const meeting = p.write(id3, 'meeting.propose', {
        title: { en: 'Working call', zh: '工作通话' }, kind: 'call', level: 'working', start, end: start + 3_600_000, place: 'Secure line',
        zones: { [CN]: 'Asia/Shanghai', [US]: 'America/New_York' }, participants: [{ party: CN, name: 'Wang Lei 王磊', title: '首席代表' }], agenda: [issue.hash], by: by(),
      });
      const draft = p.write(id3, 'text.draft', { title: { en: 'Joint statement', zh: '联合声明' }, type: 'joint-statement', content: { en: 'Both sides agree to talk.', zh: '双方同意对话。' }, source: issue.hash, by: by() });
      const commitment = p.write(id3, 'commitment.add', { owner: US, what: 'Name a point of contact.', lang: 'en', due: Date.now() + 7 * 86_400_000, source: meeting.hash, by: by() });
      await refuse([
        ['a category neither standard nor added', 'issue.open', { title: { en: 'Weather' }, category: 'weather', by: by() }, 'DIALOGUE_INVALID'],
        ["stating the other party's position", 'issue.position', { issue: issue.hash, party: US, text: 'x', lang: 'en', by: by() }, 'DIALOGUE_WRONG_PARTY'],
        ['a position on a message', 'issue.position', { issue: phrase.hash, party: CN, text: 'x', lang: 'en', by: by() }, 'ENTRY_BAD_REFERENCE'],
        ['a position by a duty officer', 'issue.position', { issue: issue.hash, party: CN, text: 'x', lang: 'en', by: by('duty-officer') }, 'ENTRY_ROLE_NOT_ALLOWED'],
        ['a meeting ending as it starts', 'meeting.propose', { title: { en: 'x' }, kind: 'call', level: 'working', start, end: start, place: 'x', participants: [], agenda: [], by: by() }, 'DIALOGUE_INVALID'],
        ['accepting its own schedule', 'meeting.accept', { meeting: meeting.hash, schedule: meeting.hash, by: by() }, 'DIALOGUE_INVALID'],
        ['a readout before the other party accepted', 'readout.file', { meeting: meeting.hash, text: 'x', lang: 'en', release: false, by: by() }, 'DIALOGUE_MEETING_NOT_HELD'],
        ['endorsing a version that is not one', 'text.endorse', { draft: draft.hash, version: issue.hash, by: by() }, 'DIALOGUE_UNKNOWN_VERSION'],
        ['endorsing as a principal', 'text.endorse', { draft: draft.hash, version: draft.hash, by: by('principal') }, 'ENTRY_ROLE_NOT_ALLOWED'],
        ['a commitment owed by no party', 'commitment.add', { owner: newEd25519().pub, what: 'x', lang: 'en', due: Date.now(), by: by() }, 'DIALOGUE_INVALID'],
        ['updating what the other party owes', 'commitment.update', { commitment: commitment.hash, status: 'in-progress', by: by() }, 'DIALOGUE_WRONG_PARTY'],
        ['confirming before it is done', 'commitment.confirm', { commitment: commitment.hash, update: commitment.hash, by: by() }, 'DIALOGUE_NOT_DONE'],
      ]);
      // US answers through its officer API; the peer judges each entry (§6.1) as it arrives.
      const ref8 = (h: Held) => h.hash.slice(0, 16);
      await call('POST', `/api/v1/channels/${id3}/issues/${ref8(issue)}/positions`, { text: 'Our position: bilateral quotas.', lang: 'en' });
      await call('POST', `/api/v1/channels/${id3}/meetings/${ref8(meeting)}/accept`, {});
      await call('POST', `/api/v1/channels/${id3}/texts/${ref8(draft)}/endorse`, {});
      await call('POST', `/api/v1/channels/${id3}/commitments/${ref8(commitment)}/update`, { status: 'done', note: 'Director Smith.' });
      const done = await waitFor('CN to hold the four answers of US', () => {
        const k = usLog().map((h) => h.entry.kind);
        return ['issue.position', 'meeting.accept', 'text.endorse', 'commitment.update'].every((x) => k.includes(x)) ? usLog().find((h) => h.entry.kind === 'commitment.update') : undefined;
      });
      const readout = p.write(id3, 'readout.file', { meeting: meeting.hash, text: '通话富有成效。', lang: 'zh', release: true, by: by() });
      const endorsed = p.write(id3, 'text.endorse', { draft: draft.hash, version: draft.hash, by: by() });
      const confirmed = p.write(id3, 'commitment.confirm', { commitment: commitment.hash, update: done.hash, by: by() });
      await refuse([
        ['endorsing the same version twice', 'text.endorse', { draft: draft.hash, version: draft.hash, by: by() }, 'DIALOGUE_INVALID'],
        ['disputing an update it confirmed', 'commitment.dispute', { commitment: commitment.hash, update: done.hash, reason: 'x', by: by() }, 'DIALOGUE_INVALID'],
      ]);
      interface DialogueView { issues: Array<{ hash: string; current: Array<{ party: string }> }>; meetings: Array<{ hash: string; status: string; readouts: Array<{ hash: string }> }>; texts: Array<{ hash: string; adopted: unknown }>; commitments: Array<{ hash: string; status: string; verdict: string | null }> }
      const dlg = await call<DialogueView>('GET', `/api/v1/channels/${id3}/dialogue`);
      expect(dlg.issues.find((x) => x.hash === issue.hash)?.current.length).toBe(2);
      expect(dlg.issues.find((x) => x.hash === issue.hash)?.current.map((x) => x.party).sort()).toEqual([CN, US].sort());
      expect(dlg.meetings.find((x) => x.hash === meeting.hash)).toMatchObject({ status: 'accepted', readouts: [expect.objectContaining({ hash: readout.hash })] });
      expect(dlg.texts.find((x) => x.hash === draft.hash)?.adopted).toBeTruthy();
      expect(dlg.commitments.find((x) => x.hash === commitment.hash)).toMatchObject({ status: 'done', verdict: 'confirmed' });
      expect([position, endorsed, confirmed].every((h) => h.entry.kind.includes('.'))).toBe(true);
      step('dialogue written both ways and shown');

      // ---- §14.1: CN amends the channel to version 2; each entry speaks the version of the charter in force in its causal past ----
      const v2 = { ...p.view(id3).charter, protocol: 2 as const };
      const am3 = p.write(id3, 'charter.amend', { charter: v2, reason: 'Proofs of single messages' });
      p.quiet = true;
      await synced();
      const early = await rawBatch([id3], [p.sign(id3, 'message', { text: 'v2 too early', lang: 'en', precedence: 'ROUTINE' }, undefined, undefined, 2).text]).finally(() => (p.quiet = false));
      expect(early.rejected.map((r) => r.code)).toEqual(['ENTRY_WRONG_VERSION']);
      const usAccept3 = await call<{ entry: string }>('POST', `/api/v1/channels/${id3}/accept`, {});
      const acc3 = await waitFor('CN to hold US accepting the move to version 2', () => usLog().find((h) => h.hash === usAccept3.entry));
      expect([acc3.entry.v, acc3.entry.body.charter]).toEqual([1, charterHash(v2)]); // its causal past: the amendment still pending
      expect(p.view(id3).charter.protocol).toBe(2);
      p.quiet = true;
      await synced();
      const late = await rawBatch([id3], [
        p.sign(id3, 'message', { text: 'v1 too late', lang: 'en', precedence: 'ROUTINE' }, undefined, undefined, 1).text,
        p.sign(id3, 'charter.amend', { charter: { ...v2, protocol: 1 }, reason: 'back' }).text,
      ]).finally(() => (p.quiet = false));
      expect(late.rejected.map((r) => r.code)).toEqual(['ENTRY_WRONG_VERSION', 'CHARTER_INVALID']);
      const onV2 = p.send(id3, 'Now on version 2.', 'ROUTINE', { name: 'Wang Lei 王磊', title: '值班军官' });
      expect([am3.entry.v, onV2.entry.v]).toEqual([1, 2]);
      const usOnV2 = await call<{ id: string }>('POST', `/api/v1/channels/${id3}/messages`, { text: 'Version 2 here too.', precedence: 'ROUTINE', lang: 'en' });
      expect((await waitFor('CN to hold the v2 message of US', () => usLog().find((h) => h.hash === usOnV2.id))).entry.v).toBe(2);
      step('moved to version 2 by amendment');

      // ---- §5.4: suspension by each party for itself; §5.5 what each state allows; closure ----
      const stateOnUs = async () => (await call<{ state: string }>('GET', `/api/v1/channels/${id3}`)).state;
      const lastUsMessage = usP.hash;
      p.write(id3, 'channel.suspend', { reason: 'Consultations at home' });
      await waitFor('US to see v3 suspended', async () => (await stateOnUs()) === 'suspended');
      const usWhileSuspended = await fetch(`${ctx!.api}/api/v1/channels/${id3}/messages`, { method: 'POST', headers: { authorization: `Bearer ${ctx!.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x', precedence: 'ROUTINE', lang: 'en' }) });
      const usWhileSuspendedBody = (await usWhileSuspended.json()) as { code?: string };
      expect([usWhileSuspended.status, usWhileSuspendedBody.code]).toEqual([409, 'CHANNEL_NOT_ACTIVE']) // the officer API's own code (docs/errors.md), before anything is signed;
      await refuse([
        ['suspending while holding a suspension', 'channel.suspend', { reason: 'again' }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['a message while suspended', 'message', { text: 'x', lang: 'en', precedence: 'FLASH' }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['a dialogue entry while suspended', 'issue.open', { title: { en: 'x' }, category: 'trade', by: by() }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['an amendment while suspended', 'charter.amend', { charter: withFormats(p.view(id3).charter, ['sar-request']), reason: 'r' }, 'ENTRY_KIND_NOT_ALLOWED'],
      ]);
      // Both hold a suspension; the peer resumes and the channel stays suspended until US resumes too.
      await call('POST', `/api/v1/channels/${id3}/suspend`, { reason: 'Ours too' });
      await waitFor('CN to hold the suspension of US', () => p.view(id3).suspendedBy.has(US));
      // §15.1 / §5.5: checkpoints are allowed while suspended, both ways (each checked by the other before it is accepted).
      const checkpoints = async (what: string) => {
        const mine = p.checkpoint(id3);
        await synced();
        const theirs = await call<{ entry: string; count: number; lasting: string }>('POST', `/api/v1/channels/${id3}/checkpoint`);
        const held = await waitFor(`CN to take in US's checkpoint ${what}`, () => usLog().find((h) => h.hash === theirs.entry));
        expect([held.entry.kind, held.entry.v, held.entry.body]).toEqual(['checkpoint', 2, { count: theirs.count, lasting: theirs.lasting }]);
        return mine;
      };
      const kSuspended = await checkpoints('while suspended');
      expect(p.view(id3).state).toBe('suspended');
      expect(lastingCommitment(p.causalPast(ch, kSuspended.entry)).count).toBe(kSuspended.entry.body.count);
      p.write(id3, 'channel.resume', { reason: 'Back' });
      const ackWhileSuspended = p.write(id3, 'ack', { message: lastUsMessage, officer: from, note: 'acks continue while suspended' });
      await synced();
      expect(await stateOnUs()).toBe('suspended');
      await refuse([['resuming a suspension it no longer holds', 'channel.resume', {}, 'ENTRY_KIND_NOT_ALLOWED']]);
      await call('POST', `/api/v1/channels/${id3}/resume`, { reason: 'Agreed' });
      await waitFor('US to see v3 active again', async () => (await stateOnUs()) === 'active');
      expect(ackWhileSuspended.entry.kind).toBe('ack');
      p.send(id3, 'Line restored.', 'ROUTINE', { name: 'Wang Lei 王磊', title: '值班军官' });
      // Closure by the peer: final. Receipts still flow; messages, resumption, amendments do not.
      p.write(id3, 'channel.close', { reason: 'Talks concluded' });
      await waitFor('US to see v3 closed', async () => (await stateOnUs()) === 'closed');
      const lastUs = usLog().at(-1)!;
      await refuse([
        ['a message when closed', 'message', { text: 'x', lang: 'en', precedence: 'FLASH' }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['suspending when closed', 'channel.suspend', { reason: 'x' }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['closing again', 'channel.close', { reason: 'x' }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['an ack when closed', 'ack', { message: lastUsMessage, officer: from }, 'ENTRY_KIND_NOT_ALLOWED'],
      ]);
      const finalReceipt = p.write(id3, 'receipt', { holds: [{ author: US, seq: lastUs.entry.seq, hash: lastUs.hash }] });
      await synced();
      expect(finalReceipt.entry.kind).toBe('receipt');
      // Checkpoints too once closed, both ways (§5.4, §5.5); the closure is among their lasting entries.
      const kClosed = await checkpoints('once closed');
      expect(p.causalPast(ch, kClosed.entry).some((h) => h.entry.kind === 'channel.close')).toBe(true);
      expect(kClosed.entry.body.count).toBeGreaterThan(kSuspended.entry.body.count as number);
      const usAfterClose = await fetch(`${ctx!.api}/api/v1/channels/${id3}/suspend`, { method: 'POST', headers: { authorization: `Bearer ${ctx!.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'x' }) });
      expect([usAfterClose.status, ((await usAfterClose.json()) as { code?: string }).code]).toEqual([409, 'ENTRY_KIND_NOT_ALLOWED']) // once closed, the officer API answers with the protocol's code;
      const history = await call<Array<{ kind: string }>>('GET', `/api/v1/channels/${id3}/history`);
      expect(history.map((x) => x.kind)).toEqual(expect.arrayContaining(['charter.amend', 'channel.suspend', 'channel.resume', 'channel.close']));
      step('suspension, resumption and closure');

      // ---- the transcript: hotline verify, and the peer's own reading of the state ----
      const { bundle, report } = await exportVerified<{ valid: boolean; errors: unknown[]; state: string; charterHash?: string; dialogue?: { commitments: Array<{ verdict: string | null }> } }>(id3, 'bundle3.jsonl');
      expect(report.errors).toEqual([]);
      expect(report.valid).toBe(true);
      expect(report.state).toBe('closed');
      expect(report.dialogue?.commitments).toEqual([expect.objectContaining({ verdict: 'confirmed' })]);
      checkBundle(bundle);
      expect(p.view(id3)).toMatchObject({ state: 'closed' });
      expect(p.view(id3).amendments.map((a) => a.status)).toEqual(['adopted', 'adopted', 'adopted']);
      step('v3 transcript verified');
      expect(p.problems).toEqual([]);
    } catch (e) {
      failed(e);
    }
  }, 40_000);
  // ---- §5.2: the ends of a proposal, proposed by each side ----
  it('proposals (§5.2): the peer proposes and US accepts; the peer withdraws one; US declines one; an acceptance after `expires` is CHANNEL_EXPIRED; an acknowledgement after its deadline is accepted (§6)', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { call, usCard } = ctx!;
    const p = peer!;
    const US = usCard.party;
    const CN = p.card.party;
    const charter = (title: string, x: Record<string, unknown> = {}) => ({
      title: { en: title }, tier: 'working', languages: ['en'], linkTestIntervalSec: 60, ackDeadlineSec: deadlines,
      parties: [{ party: CN, code: 'CN', roles: all }, { party: US, code: 'US', roles: all }], ...x,
    });
    const stateOnUs = async (id: string) => (await call<{ state: string }>('GET', `/api/v1/channels/${id}`).catch(() => ({ state: 'unknown' }))).state;
    /** Entries of the peer at its next place in `id`, refused with `codes` by US and by the peer's own judgement. */
    const refuseIn = async (id: string, cases: Array<[string, string, Record<string, unknown>, string]>) => {
      const ch = p.channel(id);
      p.quiet = true;
      await waitFor('US to hold all of CN', async () => (await usHoldsOfPeer(id, p.log(ch, CN).length))[0] === p.log(ch, CN).at(-1)!.text, 5_000);
      const signed = cases.map(([, kind, body]) => p.sign(id, kind, body));
      const r = await rawBatch([id], signed.map((h) => h.text)).finally(() => (p.quiet = false));
      const want = cases.map(([why, , , code]) => `${why}: ${code}`);
      expect(r.rejected.map((x, i) => `${cases[i]![0]}: ${x.code}`)).toEqual(want);
      expect(signed.map((h, i) => `${cases[i]![0]}: ${judgeInContext(ch.proposal, p.causalPast(ch, h.entry), h.entry, p.formats)}`)).toEqual(want);
    };
    try {
      // The peer proposes; US holds it as proposed; the peer's message before US answers is refused; US accepts.
      const c1 = p.propose(charter('Proposed by CN', { note: 'Clean-room proposal' }));
      expect([c1.entry.v, c1.entry.channel, c1.entry.prev, c1.entry.heads]).toEqual([1, null, null, {}]);
      await waitFor('US to hold the proposal of CN', async () => (await stateOnUs(c1.hash)) === 'proposed');
      await refuseIn(c1.hash, [
        ['a message while proposed', 'message', { text: 'x', lang: 'en', precedence: 'FLASH' }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['the proposer accepting its own proposal', 'charter.accept', { charter: charterHash(c1.entry.body.charter) }, 'ENTRY_KIND_NOT_ALLOWED'],
      ]);
      const acc = await call<{ entry: string }>('POST', `/api/v1/channels/${c1.hash}/accept`, {});
      const usAcc = await waitFor('CN to hold the acceptance of US', () => p.log(p.channel(c1.hash), US).find((h) => h.hash === acc.entry));
      expect(usAcc.entry).toMatchObject({ v: 1, channel: c1.hash, kind: 'charter.accept', body: { charter: charterHash(c1.entry.body.charter) } });
      expect(p.view(c1.hash).state).toBe('active');
      const m = p.send(c1.hash, 'First message on a channel CN proposed.', 'PRIORITY', officer);
      await waitFor('US to show it', async () => (await call<Array<{ id: string }>>('GET', `/api/v1/channels/${c1.hash}/messages`)).some((x) => x.id === m.hash));
      // The peer proposes and withdraws.
      const c2 = p.propose(charter('Withdrawn by CN'));
      await waitFor('US to hold the second proposal', async () => (await stateOnUs(c2.hash)) === 'proposed');
      p.write(c2.hash, 'charter.withdraw', { charter: charterHash(c2.entry.body.charter), reason: 'Proposed in error' });
      await waitFor('US to see it withdrawn', async () => (await stateOnUs(c2.hash)) === 'withdrawn');
      await refuseIn(c2.hash, [['a message once withdrawn', 'message', { text: 'x', lang: 'en', precedence: 'FLASH' }, 'ENTRY_KIND_NOT_ALLOWED']]);
      // The peer proposes; US declines.
      const c3 = p.propose(charter('Declined by US'));
      await waitFor('US to hold the third proposal', async () => (await stateOnUs(c3.hash)) === 'proposed');
      const dec = await call<{ entry: string }>('POST', `/api/v1/channels/${c3.hash}/decline`, { reason: 'Not now' });
      await waitFor('CN to hold the decline of US', () => p.log(p.channel(c3.hash), US).some((h) => h.hash === dec.entry));
      expect(p.view(c3.hash).state).toBe('declined');
      await refuseIn(c3.hash, [['withdrawing once declined', 'charter.withdraw', { charter: charterHash(c3.entry.body.charter), reason: 'x' }, 'ENTRY_KIND_NOT_ALLOWED']]);
      // §6: a late acknowledgement is accepted like any other (no entry carries or is judged by a deadline).
      // US proposes one-second deadlines and sends a FLASH; the peer acknowledges it after its deadline.
      const { id: c5 } = await call<{ id: string }>('POST', '/api/v1/channels', { title: { en: 'One-second deadlines' }, tier: 'working', parties: ['CN'], ackDeadlineSec: { FLASH: 1, IMMEDIATE: 1, PRIORITY: 1, ROUTINE: 1 } });
      await waitFor('CN to hold the proposal with short deadlines', () => p.channels.has(c5));
      p.accept(c5);
      await waitFor('US to see it active', async () => (await stateOnUs(c5)) === 'active');
      const flash = await call<{ id: string }>('POST', `/api/v1/channels/${c5}/messages`, { text: 'Answer within a second', precedence: 'FLASH', lang: 'en' });
      const flashHeld = await waitFor('CN to hold the FLASH', () => p.log(p.channel(c5), US).find((h) => h.hash === flash.id));
      // US proposes with `expires` just ahead; the peer's acceptance after it is CHANNEL_EXPIRED, a decline ENTRY_KIND_NOT_ALLOWED.
      const expires = Date.now() + 400;
      const { id: c4 } = await call<{ id: string }>('POST', '/api/v1/channels', { title: { en: 'Expiring' }, tier: 'working', parties: ['CN'], expires });
      await waitFor('CN to hold the expiring proposal', () => p.channels.has(c4));
      await new Promise((r) => setTimeout(r, Math.max(0, expires + 20 - Date.now())));
      expect(p.view(c4).state).toBe('expired');
      const h4 = charterHash(p.channel(c4).proposal.entry.body.charter);
      p.quiet = true;
      const late = await rawBatch([c4], [p.sign(c4, 'charter.accept', { charter: h4 }).text, p.sign(c4, 'charter.decline', { charter: h4, reason: 'late' }).text]).finally(() => (p.quiet = false));
      expect(late.rejected.map((r) => r.code)).toEqual(['CHANNEL_EXPIRED', 'ENTRY_KIND_NOT_ALLOWED']);
      expect(await stateOnUs(c4)).toBe('expired');
      await new Promise((r) => setTimeout(r, Math.max(0, flashHeld.entry.time + 1_050 - Date.now())));
      const lateAck = p.ack(c5, flash.id, officer, 'late, but here');
      const shownLate = await waitFor('US to show the FLASH acknowledged late', async () => {
        const x = (await call<Array<{ id: string; ackedAt: number | null; deadlineAt: number | null }>>('GET', `/api/v1/channels/${c5}/messages`)).find((y) => y.id === flash.id);
        return x?.ackedAt ? x : undefined;
      });
      expect(shownLate.deadlineAt).toBe(flashHeld.entry.time + 1_000); // its own message: from the message's time
      expect([shownLate.ackedAt, lateAck.entry.time]).toEqual([lateAck.entry.time, expect.any(Number)]);
      expect(shownLate.ackedAt!).toBeGreaterThan(shownLate.deadlineAt!);
      expect(p.problems).toEqual([]);
    } catch (e) {
      failed(e);
    }
  }, 30_000);

  it('three parties (§5.2, §6, §7, §12 want): XX proposes to US and CN; XX and CN have no stream to each other, so each one\'s entries reach the other relayed by US on `want`; receipts and acks of each; the transcript verifies', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { call, usCard, dir, endpoint } = ctx!;
    const cn = peer!;
    const US = usCard.party;
    const CN = cn.card.party;
    const t0 = Date.now();
    const step = (s: string) => process.env.HOTLINE_E2E_STEPS && process.stderr.write(`[3p +${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);
    try {
      // ---- a second clean-room party, XX: paired with US (it dials US, US dials it) and holding CN's
      // card (for CN's keys, §3.2), but with no stream to CN; CN holds XX's card likewise ----
      xx = new SpecPeer({ code: 'XX', name: 'Third Party' });
      await xx.start();
      const x = xx;
      const XX = x.card.party;
      x.pair(usCard, fingerprint(usCard.party));
      x.know(cn.card, cn.fingerprint);
      cn.know(x.card, x.fingerprint);
      const xxCardPath = join(root, 'xx-card.json');
      writeFileSync(xxCardPath, JSON.stringify(x.card, null, 2));
      await ok(['peer', 'add', xxCardPath, '--fingerprint', x.fingerprint, '--data', dir], root);
      x.connect();
      await waitFor('US link to XX up', async () => {
        const s = await call<{ links: Array<{ code: string; state: string; transport?: string }> }>('GET', '/api/v1/status');
        const l = s.links.find((y) => y.code === 'XX');
        return l && (l.transport ?? l.state) === 'up';
      });
      step('XX paired with US');

      // ---- §5.2: XX proposes a charter of three parties; it is active only once all have accepted ----
      const c = x.propose({
        title: { en: 'Three parties' }, tier: 'working', languages: ['en'], linkTestIntervalSec: 60,
        ackDeadlineSec: deadlines,
        parties: [{ party: XX, code: 'XX', roles: all }, { party: US, code: 'US', roles: all }, { party: CN, code: 'CN', roles: all }],
      });
      const id = c.hash;
      type Detail = { state: string; parties: Array<{ code: string; accepted: boolean }> };
      const onUs = () => call<Detail>('GET', `/api/v1/channels/${id}`);
      await waitFor('US to hold the proposal of XX', async () => (await onUs().catch(() => undefined))?.state === 'proposed');
      const acc = await call<{ entry: string }>('POST', `/api/v1/channels/${id}/accept`, {});
      // CN has no stream to XX: it learns the channel from US's acceptance, which it keeps pending
      // (proposal unknown) and asks for with `want` author "" (§12), relayed by US.
      await waitFor('CN to hold the proposal, relayed by US', () => cn.channels.has(id) && cn.log(cn.channel(id), US).some((h) => h.hash === acc.entry));
      expect(cn.channel(id).proposal.text).toBe(c.text);
      expect(cn.frames).toContainEqual({ dir: 'out', side: 'server', frame: { t: 'want', channel: id, author: '', fromSeq: 1, toSeq: 1 } });
      await waitFor('XX to hold the acceptance of US', () => x.log(x.channel(id), US).some((h) => h.hash === acc.entry));
      // Two of three have accepted: still `proposed`, on US and for both peers.
      const half = await onUs();
      expect(half.state).toBe('proposed');
      expect(Object.fromEntries(half.parties.map((p) => [p.code, p.accepted]))).toEqual({ XX: true, US: true, CN: false });
      expect([x.view(id).state, cn.view(id).state]).toEqual(['proposed', 'proposed']);
      const cnAcc = cn.accept(id);
      await waitFor('US to see the channel active', async () => (await onUs()).state === 'active');
      // XX learns CN's acceptance from US's receipt naming it in heads: pending, then `want` of CN's
      // entries, relayed by US.
      await waitFor('XX to hold the acceptance of CN, relayed by US', () => x.log(x.channel(id), CN).some((h) => h.hash === cnAcc.hash));
      expect(x.frames.some((f) => f.dir === 'out' && f.frame.t === 'want' && f.frame.author === CN && f.frame.channel === id)).toBe(true);
      expect(x.view(id).state).toBe('active');
      three = { id };
      step('three-party channel active');

      // ---- US's FLASH: both receive it directly, receipt it and acknowledge it ----
      const flash = await call<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'FLASH to both', precedence: 'FLASH', lang: 'en' });
      await waitFor('XX and CN to hold the FLASH', () => [x, cn].every((p) => p.log(p.channel(id), US).some((h) => h.hash === flash.id)));
      x.ack(id, flash.id, { name: 'Cdr Doe', title: 'Duty Officer' });
      cn.ack(id, flash.id, officer);
      type Shown = ApiMessage & { acks?: Array<{ code?: string; party?: string }> };
      // An ack is no receipt (§6: received means a receipt covers it): wait for both.
      const shown = await waitFor('US to show two acks of its FLASH, and a receipt', async () => {
        const m = (await call<Shown[]>('GET', `/api/v1/channels/${id}/messages`)).find((y) => y.id === flash.id);
        return m && (m.acks?.length ?? 0) >= 2 && m.receiptedAt !== null ? m : undefined;
      });
      expect(shown.acks?.length).toBe(2);
      step('FLASH of US acknowledged by both');

      // ---- XX writes; CN holds it only relayed by US (its receipt names it in heads) ----
      const xm = [x.send(id, 'XX one', 'IMMEDIATE', { name: 'Cdr Doe', title: 'Duty Officer' }), x.send(id, 'XX two', 'ROUTINE', { name: 'Cdr Doe', title: 'Duty Officer' })];
      await waitFor('CN to hold both messages of XX, relayed', () => xm.every((m) => cn.log(cn.channel(id), XX).some((h) => h.hash === m.hash)));
      // ---- CN writes; XX holds it relayed likewise ----
      const cm = cn.send(id, 'CN one', 'PRIORITY', officer);
      await waitFor('XX to hold the message of CN, relayed', () => x.log(x.channel(id), CN).some((h) => h.hash === cm.hash));
      // CN acknowledges XX's first message; XX acknowledges CN's: each ack too reaches its target only relayed.
      const cAck = cn.ack(id, xm[0]!.hash, officer);
      const xAck = x.ack(id, cm.hash, { name: 'Cdr Doe', title: 'Duty Officer' });
      await waitFor('each ack to reach the other peer, relayed', () => x.log(x.channel(id), CN).some((h) => h.hash === cAck.hash) && cn.log(cn.channel(id), XX).some((h) => h.hash === xAck.hash));
      // Every log each peer holds of another author: seq 1..n, no gap, no duplicate, each entry's
      // prev the one before (what §7 accepts), and the same entries as US holds.
      for (const p of [x, cn]) {
        const ch = p.channel(id);
        for (const [author, log] of ch.logs) {
          expect(log.map((h) => h.entry.seq)).toEqual(log.map((_, i) => i + 1));
          expect(new Set(log.map((h) => h.hash)).size).toBe(log.length);
          if (author === US || author === p.root.pub) continue;
          // The relayed copies are US's copies (§12 plain HTTPS gives any author's entries of a shared channel).
          const r = await fedRequest(endpoint, p.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${author}&limit=1024`);
          expect(r.text.split('\n').slice(0, log.length)).toEqual(log.map((h) => h.text));
        }
      }
      step('messages and acks relayed both ways');

      // ---- receipts: each peer's receipt names every other author it holds (one item per author) ----
      await waitFor('CN to receipt the messages of XX', () => cn.log(cn.channel(id), CN).some((h) => h.entry.kind === 'receipt' && (h.entry.body.holds as Array<{ author: string; seq: number }>).some((i) => i.author === XX && i.seq >= xm[1]!.entry.seq)));
      // A `want` the server sends of its own accord, for another author, beyond what it knows of:
      // answered with at most one batch, from fromSeq, of what US holds (§12 "Serving wants").
      const cnHeld = x.log(x.channel(id), CN).length;
      const nIn = x.frames.length;
      x.toClients({ t: 'want', channel: id, author: CN, fromSeq: 1, toSeq: cnHeld + 100 });
      // (other batches may come between: US's own entries, relays for wants XX sent by itself)
      const first = (f: { frame: Record<string, unknown> }) => parseEntry((f.frame.entries as string[])[0]!).held?.entry;
      const served = await waitFor('US to serve the want of XX', () => x.frames.slice(nIn).find((f) => f.dir === 'in' && f.frame.t === 'entries' && first(f)?.author === CN && first(f)?.seq === 1));
      const texts = served.frame.entries as string[];
      expect(texts.map((t) => parseEntry(t).held!.entry).every((e) => e.author === CN)).toBe(true);
      expect(texts.map((t) => parseEntry(t).held!.entry.seq)).toEqual(texts.map((_, i) => i + 1));
      expect(texts.length).toBeGreaterThanOrEqual(cnHeld);
      // CN's receipts draw no receipt of US (§6), so a receipt of CN that US stored after that want
      // reaches XX only when it asks again (or with US's next entry that is not a receipt).
      await waitFor('XX to hold every entry of CN US holds', async () => {
        const r = await fedRequest(endpoint, x.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${CN}&limit=1024`);
        const held = x.log(x.channel(id), CN);
        if (r.text === held.map((h) => `${h.text}\n`).join('')) return true;
        x.toClients({ t: 'want', channel: id, author: CN, fromSeq: held.length + 1, toSeq: held.length + 100 });
        return false;
      });
      step('want for another author served');

      // ---- the other way: US holds an entry of XX pending until XX relays CN's entry it names ----
      // CN stops pushing to US (its stream down) and its message reaches XX by another path (as over
      // a direct XX-CN stream); XX's next message names it in heads; US keeps that message pending,
      // asks XX for CN's entry with `want`, and takes both in once XX relays it (§7, §12).
      cn.disconnect();
      const cm2 = cn.send(id, 'CN two, while CN to US is down', 'FLASH', officer);
      // CN's entries XX lacks (its receipts reach XX only on request) up to CN two, as a direct
      // stream would carry them; pending while a newer entry of US that their heads name is still
      // on its way to XX.
      for (const h of cn.log(cn.channel(id), CN).slice(x.log(x.channel(id), CN).length)) expect(['accepted', 'pending', 'duplicate']).toContain(x.ingest(h.text).outcome);
      await waitFor('XX to take CN two in', () => x.log(x.channel(id), CN).some((h) => h.hash === cm2.hash));
      const nOut = x.frames.length;
      const xm3 = x.send(id, 'XX three, after CN two', 'ROUTINE', { name: 'Cdr Doe', title: 'Duty Officer' });
      expect(xm3.entry.heads[CN]).toEqual({ seq: cm2.entry.seq, hash: cm2.hash });
      const shownBoth = await waitFor('US to show CN two and XX three', async () => {
        const ms = await call<ApiMessage[]>('GET', `/api/v1/channels/${id}/messages`);
        return ms.some((m) => m.id === cm2.hash) && ms.some((m) => m.id === xm3.hash) ? ms : undefined;
      });
      expect(shownBoth.filter((m) => m.id === cm2.hash || m.id === xm3.hash)).toHaveLength(2);
      const wantIn = x.frames.slice(nOut).filter((f) => f.dir === 'in' && f.frame.t === 'want');
      expect(wantIn.map((f) => f.frame)).toContainEqual({ t: 'want', channel: id, author: CN, fromSeq: cm2.entry.seq, toSeq: cm2.entry.seq });
      expect(x.frames.slice(nOut).find((f) => f.dir === 'in' && f.frame.t === 'stored' && (f.frame.pending as number) > 0)).toBeDefined();
      // CN's stream comes back: `holds` already names CN two (relayed), so CN resends nothing of it.
      const nCn = cn.frames.length;
      cn.connect();
      const holdsCn = await waitFor('CN to hear holds again', () => cn.frames.slice(nCn).find((f) => f.dir === 'in' && f.side === 'client' && f.frame.t === 'holds'));
      expect((holdsCn.frame.holds as Record<string, number>)[id]).toBeGreaterThanOrEqual(cm2.entry.seq);
      step('US took an entry of CN relayed by XX');
      // §12 "Pending entries": US sent each of its own entries to XX once, even those XX answered
      // `pending` (XX took them in by itself once the relayed entries arrived).
      const usSent = x.frames.filter((f) => f.dir === 'in' && f.side === 'server' && f.frame.t === 'entries').flatMap((f) => f.frame.entries as string[]).filter((t) => t.startsWith(`{"author":"${US}"`));
      expect(usSent.length).toBeGreaterThan(3);
      // A second copy only for a range XX itself asked of author US (a relayed entry of CN may name
      // an entry of US still on its way: XX then asks for it, and the copy is a duplicate).
      const askedUs = x.frames.filter((f) => f.dir === 'out' && f.frame.t === 'want' && f.frame.author === US).map((f) => [f.frame.fromSeq as number, f.frame.toSeq as number]);
      const twice = usSent.filter((t, i) => usSent.indexOf(t) !== i).map((t) => parseEntry(t).held!.entry.seq);
      for (const seq of twice) expect(askedUs.some(([a, b]) => a! <= seq && seq <= b!), `US entry #${seq} sent twice, unasked`).toBe(true);
      expect(x.frames.some((f) => f.dir === 'out' && f.frame.t === 'stored' && (f.frame.pending as number) > 0)).toBe(true);

      // ---- §7 heads rules with three parties: refusals of XX's entries, judged by the peer alike ----
      x.quiet = true;
      try {
        const xLast = x.log(x.channel(id), XX).at(-1)!;
        await waitFor('US to hold all of XX', async () => (await fedRequest(endpoint, x.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${XX}&from=${xLast.entry.seq}`)).text === `${xLast.text}\n`);
        const usTop = x.log(x.channel(id), US).filter((h) => (h.entry.heads[CN]?.seq ?? 0) > 0).at(-1)!;
        const cnFirst = x.log(x.channel(id), CN)[0]!;
        const cases: Array<[string, Entry['heads'], string]> = [
          // (CN at the seq XX named before, so that rule 2 of the US head holds whatever the order of party ids, §7 step 8)
          ['a head naming CN at its seq with another hash (rule 1, a rejection)', { ...xLast.entry.heads, [CN]: { seq: xLast.entry.heads[CN]!.seq, hash: 'ab'.repeat(32) } }, 'ENTRY_UNKNOWN_DEPENDENCY'],
          ['US only, whose entry names CN (rule 2, not transitively closed)', { [US]: { seq: usTop.entry.seq, hash: usTop.hash } }, 'ENTRY_HEADS_REGRESSED'],
          ['CN back at #1, US as before (rule 3, heads went back)', { ...xLast.entry.heads, [CN]: { seq: 1, hash: cnFirst.hash } }, 'ENTRY_HEADS_REGRESSED'],
        ];
        const xs = await openStream(endpoint, x.identity);
        xs.send({ t: 'hello', v: 1, channels: [id] });
        await xs.next((f) => f.t === 'holds');
        const got: string[] = [];
        const mine: string[] = []; // the codes §7 gives (the peer applies rules 1-3 to every entry of US it takes in)
        for (const [why, heads, code] of cases) {
          x.headsOverride = heads;
          const h = x.sign(id, 'message', { text: why, lang: 'en', precedence: 'ROUTINE' });
          x.headsOverride = undefined;
          const n = xs.frames.length;
          xs.send({ t: 'entries', id: got.length + 1, entries: [h.text] });
          const st = await xs.next((f) => f.t === 'stored', n);
          got.push(`${why}: ${(st.rejected as Array<{ code: string }>)[0]?.code ?? 'none'}`);
          mine.push(`${why}: ${code}`);
        }
        xs.close();
        expect(got).toEqual(mine);
      } finally {
        x.headsOverride = undefined;
        x.quiet = false;
      }
      step('heads rules 1-3 with three parties');

      // ---- the transcript: hotline verify, and the peer's own check ----
      await waitFor('US to show CN\'s ack of XX', async () => ((await call<Shown[]>('GET', `/api/v1/channels/${id}/messages`)).find((y) => y.id === xm[0]!.hash)?.acks?.length ?? 0) >= 1);
      const bundle = await ok(['export', id, '--data', dir], root);
      const path3 = join(root, 'three.jsonl');
      writeFileSync(path3, bundle);
      const mine = checkBundle(bundle);
      expect(mine.authors).toEqual(new Set([US, CN, XX]));
      const vr = await run(['verify', path3, '--json'], root);
      const report = JSON.parse(vr.stdout) as {
        valid: boolean; errors: unknown[]; state: string;
        receipts: Array<{ holder: string; author: string; upTo: number }>;
        messages: Array<{ hash: string; author: string; receivedBy: Array<{ party: string }>; acks: Array<{ party: string }> }>;
      };
      expect(report.errors).toEqual([]);
      expect([report.valid, report.state]).toEqual([true, 'active']);
      const msg = (h: string) => report.messages.find((m) => m.hash === h)!;
      expect(msg(flash.id).receivedBy.map((r) => r.party)).toEqual(['CN', 'XX']);
      expect(msg(flash.id).acks.map((a) => a.party).sort()).toEqual(['CN', 'XX']);
      // The officer API's receiptedAt is the `time` of the first receipt US stored of any party (not of all).
      const flashNow = (await call<Shown[]>('GET', `/api/v1/channels/${id}/messages`)).find((y) => y.id === flash.id)!;
      expect(msg(flash.id).receivedBy.map((r) => (r as unknown as { at: number }).at)).toContain(flashNow.receiptedAt);
      expect(msg(xm[0]!.hash).receivedBy.map((r) => r.party)).toEqual(['CN', 'US']);
      expect(msg(xm[0]!.hash).acks.map((a) => a.party)).toEqual(['CN']);
      expect(msg(cm.hash).receivedBy.map((r) => r.party)).toEqual(['US', 'XX']);
      const pairs = new Set(report.receipts.map((r) => `${r.holder}>${r.author}`));
      for (const p of ['US>CN', 'US>XX', 'CN>US', 'CN>XX', 'XX>US', 'XX>CN']) expect(pairs, p).toContain(p);
      step('transcript of three parties verified');
      expect(x.problems).toEqual([]);
      expect(cn.problems).toEqual([]);
      expect([x.pendingCount, cn.pendingCount]).toEqual([0, 0]);
    } catch (e) {
      process.stderr.write(`\n---- XX problems ----\n${xx?.problems.join('\n') ?? ''}\n---- XX frames ----\n${(xx?.frames ?? []).slice(-100).map((f) => `${f.side} ${f.dir} ${JSON.stringify(f.frame).slice(0, 300)}`).join('\n')}\n`);
      dump();
      throw e;
    }
  }, 30_000);

  it('§7 heads rule 4: CN proposes to add XX, XX accepts (relayed to CN by US), CN withdraws the amendment; XX\'s log stays nameable in heads (rules 2-3 make every later entry name it), XX writes no more, heads left out or going back are refused, an unknown author in heads is pending (step 5)', async () => {
    const { cn, x, US, CN, XX } = threeParties();
    expect(three, 'the three-party test ran').toBeDefined();
    const { call, endpoint } = ctx!;
    try {
      const C0: Charter = {
        title: { en: 'Heads rule 4' }, tier: 'working', languages: ['en'], linkTestIntervalSec: 60,
        ackDeadlineSec: deadlines,
        parties: [{ party: CN, code: 'CN', roles: all }, { party: US, code: 'US', roles: all }],
      };
      const id = cn.propose(C0).hash;
      const stateOnUs = async () => (await call<{ state: string }>('GET', `/api/v1/channels/${id}`).catch(() => ({ state: 'none' }))).state;
      await waitFor('US to hold the proposal of CN', async () => (await stateOnUs()) === 'proposed');
      await call('POST', `/api/v1/channels/${id}/accept`, {});
      await waitFor('CN to see the channel active', () => cn.view(id).state === 'active');
      // ---- CN proposes to add XX; XX (given the channel's entries as a direct stream would carry them) accepts ----
      const A1: Charter = { ...C0, parties: [...C0.parties, { party: XX, code: 'XX', roles: all }] };
      const hA1 = charterHash(A1);
      const amend = cn.write(id, 'charter.amend', { charter: A1, reason: 'XX joins' });
      await waitFor('US to hold the amendment', () => cn.log(cn.channel(id), US).some((h) => (h.entry.heads[CN]?.seq ?? 0) >= amend.entry.seq));
      for (const h of [cn.channel(id).proposal, ...cn.log(cn.channel(id), CN).slice(1), ...cn.log(cn.channel(id), US)]) expect(['accepted', 'duplicate', 'pending']).toContain(x.ingest(h.text).outcome);
      expect(x.view(id).amendments.map((a) => a.status)).toEqual(['pending']);
      expect(x.writes(id)).toBe(true);
      const xAcc = x.write(id, 'charter.accept', { charter: hA1 });
      // XX writes nothing more by itself here (its receipts would race the withdrawal below).
      x.quiet = true;
      // CN learns XX's acceptance from US's receipt naming it in heads (relayed on `want`, §12).
      await waitFor('CN to hold the acceptance of XX, relayed by US', () => cn.log(cn.channel(id), XX).some((h) => h.hash === xAcc.hash));
      // ---- CN withdraws its amendment: XX is a party of no charter in force nor pending amendment ----
      const withdraw = cn.write(id, 'charter.withdraw', { charter: hA1, reason: 'Not yet' });
      expect(withdraw.entry.heads[XX]).toEqual({ seq: xAcc.entry.seq, hash: xAcc.hash });
      await waitFor('US to hold the withdrawal', () => cn.log(cn.channel(id), US).some((h) => (h.entry.heads[CN]?.seq ?? 0) >= withdraw.entry.seq));
      expect(cn.view(id).amendments.map((a) => a.status)).toEqual(['withdrawn']);
      expect(cn.writes(id)).toBe(true);
      // US still writes (its entries name XX's log, rules 2-3): before the fix of rule 4 it could not.
      const usAfter = await call<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'After the withdrawal', precedence: 'ROUTINE', lang: 'en' });
      const usM = await waitFor('CN to hold the message of US', () => cn.log(cn.channel(id), US).find((h) => h.hash === usAfter.id));
      expect(Object.keys(usM.entry.heads).sort()).toEqual([CN, XX].sort());
      // ---- CN's entries at its next place, one batch each (a refused entry leaves its place free, §7) ----
      cn.quiet = true;
      try {
        const own = () => cn.log(cn.channel(id), CN);
        await waitFor('US to hold all of CN', async () => (await usHoldsOfPeer(id, own().length))[0] === own().at(-1)!.text, 5_000);
        const prevHeads = own().at(-1)!.entry.heads;
        const usTop = cn.log(cn.channel(id), US).at(-1)!;
        const xHead = { seq: xAcc.entry.seq, hash: xAcc.hash };
        const refused: Array<[string, Entry['heads'], string]> = [
          ['XX left out (rule 2: the head of US names XX)', { [US]: { seq: usTop.entry.seq, hash: usTop.hash } }, 'ENTRY_HEADS_REGRESSED'],
          ['no heads at all (rule 3: heads went back)', {}, 'ENTRY_HEADS_REGRESSED'],
          ['XX at its seq with another hash (rule 1)', { ...prevHeads, [XX]: { seq: xAcc.entry.seq, hash: 'cd'.repeat(32) } }, 'ENTRY_UNKNOWN_DEPENDENCY'],
        ];
        expect(Object.keys(prevHeads)).toContain(XX);
        const got: string[] = [];
        const judged: string[] = [];
        for (const [why, heads, code] of refused) {
          cn.headsOverride = heads;
          const h = cn.sign(id, 'message', { text: why, lang: 'en', precedence: 'ROUTINE' });
          cn.headsOverride = undefined;
          const r = await rawBatch([id], [h.text]);
          got.push(`${why}: ${r.rejected[0]?.code ?? `none (${r.accepted} accepted, ${r.pending} pending)`}`);
          judged.push(`${why}: ${code}`);
        }
        expect(got).toEqual(judged);
        // What the peer itself says of such an entry of another party (rule 4 at step 13; rules 1-3 in ingest).
        const past = cn.causalPast(cn.channel(id), { author: CN, seq: own().length + 1, heads: { ...prevHeads, [XX]: xHead } });
        expect(judgeInContext(cn.channel(id).proposal, past, { ...own().at(-1)!.entry, seq: own().length + 1, heads: { ...prevHeads, [XX]: xHead }, kind: 'message', body: { text: 'x', lang: 'en', precedence: 'ROUTINE' } }, cn.formats)).toBeUndefined();
        const stranger = newEd25519().pub;
        expect(judgeInContext(cn.channel(id).proposal, past, { ...own().at(-1)!.entry, heads: { ...prevHeads, [stranger]: { seq: 1, hash: 'ab'.repeat(32) } }, kind: 'receipt', body: { holds: [] } }, cn.formats)).toBe('ENTRY_BAD_REFERENCE');
        // Valid edge cases: heads exactly as in the previous entry (not advanced: US's newest message
        // left out of its causal past), then heads naming XX and US's newest.
        cn.headsOverride = prevHeads;
        const same = cn.write(id, 'message', { text: 'heads as before', lang: 'en', precedence: 'ROUTINE' });
        cn.headsOverride = undefined;
        const usHolds = async (h: Held) => waitFor(`US to hold CN #${h.entry.seq}`, async () => (await usHoldsOfPeer(id, h.entry.seq))[0] === h.text, 5_000);
        await usHolds(same);
        const newest = cn.write(id, 'message', { text: 'naming XX and the newest of US', lang: 'en', precedence: 'ROUTINE' });
        expect(Object.keys(newest.entry.heads).sort()).toEqual([US, XX].sort());
        expect([newest.entry.heads[XX], newest.entry.heads[US]!.seq >= usTop.entry.seq]).toEqual([xHead, true]);
        await usHolds(newest);
        // XX writes no more (§7 step 9): once it holds the withdrawal, the peer itself knows it.
        for (const h of [...own(), ...cn.log(cn.channel(id), US)]) expect(['accepted', 'duplicate', 'pending']).toContain(x.ingest(h.text).outcome);
        expect(x.view(id).amendments.map((a) => a.status)).toEqual(['withdrawn']);
        expect(x.writes(id)).toBe(false);
        // (asked by CN: the channel is no longer shared with XX, a party of no charter in force nor pending amendment, §12)
        const xxOnUs = await fedRequest(endpoint, x.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${XX}&from=1`);
        expect([xxOnUs.status, (JSON.parse(xxOnUs.text) as { code: string }).code]).toEqual([404, 'CHANNEL_NOT_FOUND']);
        await waitFor('US to hold all of XX', async () => (await fedRequest(endpoint, cn.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${XX}&from=1`)).text === x.log(x.channel(id), XX).map((h) => `${h.text}\n`).join(''));
        const xs = await openStream(endpoint, x.identity);
        xs.send({ t: 'hello', v: 1, channels: [id] });
        await xs.next((f) => f.t === 'holds');
        const xLate = x.sign(id, 'receipt', { holds: [{ author: CN, seq: withdraw.entry.seq, hash: withdraw.hash }] });
        let nx = xs.frames.length;
        xs.send({ t: 'entries', id: 1, entries: [xLate.text] });
        expect((await xs.next((f) => f.t === 'stored', nx)).rejected).toEqual([expect.objectContaining({ code: 'ENTRY_AUTHOR_NOT_PARTY' })]);
        // Step 5 comes before steps 9 and 13: at the same place (the refused entry left it free), an
        // entry naming an author of whom nothing is held is pending, with a `want` of that author, not
        // refused. (XX never writes here again, so it stays pending without harm.)
        x.headsOverride = { ...xLate.entry.heads, [stranger]: { seq: 1, hash: 'ab'.repeat(32) } };
        const unknown = x.sign(id, 'receipt', xLate.entry.body);
        x.headsOverride = undefined;
        nx = xs.frames.length;
        xs.send({ t: 'entries', id: 2, entries: [unknown.text] });
        expect(await xs.next((f) => f.t === 'stored', nx)).toEqual({ t: 'stored', id: 2, accepted: 0, duplicate: 0, pending: 1, rejected: [] });
        expect(await xs.next((f) => f.t === 'want' && f.author === stranger, nx)).toEqual({ t: 'want', channel: id, author: stranger, fromSeq: 1, toSeq: 1 });
        xs.close();
      } finally {
        cn.headsOverride = undefined;
        x.headsOverride = undefined;
        cn.quiet = false;
        x.quiet = false;
      }
      // ---- the transcript verifies (the offline verifier applies rule 4 alike) ----
      const { bundle, report } = await exportVerified(id, 'rule4.jsonl');
      expect([report.valid, report.state, report.errors]).toEqual([true, 'active', []]);
      expect(checkBundle(bundle).authors).toEqual(new Set([US, CN, XX]));
      expect(cn.problems).toEqual([]);
      expect(x.problems).toEqual([]);
    } catch (e) {
      failedWithXX(e);
    }
  }, 30_000);

  it('three parties, one suspends (§5.4, §5.5): XX suspends; CN\'s message, dialogue entry, amendment and resumption are refused once the suspension is in their causal past, a message whose causal past lacks it is accepted, acks go on; CN suspends too; the channel is active again only once both resumed', async () => {
    const { cn, x, US, CN, XX } = threeParties();
    expect(three, 'the three-party test ran').toBeDefined();
    const { call, endpoint } = ctx!;
    const id = three!.id;
    const xOfficer = { name: 'Cdr Doe', title: 'Duty Officer' };
    const stateOnUs = async () => (await call<{ state: string }>('GET', `/api/v1/channels/${id}`)).state;
    const ownOf = (p: SpecPeer) => p.log(p.channel(id), p.card.party);
    /** US holds every entry of `p`'s own log. */
    const usHoldsAll = (p: SpecPeer) =>
      waitFor(`US to hold all of ${p.code}`, async () => (await fedRequest(endpoint, p.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${p.card.party}&from=${ownOf(p).length}`)).text === `${ownOf(p).at(-1)!.text}\n`, 5_000);
    try {
      expect(await stateOnUs()).toBe('active');
      // CN writes nothing by itself for a while: its last entry's heads stay those from before the suspension.
      cn.quiet = true;
      await usHoldsAll(cn);
      const beforeHeads = ownOf(cn).at(-1)!.entry.heads;
      // ---- XX suspends: suspended for all, though only XX holds a suspension ----
      const susp = x.write(id, 'channel.suspend', { reason: 'Consultations at home' });
      await waitFor('US to see the channel suspended', async () => (await stateOnUs()) === 'suspended');
      const usMsg = await fetch(`${ctx!.api}/api/v1/channels/${id}/messages`, { method: 'POST', headers: { authorization: `Bearer ${ctx!.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x', precedence: 'ROUTINE', lang: 'en' }) });
      expect([usMsg.status, ((await usMsg.json()) as { code?: string }).code]).toEqual([409, 'CHANNEL_NOT_ACTIVE']);
      await waitFor('CN to hold the suspension of XX, relayed by US', () => cn.log(cn.channel(id), XX).some((h) => h.hash === susp.hash));
      expect([cn.view(id).state, [...cn.view(id).suspendedBy]]).toEqual(['suspended', [XX]]);
      // ---- CN's entries whose causal past holds XX's suspension (one batch, all at CN's next place) ----
      const by = { name: 'Wang Lei', title: 'Envoy', role: 'plenipotentiary' };
      const cases: Array<[string, string, Record<string, unknown>, string]> = [
        ['a message', 'message', { text: 'x', lang: 'en', precedence: 'FLASH' }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['a dialogue entry', 'issue.open', { title: { en: 'x' }, category: 'trade', by }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['an amendment', 'charter.amend', { charter: { ...cn.view(id).charter, title: { en: 'Renamed' } }, reason: 'r' }, 'ENTRY_KIND_NOT_ALLOWED'],
        ['resuming a suspension CN does not hold', 'channel.resume', { reason: 'r' }, 'ENTRY_KIND_NOT_ALLOWED'],
      ];
      const signed = cases.map(([, kind, body]) => cn.sign(id, kind, body));
      for (const h of signed) expect(h.entry.heads[XX]?.seq).toBeGreaterThanOrEqual(susp.entry.seq);
      const r = await rawBatch([id], signed.map((h) => h.text));
      expect(r.rejected.map((y, i) => `${cases[i]![0]}: ${y.code}`)).toEqual(cases.map(([why, , , code]) => `${why}: ${code}`));
      const ch = cn.channel(id);
      expect(signed.map((h, i) => `${cases[i]![0]}: ${judgeInContext(ch.proposal, cn.causalPast(ch, h.entry), h.entry, cn.formats)}`)).toEqual(cases.map(([why, , , code]) => `${why}: ${code}`));
      // ---- the same message with CN's heads of before (the suspension not in its causal past): accepted (§5.2) ----
      cn.headsOverride = beforeHeads;
      const concurrent = cn.write(id, 'message', { text: 'Written before CN saw the suspension', lang: 'en', precedence: 'IMMEDIATE' });
      cn.headsOverride = undefined;
      expect(concurrent.entry.heads[XX]?.seq ?? 0).toBeLessThan(susp.entry.seq);
      await usHoldsAll(cn);
      expect((await call<ApiMessage[]>('GET', `/api/v1/channels/${id}/messages`)).some((m) => m.id === concurrent.hash)).toBe(true);
      expect(await stateOnUs()).toBe('suspended');
      cn.quiet = false;
      // ---- acks go on while suspended (§5.5): CN acknowledges XX's second message ----
      const xTwo = cn.log(ch, XX).find((h) => h.entry.kind === 'message' && h.entry.body.text === 'XX two')!;
      expect(xTwo).toBeDefined();
      const cAck = cn.ack(id, xTwo.hash, officer);
      await usHoldsAll(cn);
      expect(cAck.entry.heads[XX]?.seq).toBeGreaterThanOrEqual(susp.entry.seq);
      // ---- XX, which holds the suspension, may not send a message either ----
      x.quiet = true;
      try {
        await usHoldsAll(x);
        const xs = await openStream(endpoint, x.identity);
        xs.send({ t: 'hello', v: 1, channels: [id] });
        await xs.next((f) => f.t === 'holds');
        const n = xs.frames.length;
        xs.send({ t: 'entries', id: 1, entries: [x.sign(id, 'message', { text: 'x', lang: 'en', precedence: 'ROUTINE', from: { ...xOfficer, role: 'duty-officer' } }).text] });
        expect((await xs.next((f) => f.t === 'stored', n)).rejected).toEqual([expect.objectContaining({ code: 'ENTRY_KIND_NOT_ALLOWED' })]);
        xs.close();
      } finally {
        x.quiet = false;
      }
      // ---- CN suspends too; XX resumes: still suspended (CN holds one); CN resumes: active ----
      const cSusp = cn.write(id, 'channel.suspend', { reason: 'Ours too' });
      await usHoldsAll(cn);
      await waitFor('XX to hold the suspension of CN, relayed by US', () => x.log(x.channel(id), CN).some((h) => h.hash === cSusp.hash));
      expect([...x.view(id).suspendedBy].sort()).toEqual([CN, XX].sort());
      const xRes = x.write(id, 'channel.resume', { reason: 'Back' });
      await usHoldsAll(x);
      expect(await stateOnUs()).toBe('suspended');
      await waitFor('CN to hold the resumption of XX', () => cn.log(ch, XX).some((h) => h.hash === xRes.hash));
      expect([cn.view(id).state, [...cn.view(id).suspendedBy]]).toEqual(['suspended', [CN]]);
      cn.write(id, 'channel.resume', { reason: 'Agreed' });
      await waitFor('US to see the channel active again', async () => (await stateOnUs()) === 'active');
      const after = await call<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'Line open again', precedence: 'ROUTINE', lang: 'en' });
      await waitFor('XX and CN to hold the message of US', () => [x, cn].every((p) => p.log(p.channel(id), US).some((h) => h.hash === after.id)));
      const xAfter = x.send(id, 'XX after the suspensions', 'ROUTINE', xOfficer);
      await waitFor('CN to hold the message of XX, relayed', () => cn.log(ch, XX).some((h) => h.hash === xAfter.hash));
      // ---- the transcript: valid, active, the concurrent message among the messages ----
      const { bundle, report } = await exportVerified<{ valid: boolean; errors: unknown[]; state: string; messages: Array<{ hash: string }> }>(id, 'three-suspended.jsonl');
      expect([report.valid, report.state, report.errors]).toEqual([true, 'active', []]);
      expect(report.messages.map((m) => m.hash)).toContain(concurrent.hash);
      expect(checkBundle(bundle).kinds.filter((k) => k === 'channel.suspend' || k === 'channel.resume')).toEqual(expect.arrayContaining(['channel.suspend', 'channel.suspend', 'channel.resume', 'channel.resume']));
      expect(cn.problems).toEqual([]);
      expect(x.problems).toEqual([]);
    } catch (e) {
      failedWithXX(e);
    } finally {
      cn.quiet = false;
      cn.headsOverride = undefined;
    }
  }, 40_000);

  it('a version-2 channel of three parties (§14.1): US probes each peer and each peer probes US with signed frames (§12.3), probes not for the server or not from the stream\'s peer dropped; a checkpoint of each party (§15.1) checked and countersigned by the two others; the transcript verifies', async () => {
    const { cn, x, US, CN, XX } = threeParties();
    expect(three, 'the three-party test ran').toBeDefined();
    const { call, usCard, endpoint } = ctx!;
    try {
      const c = x.propose({
        title: { en: 'Three parties, version 2' }, tier: 'working', languages: ['en'], linkTestIntervalSec: 1, protocol: 2,
        ackDeadlineSec: deadlines,
        parties: [{ party: XX, code: 'XX', roles: all }, { party: US, code: 'US', roles: all }, { party: CN, code: 'CN', roles: all }],
      });
      const id = c.hash;
      expect(c.entry.v).toBe(2);
      const stateOnUs = async () => (await call<{ state: string }>('GET', `/api/v1/channels/${id}`).catch(() => ({ state: 'none' }))).state;
      await waitFor('US to hold the proposal of XX', async () => (await stateOnUs()) === 'proposed');
      const acc = await call<{ entry: string }>('POST', `/api/v1/channels/${id}/accept`, {});
      await waitFor('CN to hold the acceptance of US (and the proposal, relayed)', () => cn.channels.has(id) && cn.log(cn.channel(id), US).some((h) => h.hash === acc.entry));
      const cnAcc = cn.accept(id);
      expect(cnAcc.entry.v).toBe(2);
      await waitFor('US to see the channel active', async () => (await stateOnUs()) === 'active');
      await waitFor('XX to hold the acceptance of CN, relayed', () => x.view(id).state === 'active');
      // ---- §12.3: US probes each peer on its own stream; each answers with a signed echo ----
      await waitFor('XX and CN each to answer a probe of US on this channel', () => (x.probesByChannel.get(id) ?? 0) > 0 && (cn.probesByChannel.get(id) ?? 0) > 0, 10_000);
      // Each peer probes US: the echo is US's, to that peer, signed by US's terminal key.
      for (const p of [x, cn]) {
        const s = await openStream(endpoint, p.identity);
        s.send({ t: 'hello', v: 1, channels: [id] });
        await s.next((f) => f.t === 'holds');
        const nonce = randomBytes(16).toString('hex');
        const t1 = Date.now();
        let n = s.frames.length;
        s.send(p.linkFrame({ t: 'probe', channel: id, from: p.card.party, to: US, nonce, t1 }));
        const echo = await s.next((f) => f.t === 'echo', n);
        expect(echo).toMatchObject({ channel: id, from: US, to: p.card.party, key: usCard.terminals[0]!.key, nonce, t1 });
        expect([linkFrameValid(echo), (echo.t2 as number) <= (echo.t3 as number)]).toEqual([true, true]);
        // Not for the server (to: the third party), or not from the stream's pinned peer (from: the
        // third party, signed by its own key): no echo, no `refused`, the stream kept.
        const other = p === x ? cn : x;
        n = s.frames.length;
        s.send(p.linkFrame({ t: 'probe', channel: id, from: p.card.party, to: other.card.party, nonce, t1: t1 + 1 }));
        s.send(other.linkFrame({ t: 'probe', channel: id, from: other.card.party, to: US, nonce, t1: t1 + 2 }));
        // A last valid probe: its echo comes after any answer to the two above would have.
        s.send(p.linkFrame({ t: 'probe', channel: id, from: p.card.party, to: US, nonce, t1: t1 + 3 }));
        const last = await s.next((f) => f.t === 'echo', n);
        expect(s.frames.slice(n)).toEqual([last]);
        expect(last.t1).toBe(t1 + 3);
        expect(s.ws.readyState).toBe(WebSocket.OPEN);
        s.close();
      }
      // ---- §15.1: a checkpoint of each party, checked and countersigned by the two others ----
      /** Some entry of `p`'s own log, held by US, names `author` at `seq` or beyond (a countersignature). */
      const countersigned = (p: SpecPeer, author: string, seq: number) =>
        waitFor(`${p.code} to countersign ${author === US ? 'US' : author === CN ? 'CN' : 'XX'}'s checkpoint`, async () => {
          const own = p.log(p.channel(id), p.card.party);
          const k = own.findIndex((h) => (h.entry.heads[author]?.seq ?? 0) >= seq);
          if (k < 0) return false;
          const r = await fedRequest(endpoint, p.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${p.card.party}&from=${k + 1}&limit=1`);
          return r.text === `${own[k]!.text}\n`;
        });
      /** US's own later entry names `author` at `seq` or beyond. */
      const usCountersigned = (p: SpecPeer, author: string, seq: number) =>
        waitFor(`US to countersign the checkpoint (seen by ${p.code})`, () => p.log(p.channel(id), US).some((h) => (h.entry.heads[author]?.seq ?? 0) >= seq));
      const usK = await call<{ entry: string; seq: number; count: number; lasting: string }>('POST', `/api/v1/channels/${id}/checkpoint`);
      for (const p of [x, cn]) {
        const held = await waitFor(`${p.code} to take in US's checkpoint`, () => p.log(p.channel(id), US).find((h) => h.hash === usK.entry));
        expect([held.entry.kind, held.entry.body]).toEqual(['checkpoint', { count: usK.count, lasting: usK.lasting }]);
        // The commitment covers the three accepts (the proposal excepted, §15.1).
        expect(usK.count).toBe(2);
        await countersigned(p, US, usK.seq);
      }
      for (const [author, p] of [[CN, cn], [XX, x]] as const) {
        const k = p.checkpoint(id);
        expect(k.entry.v).toBe(2);
        const other = p === x ? cn : x;
        await usCountersigned(p, author, k.entry.seq);
        // The third party takes it in relayed by US, checks it against its own copy and countersigns it.
        await waitFor(`${other.code} to take in the checkpoint of ${p.code}`, () => other.log(other.channel(id), author).some((h) => h.hash === k.hash));
        await countersigned(other, author, k.entry.seq);
      }
      // ---- the transcript ----
      const { bundle, report } = await exportVerified(id, 'three-v2.jsonl');
      expect([report.valid, report.state, report.errors]).toEqual([true, 'active', []]);
      const mine = checkBundle(bundle);
      expect(mine.authors).toEqual(new Set([US, CN, XX]));
      expect(mine.kinds.filter((k) => k === 'checkpoint')).toHaveLength(3);
      expect(mine.kinds).not.toContain('link.test');
      expect(cn.problems).toEqual([]);
      expect(x.problems).toEqual([]);
    } catch (e) {
      failedWithXX(e);
    }
  }, 40_000);

  /** The version-2 channel of XX, US and CN of round 7 (link records, then amendments while suspended). */
  let linked: { id: string; C0: Charter } | undefined;

  it('§6.2 link records on a version-2 channel of three parties: US writes a link.state per peer (up at the first signed echo, down when echoes stop, up again), each reaching both peers; the peers\' summaries and states naming either other party are accepted and relayed; one naming its author, a peer twice, a non-party, or none is refused with its code; nothing before the channel is open', async () => {
    const { cn, x, US, CN, XX } = threeParties();
    const { call, endpoint } = ctx!;
    try {
      const C0: Charter = {
        title: { en: 'Three parties, link records' }, tier: 'technical', languages: ['en'], linkTestIntervalSec: 1, protocol: 2,
        ackDeadlineSec: deadlines,
        parties: [{ party: XX, code: 'XX', roles: all }, { party: US, code: 'US', roles: all }, { party: CN, code: 'CN', roles: all }],
      };
      const c = x.propose(C0);
      const id = c.hash;
      const stateOnUs = async () => (await call<{ state: string }>('GET', `/api/v1/channels/${id}`).catch(() => ({ state: 'none' }))).state;
      await waitFor('US to hold the proposal of XX', async () => (await stateOnUs()) === 'proposed');
      // ---- §5.5 before §6.2: while proposed, a link record is ENTRY_KIND_NOT_ALLOWED, whatever else is wrong with it ----
      expect(cn.ingest(c.text).outcome).toBe('accepted');
      const ch = cn.channel(id);
      const early = [cn.sign(id, 'link.summary', { from: Date.now() - 1000, until: Date.now(), peers: [{ peer: US, sent: 1, answered: 0, failures: 1, state: 'down' }] }), cn.sign(id, 'link.state', { peer: CN, state: 'up', was: 'down', at: Date.now(), reason: 'its own author' })];
      expect(early.map((h) => judgeInContext(ch.proposal, cn.causalPast(ch, h.entry), h.entry, cn.formats))).toEqual(['ENTRY_KIND_NOT_ALLOWED', 'ENTRY_KIND_NOT_ALLOWED']);
      expect((await rawBatch([id], early.map((h) => h.text))).rejected.map((r) => r.code)).toEqual(['ENTRY_KIND_NOT_ALLOWED', 'ENTRY_KIND_NOT_ALLOWED']);
      await call('POST', `/api/v1/channels/${id}/accept`, {});
      cn.accept(id);
      await waitFor('US to see the channel active', async () => (await stateOnUs()) === 'active');
      await waitFor('XX to see the channel active', () => x.view(id).state === 'active');
      // ---- US's link.state per peer: the line starts down (no signed echo yet); the first echo makes it up ----
      const statesOfUs = (p: SpecPeer, about: string) => p.log(p.channel(id), US).filter((h) => h.entry.kind === 'link.state' && h.entry.body.peer === about);
      for (const p of [x, cn])
        for (const about of [XX, CN])
          await waitFor(`${p.code} to hold US's link.state about ${about === XX ? 'XX' : 'CN'}`, () => statesOfUs(p, about).length > 0, 15_000);
      for (const about of [XX, CN]) {
        const first = statesOfUs(x, about)[0]!;
        expect(statesOfUs(cn, about)[0]!.hash).toBe(first.hash); // the same entry reached both peers
        const b = first.entry.body as { peer: string; state: string; was: string; at: number; reason: string; rttMs?: number; offsetMs?: number };
        expect([b.state, b.was, b.reason]).toEqual(['up', 'down', 'signed link tests answered']);
        expect(b.at).toBeLessThanOrEqual(first.entry.time);
        expect(Number.isInteger(b.rttMs) && b.rttMs! >= 0 && Number.isInteger(b.offsetMs)).toBe(true);
      }
      // ---- XX stops echoing: US writes down (through degraded), then up again once echoes come back ----
      x.mutedEchoes = true;
      await waitFor('XX and CN to hold US\'s link.state "down" about XX', () => [x, cn].every((p) => statesOfUs(p, XX).some((h) => h.entry.body.state === 'down')), 20_000);
      x.mutedEchoes = false;
      await waitFor('XX and CN to hold US\'s link.state "up" about XX again', () => [x, cn].every((p) => statesOfUs(p, XX).at(-1)!.entry.body.state === 'up' && statesOfUs(p, XX).length >= 3), 20_000);
      const seqOfStates = statesOfUs(x, XX).map((h) => `${String(h.entry.body.was)}>${String(h.entry.body.state)}`);
      // The reference's `was` is always the state of its previous link.state about that peer (§6.2 does not require it).
      expect(seqOfStates.slice(1).every((s, i) => s.split('>')[0] === seqOfStates[i]!.split('>')[1])).toBe(true);
      const down = statesOfUs(x, XX).find((h) => h.entry.body.state === 'down')!;
      expect(down.entry.body.reason).toMatch(/^no signed echo for \d+ s$/);
      expect(statesOfUs(x, CN)).toHaveLength(1); // the line to CN never changed
      // ---- the peers' link records naming either other party: accepted, relayed to the third ----
      const now = Date.now();
      const q = (base: number) => ({ min: base, p50: base + 1, p90: base + 2, p99: base + 3, max: base + 4 });
      const cnSum = cn.write(id, 'link.summary', { from: now - 60_000, until: now, peers: [{ peer: US, sent: 60, answered: 59, failures: 1, rttMs: q(1), offsetMs: q(-2), state: 'up' }, { peer: XX, sent: 0, answered: 0, failures: 0, state: 'down' }] });
      const xState = x.write(id, 'link.state', { peer: CN, state: 'down', was: 'degraded', at: now, reason: 'no stream to CN' });
      await waitFor('US to hold both', async () => (await usHoldsOfPeer(id, cnSum.entry.seq))[0] === cnSum.text && (await fedRequest(endpoint, x.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${XX}&from=${xState.entry.seq}&limit=1`)).text === `${xState.text}\n`, 10_000);
      await waitFor('XX to hold CN\'s summary and CN to hold XX\'s link.state, relayed by US', () => x.log(x.channel(id), CN).some((h) => h.hash === cnSum.hash) && cn.log(ch, XX).some((h) => h.hash === xState.hash), 15_000);
      // ---- refused, each with its code (one batch of CN, all at its next place) ----
      const stranger = newEd25519().pub;
      const line = (peer: string) => ({ peer, sent: 2, answered: 0, failures: 2, state: 'down' });
      const sum = (peers: unknown[]) => ({ from: now - 1000, until: now, peers });
      const cases: Array<[string, string, Record<string, unknown>, string]> = [
        ['a summary naming its author', 'link.summary', sum([line(US), line(CN)]), 'LINK_RECORD_INVALID'],
        ['a summary naming a peer twice', 'link.summary', sum([line(US), line(XX), line(US)]), 'LINK_RECORD_INVALID'],
        ['a summary naming a non-party', 'link.summary', sum([line(XX), line(stranger)]), 'LINK_RECORD_INVALID'],
        ['a state naming its author', 'link.state', { peer: CN, state: 'down', was: 'up', at: now, reason: 'r' }, 'LINK_RECORD_INVALID'],
        ['a state naming a non-party', 'link.state', { peer: stranger, state: 'down', was: 'up', at: now, reason: 'r' }, 'LINK_RECORD_INVALID'],
        ['a summary naming no peer', 'link.summary', sum([]), 'ENTRY_MALFORMED'],
        ['a peer by its code', 'link.summary', sum([line('XX')]), 'ENTRY_MALFORMED'],
        ['a state not in the list', 'link.state', { peer: XX, state: 'unknown', was: 'up', at: now, reason: 'r' }, 'ENTRY_MALFORMED'],
      ];
      // CN writes nothing by itself meanwhile (a receipt at that place would make them equivocations).
      cn.quiet = true;
      const cnOwn = () => cn.log(ch, CN);
      await waitFor('US to hold all of CN', async () => (await usHoldsOfPeer(id, cnOwn().length))[0] === cnOwn().at(-1)!.text, 5_000);
      const signed = cases.map(([, kind, body]) => cn.sign(id, kind, body));
      const r = await rawBatch([id], signed.map((h) => h.text));
      cn.quiet = false;
      expect(r.rejected.map((y, i) => `${cases[i]![0]}: ${y.code}`)).toEqual(cases.map(([why, , , code]) => `${why}: ${code}`));
      // The peer judges the rules of §6.2 alike (the last three break the schema, Appendix A, which the peer does not check).
      expect(signed.slice(0, 5).map((h, i) => `${cases[i]![0]}: ${judgeInContext(ch.proposal, cn.causalPast(ch, h.entry), h.entry, cn.formats)}`)).toEqual(cases.slice(0, 5).map(([why, , , code]) => `${why}: ${code}`));
      expect(cn.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]);
      expect(x.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]);
      linked = { id, C0 };
    } catch (e) {
      failedWithXX(e);
    } finally {
      x.mutedEchoes = false;
      cn.quiet = false;
    }
  }, 90_000);

  it('§5.3-5.4 amendments while a channel of three is suspended: CN\'s amendment answered by both others while XX holds a suspension (adopted, still suspended); one declined by XX while US holds one (declined); one accepted by US, then withdrawn by CN (withdrawn); meanwhile messages and amendments are refused, link records and answers accepted, a second answer or another party\'s withdrawal refused with its code; after the resumptions the first amendment is in force; the transcript verifies', async () => {
    expect(linked, 'the link-record test ran').toBeDefined();
    const { call, api, token } = ctx!;
    const { cn, x, US, CN, XX } = threeParties();
    const { id, C0 } = linked!;
    type Detail = { state: string; charterHash: string; pendingAmendment?: unknown; charter: { title: Record<string, string> } };
    const onUs = () => call<Detail>('GET', `/api/v1/channels/${id}`);
    const usTries = async (path: string, body: unknown) => {
      const r = await fetch(`${api}/api/v1/channels/${id}/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return [r.status, ((await r.json()) as { code?: string }).code];
    };
    const holds = (p: SpecPeer, author: string, hash: string) => p.log(p.channel(id), author).some((h) => h.hash === hash);
    const usHolds = (p: SpecPeer, h: Held) =>
      waitFor(`US to hold ${p.code}'s ${h.entry.kind}`, async () => (await fedRequest(ctx!.endpoint, p.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${p.card.party}&from=${h.entry.seq}&limit=1`)).text === `${h.text}\n`, 10_000);
    /** Entries of `p` signed at its next place, sent in one batch: US's codes, and the peer's own judgement of each. */
    const refused = async (p: SpecPeer, cases: Array<[string, string, Record<string, unknown>]>) => {
      p.quiet = true;
      try {
        const own = p.log(p.channel(id), p.card.party);
        await usHolds(p, own.at(-1)!);
        const signed = cases.map(([, kind, body]) => p.sign(id, kind, body));
        const ch = p.channel(id);
        const judged = signed.map((h) => judgeInContext(ch.proposal, p.causalPast(ch, h.entry), h.entry, p.formats));
        const r = await rawBatch([id], signed.map((h) => h.text), p);
        return cases.map(([why], i) => `${why}: ${r.rejected[i]?.code ?? 'accepted'} (peer: ${judged[i] ?? 'accepted'})`);
      } finally {
        p.quiet = false;
      }
    };
    const statuses = (p: SpecPeer) => p.view(id).amendments.map((a) => [a.hash, a.status]);
    const by = { name: 'Wang Lei', title: 'Envoy', role: 'plenipotentiary' };
    try {
      await waitFor('US to see the channel active', async () => (await onUs()).state === 'active');
      // ---- A1: CN amends; XX suspends; US and XX accept while suspended: adopted, still suspended ----
      const A1: Charter = { ...C0, title: { en: 'Renamed while suspended' } };
      const hA1 = charterHash(A1);
      const am1 = cn.write(id, 'charter.amend', { charter: A1, reason: 'A better title' });
      await waitFor('XX to hold the amendment of CN, relayed', () => holds(x, CN, am1.hash));
      const s1 = x.write(id, 'channel.suspend', { reason: 'Consultations at home' });
      await waitFor('US to see the channel suspended, the amendment pending', async () => { const d = await onUs(); return d.state === 'suspended' && d.pendingAmendment !== undefined; });
      await waitFor('CN to hold the suspension of XX', () => holds(cn, XX, s1.hash));
      // What may be written meanwhile (§5.5): no message, no second amendment; link records, acks, answers.
      expect(await usTries('messages', { text: 'x', precedence: 'ROUTINE', lang: 'en' })).toEqual([409, 'CHANNEL_NOT_ACTIVE']);
      expect(await usTries('amend', { addFormats: ['exercise-notice'], reason: 'x' })).toEqual([409, 'ENTRY_KIND_NOT_ALLOWED']);
      expect(await refused(cn, [
        ['a message', 'message', { text: 'x', lang: 'en', precedence: 'ROUTINE' }],
        ['a second amendment', 'charter.amend', { charter: { ...C0, title: { en: 'Another' } }, reason: 'r' }],
        ['a dialogue entry', 'issue.open', { title: { en: 'x' }, category: 'trade', by }],
      ])).toEqual(['a message: ENTRY_KIND_NOT_ALLOWED (peer: ENTRY_KIND_NOT_ALLOWED)', 'a second amendment: ENTRY_KIND_NOT_ALLOWED (peer: ENTRY_KIND_NOT_ALLOWED)', 'a dialogue entry: ENTRY_KIND_NOT_ALLOWED (peer: ENTRY_KIND_NOT_ALLOWED)']);
      expect(await refused(x, [['XX withdrawing CN\'s amendment', 'charter.withdraw', { charter: hA1, reason: 'not ours' }]])).toEqual(['XX withdrawing CN\'s amendment: ENTRY_BAD_REFERENCE (peer: ENTRY_BAD_REFERENCE)']);
      const now = Date.now();
      const sum = cn.write(id, 'link.summary', { from: now - 1000, until: now, peers: [{ peer: US, sent: 1, answered: 0, failures: 1, state: 'down' }] });
      await usHolds(cn, sum);
      const usAcc1 = await call<{ entry: string }>('POST', `/api/v1/channels/${id}/accept`, {});
      await waitFor('XX to hold the acceptance of US', () => holds(x, US, usAcc1.entry));
      expect(statuses(x)).toEqual([[hA1, 'pending']]);
      const xAcc1 = x.write(id, 'charter.accept', { charter: hA1 });
      await usHolds(x, xAcc1);
      await waitFor('US to show A1 in force', async () => (await onUs()).charterHash === hA1);
      const d1 = await onUs();
      expect([d1.state, d1.pendingAmendment, d1.charter.title]).toEqual(['suspended', undefined, { en: 'Renamed while suspended' }]);
      await waitFor('CN to hold the acceptance of XX, relayed', () => holds(cn, XX, xAcc1.hash));
      for (const p of [cn, x]) expect([p.view(id).state, statuses(p), p.view(id).charter.title]).toEqual(['suspended', [[hA1, 'adopted']], A1.title]);
      expect(await refused(x, [['XX accepting A1 again', 'charter.accept', { charter: hA1 }], ['XX declining the adopted A1', 'charter.decline', { charter: hA1, reason: 'late' }]])).toEqual(['XX accepting A1 again: ENTRY_KIND_NOT_ALLOWED (peer: ENTRY_KIND_NOT_ALLOWED)', 'XX declining the adopted A1: ENTRY_KIND_NOT_ALLOWED (peer: ENTRY_KIND_NOT_ALLOWED)']);
      // ---- A2: XX resumes; CN amends; US suspends; XX declines while suspended: declined ----
      x.write(id, 'channel.resume', { reason: 'Back' });
      await waitFor('US to see the channel active', async () => (await onUs()).state === 'active');
      // CN amends only once the resumption is in its causal past (else its amendment is ENTRY_KIND_NOT_ALLOWED).
      await waitFor('CN to hold the resumption of XX, relayed', () => cn.view(id).state === 'active');
      const A2: Charter = { ...A1, title: { en: 'Second title' } };
      const hA2 = charterHash(A2);
      const am2 = cn.write(id, 'charter.amend', { charter: A2, reason: 'Another title' });
      await waitFor('US to hold the amendment', async () => (await onUs()).pendingAmendment !== undefined);
      await call('POST', `/api/v1/channels/${id}/suspend`, { reason: 'Ours now' });
      await waitFor('XX to hold the amendment and US\'s suspension', () => holds(x, CN, am2.hash) && x.view(id).suspendedBy.has(US));
      const xDec = x.write(id, 'charter.decline', { charter: hA2, reason: 'Not now' });
      await usHolds(x, xDec);
      await waitFor('US to show no pending amendment', async () => (await onUs()).pendingAmendment === undefined);
      const d2 = await onUs();
      expect([d2.state, d2.charterHash]).toEqual(['suspended', hA1]);
      expect(await usTries('accept', {})).toEqual([409, 'ENTRY_KIND_NOT_ALLOWED']); // nothing pending to accept
      await waitFor('CN to hold the decline of XX, relayed', () => holds(cn, XX, xDec.hash));
      expect(await refused(cn, [['CN withdrawing the declined A2', 'charter.withdraw', { charter: hA2, reason: 'r' }]])).toEqual(['CN withdrawing the declined A2: ENTRY_BAD_REFERENCE (peer: ENTRY_BAD_REFERENCE)']);
      await call('POST', `/api/v1/channels/${id}/resume`, {});
      await waitFor('US to see the channel active', async () => (await onUs()).state === 'active');
      await waitFor('CN to hold the resumption of US', () => cn.view(id).state === 'active');
      // ---- A3: CN amends; XX suspends; US accepts; CN withdraws while suspended: withdrawn ----
      const A3: Charter = { ...A1, title: { en: 'Third title' } };
      const hA3 = charterHash(A3);
      const am3 = cn.write(id, 'charter.amend', { charter: A3, reason: 'Yet another title' });
      await waitFor('XX to hold the amendment of CN, relayed', () => holds(x, CN, am3.hash));
      x.write(id, 'channel.suspend', { reason: 'Again' });
      await waitFor('US to see the channel suspended', async () => (await onUs()).state === 'suspended');
      await call('POST', `/api/v1/channels/${id}/accept`, {});
      const wd = cn.write(id, 'charter.withdraw', { charter: hA3, reason: 'Thought better of it' });
      await usHolds(cn, wd);
      await waitFor('US to show no pending amendment', async () => (await onUs()).pendingAmendment === undefined);
      const d3 = await onUs();
      expect([d3.state, d3.charterHash, d3.charter.title]).toEqual(['suspended', hA1, A1.title]);
      await waitFor('XX to hold the withdrawal, relayed', () => holds(x, CN, wd.hash));
      expect(await refused(x, [['XX accepting the withdrawn A3', 'charter.accept', { charter: hA3 }]])).toEqual(['XX accepting the withdrawn A3: ENTRY_KIND_NOT_ALLOWED (peer: ENTRY_KIND_NOT_ALLOWED)']);
      x.write(id, 'channel.resume', { reason: 'Back again' });
      await waitFor('US to see the channel active', async () => (await onUs()).state === 'active');
      const msg = await call<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'Open under the first amendment', precedence: 'ROUTINE', lang: 'en' });
      await waitFor('XX and CN to hold the message of US', () => [x, cn].every((p) => holds(p, US, msg.id)));
      for (const p of [cn, x]) expect([p.view(id).state, statuses(p), p.view(id).charter.title]).toEqual(['active', [[hA1, 'adopted'], [hA2, 'declined'], [hA3, 'withdrawn']], A1.title]);
      // ---- the transcript ----
      const { bundle, report } = await exportVerified(id, 'three-amended-suspended.jsonl');
      expect([report.valid, report.state, report.errors]).toEqual([true, 'active', []]);
      expect(checkBundle(bundle).kinds.filter((k) => k === 'charter.amend')).toHaveLength(3);
      expect(cn.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]);
      expect(x.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]);
    } catch (e) {
      failedWithXX(e);
    }
  }, 90_000);

  it('§12 "Reconciling": CN comes back from a backup holding fewer of its own entries than US holds; `holds` says so, CN asks for them with `want` naming itself, US relays them on its own stream, CN signs nothing meanwhile, then signs on at the next seq; nothing forks', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { call } = ctx!;
    const cn = peer!;
    const CN = cn.card.party;
    try {
      const id = await cnOpensWithUs('Restore', 60);
      const ch = cn.channel(id);
      for (const t of ['one', 'two', 'three']) cn.send(id, `Before the backup: ${t}`, 'ROUTINE', officer);
      const own = () => cn.log(ch, CN);
      cn.quiet = true;
      await waitFor('US to hold all of CN', async () => (await usHoldsOfPeer(id, own().length))[0] === own().at(-1)!.text, 5_000);
      const before = own().map((h) => h.text);
      expect(before.length).toBeGreaterThanOrEqual(4);
      // ---- the restore: CN keeps its proposal and first entry only, and dials again ----
      const keep = 2;
      const nFrames = cn.frames.length;
      cn.restoreOwn(id, keep);
      expect(own()).toHaveLength(keep);
      expect(() => cn.send(id, 'too early', 'ROUTINE', officer)).toThrow(/recovering/);
      await waitFor('CN to hold its own entries again', () => !cn.reconciling(id), 10_000);
      const frames = cn.frames.slice(nFrames);
      const holds = frames.find((f) => f.dir === 'in' && f.side === 'client' && f.frame.t === 'holds')!;
      expect((holds.frame.holds as Record<string, number>)[id]).toBe(before.length);
      // `heads` names the hash of CN's entry at that seq, above CN's head then: nothing to compare.
      const heads = frames.find((f) => f.dir === 'in' && f.side === 'client' && f.frame.t === 'heads');
      if (heads) expect((heads.frame.heads as Record<string, string>)[id]).toBe(parseEntry(before.at(-1)!).held!.hash);
      const wants = frames.filter((f) => f.dir === 'out' && f.frame.t === 'want').map((f) => f.frame);
      // From `holds` (fromSeq keep + 1 to its seq), or first from an entry of US naming a lost one,
      // pending meanwhile and asked for likewise (§7 step 5): together they ask for exactly the lost ones.
      expect(wants.length).toBeGreaterThan(0);
      for (const w of wants) expect([w.channel, w.author, (w.fromSeq as number) > keep, (w.toSeq as number) <= before.length]).toEqual([id, CN, true, true]);
      expect(Math.min(...wants.map((w) => w.fromSeq as number))).toBe(keep + 1);
      expect(Math.max(...wants.map((w) => w.toSeq as number))).toBe(before.length);
      // US relays them on the stream it opened (its client side, §12), CN's own bytes, in seq order.
      const relayed = frames.filter((f) => f.dir === 'in' && f.side === 'server' && f.frame.t === 'entries').flatMap((f) => f.frame.entries as string[]).filter((t) => parseEntry(t).held?.entry.author === CN);
      expect([...new Set(relayed)]).toEqual(before.slice(keep));
      expect(own().map((h) => h.text)).toEqual(before);
      expect(cn.recovered.map((h) => h.text)).toEqual(before.slice(keep));
      cn.quiet = false;
      // ---- CN signs on from its recovered head: accepted by US, no equivocation ----
      const after = cn.send(id, 'After the restore', 'ROUTINE', officer);
      expect([after.entry.seq, after.entry.prev]).toEqual([before.length + 1, parseEntry(before.at(-1)!).held!.hash]);
      await waitFor('US to show the message after the restore', async () => (await call<ApiMessage[]>('GET', `/api/v1/channels/${id}/messages`)).some((m) => m.id === after.hash));
      const { bundle, report } = await exportVerified(id, 'restore.jsonl');
      expect([report.valid, report.state, report.errors]).toEqual([true, 'active', []]);
      checkBundle(bundle);
      expect(cn.problems).toEqual([]);
    } catch (e) {
      failed(e);
    } finally {
      cn.quiet = false;
    }
  }, 30_000);

  it('§12 "Reconciling", the other way: US restored from a backup holds fewer of its own entries than the peer; on the peer\'s `holds` it asks for them with `want`, the peer relays them, and US signs on at the next seq; nothing forks, the transcript verifies', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { call, usCard, dir } = ctx!;
    const cn = peer!;
    const US = usCard.party;
    const CN = cn.card.party;
    try {
      const { id } = await call<{ id: string }>('POST', '/api/v1/channels', { title: { en: 'US restored' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
      await waitFor('CN to hold the proposal', () => cn.channels.has(id));
      cn.accept(id);
      await waitFor('US to see the channel active', async () => (await call<{ state: string }>('GET', `/api/v1/channels/${id}`)).state === 'active');
      const send = (text: string) => call<{ id: string; seq: number }>('POST', `/api/v1/channels/${id}/messages`, { text, precedence: 'ROUTINE', lang: 'en' });
      const ch = cn.channel(id);
      const usLog = () => cn.log(ch, US);
      const early = await send('before the backup');
      await waitFor('CN to hold it', () => usLog().some((h) => h.hash === early.id));
      // SQLite's online backup (docs/operations.md "Backup and restore"), while US runs.
      const db = join(dir, 'hotline.db');
      const backup = join(root, 'us-backup.db');
      const src = new Database(db);
      await src.backup(backup).finally(() => src.close());
      const later: Array<{ id: string; seq: number }> = [];
      for (const t of ['after the backup: one', 'after the backup: two', 'after the backup: three']) later.push(await send(t));
      await waitFor('CN to hold the three', () => later.every((m) => usLog().some((h) => h.hash === m.id)));
      await waitFor('US to hold CN\'s receipt of them', async () => (await call<ApiMessage[]>('GET', `/api/v1/channels/${id}/messages`)).filter((m) => m.own).every((m) => m.receiptedAt !== null));
      const held = usLog().length;
      // ---- US stops; the old copy replaces its database; US starts again ----
      const old = child!;
      const exited = new Promise<void>((r) => old.once('exit', () => r()));
      old.kill('SIGTERM');
      await exited;
      for (const f of ['hotline.db', 'hotline.db-wal', 'hotline.db-shm']) rmSync(join(dir, f), { force: true });
      const dst = new Database(backup);
      await dst.backup(db).finally(() => dst.close());
      const nFrames = cn.frames.length;
      child = spawn(process.execPath, [MAIN, 'serve', '--data', dir], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: env() });
      child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
      await waitFor('US /healthz', async () => (await fetch(`${ctx!.api}/healthz`)).ok);
      // ---- US signs on only once it holds its own entries again: at the next seq, accepted by CN ----
      const after = await waitFor('US to send again once reconciled', async () => send('after the restore').catch(() => undefined), 20_000);
      expect(after.seq).toBe(usLog()[held - 1]!.entry.seq + 1);
      const m = await waitFor('CN to hold the message after the restore', () => usLog().find((h) => h.hash === after.id));
      expect(m.entry.prev).toBe(usLog()[held - 1]!.hash);
      // What the peer saw: US asked for its own entries on the stream the peer opened (a `want`
      // naming US), and the peer relayed US's own bytes, the three written after the backup among them.
      const frames = cn.frames.slice(nFrames);
      const wants = frames.filter((f) => f.dir === 'in' && f.side === 'client' && f.frame.t === 'want' && f.frame.channel === id).map((f) => f.frame);
      expect(wants.filter((w) => w.author === US).length).toBeGreaterThan(0);
      // (US may also ask for CN's entries it lost with the restore, before CN's stream resends them)
      expect(wants.filter((w) => w.author !== US && w.author !== CN)).toEqual([]);
      const relayed = frames.filter((f) => f.dir === 'out' && f.side === 'client' && f.frame.t === 'entries').flatMap((f) => f.frame.entries as string[]).map((t) => parseEntry(t).held!.hash);
      for (const x of later) expect(relayed).toContain(x.id);
      expect((await call<ApiMessage[]>('GET', `/api/v1/channels/${id}/messages`)).filter((x) => x.own).map((x) => x.id)).toEqual(expect.arrayContaining([early.id, ...later.map((x) => x.id), after.id]));
      const { report } = await exportVerified(id, 'us-restored.jsonl');
      expect([report.valid, report.state, report.errors]).toEqual([true, 'active', []]);
      expect(cn.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]);
    } catch (e) {
      failed(e);
    }
  }, 60_000);

  it('§4.2 equivocation over federation: a second entry of CN for a place US holds, signed by CN\'s key, is ENTRY_EQUIVOCATION and kept as evidence (US keeps the first; `heads` still names it); one signed by a key not CN\'s is a forgery (ENTRY_UNKNOWN_KEY), not evidence; the export carries the evidence and the verifier keeps the smallest hash (§8.2 step 12)', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { call, dir, endpoint } = ctx!;
    const cn = peer!;
    const CN = cn.card.party;
    try {
      const id = await cnOpensWithUs('Fork', 86_400);
      const ch = cn.channel(id);
      cn.send(id, 'The first of two', 'ROUTINE', officer);
      const own = () => cn.log(ch, CN);
      cn.quiet = true;
      try {
        await waitFor('US to hold all of CN', async () => (await usHoldsOfPeer(id, own().length))[0] === own().at(-1)!.text, 5_000);
        // Two other entries for the place of CN's last entry: one signed by CN's terminal key, one by a key of no card.
        const kept = own().at(-1)!;
        const saved = own().splice(own().length - 1);
        const fork = cn.sign(id, 'message', { text: 'Another entry at the same place', lang: 'en', precedence: 'ROUTINE' });
        const forgery = cn.sign(id, 'message', { text: 'Forged', lang: 'en', precedence: 'ROUTINE' }, undefined, newEd25519());
        own().push(...saved);
        expect([fork.entry.seq, fork.entry.prev, forgery.entry.seq]).toEqual([kept.entry.seq, kept.entry.prev, kept.entry.seq]);
        const r = await rawBatch([id], [forgery.text, fork.text]);
        expect(r.rejected.map((x) => `${x.hash}: ${x.code}`)).toEqual([`${forgery.hash}: ENTRY_UNKNOWN_KEY`, `${fork.hash}: ENTRY_EQUIVOCATION`]);
        // US keeps the entry it held first: `heads` on a new hello still names it; the second is evidence.
        const s = await openStream(endpoint, cn.identity);
        s.send({ t: 'hello', v: 1, channels: [id] });
        expect(await s.next((f) => f.t === 'heads')).toEqual({ t: 'heads', heads: { [id]: kept.hash } });
        s.close();
        const evidence = await call<Array<{ author: string; seq: number; firstRaw: string; secondRaw: string }>>('GET', `/api/v1/channels/${id}/evidence`);
        expect(evidence.map((x) => [x.author, x.seq, x.firstRaw, x.secondRaw])).toEqual([[CN, kept.entry.seq, kept.text, fork.text]]);
        expect((await call<{ equivocations: number }>('GET', `/api/v1/channels/${id}`)).equivocations).toBe(1);
        // The export is the log held (§8.1): the evidence is not in it, and it verifies.
        const bundle = await ok(['export', id, '--data', dir], root);
        expect([bundle.includes(kept.text), bundle.includes(fork.text), bundle.includes(forgery.text)]).toEqual([true, false, false]);
        const pathF = join(root, 'fork.jsonl');
        writeFileSync(pathF, bundle);
        const plain = JSON.parse((await run(['verify', pathF, '--json'], root)).stdout) as { valid: boolean; equivocations: unknown[] };
        expect([plain.valid, plain.equivocations]).toEqual([true, []]);
        // With the evidence added, the offline verifier keeps the smallest hash and reports the other (§8.2 step 12, §8.3).
        const pathE = join(root, 'fork-evidence.jsonl');
        writeFileSync(pathE, `${bundle}${fork.text}\n`);
        const report = JSON.parse((await run(['verify', pathE, '--json'], root)).stdout) as { valid: boolean; errors: Array<{ code: string }>; equivocations: Array<{ author: string; seq: number; entries: string[] }> };
        const [smaller, larger] = [kept, fork].sort((a, b) => (a.hash < b.hash ? -1 : 1));
        expect(report.valid).toBe(false);
        expect(report.equivocations).toEqual([{ author: CN, seq: kept.entry.seq, entries: [smaller!.text, larger!.text] }]);
        expect(report.errors.map((e) => e.code)).toContain('ENTRY_EQUIVOCATION');
        // US's log goes on from the entry it kept: CN's next entry after it is accepted.
        cn.quiet = false;
        const next = cn.send(id, 'After the equivocation', 'ROUTINE', officer);
        expect(next.entry.prev).toBe(kept.hash);
        await waitFor('US to show it', async () => (await call<ApiMessage[]>('GET', `/api/v1/channels/${id}/messages`)).some((m) => m.id === next.hash));
        expect(cn.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]); // (the restart of US above)
      } finally {
        cn.quiet = false;
      }
    } catch (e) {
      failed(e);
    }
  }, 30_000);

  /** The channel of CN, US and XX in which CN relays (the relay-wants test), for the removal test after it. */
  let relay: { id: string; C0: Charter } | undefined;

  it('§12 relay wants: CN is the middle party of US–CN–XX and XX has no stream to US; US asks CN with `want {author: XX}` for the receipts of XX, CN answers with the XX entries it holds, US holds XX\'s receipt of its FLASH within seconds, and US stops asking once XX\'s receipts cover its entries', async () => {
    const { cn, x, US, CN, XX } = threeParties();
    const { call, endpoint } = ctx!;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      // A charter of three whose link tests do not fall in the test (US writes nothing by itself).
      const C0: Charter = {
        title: { en: 'Relay wants' }, tier: 'working', languages: ['en'], linkTestIntervalSec: 86400,
        ackDeadlineSec: deadlines,
        parties: [{ party: CN, code: 'CN', roles: all }, { party: US, code: 'US', roles: all }, { party: XX, code: 'XX', roles: all }],
      };
      const id = cn.propose(C0).hash;
      const stateOnUs = async () => (await call<{ state: string }>('GET', `/api/v1/channels/${id}`).catch(() => ({ state: 'none' }))).state;
      await waitFor('US to hold the proposal of CN', async () => (await stateOnUs()) === 'proposed');
      await call('POST', `/api/v1/channels/${id}/accept`, {});
      // XX (still linked to US both ways) learns the channel from US's acceptance, relayed by US.
      await waitFor('XX to hold the proposal, relayed by US', () => x.channels.has(id));
      x.accept(id);
      await waitFor('US to see the channel active', async () => (await stateOnUs()) === 'active');
      await waitFor('CN to see the channel active', () => cn.view(id).state === 'active');
      const xLog = () => x.log(x.channel(id), XX);
      const usHoldsOfXX = async (): Promise<string[]> => {
        const r = await fedRequest(endpoint, cn.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${XX}&from=1&limit=1024`);
        return r.text === '' ? [] : r.text.slice(0, -1).split('\n');
      };
      await waitFor('US to hold all of XX', async () => (await usHoldsOfXX()).join('\n') === xLog().map((h) => h.text).join('\n'));
      // ---- XX's stream to US is cut (US's stream to XX stays up: US's entries reach XX directly) ----
      x.disconnect();
      await sleep(500);
      const n0 = (await usHoldsOfXX()).length;
      expect(n0).toBeGreaterThan(0);
      const mark = cn.frames.length;
      const wantsOfXX = (from: number) => cn.frames.slice(from).filter((f) => f.dir === 'in' && f.side === 'client' && f.frame.t === 'want' && f.frame.channel === id && f.frame.author === XX).map((f) => f.frame);
      const m = await call<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'FLASH through the middle', precedence: 'FLASH', lang: 'en' });
      const mSeq = (await waitFor('CN to hold the FLASH', () => cn.log(cn.channel(id), US).find((h) => h.hash === m.id))).entry.seq;
      const covers = (h: Held) => h.entry.kind === 'receipt' && (h.entry.body.holds as Array<{ author: string; seq: number }>).some((i) => i.author === US && i.seq >= mSeq);
      // CN receipts it, and US holds that receipt; then CN writes nothing more by itself, so that
      // nothing of CN names XX's receipt in its heads (which would bring it to US as a pending entry).
      const cnRcpt = await waitFor('CN to receipt the FLASH', () => cn.log(cn.channel(id), CN).find(covers));
      cn.quiet = true;
      await waitFor('US to hold the receipt of CN', async () => (await usHoldsOfPeer(id, cnRcpt.entry.seq))[0] === cnRcpt.text, 5_000);
      const xRcpt = await waitFor('XX to receipt the FLASH (received on US\'s stream to XX)', () => xLog().find(covers));
      const msgOnUs = async () => (await call<ApiMessage[]>('GET', `/api/v1/channels/${id}/messages`)).find((y) => y.id === m.id);
      expect((await msgOnUs())?.receiptedAt).toBeNull(); // XX's receipt is not on US yet
      // US asks CN (the only other party with a stream to it) for XX's entries beyond those it holds.
      await waitFor('a want of XX from US on CN\'s stream', () => wantsOfXX(mark).length > 0, 5_000);
      expect(wantsOfXX(mark)[0]).toEqual({ t: 'want', channel: id, author: XX, fromSeq: n0 + 1, toSeq: n0 + 1024 });
      // ---- XX's entries reach CN (as XX's stream to CN would carry them): machine-written ones (its
      // receipts, its echo of US's link test); CN is quiet, so nothing of CN names them ----
      const handed = xLog().slice(n0);
      expect(handed.map((h) => h.hash)).toContain(xRcpt.hash);
      expect(handed.filter((h) => h.entry.kind !== 'receipt' && h.entry.kind !== 'link.echo')).toEqual([]);
      const handedAt = Date.now();
      const markHanded = cn.frames.length;
      for (const h of handed) expect(cn.ingest(h.text).outcome).toBe('accepted');
      await waitFor('US to hold the receipt of XX, relayed by CN', async () => (await usHoldsOfXX()).includes(xRcpt.text), 10_000);
      const took = Date.now() - handedAt;
      expect(took).toBeLessThan(8_000);
      // It came on a want: CN's client side answered a want of XX with a batch holding it, and no
      // entry of CN names it.
      const served = cn.frames.slice(markHanded).filter((f) => f.dir === 'out' && f.side === 'client' && f.frame.t === 'entries' && (f.frame.entries as string[]).includes(xRcpt.text));
      expect(served.length).toBeGreaterThanOrEqual(1);
      expect(wantsOfXX(markHanded).length).toBeGreaterThanOrEqual(1);
      expect(cn.log(cn.channel(id), CN).filter((h) => h.entry.heads[XX]?.hash === xRcpt.hash)).toEqual([]);
      await waitFor('US to show the FLASH received by all', async () => (await msgOnUs())?.receiptedAt != null, 5_000);
      // ---- US stops asking: XX's receipts cover its entries (XX's log grew on US, so an ask still
      // due would go out at once; none comes in 3 s) ----
      // An ask US makes from now on would start past what it holds of XX; one starting at or below
      // it was sent earlier and read late by CN (a loaded machine), which is not asking again.
      const heldOfXX = (await usHoldsOfXX()).length;
      const quietFrom = cn.frames.length;
      await sleep(3_000);
      expect(wantsOfXX(quietFrom).filter((w) => (w.fromSeq as number) > heldOfXX)).toEqual([]);
      expect(wantsOfXX(mark).length).toBeGreaterThanOrEqual(2);
      relay = { id, C0 };
      cn.quiet = false;
      expect(cn.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]); // (the restart of US before)
      expect(x.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]);
    } catch (e) {
      failedWithXX(e);
    } finally {
      cn.quiet = false;
    }
  }, 40_000);

  it('§5.3 a party removed by an adopted amendment (§7 step 9, heads rule 4): CN proposes the charter without XX, XX and US accept; XX\'s later entries are ENTRY_AUTHOR_NOT_PARTY (the peer judges the same), entries of US and CN still naming XX\'s log are accepted, the channel is no longer shared with XX, the transcript verifies', async () => {
    const { cn, x, US, CN, XX } = threeParties();
    expect(relay, 'the relay-wants test ran').toBeDefined();
    const { call, endpoint } = ctx!;
    const { id, C0 } = relay!;
    const ch = cn.channel(id);
    try {
      // ---- CN proposes the charter without XX; XX (given CN's entries as its stream from CN would carry them) accepts ----
      const A1: Charter = { ...C0, parties: C0.parties.filter((p) => p.party !== XX) };
      const hA1 = charterHash(A1);
      const amend = cn.write(id, 'charter.amend', { charter: A1, reason: 'XX leaves the channel' });
      await waitFor('US to hold the amendment', async () => (await usHoldsOfPeer(id, amend.entry.seq))[0] === amend.text, 5_000);
      x.quiet = true; // XX writes only what the test has it write
      const giveX = () => {
        for (const h of [...cn.log(ch, CN), ...cn.log(ch, US)]) expect(['accepted', 'duplicate', 'pending']).toContain(x.ingest(h.text).outcome);
      };
      giveX();
      expect(x.view(id).amendments.map((a) => [a.hash, a.status])).toEqual([[hA1, 'pending']]);
      const xAcc = x.write(id, 'charter.accept', { charter: hA1 });
      // XX's acceptance reaches CN (XX's stream to CN); CN's receipt names it, so US asks CN for it (want) and gets it relayed.
      // (Pending a moment when US's stream to XX brought XX an entry of US that CN does not hold yet.)
      expect(['accepted', 'pending']).toContain(cn.ingest(xAcc.text).outcome);
      await waitFor('CN to take in the acceptance of XX', () => cn.log(ch, XX).some((h) => h.hash === xAcc.hash), 5_000);
      type Detail = { state: string; charterHash: string; pendingAmendment?: unknown; parties: Array<{ code: string }> };
      const onUs = () => call<Detail>('GET', `/api/v1/channels/${id}`);
      await waitFor('US to hold the acceptance of XX, relayed by CN', async () => (await fedRequest(endpoint, cn.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${XX}&from=${xAcc.entry.seq}`)).text === `${xAcc.text}\n`, 10_000);
      const usAcc = await call<{ entry: string }>('POST', `/api/v1/channels/${id}/accept`, {});
      const usAccHeld = await waitFor('CN to hold the acceptance of US', () => cn.log(ch, US).find((h) => h.hash === usAcc.entry));
      expect(usAccHeld.entry.body).toEqual({ charter: hA1 });
      expect(cn.view(id).amendments.map((a) => [a.hash, a.status])).toEqual([[hA1, 'adopted']]);
      expect(cn.view(id).charter.parties.map((p) => p.code)).toEqual(['CN', 'US']);
      const usView = await onUs();
      expect([usView.state, usView.charterHash, usView.pendingAmendment, usView.parties.map((p) => p.code).sort()]).toEqual(['active', hA1, undefined, ['CN', 'US']]);
      // ---- XX, holding the adoption, writes again: refused at step 9 (a party of no charter in force nor pending amendment) ----
      giveX();
      expect(x.view(id).amendments.map((a) => a.status)).toEqual(['adopted']);
      expect(x.writes(id)).toBe(false);
      const xs = await openStream(endpoint, x.identity);
      xs.send({ t: 'hello', v: 1, channels: [id] });
      await xs.next((f) => f.t === 'holds');
      const late: Array<[string, Held]> = [
        ['a receipt of XX', x.sign(id, 'receipt', { holds: [{ author: US, seq: usAccHeld.entry.seq, hash: usAccHeld.hash }] })],
        ['a message of XX', x.sign(id, 'message', { text: 'Still here', lang: 'en', precedence: 'ROUTINE' })],
      ];
      const got: string[] = [];
      let batch = 0;
      for (const [what, h] of late) {
        expect(h.entry.seq).toBe(xAcc.entry.seq + 1); // the same place: a refused entry leaves it free
        const nx = xs.frames.length;
        xs.send({ t: 'entries', id: ++batch, entries: [h.text] });
        const st = await xs.next((f) => f.t === 'stored', nx);
        got.push(`${what}: ${(st.rejected as Array<{ code: string }>)[0]?.code ?? `none (${String(st.accepted)} accepted, ${String(st.pending)} pending)`}`);
        // What the peer itself says of it (§7 step 9 on the entry's causal past).
        expect(judgeInContext(ch.proposal, cn.causalPast(ch, h.entry), h.entry, cn.formats), what).toBe('ENTRY_AUTHOR_NOT_PARTY');
      }
      xs.close();
      expect(got).toEqual(late.map(([what]) => `${what}: ENTRY_AUTHOR_NOT_PARTY`));
      // ---- entries still naming XX's log (rules 2-3 keep it in every later entry's heads) are accepted ----
      const usAfter = await call<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'After XX left', precedence: 'ROUTINE', lang: 'en' });
      const usM = await waitFor('CN to hold the message of US', () => cn.log(ch, US).find((h) => h.hash === usAfter.id));
      expect(usM.entry.heads[XX]).toEqual({ seq: xAcc.entry.seq, hash: xAcc.hash });
      const cnM = cn.send(id, 'After XX left, from CN', 'ROUTINE', officer);
      expect(cnM.entry.heads[XX]).toEqual({ seq: xAcc.entry.seq, hash: xAcc.hash });
      await waitFor('US to show the message of CN', async () => (await call<ApiMessage[]>('GET', `/api/v1/channels/${id}/messages`)).some((m) => m.id === cnM.hash), 5_000);
      // ---- no longer shared with XX (§12 plain HTTPS) ----
      const xxOnUs = await fedRequest(endpoint, x.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${US}&from=1`);
      expect([xxOnUs.status, (JSON.parse(xxOnUs.text) as { code: string }).code]).toEqual([404, 'CHANNEL_NOT_FOUND']);
      // ---- the transcript verifies, XX's log in it up to its acceptance ----
      const { bundle, report } = await exportVerified(id, 'removed.jsonl');
      expect([report.valid, report.state, report.errors]).toEqual([true, 'active', []]);
      const checked = checkBundle(bundle);
      expect(checked.authors).toEqual(new Set([US, CN, XX]));
      expect(cn.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]);
    } catch (e) {
      failedWithXX(e);
    } finally {
      x.quiet = false;
    }
  }, 30_000);

  it('§5.4 answering a pending amendment while suspended: US accepts CN\'s amendment while CN holds a suspension (adopted, still suspended); US\'s amendment is declined by CN while US holds one (declined, still suspended); the peer judges both alike; the transcript verifies', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { call, usCard } = ctx!;
    const cn = peer!;
    const US = usCard.party;
    const CN = cn.card.party;
    try {
      const C0: Charter = {
        title: { en: 'Amended while suspended' }, tier: 'working', languages: ['en'], linkTestIntervalSec: 86400,
        ackDeadlineSec: deadlines,
        parties: [{ party: CN, code: 'CN', roles: all }, { party: US, code: 'US', roles: all }],
      };
      const id = cn.propose(C0).hash;
      const ch = cn.channel(id);
      type Detail = { state: string; charterHash: string; pendingAmendment?: unknown; charter: { title: Record<string, string>; protocol?: number } };
      const onUs = () => call<Detail>('GET', `/api/v1/channels/${id}`);
      await waitFor('US to hold the proposal of CN', async () => (await onUs().catch(() => undefined))?.state === 'proposed');
      await call('POST', `/api/v1/channels/${id}/accept`, {});
      await waitFor('CN to see the channel active', () => cn.view(id).state === 'active');
      // ---- CN amends (a new title), then suspends; US accepts the amendment while suspended ----
      const A1: Charter = { ...C0, title: { en: 'Renamed while suspended' } };
      const hA1 = charterHash(A1);
      cn.write(id, 'charter.amend', { charter: A1, reason: 'A better title' });
      const susp = cn.write(id, 'channel.suspend', { reason: 'Consultations at home' });
      await waitFor('US to see the channel suspended', async () => (await onUs()).state === 'suspended');
      expect((await onUs()).pendingAmendment).toBeDefined();
      const usAcc = await call<{ entry: string }>('POST', `/api/v1/channels/${id}/accept`, {});
      const usAccHeld = await waitFor('CN to hold the acceptance of US', () => cn.log(ch, US).find((h) => h.hash === usAcc.entry));
      expect(usAccHeld.entry.body).toEqual({ charter: hA1 });
      expect(usAccHeld.entry.heads[CN]!.seq).toBeGreaterThanOrEqual(susp.entry.seq); // written with the suspension in its causal past
      expect([cn.view(id).state, cn.view(id).amendments.map((a) => [a.hash, a.status]), cn.view(id).charter.title]).toEqual(['suspended', [[hA1, 'adopted']], { en: 'Renamed while suspended' }]);
      const v1 = await onUs();
      expect([v1.state, v1.charterHash, v1.pendingAmendment, v1.charter.title]).toEqual(['suspended', hA1, undefined, { en: 'Renamed while suspended' }]);
      // ---- CN resumes; US amends (to version 2) and suspends; CN declines the amendment while suspended ----
      cn.write(id, 'channel.resume', {});
      await waitFor('US to see the channel active', async () => (await onUs()).state === 'active');
      const usAmend = await call<{ entry: string }>('POST', `/api/v1/channels/${id}/amend`, { protocol: 2, reason: 'Proofs of single messages' });
      const am2 = await waitFor('CN to hold the amendment of US', () => cn.log(ch, US).find((h) => h.hash === usAmend.entry));
      const h2 = charterHash(am2.entry.body.charter);
      const usSusp = await call<{ entry: string }>('POST', `/api/v1/channels/${id}/suspend`, { reason: 'Ours now' });
      await waitFor('CN to hold the suspension of US', () => cn.log(ch, US).some((h) => h.hash === usSusp.entry));
      expect([cn.view(id).state, [...cn.view(id).suspendedBy]]).toEqual(['suspended', [US]]);
      const decline = cn.write(id, 'charter.decline', { charter: h2, reason: 'Not while we talk at home' });
      expect(decline.entry.heads[US]!.seq).toBeGreaterThanOrEqual(cn.log(ch, US).find((h) => h.hash === usSusp.entry)!.entry.seq);
      await waitFor('US to hold the decline', async () => (await usHoldsOfPeer(id, decline.entry.seq))[0] === decline.text, 5_000);
      await waitFor('US to show no pending amendment', async () => (await onUs()).pendingAmendment === undefined, 5_000);
      const v2 = await onUs();
      expect([v2.state, v2.charterHash, v2.charter.protocol ?? 1]).toEqual(['suspended', hA1, 1]);
      expect([cn.view(id).state, cn.view(id).amendments.map((a) => [a.hash, a.status])]).toEqual(['suspended', [[hA1, 'adopted'], [h2, 'declined']]]);
      const { bundle, report } = await exportVerified(id, 'amended-suspended.jsonl');
      expect([report.valid, report.state, report.errors]).toEqual([true, 'suspended', []]);
      expect(checkBundle(bundle).kinds.filter((k) => k.startsWith('charter.')).sort()).toEqual(['charter.accept', 'charter.accept', 'charter.amend', 'charter.amend', 'charter.decline', 'charter.propose']);
      expect(cn.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]);
    } catch (e) {
      failed(e);
    }
  }, 30_000);

  it('§12 "A forked own log": CN, restored from an old backup, signs on before US is back; at the next connection `heads` names another hash at the seq US holds; CN asks for its own entries with `want` (fromSeq max(1, N − 1023), toSeq N), US relays them, and the copy at N differs: the fork is proven at N, CN signs nothing more there and pushes none of its forked entries', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { call } = ctx!;
    const cn = peer!;
    const CN = cn.card.party;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      const id = await cnOpensWithUs('Forked own log', 86400);
      const ch = cn.channel(id);
      for (const t of ['one', 'two']) cn.send(id, `Before the backup was put back: ${t}`, 'ROUTINE', officer);
      cn.quiet = true;
      const own = () => cn.log(ch, CN);
      await waitFor('US to hold all of CN', async () => (await usHoldsOfPeer(id, own().length))[0] === own().at(-1)!.text, 5_000);
      const n = own().length;
      const kept = own().at(-1)!;
      // ---- the old backup is put back (CN's log cut to n - 1) and CN signs on at once: another entry n, and n + 1 ----
      cn.rewindOwn(id, n - 1);
      const forkN = cn.write(id, 'message', { text: 'Signed on from the old backup', lang: 'en', precedence: 'ROUTINE' });
      const forkN1 = cn.write(id, 'message', { text: 'And once more', lang: 'en', precedence: 'ROUTINE' });
      expect([forkN.entry.seq, forkN.entry.prev, forkN.hash === kept.hash]).toEqual([n, kept.entry.prev, false]);
      const mark = cn.frames.length;
      cn.connect();
      await waitFor('CN to prove the fork', () => cn.forkedAt.get(id), 10_000);
      expect(cn.forkedAt.get(id)).toBe(n);
      const frames = cn.frames.slice(mark);
      const inClient = frames.filter((f) => f.dir === 'in' && f.side === 'client').map((f) => f.frame);
      expect((inClient.find((f) => f.t === 'heads')!.heads as Record<string, string>)[id]).toBe(kept.hash);
      expect((inClient.find((f) => f.t === 'holds')!.holds as Record<string, number>)[id]).toBe(n);
      // The want names CN itself, on the stream US opened to CN (want is a server's frame).
      // (An entry of US citing CN's entry n, such as a link test, asks the same again: §12.)
      const wants = frames.filter((f) => f.dir === 'out' && f.side === 'server' && f.frame.t === 'want' && f.frame.channel === id).map((f) => canonical(f.frame));
      expect(wants.length).toBeGreaterThanOrEqual(1);
      expect([...new Set(wants)]).toEqual([canonical({ t: 'want', channel: id, author: CN, fromSeq: Math.max(1, n - 1023), toSeq: n })]);
      const relayed = frames.filter((f) => f.dir === 'in' && f.side === 'server' && f.frame.t === 'entries').flatMap((f) => f.frame.entries as string[]);
      expect(relayed).toContain(kept.text);
      expect(relayed).not.toContain(forkN.text);
      // ---- CN signs nothing more there and pushes none of its forked entries ----
      expect(() => cn.write(id, 'message', { text: 'x', lang: 'en', precedence: 'ROUTINE' })).toThrow(`forked at seq ${n}`);
      expect(cn.forkSuspected(id)).toBe(false);
      await sleep(1_000);
      const pushed = cn.frames.slice(mark).filter((f) => f.dir === 'out' && f.side === 'client' && f.frame.t === 'entries').flatMap((f) => f.frame.entries as string[]);
      expect(pushed.filter((t) => t === forkN.text || t === forkN1.text)).toEqual([]);
      expect(await usHoldsOfPeer(id, n)).toEqual([kept.text]);
      // US is not at fault and saw no equivocation: nothing of the fork reached it.
      expect((await call<{ equivocations: number }>('GET', `/api/v1/channels/${id}`)).equivocations).toBe(0);
      expect(cn.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]);
    } catch (e) {
      failed(e);
    } finally {
      cn.quiet = false;
    }
  }, 30_000);

  it('§12 "A forked own log", a lying server: CN\'s `heads` names another hash for US\'s own entry at the seq it holds and relays no such entry; US asks for its own entries with `want`, signs nothing meanwhile (CHANNEL_RECONCILING), and after 30 s does not believe it (CHANNEL_RECONCILE_FAILED), signs on, and the same claim again holds nothing up', async () => {
    expect(ctx, 'the first test ran').toBeDefined();
    const { call, usCard } = ctx!;
    const cn = peer!;
    const US = usCard.party;
    try {
      const { id } = await call<{ id: string }>('POST', '/api/v1/channels', { title: { en: 'Lying heads' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 86_400 });
      await waitFor('CN to hold the proposal', () => cn.channels.has(id));
      cn.accept(id);
      await waitFor('US to see the channel active', async () => (await call<{ state: string }>('GET', `/api/v1/channels/${id}`)).state === 'active');
      const send = (text: string) => fetch(`${ctx!.api}/api/v1/channels/${id}/messages`, { method: 'POST', headers: { authorization: `Bearer ${ctx!.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ text, precedence: 'ROUTINE', lang: 'en' }) });
      const first = (await (await send('Before the lie')).json()) as { id: string };
      const usLog = () => cn.log(cn.channel(id), US);
      await waitFor('CN to hold it', () => usLog().some((h) => h.hash === first.id));
      const n = usLog().length;
      // ---- CN's server lies in `heads` for US's log, and US's stream to it is cut (US redials) ----
      cn.headsLie.set(id, 'ab'.repeat(32));
      const mark = cn.frames.length;
      const logMark = log.length;
      const t0 = Date.now();
      cn.dropServer();
      await waitFor('US to ask for its own entries', () => cn.frames.slice(mark).some((f) => f.dir === 'in' && f.side === 'client' && f.frame.t === 'want' && f.frame.channel === id && f.frame.author === US), 10_000);
      expect(cn.frames.slice(mark).find((f) => f.dir === 'in' && f.side === 'client' && f.frame.t === 'want' && f.frame.channel === id)!.frame).toEqual({ t: 'want', channel: id, author: US, fromSeq: Math.max(1, n - 1023), toSeq: n });
      // CN, as the stream's client, relays US's own entries as it holds them (none differs from US's).
      // ---- US signs nothing meanwhile ----
      const blocked = await send('While the claim is checked');
      const body = (await blocked.json()) as { code: string };
      expect([blocked.status, body.code]).toEqual([503, 'CHANNEL_RECONCILING']);
      // ---- not believed after 30 s: US signs on ----
      const after = await waitFor('US to sign on', async () => {
        const r = await send('After the claim was not believed');
        return r.ok ? ((await r.json()) as { id: string; seq: number }) : undefined;
      }, 45_000, 1_000);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(29_000);
      expect(log.slice(logMark)).toContain('CHANNEL_RECONCILE_FAILED');
      // Signed on from its own head: CN takes it at the next seq, its prev US's entry before it.
      const afterHeld = await waitFor('CN to hold it', () => usLog().find((h) => h.hash === after.id), 5_000);
      expect([usLog().indexOf(afterHeld) + 1, afterHeld.entry.prev]).toEqual([afterHeld.entry.seq, usLog()[afterHeld.entry.seq - 2]!.hash]);
      expect(after.seq).toBeGreaterThan(n);
      // ---- the same claim again holds nothing up (until US restarts) ----
      cn.dropServer();
      await waitFor('US back on CN\'s server', () => cn.frames.slice(mark).filter((f) => f.dir === 'in' && f.side === 'server' && f.frame.t === 'hello').length >= 2, 10_000);
      const lies = cn.frames.slice(mark).filter((f) => f.dir === 'out' && f.side === 'server' && f.frame.t === 'heads' && (f.frame.heads as Record<string, string>)[id] === 'ab'.repeat(32));
      expect(lies.length).toBeGreaterThanOrEqual(2); // the claim made again on the new stream
      const again = await send('The same claim again');
      expect(again.status).toBe(201);
      cn.headsLie.delete(id);
      expect(cn.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]);
    } catch (e) {
      failed(e);
    } finally {
      cn.headsLie.clear();
    }
  }, 70_000);

  // ---- §12 "A channel joined by amendment": CN and XX hold a channel of their own, then add US ----

  /** A charter of CN and XX only (every role, the default deadlines). */
  function cnAndXX(title: string): Charter {
    const { CN, XX } = threeParties();
    return { title: { en: title }, tier: 'working', languages: ['en'], linkTestIntervalSec: 60, ackDeadlineSec: deadlines, parties: [{ party: CN, code: 'CN', roles: all }, { party: XX, code: 'XX', roles: all }] };
  }

  /** CN proposes `C0` (CN and XX), XX accepts (CN and XX have no stream: each is given the other's entries); the channel, active at both. */
  function cnOpensWithXX(C0: Charter): { id: string; proposal: Held; xAcc: Held } {
    const { cn, x } = threeParties();
    const proposal = cn.propose(C0);
    const id = proposal.hash;
    expect(x.ingest(proposal.text).outcome).toBe('accepted');
    const xAcc = x.accept(id);
    expect(cn.ingest(xAcc.text).outcome).toBe('accepted');
    expect([cn.view(id).state, x.view(id).state]).toEqual(['active', 'active']);
    return { id, proposal, xAcc };
  }

  type JoinedDetail = { state: string; charterHash: string; parties: Array<{ code: string }>; pendingAmendment?: { hash: string; awaiting: string[]; changes: Array<{ kind: string; code?: string }> } };

  it('§12 "A channel joined by amendment": CN and XX hold a channel, CN amends it to add US; CN\'s stream brings US the channel from its proposal on (the proposal `pending`, nothing rejected), US `want`s XX\'s entries of CN, holds the amendment pending (party-added US, awaiting US), accepts it (heads naming both logs); once XX accepts, messages go both ways; the transcript verifies', async () => {
    const { cn, x, US, CN, XX } = threeParties();
    const { call, endpoint } = ctx!;
    x.quiet = true; // XX writes only what the test has it write
    try {
      const C0 = cnAndXX('Joined by amendment');
      const mark = cn.frames.length;
      const { id, proposal } = cnOpensWithXX(C0);
      const ch = cn.channel(id);
      const cnM = cn.send(id, 'Between CN and XX', 'ROUTINE', officer);
      expect(x.ingest(cnM.text).outcome).toBe('accepted');
      const xM = x.send(id, 'From XX, before US', 'ROUTINE', officer);
      expect(cn.ingest(xM.text).outcome).toBe('accepted');
      // Nothing of a channel goes to a party outside it (§12): US has seen none of it.
      expect(cn.frames.slice(mark).some((f) => f.dir === 'out' && JSON.stringify(f.frame).includes(id))).toBe(false);
      expect((await fedRequest(endpoint, cn.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${CN}`)).status).toBe(404);
      // ---- CN amends the charter to add US: its stream carries CN's log to US, from the proposal on ----
      const C1: Charter = { ...C0, parties: [...C0.parties, { party: US, code: 'US', roles: all }] };
      const h1 = charterHash(C1);
      const amend = cn.write(id, 'charter.amend', { charter: C1, reason: 'US joins the line' });
      expect(amend.entry.heads[XX]).toEqual({ seq: xM.entry.seq, hash: xM.hash }); // CN's entries name XX's log, which US lacks
      await waitFor('US to hold the channel with the amendment pending', async () => (await call<JoinedDetail>('GET', `/api/v1/channels/${id}`).catch(() => undefined))?.pendingAmendment !== undefined, 15_000);
      // The batches of CN that carried the channel: the proposal `pending`, nothing rejected, each entry counted.
      const sent = cn.frames.slice(mark).filter((f) => f.dir === 'out' && f.side === 'client' && f.frame.t === 'entries' && (f.frame.entries as string[]).some((t) => t.includes(id)));
      expect((sent[0]!.frame.entries as string[])[0]).toBe(proposal.text);
      for (const b of sent) {
        const st = await waitFor('the stored of the batch', () => cn.frames.slice(mark).find((f) => f.dir === 'in' && f.side === 'client' && f.frame.t === 'stored' && f.frame.id === b.frame.id)?.frame);
        expect(st.rejected).toEqual([]);
        // Each entry of the batch counted once; `accepted` may also count entries held from earlier batches that it let in (§12 `stored`).
        const len = (b.frame.entries as string[]).length;
        expect((st.duplicate as number) + (st.pending as number)).toBeLessThanOrEqual(len);
        expect((st.accepted as number) + (st.duplicate as number) + (st.pending as number)).toBeGreaterThanOrEqual(len);
      }
      const first = cn.frames.slice(mark).find((f) => f.dir === 'in' && f.side === 'client' && f.frame.t === 'stored' && f.frame.id === sent[0]!.frame.id)!.frame;
      expect(first.pending as number).toBeGreaterThanOrEqual(1);
      // US asked CN for what CN's entries name that it lacks: XX's log, which XX itself never sent it.
      const wants = cn.frames.slice(mark).filter((f) => f.dir === 'in' && f.side === 'client' && f.frame.t === 'want' && f.frame.channel === id);
      expect(wants.some((w) => w.frame.author === XX && (w.frame.fromSeq as number) === 1)).toBe(true);
      // XX, which has not seen the amendment, sent US nothing of the channel (it answers a want of it with nothing, §12 "Serving wants").
      expect(x.frames.filter((f) => f.dir === 'out' && f.side === 'client' && JSON.stringify(f.frame).includes(id)).map((f) => JSON.stringify(f.frame).slice(0, 300))).toEqual([]);
      await waitFor('US to hold XX\'s entries, relayed by CN', async () => (await fedRequest(endpoint, cn.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${XX}`)).text === x.log(x.channel(id), XX).map((h) => `${h.text}\n`).join(''), 10_000);
      expect((await fedRequest(endpoint, cn.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${CN}`)).text.startsWith(`${proposal.text}\n`)).toBe(true);
      const dd = await call<JoinedDetail>('GET', `/api/v1/channels/${id}`);
      expect([dd.state, dd.charterHash, dd.pendingAmendment?.hash]).toEqual(['active', charterHash(C0), h1]);
      expect(dd.pendingAmendment!.changes).toContainEqual(expect.objectContaining({ kind: 'party-added', code: 'US' }));
      expect(dd.pendingAmendment!.awaiting).toContain('US');
      expect((await call<Array<{ id: string }>>('GET', '/api/v1/channels')).some((c) => c.id === id)).toBe(true);
      // ---- US accepts: its charter.accept reaches CN, heads naming both logs ----
      const usAcc = await call<{ entry: string }>('POST', `/api/v1/channels/${id}/accept`, {});
      const usAccHeld = await waitFor('CN to hold the acceptance of US', () => cn.log(ch, US).find((h) => h.hash === usAcc.entry), 10_000);
      expect(usAccHeld.entry.body).toEqual({ charter: h1 });
      const cnHead = usAccHeld.entry.heads[CN]!;
      expect(cnHead.seq).toBeGreaterThanOrEqual(amend.entry.seq); // the amendment, or CN's receipt after it
      expect(cnHead.hash).toBe(cn.log(ch, CN)[cnHead.seq - 1]!.hash);
      expect(usAccHeld.entry.heads[XX]).toEqual({ seq: xM.entry.seq, hash: xM.hash });
      // ---- XX (given CN's and US's entries) accepts too; CN, the proposer, counts as accepting ----
      for (const h of [...cn.log(ch, CN), ...cn.log(ch, US)]) expect(['accepted', 'duplicate', 'pending']).toContain(x.ingest(h.text).outcome);
      const xAcc1 = x.write(id, 'charter.accept', { charter: h1 });
      expect(['accepted', 'pending']).toContain(cn.ingest(xAcc1.text).outcome);
      await waitFor('CN to take in the acceptance of XX', () => cn.log(ch, XX).some((h) => h.hash === xAcc1.hash), 5_000);
      expect(cn.view(id).amendments.map((a) => [a.hash, a.status])).toEqual([[h1, 'adopted']]);
      const adopted = await waitFor('US to see the amendment adopted', async () => {
        const r = await call<JoinedDetail>('GET', `/api/v1/channels/${id}`);
        return r.pendingAmendment === undefined && r.charterHash === h1 ? r : undefined;
      }, 10_000);
      expect([adopted.state, adopted.parties.map((p) => p.code).sort()]).toEqual(['active', ['CN', 'US', 'XX']]);
      // ---- messages both ways ----
      const usM = await call<{ id: string }>('POST', `/api/v1/channels/${id}/messages`, { text: 'US on the line', precedence: 'ROUTINE', lang: 'en' });
      await waitFor('CN to hold the message of US', () => cn.log(ch, US).find((h) => h.hash === usM.id), 10_000);
      const cnM2 = cn.send(id, 'Welcome, US', 'ROUTINE', officer);
      await waitFor('US to show the message of CN', async () => (await call<ApiMessage[]>('GET', `/api/v1/channels/${id}/messages`)).some((m) => m.id === cnM2.hash && m.text === 'Welcome, US'), 10_000);
      const { report } = await exportVerified(id, 'joined.jsonl');
      expect([report.valid, report.state, report.errors]).toEqual([true, 'active', []]);
      expect(cn.problems.filter((p) => !/ECONNREFUSED|socket hang up|ECONNRESET/.test(p))).toEqual([]);
    } catch (e) {
      failedWithXX(e);
    } finally {
      x.quiet = false;
    }
  }, 60_000);

  it('§12 "A channel joined by amendment": a proposal that does not name US, with no amendment naming US, is `pending` (from CN, and relayed by XX with XX\'s acceptance), never stored nor refused: US lists no such channel and the channel is not found', async () => {
    const { cn, x, CN } = threeParties();
    const { call, endpoint } = ctx!;
    x.quiet = true;
    try {
      const { id, proposal, xAcc } = cnOpensWithXX(cnAndXX('Not for US'));
      const st = await rawBatch([], [proposal.text]);
      expect([st.accepted, st.duplicate, st.pending, st.rejected]).toEqual([0, 0, 1, []]);
      const st2 = await rawBatch([], [proposal.text, xAcc.text], x);
      expect([st2.accepted, st2.duplicate, st2.pending, st2.rejected]).toEqual([0, 0, 2, []]);
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await call<Array<{ id: string }>>('GET', '/api/v1/channels')).map((c) => c.id)).not.toContain(id);
      const r = await fetch(`${ctx!.api}/api/v1/channels/${id}`, { headers: { authorization: `Bearer ${ctx!.token}` } });
      expect(r.status).toBe(404);
      expect((await fedRequest(endpoint, cn.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${CN}`)).status).toBe(404);
      const listed = JSON.parse((await fedRequest(endpoint, cn.identity, 'GET', '/fed/v1/channels')).text) as { channels: Array<{ id: string }> };
      expect(listed.channels.map((c) => c.id)).not.toContain(id);
    } catch (e) {
      failedWithXX(e);
    } finally {
      x.quiet = false;
    }
  }, 30_000);

  it('§12 "A channel joined by amendment", the amendment first: XX relays CN\'s amendment adding US alone (`pending`, US `want`s the proposal with author ""), then the proposal; US takes the channel, asks for what it lacks, and holds it with the amendment pending', async () => {
    const { cn, x, US, CN, XX } = threeParties();
    const { call, endpoint } = ctx!;
    x.quiet = true;
    cn.disconnect(); // CN's own stream would bring US the channel itself
    let s: Awaited<ReturnType<typeof openStream>> | undefined;
    try {
      const C0 = cnAndXX('Amendment first');
      const { id, proposal } = cnOpensWithXX(C0);
      const ch = cn.channel(id);
      const C1: Charter = { ...C0, parties: [...C0.parties, { party: US, code: 'US', roles: all }] };
      const h1 = charterHash(C1);
      const amend = cn.write(id, 'charter.amend', { charter: C1, reason: 'US joins the line' });
      expect(amend.entry.seq).toBeGreaterThanOrEqual(2);
      s = await openStream(endpoint, x.identity);
      s.send({ t: 'hello', v: 1, channels: [] });
      await s.next((f) => f.t === 'holds');
      let n = s.frames.length;
      s.send({ t: 'entries', id: 1, entries: [amend.text] });
      const st1 = await s.next((f) => f.t === 'stored', n);
      expect([st1.accepted, st1.duplicate, st1.pending, st1.rejected]).toEqual([0, 0, 1, []]);
      const w0 = await s.next((f) => f.t === 'want' && f.channel === id, n, 10_000);
      expect([w0.author, w0.fromSeq, w0.toSeq]).toEqual(['', 1, 1]);
      expect((await fedRequest(endpoint, cn.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${CN}`)).status).toBe(404);
      n = s.frames.length;
      s.send({ t: 'entries', id: 2, entries: [proposal.text] });
      const st2 = await s.next((f) => f.t === 'stored', n);
      expect(st2.rejected).toEqual([]);
      expect((st2.accepted as number) + (st2.pending as number)).toBe(1);
      // US now asks for what the amendment names that it lacks: CN's entries before it, XX's acceptance.
      let batch = 2;
      const served = new Set<number>();
      const serve = () => {
        s!.frames.forEach((f, i) => {
          if (f.t !== 'want' || f.channel !== id || served.has(i) || f.author === '') return;
          served.add(i);
          const texts = cn.log(ch, f.author as string).slice((f.fromSeq as number) - 1, f.toSeq as number).map((h) => h.text);
          if (texts.length) s!.send({ t: 'entries', id: ++batch, entries: texts });
        });
      };
      const d = await waitFor('US to take the channel with the amendment pending', async () => {
        serve();
        const r = await call<JoinedDetail>('GET', `/api/v1/channels/${id}`).catch(() => undefined);
        return r?.pendingAmendment ? r : undefined;
      }, 15_000);
      expect([d.state, d.charterHash, d.pendingAmendment!.hash]).toEqual(['active', charterHash(C0), h1]);
      expect(d.pendingAmendment!.changes).toContainEqual(expect.objectContaining({ kind: 'party-added', code: 'US' }));
      expect(d.pendingAmendment!.awaiting).toContain('US');
      const asked = s.frames.filter((f) => f.t === 'want' && f.channel === id && f.author !== '').map((f) => f.author);
      expect(asked).toContain(XX);
      await waitFor('the stored of every batch served', () => s!.frames.filter((f) => f.t === 'stored').length === batch, 10_000);
      expect(s.frames.filter((f) => f.t === 'stored').flatMap((f) => f.rejected as unknown[])).toEqual([]);
      const held = (await fedRequest(endpoint, cn.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${CN}`)).text;
      expect(held).toBe(cn.log(ch, CN).slice(0, amend.entry.seq).map((h) => `${h.text}\n`).join('')); // not CN's later receipt: its stream is down
      expect((await fedRequest(endpoint, cn.identity, 'GET', `/fed/v1/channels/${id}/entries?author=${XX}`)).text).toBe(x.log(x.channel(id), XX).map((h) => `${h.text}\n`).join(''));
    } catch (e) {
      failedWithXX(e);
    } finally {
      s?.close();
      x.quiet = false;
      cn.connect();
    }
  }, 40_000);

});

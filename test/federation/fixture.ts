/**
 * A real federation server on 127.0.0.1 for attack tests: terminal CN (a TestWing on a
 * temporary SQLite store behind buildFederationServer, pinned mutual TLS), its peers US and RU
 * (keys held by the test, so it can compose genuine, forged and tampered entries), one active
 * channel CN–US with a few messages, and a log of everything the server wrote.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import {
  ChannelLog,
  KeyRegistry,
  KeySigner,
  composeEntry,
  fingerprint,
  issuePartyCard,
  issueTerminalCertificate,
  parseEntry,
  type BodyOf,
  type EntryKind,
  type PartyCard,
  type SealedEntry,
  type Signer,
} from '../../src/protocol/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { TestWing } from '../terminal/test-wing.js';
import { buildFederationServer } from '../../src/terminal/federation/federation-server.js';
import type { FederationLimits } from '../../src/terminal/federation/limits.js';
import { createPinnedClient, openPinnedWebSocket, type PinnedClient } from '../../src/terminal/tls/pinned-client.js';
import { generateTlsIdentity, type TlsIdentity } from '../../src/terminal/tls/tls-identity.js';
import type { WebSocket } from 'ws';

/** A party whose keys the test holds. */
export interface TestParty {
  code: string;
  root: KeySigner;
  terminal: KeySigner;
  tls: TlsIdentity;
  card: PartyCard;
  party: string;
}

export async function makeParty(code: string, now = Date.now()): Promise<TestParty> {
  const root = KeySigner.generate();
  const terminal = KeySigner.generate();
  const tls = await generateTlsIdentity(`hotline ${code} terminal`);
  const cert = issueTerminalCertificate(root, { key: terminal.publicKey, tls: tls.spkiFingerprint, notBefore: now - 3_600_000, notAfter: now + 365 * 86_400_000 });
  const card = issuePartyCard(root, { code, names: { en: code }, terminals: [cert], endpoints: ['https://127.0.0.1:1'], issued: now - 3_600_000 });
  return { code, root, terminal, tls, card, party: root.publicKey };
}

/** What the server holds: compare before and after an attack. */
export interface Snapshot {
  channels: string[];
  entries: Record<string, number>;
  heads: Record<string, unknown>;
  messages: number;
  evidence: number;
}

export interface Fixture {
  dir: string;
  store: Store;
  service: TestWing;
  app: FastifyInstance;
  url: string;
  wsUrl: string;
  cn: TestParty;
  us: TestParty;
  ru: TestParty;
  /** The CN–US channel. */
  channel: string;
  /** US's view of the channel: compose US entries against it. */
  usLog: ChannelLog;
  /** Log lines the server wrote (parsed JSON). */
  logs: Array<Record<string, unknown>>;
  /** A pinned HTTPS client presenting `who`'s TLS key (default US). */
  client(who?: TestParty): PinnedClient;
  /** POST /fed/v1/entries with a raw body. */
  post(body: string | Buffer, opts?: { who?: TestParty; contentType?: string }): Promise<{ status: number; json: Record<string, unknown>; text: string }>;
  /** A pinned WebSocket to the stream presenting `who`'s TLS key (default US). */
  ws(who?: TestParty): Promise<WebSocket>;
  /** Composes a US entry that fits the channel now (does not ingest it). */
  usEntry<K extends EntryKind>(kind: K, body: BodyOf<K>, time?: number, signer?: Signer): SealedEntry<K>;
  snapshot(): Promise<Snapshot>;
  close(): Promise<void>;
}

export function message(text: string): BodyOf<'message'> {
  return { text, lang: 'en', precedence: 'ROUTINE' };
}

/** Parses log output lines. */
function logSink(into: Array<Record<string, unknown>>): Writable {
  let buf = '';
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      buf += chunk.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          into.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          into.push({ unparsed: line });
        }
      }
      cb();
    },
  });
}

export async function startFixture(limits: Partial<FederationLimits> = {}): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'hotline-fed-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'hotline.db') });
  const [cn, us, ru] = await Promise.all([makeParty('CN'), makeParty('US'), makeParty('RU')]);
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, logSink(logs));
  const service = new TestWing({ store, self: { party: cn.party, code: cn.code, signer: cn.terminal, card: cn.card }, clock: { now: () => Date.now() }, log: logger });
  await service.load();
  await service.addPeer(us.card, fingerprint(us.party));
  await service.addPeer(ru.card, fingerprint(ru.party));

  // CN proposes a channel to US; US accepts (composed by the test, pushed through the service).
  const view = await service.propose({ title: { en: 'Test line' }, tier: 'technical', parties: ['US'] });
  const channel = view.id;
  const registry = new KeyRegistry();
  for (const p of [cn, us, ru]) registry.addCard(p.card);
  const rows = await store.listEntries(channel);
  const first = parseEntry(rows[0]!.raw);
  if (!first.ok) throw new Error(first.error.message);
  const founded = ChannelLog.found(first.sealed, registry);
  if (!founded.ok) throw new Error(founded.error.message);
  const usLog = founded.log;
  const usEntry = <K extends EntryKind>(kind: K, body: BodyOf<K>, time = Date.now(), signer: Signer = us.terminal): SealedEntry<K> =>
    composeEntry(usLog, signer, us.party, kind, body, time);
  const push = async (s: SealedEntry) => {
    const r = usLog.ingest(s);
    if (r.status !== "accepted") throw new Error(`fixture: own entry ${r.status} ${"error" in r ? r.error.message : ""}`);
    const out = await service.receive([s.raw], us.party);
    if (out.accepted !== 1) throw new Error(`fixture: CN did not accept: ${JSON.stringify(out.rejected)}`);
  };
  await push(usEntry('charter.accept', { charter: usLog.state(Date.now()).proposalHash }));
  await push(usEntry('message', message('Hello from US')));
  await service.send(channel, message('Hello from CN'));
  await push(usEntry('message', message('Second from US')));
  await service.flush();
  // Let CN's receipts settle, then bring US's log up to date with CN's entries.
  await new Promise((r) => setTimeout(r, 50));
  for (const row of await store.listEntries(channel)) {
    const p = parseEntry(row.raw);
    if (p.ok) usLog.ingest(p.sealed);
  }

  const pins = new Map([
    [us.tls.spkiFingerprint, us.party],
    [ru.tls.spkiFingerprint, ru.party],
  ]);
  const app = await buildFederationServer({ receiver: service, entries: service, directory: service, self: service.self, events: service.events, tls: { keyPem: cn.tls.keyPem, certPem: cn.tls.certPem }, pins, logger, limits });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const clients: PinnedClient[] = [];
  const sockets: WebSocket[] = [];
  const client = (who: TestParty = us) => {
    const c = createPinnedClient({ key: who.tls.keyPem, cert: who.tls.certPem, expectedFingerprint: cn.tls.spkiFingerprint, timeoutMs: 15_000 });
    clients.push(c);
    return c;
  };
  const defaultClients = new Map<TestParty, PinnedClient>();

  return {
    dir,
    store,
    service,
    app,
    url,
    wsUrl: `${url.replace(/^https:/, 'wss:')}/fed/v1/stream`,
    cn,
    us,
    ru,
    channel,
    usLog,
    logs,
    client,
    async post(body, opts = {}) {
      const who = opts.who ?? us;
      let c = defaultClients.get(who);
      if (!c) defaultClients.set(who, (c = client(who)));
      const r = await c.request(`${url}/fed/v1/entries`, { method: 'POST', body, headers: { 'content-type': opts.contentType ?? 'application/json' } });
      const text = r.body.toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        /* not JSON */
      }
      return { status: r.status, json, text };
    },
    async ws(who = us) {
      const s = openPinnedWebSocket(`${url.replace(/^https:/, 'wss:')}/fed/v1/stream`, { key: who.tls.keyPem, cert: who.tls.certPem, expectedFingerprint: cn.tls.spkiFingerprint, handshakeTimeoutMs: 5000 });
      sockets.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('open', () => resolve());
        s.once('error', reject);
        s.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
      });
      return s;
    },
    usEntry,
    async snapshot() {
      const channels = (await store.listChannels()).map((c) => c.id).sort();
      const entries: Record<string, number> = {};
      const heads: Record<string, unknown> = {};
      let messages = 0;
      let evidence = 0;
      for (const id of channels) {
        entries[id] = await store.countEntries(id);
        heads[id] = await store.heads(id);
        messages += (await store.listMessages(id)).length;
        evidence += (await store.listEvidence(id)).length;
      }
      return { channels, entries, heads, messages, evidence };
    },
    async close() {
      for (const s of sockets) s.terminate();
      for (const c of clients) c.close();
      await app.close();
      await service.flush();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Collects the frames a WebSocket receives (parsed JSON). */
export function frames(ws: WebSocket): { list: Array<Record<string, unknown>>; next(pred?: (f: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>; closed: Promise<{ code: number; reason: string }> } {
  const list: Array<Record<string, unknown>> = [];
  const waiters: Array<{ pred: (f: Record<string, unknown>) => boolean; resolve: (f: Record<string, unknown>) => void }> = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  let seen = 0;
  ws.on('message', (data) => {
    const f = JSON.parse(String(data)) as Record<string, unknown>;
    list.push(f);
    for (let i = 0; i < waiters.length; i++)
      if (waiters[i]!.pred(f)) {
        waiters[i]!.resolve(f);
        waiters.splice(i, 1);
        break;
      }
  });
  return {
    list,
    closed,
    next(pred = () => true, timeoutMs = 10_000) {
      const found = list.slice(seen).find(pred);
      if (found) {
        seen = list.indexOf(found) + 1;
        return Promise.resolve(found);
      }
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(list).slice(0, 500)}`)), timeoutMs);
        waiters.push({
          pred,
          resolve: (f) => {
            clearTimeout(t);
            seen = list.length;
            resolve(f);
          },
        });
      });
    },
  };
}

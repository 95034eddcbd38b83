/**
 * Deterministic protocol scenarios for tests, test vectors and benchmarks: parties with keys
 * derived from fixed seeds, a fixed clock, and helpers that write valid entries through ChannelLog.
 */
import {
  ChannelLog,
  DEFAULT_ACK_DEADLINES,
  KeyRegistry,
  KeySigner,
  composeEntry,
  issuePartyCard,
  issueTerminalCertificate,
  proposeChannel,
  sha256,
  toBase64Url,
  writeBundle,
  type BodyOf,
  type Charter,
  type EntryKind,
  type FormatDefinition,
  type PartyCard,
  type SealedEntry,
} from '../protocol/index.js';

/** A party with its root and terminal keys. */
export interface TestParty {
  readonly code: string;
  readonly root: KeySigner;
  readonly terminal: KeySigner;
  readonly card: PartyCard;
  readonly id: string;
}

/** Base time of all scenarios: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);

export function seedFor(label: string): string {
  return toBase64Url(sha256(`hotline test seed ${label}`));
}

/** A party whose keys derive from its code and `salt`: the same inputs give the same keys. */
export function makeParty(code: string, names: Record<string, string>, salt = ''): TestParty {
  const root = KeySigner.fromSeed(seedFor(`${salt}${code} root`));
  const terminal = KeySigner.fromSeed(seedFor(`${salt}${code} terminal`));
  const cert = issueTerminalCertificate(root, {
    key: terminal.publicKey,
    tls: sha256(`${code} tls`).toString('hex'),
    notBefore: T0 - 86_400_000,
    notAfter: T0 + 365 * 86_400_000,
  });
  const card = issuePartyCard(root, {
    code,
    names,
    terminals: [cert],
    endpoints: [`https://${code.toLowerCase()}.hotline.example:7443`],
    issued: T0 - 86_400_000,
  });
  return { code, root, terminal, card, id: root.publicKey };
}

/** A two-language bilateral (or multilateral) charter between the given parties. */
export function makeCharter(parties: readonly TestParty[], overrides: Partial<Charter> = {}): Charter {
  return {
    title: { en: 'Maritime incident line', zh: '海上事件热线' },
    tier: 'military',
    parties: parties.map((p) => ({ party: p.id, code: p.code, roles: ['plenipotentiary', 'principal', 'duty-officer', 'observer'] as Charter['parties'][number]['roles'] })),
    languages: ['en', 'zh'],
    linkTestIntervalSec: 60,
    ackDeadlineSec: { ...DEFAULT_ACK_DEADLINES },
    ...overrides,
  };
}

/** A channel under construction: every party's view is one shared ChannelLog (all entries delivered). */
export class Scenario {
  readonly parties: readonly TestParty[];
  readonly registry = new KeyRegistry();
  readonly entries: SealedEntry[] = [];
  log!: ChannelLog;
  time = T0;

  constructor(parties: readonly TestParty[]) {
    this.parties = parties;
    for (const p of parties) {
      const e = this.registry.addCard(p.card);
      if (e) throw new Error(e.message);
    }
  }

  /** Moves the scenario clock forward. */
  tick(ms = 1000): number {
    this.time += ms;
    return this.time;
  }

  /** The first party proposes `charter`; returns the proposal. */
  propose(charter: Charter = makeCharter(this.parties), by: TestParty = this.parties[0]!): SealedEntry {
    const sealed = proposeChannel(by.terminal, by.id, charter, this.tick());
    const r = ChannelLog.found(sealed, this.registry);
    if (!r.ok) throw new Error(r.error.message);
    this.log = r.log;
    this.entries.push(sealed);
    return sealed;
  }

  /** `by` writes an entry of `kind`; throws if the log rejects it. */
  write<K extends EntryKind>(by: TestParty, kind: K, body: BodyOf<K>): SealedEntry<K> {
    const sealed = composeEntry(this.log, by.terminal, by.id, kind, body, this.tick());
    const r = this.log.ingest(sealed);
    if (r.status !== 'accepted') throw new Error(`${kind} by ${by.code} not accepted: ${'error' in r ? r.error.message : r.status}`);
    this.entries.push(sealed);
    return sealed;
  }

  /** Every other party accepts the proposal. */
  acceptAll(): void {
    const hash = this.log.state(this.time).proposalHash;
    for (const p of this.parties.slice(1)) this.write(p, 'charter.accept', { charter: hash });
  }

  /** `by` sends a message. */
  message(by: TestParty, text: string, precedence: BodyOf<'message'>['precedence'] = 'ROUTINE', lang = 'en'): SealedEntry<'message'> {
    return this.write(by, 'message', { text, lang, precedence });
  }

  /** `by` writes a cumulative receipt for everything of the other parties it holds. */
  receipt(by: TestParty): SealedEntry<'receipt'> {
    const holds = this.parties.filter((p) => p !== by && this.log.head(p.id)).map((p) => ({ author: p.id, ...this.log.head(p.id)! }));
    return this.write(by, 'receipt', { holds });
  }

  /** `by` acknowledges a message as a duty officer. */
  ack(by: TestParty, message: SealedEntry, name = 'Duty Officer Li'): SealedEntry<'ack'> {
    return this.write(by, 'ack', { message: message.hash, officer: { name, title: 'Duty Officer', role: 'duty-officer' } });
  }

  /** The bundle text of everything written so far. */
  bundle(entries: readonly (SealedEntry | string)[] = this.entries, formats: readonly FormatDefinition[] = []): string {
    return writeBundle({ channel: this.log.id, exportedAt: this.time }, this.parties.map((p) => p.card), entries, formats);
  }
}

/** An open bilateral channel (US, CN) speaking protocol `version`, nothing written yet. */
export function openBilateral(version: 1 | 2 = 2): { s: Scenario; us: TestParty; cn: TestParty } {
  const us = makeParty('US', { en: 'United States' });
  const cn = makeParty('CN', { en: 'China' });
  const s = new Scenario([us, cn]);
  s.propose(makeCharter([us, cn], version === 2 ? { protocol: 2 } : {}));
  s.acceptAll();
  return { s, us, cn };
}

/** A ready bilateral channel (US, CN) with a few messages, receipts and acknowledgements. */
export function bilateralScenario(messages = 3): Scenario {
  const us = makeParty('US', { en: 'United States', zh: '美国' });
  const cn = makeParty('CN', { en: 'China', zh: '中国' });
  const s = new Scenario([us, cn]);
  s.propose();
  s.acceptAll();
  for (let i = 0; i < messages; i++) {
    const from = i % 2 === 0 ? us : cn;
    const to = from === us ? cn : us;
    const m = s.message(from, i === 0 ? 'Vessel in distress at 12N 114E; request you hold clear.' : `Message ${i} 消息`, i === 0 ? 'FLASH' : 'ROUTINE', 'en');
    s.receipt(to);
    s.ack(to, m);
  }
  return s;
}

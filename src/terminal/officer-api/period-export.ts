/**
 * Export by period (docs/protocol.md §15): `GET /api/v1/channels/:id/export?since=&until=` answers a
 * period bundle anchored at the newest checkpoint dated at or before `since` that every party has
 * countersigned, with the entries before the anchor the verifier needs (protocol/checkpoint.ts
 * periodEntries) read from the store by index, never by a scan of the log.
 */
import { checkpointsAmong, isLastingKind, periodEntries, sealedFromStored, type ChannelLog, type PeriodSource, type SealedEntry } from '../../protocol/index.js';
import { TerminalError } from '../errors.js';
import type { OfficerReadModel } from './read-model.js';

/** A period source over the store, for one channel held in memory (its authors and heads). */
export function storePeriodSource(log: ChannelLog, reads: OfficerReadModel): PeriodSource {
  const channel = log.id;
  const at = async (author: string, seq: number) => {
    const raw = await reads.rawEntry(channel, author, seq);
    return raw === undefined ? undefined : sealedFromStored(raw);
  };
  return {
    lengths: async () => new Map(log.authors().map((a) => [a, log.head(a)?.seq ?? 0])),
    lasting: async () => (await reads.lastingRaws(channel)).map(sealedFromStored).filter((s) => s.entry.channel !== null && isLastingKind(s.entry.kind)),
    at,
    range: async (author, from, to) => (await reads.rawRange(channel, author, from, to)).map(sealedFromStored),
    byHash: async (hash) => {
      const held = log.referent(hash);
      const places = held ? [held] : await reads.referentPositions(channel, hash);
      for (const p of places) {
        const s = await at(p.author, p.seq);
        if (s?.hash === hash) return s;
      }
      return undefined;
    },
  };
}

/** The parties a period's anchor must be countersigned by: those of the charter in force. */
function partiesOf(log: ChannelLog, now: number): string[] {
  return log.state(now).charter.parties.map((p) => p.party);
}

/** The newest checkpoint dated at or before `since` that every other party's head has in its causal past. */
export async function anchorFor(log: ChannelLog, reads: OfficerReadModel, since: number, now: number): Promise<SealedEntry> {
  const parties = partiesOf(log, now);
  const heads = new Map<string, SealedEntry | undefined>();
  for (const p of parties) {
    const h = log.head(p);
    const raw = h ? await reads.rawEntry(log.id, p, h.seq) : undefined;
    heads.set(p, raw === undefined ? undefined : sealedFromStored(raw));
  }
  if ((log.state(now).charter.protocol ?? 1) < 2) throw new TerminalError('PERIOD_PROTOCOL_1', { channel: log.id.slice(0, 12), what: 'no period of it can be exported' });
  /** The oldest countersigned checkpoint dated after `since`, for the advice. */
  let later: SealedEntry | undefined;
  for (const k of checkpointsAmong(await reads.lastingRaws(log.id))) {
    const c = k.entry;
    if (!parties.every((p) => p === c.author || (heads.get(p)?.entry.heads[c.author]?.seq ?? 0) >= c.seq)) continue;
    if (c.time <= since) return k;
    if (later === undefined || c.time < later.entry.time) later = k;
  }
  throw new TerminalError('PERIOD_NO_CHECKPOINT', {
    channel: log.id.slice(0, 12),
    since: new Date(since).toISOString(),
    later: later ? ` The oldest one is dated ${new Date(later.entry.time).toISOString()}: a period can start there or later (\`--since ${new Date(later.entry.time).toISOString()}\`, or \`--since now\` for the newest).` : '',
  });
}

/** The entries of the period bundle of `log` from `since` (to `until`), the proposal first. */
export async function periodBundleEntries(log: ChannelLog, reads: OfficerReadModel, since: number, until: number | undefined, now: number): Promise<{ anchor: SealedEntry; entries: SealedEntry[] }> {
  const anchor = await anchorFor(log, reads, since, now);
  const entries = await periodEntries(storePeriodSource(log, reads), anchor, partiesOf(log, now), until);
  return { anchor, entries: [log.proposal, ...entries] };
}

/**
 * A peer none of whose certificates is valid by this terminal's clock (clock skew, expiry) shows
 * as a down link with the reason and an alarm, and is dialled by itself once a certificate is
 * valid again: no restart (#14 B4).
 */
import { afterEach, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/terminal/clock.js';
import { EventBus, type TerminalEvent } from '../../src/terminal/events/event-bus.js';
import { PeerLink } from '../../src/terminal/federation/peer-link.js';
import { PeerLinks } from '../../src/terminal/federation/peer-links.js';
import { combineLine } from '../../src/terminal/federation/link-state.js';
import { issuePartyCard, issueRevocation } from '../../src/protocol/index.js';
import { makeParty, T0 } from '../../src/testkit/scenario.js';

const quiet = { info() {}, warn() {}, child: () => quiet };
let links: PeerLinks | undefined;
afterEach(() => links?.stop());

function setup(start: number, revokeFrom?: number) {
  const party = makeParty('CN', { en: 'China' });
  // The card revoking its one terminal key (a stolen terminal), if asked.
  const cn =
    revokeFrom === undefined
      ? party
      : { ...party, card: issuePartyCard(party.root, { code: 'CN', names: { en: 'China' }, terminals: [...party.card.terminals], revocations: [issueRevocation(party.root, { key: party.terminal.publicKey, from: revokeFrom, reason: 'Terminal stolen' })], endpoints: party.card.endpoints, issued: party.card.issued + 1 }) };
  const clock = new ManualClock(start);
  const events = new EventBus();
  const alarms: string[] = [];
  events.onAny((e: TerminalEvent) => {
    if (e.type === 'alarm') alarms.push(`${e.code}: ${e.message}`);
  });
  const store = { listPeers: async () => [{ card: JSON.stringify(cn.card) }] } as unknown as Pick<Store, 'listPeers'>;
  links = new PeerLinks({
    store,
    clock,
    log: quiet,
    tls: { keyPem: '', certPem: '' },
    events,
    recheckMs: 60_000,
    connect: (o) => new PeerLink({ ...o, now: () => clock.now(), entries: {} as never, directory: { channelIds: () => [], shares: () => false, sendableUpTo: (_c, _p, after) => after }, events }),
  });
  return { cn, clock, alarms, links };
}

it('shows a peer whose certificate is not valid yet as down with the reason, and dials it once the clock is right', async () => {
  // This terminal's clock is two days behind: the peer's certificate starts "tomorrow".
  const { cn, clock, alarms, links } = setup(T0 - 2 * 86_400_000);
  await links.refresh();
  links.start();
  const [before] = links.list(() => 'CN');
  expect(before).toMatchObject({ peer: cn.id, state: 'down' });
  expect(before!.reason).toMatch(/not valid until 2025-12-31T00:00:00Z.*check both clocks/);
  expect(alarms.filter((a) => a.startsWith('LINK_CERT_INVALID'))).toHaveLength(1);

  // Read again with the same clock: still down, no second alarm.
  await links.refresh();
  expect(alarms.filter((a) => a.startsWith('LINK_CERT_INVALID'))).toHaveLength(1);

  // The clock is corrected: the next reading dials the peer, no restart.
  clock.set(T0);
  await links.refresh();
  const [after] = links.list(() => 'CN');
  expect(after!.state).toBe('connecting');
  expect(after!.reason ?? '').not.toMatch(/certificate/);
});

it('says when a certificate expired', async () => {
  const { links } = setup(T0 + 400 * 86_400_000);
  await links.refresh();
  expect(links.list(() => 'CN')[0]!.reason).toMatch(/expired at 2027-01-01T00:00:00Z.*new party card/);
});

it('never dials a peer whose only valid certificate names a revoked terminal key (§3.2)', async () => {
  const { links, alarms } = setup(T0 + 86_400_000, T0 + 3_600_000);
  await links.refresh();
  links.start();
  const [link] = links.list(() => 'CN');
  expect(link).toMatchObject({ state: 'down' });
  expect(link!.reason).toMatch(/revokes \(from 2026-01-01T01:00:00Z\).*new party card/);
  expect(alarms.filter((a) => a.startsWith('LINK_CERT_INVALID'))).toHaveLength(1);
  expect(links.pins.size).toBe(0);
});

it('combines the stream with the link tests: either one down is down', () => {
  const up = { state: 'up' as const, since: 1000, reason: null };
  expect(combineLine(up, [])).toEqual({ state: 'up', since: 1000, reason: null });
  // Refusing since a time recorded while this clock was 10 minutes ahead, read after it was set
  // right: never "since" a time to come.
  const ahead = { state: 'up' as const, since: 1000, reason: null, refusing: { channel: 'c'.repeat(64), code: 'ENTRY_MALFORMED', message: 'lies in the future', since: 600_000 + 5000 } };
  expect(combineLine(ahead, [], 5000)).toMatchObject({ state: 'refusing', since: 5000 });
  expect(combineLine(ahead, [], 700_000).since).toBe(605_000);
  expect(combineLine(up, [{ channel: 'a'.repeat(64), state: 'up', since: 5 }]).state).toBe('up');
  expect(combineLine(up, [{ channel: 'a'.repeat(64), state: 'degraded', since: 2000 }])).toMatchObject({ state: 'degraded', since: 2000 });
  const down = combineLine(up, [{ channel: 'b'.repeat(64), state: 'down', since: 3000 }, { channel: 'a'.repeat(64), state: 'degraded', since: 2000 }]);
  expect(down).toMatchObject({ state: 'down', since: 3000 });
  expect(down.reason).toMatch(/link tests unanswered on channel bbbbbbbbbbbb/);
  expect(combineLine({ state: 'down', since: 7, reason: 'the peer stopped answering heartbeats' }, [{ channel: 'a', state: 'up', since: 1 }])).toEqual({ state: 'down', since: 7, reason: 'the peer stopped answering heartbeats' });
});

/**
 * A peer that cannot reach this terminal: its entries fetched over this terminal's own connection
 * (federation/pull-fallback.ts).
 */
import { expect, it } from 'vitest';
import { ManualClock } from '../../src/terminal/clock.js';
import { PULL_AFTER_MS, PULL_CHANNELS_PER_ROUND, PULL_EVERY_MS, PULL_LIST_EVERY_MS, PULL_MISSING_PER_ROUND, PULL_PAGE, PullFallback } from '../../src/terminal/federation/pull-fallback.js';

/** How the peer answers the list of its channels (default 404: a peer of an earlier release), and the entries asked for by path. */
function setup(channels: string[], answer: (url: URL) => { status: number; lines: number }, list: () => { status: number; body: string } = () => ({ status: 404, body: '{"code":"NOT_FOUND"}' })) {
  const clock = new ManualClock(1_000_000);
  let missingSince: number | undefined = clock.now();
  const asked: URL[] = [];
  const listed: number[] = [];
  const refusing = { on: false };
  const received: Array<{ lines: number; source: string }> = [];
  /** What each receive() answers is missing, in turn (none once used up). */
  const missing: Array<Array<{ channel: string; author: string; fromSeq: number; toSeq: number }>> = [];
  const warned: object[] = [];
  const pulls = new PullFallback({
    streams: { missingSince: () => missingSince },
    targets: () => [{ peer: 'CN', target: { endpoint: 'https://cn.example:7443', expectedFingerprint: 'f'.repeat(64) } }],
    directory: { channelIds: () => channels, shares: () => true, channel: () => ({ head: () => ({ seq: 41, hash: 'h' }) }) as never },
    receiver: { receive: async (raws, source) => (received.push({ lines: raws.length, source }), { accepted: raws.length, duplicate: 0, pending: 0, rejected: refusing.on ? [{ code: 'CHANNEL_NOT_FOR_US', message: 'x' }] : [], missing: missing.shift() ?? [] }) },
    tls: { keyPem: '', certPem: '' },
    clock,
    log: { warn: (o) => void warned.push(o), info: () => {} },
    connect: () => ({
      request: async (u) => {
        const url = new URL(String(u));
        if (url.pathname === '/fed/v1/channels') {
          listed.push(clock.now());
          const l = list();
          return { status: l.status, headers: {}, body: Buffer.from(l.body) };
        }
        asked.push(url);
        const a = answer(url);
        return { status: a.status, headers: {}, body: Buffer.from(Array.from({ length: a.lines }, (_, i) => `{"n":${i}}\n`).join('')) };
      },
      close: () => {},
    }),
  });
  return { clock, pulls, asked, listed, refusing, received, missing, warned, open: () => void (missingSince = undefined) };
}

it('fetches the peer\'s own entries once its stream has been missing a while, every few seconds, until it opens', async () => {
  const t = setup(['a'.repeat(64)], () => ({ status: 200, lines: 2 }));
  await t.pulls.tick();
  expect(t.asked).toEqual([]); // missing for less than PULL_AFTER_MS
  t.clock.advance(PULL_AFTER_MS);
  await t.pulls.tick();
  expect(t.asked.map((u) => `${u.pathname}?${u.searchParams}`)).toEqual([`/fed/v1/channels/${'a'.repeat(64)}/entries?author=CN&from=42&limit=${PULL_PAGE}`]);
  expect(t.received).toEqual([{ lines: 2, source: 'CN' }]);
  t.clock.advance(PULL_EVERY_MS - 1);
  await t.pulls.tick();
  expect(t.asked).toHaveLength(1);
  t.clock.advance(1);
  await t.pulls.tick();
  expect(t.asked).toHaveLength(2);
  t.open();
  t.clock.advance(60_000);
  await t.pulls.tick();
  expect(t.asked).toHaveLength(2);
  // The peer answered the list of channels 404 (an earlier release): asked once only.
  expect(t.listed).toHaveLength(1);
});

it('goes round many channels a few at a time, those with more to fetch first, and carries on past a refusal', async () => {
  const ids = Array.from({ length: 20 }, (_, i) => String(i).padStart(64, '0'));
  const t = setup(ids, (u) => (u.pathname.includes(ids[3]!) ? { status: 200, lines: PULL_PAGE } : u.pathname.includes(ids[1]!) ? { status: 429, lines: 0 } : { status: 200, lines: 0 }));
  t.clock.advance(PULL_AFTER_MS);
  const rounds: string[][] = [];
  for (let r = 0; r < 3; r++) {
    const before = t.asked.length;
    await t.pulls.tick();
    rounds.push(t.asked.slice(before).map((u) => u.pathname.split('/')[4]!));
    t.clock.advance(PULL_EVERY_MS);
  }
  expect(rounds.map((r) => r.length)).toEqual([PULL_CHANNELS_PER_ROUND, PULL_CHANNELS_PER_ROUND, PULL_CHANNELS_PER_ROUND]);
  expect(rounds[0]).toEqual(ids.slice(0, 8));
  // Channel 3 came back with a full page: asked first in the next rounds, the others in turn.
  expect(rounds[1]).toEqual([ids[3], ...ids.slice(8, 15)]);
  expect(rounds[2]).toEqual([ids[3], ...ids.slice(15, 20), ...ids.slice(0, 2)]);
  // The refusal (429) is logged and the round goes on.
  expect(t.warned.some((w) => (w as { status?: number }).status === 429)).toBe(true);
  expect(new Set(rounds.flat())).toEqual(new Set(ids));
});

it("learns the peer's new channels from its list: fetches each unknown one's proposal, then its entries with the others", async () => {
  const known = 'a'.repeat(64);
  const fresh = 'b'.repeat(64);
  const relayed = 'c'.repeat(64);
  const channels = [known];
  const RU = 'R'.repeat(43);
  const t = setup(channels, (u) => {
    // Taking a proposal in makes its channel known here.
    if (u.searchParams.get('limit') === '1') channels.push(u.pathname.split('/')[4]!);
    return { status: 200, lines: 1 };
  }, () => ({ status: 200, body: JSON.stringify({ channels: [{ id: known, proposer: 'CN' }, { id: fresh, proposer: 'CN'.padEnd(43, 'N') }, { id: relayed, proposer: RU }, { id: 'bad', proposer: RU }] }) }));
  t.clock.advance(PULL_AFTER_MS);
  await t.pulls.tick();
  const paths = t.asked.map((u) => `${u.pathname.split('/')[4]!.slice(0, 1)} ${u.searchParams}`);
  // The two unknown channels' proposals (seq 1 of the proposer's log), then every channel shared.
  expect(paths).toEqual([`b author=${'CN'.padEnd(43, 'N')}&from=1&limit=1`, `c author=${RU}&from=1&limit=1`, `a author=CN&from=42&limit=${PULL_PAGE}`, `b author=CN&from=42&limit=${PULL_PAGE}`, `c author=CN&from=42&limit=${PULL_PAGE}`]);
  expect(t.received.slice(0, 2)).toEqual([{ lines: 1, source: 'CN' }, { lines: 1, source: 'CN' }]);
  // Listed again only after PULL_LIST_EVERY_MS; nothing new to fetch then.
  t.clock.advance(PULL_EVERY_MS);
  await t.pulls.tick();
  expect(t.listed).toHaveLength(1);
  t.clock.advance(PULL_LIST_EVERY_MS);
  const before = t.asked.length;
  await t.pulls.tick();
  expect(t.listed).toHaveLength(2);
  expect(t.asked.slice(before).every((u) => u.searchParams.get('limit') === String(PULL_PAGE))).toBe(true);
});

it('does not fetch again a listed proposal it refused, and lists again after a failed list', async () => {
  const fresh = 'b'.repeat(64);
  let status = 500;
  const t = setup([], () => ({ status: 200, lines: 1 }), () => ({ status, body: JSON.stringify({ channels: [{ id: fresh, proposer: 'CN'.padEnd(43, 'N') }] }) }));
  t.refusing.on = true;
  t.clock.advance(PULL_AFTER_MS);
  await t.pulls.tick();
  expect(t.asked).toEqual([]);
  expect(t.warned.some((w) => (w as { status?: number }).status === 500)).toBe(true);
  status = 200;
  for (let i = 0; i < 3; i++) {
    t.clock.advance(PULL_LIST_EVERY_MS);
    await t.pulls.tick();
  }
  expect(t.listed).toHaveLength(4);
  // Fetched once, refused by the receiver (not a channel of this party, say): not fetched again.
  expect(t.asked.map((u) => u.searchParams.get('limit'))).toEqual(['1']);
});

it('fetches a channel joined by amendment with the amendment that names this party, and what fetched entries wait for', async () => {
  const joined = 'd'.repeat(64);
  const US = 'U'.repeat(43);
  const XX = 'X'.repeat(43);
  const channels: string[] = [];
  const t = setup(channels, (u) => {
    // The amendment that names this party makes the channel known here.
    if (u.searchParams.get('author') === XX && u.searchParams.get('from') === '7') channels.push(joined);
    return { status: 200, lines: 1 };
  }, () => ({ status: 200, body: JSON.stringify({ channels: [{ id: joined, proposer: US, joinedBy: { author: XX, seq: 7 } }] }) }));
  // The proposal and the amendment wait for XX's entries 1-6 and US's 2-3; those answers wait for more.
  t.missing.push(
    [{ channel: joined, author: XX, fromSeq: 1, toSeq: 6 }, { channel: joined, author: US, fromSeq: 2, toSeq: 3 }, { channel: joined, author: '', fromSeq: 1, toSeq: 1 }],
    [],
    [{ channel: joined, author: 'Y'.repeat(43), fromSeq: 4, toSeq: 5000 }, { channel: joined, author: 'Z'.repeat(43), fromSeq: 1, toSeq: 1 }, { channel: joined, author: 'W'.repeat(43), fromSeq: 1, toSeq: 1 }],
  );
  t.clock.advance(PULL_AFTER_MS);
  await t.pulls.tick();
  const asked = t.asked.map((u) => `${u.searchParams}`);
  expect(asked.slice(0, 2)).toEqual([`author=${US}&from=1&limit=1`, `author=${XX}&from=7&limit=1`]);
  // Taken in together, as one batch: the receiver holds the proposal until the amendment names this party.
  expect(t.received[0]).toEqual({ lines: 2, source: 'CN' });
  // Then the peer's own log of the channel, now known, and what the entries taken in wait for, a few ranges a round (an unknown channel's `author: ''` is not asked).
  expect(asked.slice(2)).toEqual([`author=CN&from=42&limit=${PULL_PAGE}`, `author=${XX}&from=1&limit=6`, `author=${US}&from=2&limit=2`, `author=${'Y'.repeat(43)}&from=4&limit=${PULL_PAGE}`, `author=${'Z'.repeat(43)}&from=1&limit=1`]);
  expect(asked.slice(3)).toHaveLength(PULL_MISSING_PER_ROUND);
});

/**
 * `hotline repair --forked CHANNEL --from N` after a clock that ran far ahead (docs/operations.md
 * "Clocks"): the refusal to sign (CLOCK_BEHIND_LOG) names the first own entry dated after now and
 * the repair; the repair removes the entries no peer holds, makes own-heads.json remember the head
 * it removed (the next start waits for every peer and fetches back what one holds), and never
 * removes own entries a peer is known to hold (REPAIR_OWN_ENTRIES_HELD): that would fork the log.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { OWN_HEADS_FILE, readOwnForks, readOwnHeads, rememberOwnHead } from '../../../src/terminal/channels/own-heads.js';
import { clockBehindChannels } from '../../../src/terminal/channels/own-writer.js';
import { TerminalError } from '../../../src/terminal/errors.js';
import type { TerminalIdentity } from '../../../src/terminal/identity/index.js';
import { repairForked } from '../../../src/terminal/integrity/doctor.js';
import { backToBack, type BackToBack } from '../back-to-back.js';

const DAY = 86_400_000;
let pair: BackToBack | undefined;
afterEach(async () => {
  await pair?.cleanup();
  pair = undefined;
});

/** US's terminal identity as the repair reads it: its data directory, party and database. */
function usIdentity(p: BackToBack): TerminalIdentity {
  return { dir: p.dir, party: p.a.self.party, database: { kind: 'sqlite', path: join(p.dir, 'US.db') } } as unknown as TerminalIdentity;
}

async function ownSeqs(p: BackToBack, channel: string): Promise<number[]> {
  return (await p.a.store.listEntries(channel, { author: p.a.self.party })).map((e) => e.seq);
}

/** US's clock runs 30 days ahead while CN takes nothing of US's (it refuses them as from the future); then NTP puts it right. */
async function clockRanAhead(p: BackToBack) {
  const channel = await p.activeChannel({ linkTestIntervalSec: 86_400 });
  await p.a.send(channel, { text: 'before the jump', lang: 'en', precedence: 'ROUTINE' });
  await p.settle();
  const held = Math.max(...(await ownSeqs(p, channel)));
  // CN's receipt names US's head: CN holds US's log up to `held`.
  expect((await p.b.store.heads(channel))[p.a.self.party]?.seq).toBe(held);
  expect((await p.a.store.heads(channel))[p.b.self.party]).toBeDefined();
  p.cut();
  p.clock.advance(30 * DAY);
  const ahead = [];
  for (let i = 0; i < 2; i++) ahead.push(await p.a.send(channel, { text: `ahead ${i}`, lang: 'en', precedence: 'ROUTINE' }));
  p.clock.advance(-30 * DAY);
  return { channel, held, firstAhead: ahead[0]!.entry.seq, head: ahead[1]!.entry.seq };
}

it('names the first own entry dated after now and the repair, when the clock is behind by more than a peer tolerates', async () => {
  pair = await backToBack();
  const { channel, firstAhead, head } = await clockRanAhead(pair);
  const alarms: Array<{ code: string; message: string; channel?: string }> = [];
  pair.a.events.on('alarm', (a) => alarms.push(a));
  const refused = await pair.a.send(channel, { text: 'after the fix', lang: 'en', precedence: 'ROUTINE' }).catch((e: unknown) => e);
  expect((refused as TerminalError).code).toBe('CLOCK_BEHIND_LOG');
  const message = (refused as TerminalError).message;
  expect(message).toContain(`(#${firstAhead} to #${head})`);
  expect(message).toContain(`\`hotline repair --data DIR --forked ${channel.slice(0, 12)} --from ${firstAhead}\``);
  expect(message).toMatch(/signing resumes by itself only once the clock passes/);
  expect(alarms.filter((a) => a.code === 'CLOCK_BEHIND_LOG')).toEqual([expect.objectContaining({ channel, message })]);
});

it('lists the channel as not signable (clock-behind-log) for status and readiness, from the first entry dated after now', async () => {
  pair = await backToBack();
  const p = pair;
  const reconciler = { reconciling: () => clockBehindChannels(p.a.wing.registry, p.a.self.party, p.clock.now()) };
  const channel = await p.activeChannel({ linkTestIntervalSec: 86_400 });
  expect(reconciler.reconciling()).toEqual([]);
  p.clock.advance(30 * DAY);
  expect(reconciler.reconciling()).toEqual([]);
  const before = p.a.wing.registry.channel(channel).heldCount(p.a.self.party);
  await p.a.send(channel, { text: 'ahead', lang: 'en', precedence: 'ROUTINE' });
  const have = p.a.wing.registry.channel(channel).heldCount(p.a.self.party);
  p.clock.advance(-30 * DAY);
  expect(reconciler.reconciling()).toEqual([{ channel, have, peerHolds: before, why: 'clock-behind-log' }]);
  // Within the tolerance it is not listed: the next entry takes its predecessor's time.
  p.clock.advance(30 * DAY - 500);
  expect(reconciler.reconciling()).toEqual([]);
});

it('does not offer the repair when the clock is behind by less than a peer tolerates: it resumes by itself', async () => {
  pair = await backToBack();
  const channel = await pair.activeChannel({ linkTestIntervalSec: 86_400 });
  pair.clock.advance(120_000);
  await pair.a.send(channel, { text: 'two minutes ahead', lang: 'en', precedence: 'ROUTINE' });
  pair.clock.advance(-120_000);
  const refused = await pair.a.send(channel, { text: 'after', lang: 'en', precedence: 'ROUTINE' }).catch((e: unknown) => e);
  expect((refused as TerminalError).code).toBe('CLOCK_BEHIND_LOG');
  expect((refused as TerminalError).message).toMatch(/signing resumes by itself once the clock passes [0-9TZ:.-]+\.$/);
  expect((refused as TerminalError).message).not.toContain('hotline repair');
});

it('removes the future-dated own entries no peer holds, and remembers the head it removed', async () => {
  pair = await backToBack();
  const { channel, held, firstAhead, head } = await clockRanAhead(pair);
  const identity = usIdentity(pair);
  const r = await repairForked(identity, channel.slice(0, 12), firstAhead);
  expect(r).toEqual({ channel, removed: head - firstAhead + 1 });
  expect(Math.max(...(await ownSeqs(pair, channel)))).toBe(held);
  expect((await pair.a.store.listMessages(channel)).map((m) => m.text)).toEqual(['before the jump']);
  // The next start sees a database below the remembered head: it waits for every peer, however long.
  const file = JSON.parse(await readFile(join(pair.dir, OWN_HEADS_FILE), 'utf8')) as { heads: Record<string, number> };
  expect(file.heads[channel]).toBe(head);
  // Nothing at or after --from any more: nothing to do, and a remembered fork is lifted all the same.
  await writeFile(join(pair.dir, OWN_HEADS_FILE), JSON.stringify({ ...file, forked: { [channel]: { seq: firstAhead, peer: 'CN' } } }));
  expect(await repairForked(identity, channel, firstAhead)).toEqual({ channel, removed: 0 });
  expect(await readOwnForks(pair.dir)).toEqual(new Map());
  expect((await readOwnHeads(pair.dir)).get(channel)).toBe(head);
});

it('never removes own entries a peer holds (REPAIR_OWN_ENTRIES_HELD), and removes nothing then', async () => {
  pair = await backToBack();
  const { channel, held, head } = await clockRanAhead(pair);
  const before = await ownSeqs(pair, channel);
  const refused = await repairForked(usIdentity(pair), channel, held).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(TerminalError);
  expect((refused as TerminalError).code).toBe('REPAIR_OWN_ENTRIES_HELD');
  expect((refused as TerminalError).message).toMatch(new RegExp(`peer CN holds this terminal's own entries of channel ${channel.slice(0, 12)} up to #${held}`));
  expect((refused as TerminalError).message).toContain(`give --from ${held + 1} or later`);
  expect(await ownSeqs(pair, channel)).toEqual(before);
  expect(Math.max(...before)).toBe(head);
  // From 1 too (the proposal itself, which CN holds).
  await expect(repairForked(usIdentity(pair), channel, 1)).rejects.toThrow(/Nothing was removed/);
  expect(await ownSeqs(pair, channel)).toEqual(before);
});

it('removes own entries where a peer holds other entries at those numbers (a forked own log)', async () => {
  pair = await backToBack();
  const { channel, held } = await clockRanAhead(pair);
  // CN's last entry names US's #held with another hash: CN holds another version (a fork); ours goes.
  const cn = pair.b.self.party;
  const last = (await pair.a.store.heads(channel))[cn]!;
  const row = (await pair.a.store.getEntry(channel, cn, last.seq))!;
  const raw = JSON.parse(row.raw) as { heads: Record<string, { seq: number; hash: string }> };
  raw.heads[pair.a.self.party] = { seq: held, hash: 'f'.repeat(64) };
  const store = pair.a.store as unknown as { db: { updateTable(t: string): { set(v: object): { where(a: string, o: string, v: unknown): { where(a: string, o: string, v: unknown): { where(a: string, o: string, v: unknown): { execute(): Promise<unknown> } } } } } } };
  await store.db.updateTable('entries').set({ raw: JSON.stringify(raw) }).where('channel', '=', channel).where('author', '=', cn).where('seq', '=', last.seq).execute();
  const r = await repairForked(usIdentity(pair), channel, held);
  expect(r.removed).toBeGreaterThan(0);
});

it('rememberOwnHead keeps a higher head and the forks, and writes the file when it is missing', async () => {
  pair = await backToBack();
  const dir = pair.dir;
  const c1 = '1'.repeat(64);
  const c2 = '2'.repeat(64);
  await rememberOwnHead(dir, c1, 7);
  const read = async () => JSON.parse(await readFile(join(dir, OWN_HEADS_FILE), 'utf8')) as { v: number; heads: Record<string, number>; forked?: unknown };
  expect(await read()).toEqual({ v: 1, heads: { [c1]: 7 } });
  await rememberOwnHead(dir, c1, 5);
  expect((await read()).heads[c1]).toBe(7);
  await rememberOwnHead(dir, c2, 3);
  expect((await read()).heads).toEqual({ [c1]: 7, [c2]: 3 });
});

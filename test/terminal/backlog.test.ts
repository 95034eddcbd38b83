/**
 * Back-pressure for a peer that is down (#14 B6): beyond the cap of own entries the peer has not
 * receipted, messages are refused with PEER_BACKLOG_FULL; other entries still go; once the peer
 * receipts again, messages flow.
 */
import { afterEach, expect, it } from 'vitest';
import { Backlog } from '../../src/terminal/channels/backlog.js';
import { TerminalError } from '../../src/terminal/errors.js';
import { backToBack, type BackToBack } from './back-to-back.js';

let pair: BackToBack | undefined;
afterEach(async () => {
  await pair?.cleanup();
  pair = undefined;
});

it('refuses messages beyond the cap while the peer receipts nothing, and sends again once it does', async () => {
  pair = await backToBack();
  const channel = await pair.activeChannel();
  const a = pair.a;
  const backlog = new Backlog({ self: a.self.party, cap: 5, store: a.store, head: (c) => a.wing.committer.committedHead(c), peersOf: (c) => a.peersOf(c), label: (p) => a.label(p) });
  await backlog.load(a.channelIds());
  a.wing.committer.onReceivedCommitted = (c, entries) => backlog.noteEntries(c, entries);
  a.wing.writer.backlog = backlog;

  pair.cut();
  const head = a.committedHead(channel);
  const send = (text: string) => a.send(channel, { text, lang: 'en', precedence: 'ROUTINE' });
  // Whatever the peer receipted before the cut still counts: the cap is on what it has not.
  const room = 5 - (head - ((await a.store.listReceipts(channel)).find((r) => r.holder === pair!.b.self.party && r.author === a.self.party)?.seq ?? 0));
  for (let i = 0; i < room; i++) await send(`m${i}`);
  const refused = await send('one too many').catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(TerminalError);
  expect((refused as TerminalError).code).toBe('PEER_BACKLOG_FULL');
  expect((refused as TerminalError).message).toMatch(/not yet receipted by CN, and it accepts at most 5; nothing was sent/);
  await expect(a.sendMany(channel, [{ text: 'batch', lang: 'en', precedence: 'ROUTINE' }])).rejects.toThrow(/PEER_BACKLOG_FULL|not yet receipted/);
  // Other entries still go: a link test is written.
  await a.write(channel, 'link.test', { nonce: '00'.repeat(8), t1: pair.clock.now() });

  pair.restore();
  await pair.settle();
  await pair.b.flush();
  await pair.settle();
  await send('after the peer receipted');
});

/**
 * Each party holds its own suspension (docs/protocol.md §5.4). A send on a suspended channel says
 * who holds a suspension, since only that party can lift it (found by fault injection: after both
 * suspended and one resumed, the refusal said only "the suspending party must resume it").
 */
import { afterEach, expect, it } from 'vitest';
import { backToBack, type BackToBack } from '../back-to-back.js';

let pair: BackToBack | undefined;
afterEach(async () => {
  await pair?.cleanup();
  pair = undefined;
});

it('names the party still holding a suspension when another resumed its own', async () => {
  const p = (pair = await backToBack());
  const channel = await p.activeChannel();
  await p.a.write(channel, 'channel.suspend', { reason: 'US review' });
  await p.b.write(channel, 'channel.suspend', { reason: 'CN review' });
  await p.settle();
  await p.a.write(channel, 'channel.resume', { reason: 'US done' });
  await p.settle();
  expect(p.a.view(channel).state).toBe('suspended');
  const refused = await p.a.send(channel, { text: 'hello', lang: 'en', precedence: 'ROUTINE' }).then(() => undefined, (e: unknown) => e as Error & { code?: string });
  expect(refused?.code).toBe('CHANNEL_NOT_ACTIVE');
  expect(refused?.message).toMatch(/Suspended by CN: only that party can resume it/);
  expect(p.a.view(channel).parties.filter((x) => x.suspended).map((x) => x.code)).toEqual(['CN']);
});

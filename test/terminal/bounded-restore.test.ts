/**
 * A long channel log comes back at start from its lasting entries and each author's last entries,
 * not from a replay (#18): what the registry holds in memory right after loading is bounded by the
 * window, and it judges the next entries as the full log did.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelRegistry } from '../../src/terminal/channels/channel-registry.js';
import { backToBack, type BackToBack } from './back-to-back.js';

let t: BackToBack | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

describe('bounded restore', () => {
  it('loads a long log from its tails, bounded by the window', async () => {
    t = await backToBack();
    const channel = await t.activeChannel();
    for (let i = 0; i < 40; i++) await t.a.send(channel, { text: `US report ${i}`, lang: 'en', precedence: 'ROUTINE' });
    await t.settle();
    const full = t.a.wing.registry.get(channel)!;
    const registry = new ChannelRegistry({ self: t.a.wing.registry.self, store: t.a.store, clock: t.clock, logWindow: 8 });
    await registry.load();
    const log = registry.get(channel)!;
    expect(log.bounded).toBe(true);
    expect(log.size).toBe(full.size);
    for (const n of Object.values(log.inMemory())) expect(n).toBeLessThanOrEqual(8);
    expect(log.heads()).toEqual(full.heads());
    expect(log.state(t.clock.now()).state).toBe('active');
  });
});

/**
 * Receipt pacing: messages that arrive within the spacing window after a receipt share one
 * cumulative receipt, written when the window ends (or at flush); without a window each turn of
 * the event loop that stored messages is receipted at once.
 * The window here is a minute, so nothing depends on how fast the test runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BodyOf } from '../../src/protocol/index.js';
import { DEFAULT_RECEIPT_SPACING_MS, receiptSpacingFrom } from '../../src/terminal/channels/receipts.js';
import { backToBack, type BackToBack } from './back-to-back.js';

let pair: BackToBack | undefined;
afterEach(async () => {
  await pair?.cleanup();
  pair = undefined;
});

/** CN's receipts in the channel, as the seq of US's log each one covers. */
async function receiptsFromCn(p: BackToBack, channel: string): Promise<number[]> {
  const rows = await p.b.store.listEntries(channel, { author: p.b.self.party });
  return rows
    .filter((r) => r.kind === 'receipt')
    .map((r) => (JSON.parse(r.raw) as { body: BodyOf<'receipt'> }).body.holds.find((h) => h.author === p.a.self.party)?.seq ?? 0);
}

describe('receipt pacing', () => {
  it('covers the messages that arrive within the window with one cumulative receipt when it ends', async () => {
    pair = await backToBack(undefined, { receiptSpacingMs: 60_000 });
    const channel = await pair.activeChannel();
    // Accepting the channel started CN's window (it receipted US's proposal); close it.
    await pair.b.flush();
    await pair.settle();
    const first = await pair.a.send(channel, { text: 'first', lang: 'en', precedence: 'FLASH' });
    await pair.settle();
    const count = (await receiptsFromCn(pair, channel)).length;
    let last = first;
    expect(Math.max(...(await receiptsFromCn(pair, channel)))).toBeLessThan(first.entry.seq); // in the window: not yet
    for (let i = 0; i < 5; i++) last = await pair.a.send(channel, { text: `m${i}`, lang: 'en', precedence: 'ROUTINE' });
    await pair.settle();
    expect((await receiptsFromCn(pair, channel)).length).toBe(count); // within the window: none yet
    await pair.b.flush();
    await pair.settle();
    const after = await receiptsFromCn(pair, channel);
    expect(after.length).toBe(count + 1); // one receipt for all five
    expect(after[after.length - 1]).toBe(last.entry.seq);
  });

  it('without a window, every turn that stored messages is receipted at once', async () => {
    pair = await backToBack();
    const channel = await pair.activeChannel();
    const m = await pair.a.send(channel, { text: 'x', lang: 'en', precedence: 'ROUTINE' });
    await pair.settle();
    expect(Math.max(...(await receiptsFromCn(pair, channel)))).toBe(m.entry.seq);
  });

  it('takes its window from HOTLINE_RECEIPT_SPACING_MS, and refuses a value that is not 0 to 1,000 ms', () => {
    expect(receiptSpacingFrom(undefined)).toBe(DEFAULT_RECEIPT_SPACING_MS);
    expect(receiptSpacingFrom('')).toBe(DEFAULT_RECEIPT_SPACING_MS);
    expect(receiptSpacingFrom('0')).toBe(0);
    expect(receiptSpacingFrom('250')).toBe(250);
    for (const bad of ['-1', '1001', '2.5', 'soon']) expect(() => receiptSpacingFrom(bad)).toThrow(/HOTLINE_RECEIPT_SPACING_MS must be a whole number of milliseconds from 0 to 1000/);
  });
});

/**
 * Two parties amend at the same time (docs/protocol.md §5.3: both stay pending). Each terminal
 * shows first the amendment awaiting its own answer, lists the other, and `accept` answers the
 * one this party has not answered; once it has answered both, it says so instead of a bare
 * "already accepted" (found by fault injection: the second amendment was invisible and could not
 * be answered).
 */
import { afterEach, expect, it } from 'vitest';
import { backToBack, type BackToBack } from '../back-to-back.js';

let pair: BackToBack | undefined;
afterEach(async () => {
  await pair?.cleanup();
  pair = undefined;
});

it('shows both concurrent amendments, the one awaiting this party first, and accepts that one', async () => {
  const p = (pair = await backToBack());
  const channel = await p.activeChannel();
  const c0 = p.a.view(channel).charter;
  p.cut();
  const byUs = await p.a.write(channel, 'charter.amend', { charter: { ...c0, ackDeadlineSec: { ...c0.ackDeadlineSec, FLASH: 120 } }, reason: 'US change' });
  await p.b.write(channel, 'charter.amend', { charter: { ...c0, ackDeadlineSec: { ...c0.ackDeadlineSec, FLASH: 240 } }, reason: 'CN change' });
  p.restore();
  await p.settle();

  const atUs = p.a.view(channel);
  expect(atUs.pendingAmendment).toMatchObject({ hash: expect.any(String), proposer: 'CN', awaiting: ['US'] });
  expect(atUs.alsoPending).toEqual([{ hash: expect.any(String), proposer: 'US', awaiting: ['CN'] }]);
  expect(atUs.pendingAmendment!.hash).not.toBe(atUs.alsoPending![0]!.hash);

  // US answers CN's amendment (its own counts as accepted by it).
  const accepted = await p.a.accept(channel);
  expect((accepted.entry.body as { charter: string }).charter).toBe(atUs.pendingAmendment!.hash);
  // Nothing left for US to answer: the refusal names what is still pending.
  const again = await p.a.accept(channel).then(() => undefined, (e: unknown) => e as Error);
  expect(again?.message).toMatch(/already answered every pending amendment \([0-9a-f]{12} proposed by US\)/);
  await p.settle();
  // CN answers US's; both adopted, the later in the order of §5.3 in force.
  await p.b.accept(channel);
  await p.settle();
  expect(p.a.view(channel).pendingAmendment).toBeUndefined();
  expect(p.a.view(channel).alsoPending).toBeUndefined();
  expect(byUs.entry.kind).toBe('charter.amend');
});

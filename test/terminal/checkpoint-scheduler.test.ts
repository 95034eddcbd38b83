/**
 * Daily checkpoints (docs/protocol.md §15.1), two terminals back to back on the injected clock:
 * each writes one checkpoint a day in a version-2 channel and none in a version-1 channel; each
 * accepts the other's after checking its commitment; a restart does not write a second one the
 * same day; and the period export's anchor is the newest checkpoint every party countersigned.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isLastingKind, periodEntries, sealedFromStored, verifyBundle, writeBundle, type SealedEntry } from '../../src/protocol/index.js';
import { CheckpointScheduler } from '../../src/terminal/schedulers/checkpoint-scheduler.js';
import { storePeriodSource } from '../../src/terminal/officer-api/period-export.js';
import { OfficerReadModel } from '../../src/terminal/officer-api/read-model.js';
import { backToBack, type BackToBack } from './back-to-back.js';
import type { TestWing } from './test-wing.js';

const HOUR = 3_600_000;

function scheduler(w: TestWing): CheckpointScheduler {
  return new CheckpointScheduler({ directory: w.wing.registry, actions: w.wing.writer, store: w.store, self: w.self, clock: { now: () => w.now() } });
}

async function checkpoints(w: TestWing, channel: string): Promise<SealedEntry[]> {
  return (await w.store.listLastingRawEntries(channel)).map(sealedFromStored).filter((s) => s.entry.kind === 'checkpoint');
}

describe('daily checkpoints', () => {
  let t: BackToBack | undefined;
  afterEach(async () => t?.cleanup());

  it('one a day per party in version-2 channels, none in version 1, accepted by the other side, and a period bundle verifies from them', async () => {
    t = await backToBack();
    const v2 = await t.a.propose({ title: { en: 'Decades line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60, protocol: 2 });
    const v1 = await t.a.propose({ title: { en: 'Old line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60 });
    await t.settle();
    await t.b.accept(v2.id);
    await t.b.accept(v1.id);
    await t.settle();
    const a = scheduler(t.a);
    const b = scheduler(t.b);
    const hour = async () => {
      await a.tick();
      await b.tick();
      await t!.settle();
      await t!.a.send(v2.id, { text: `hourly ${t!.clock.now()}`, lang: 'en', precedence: 'ROUTINE' });
      await t!.settle();
      t!.clock.advance(HOUR);
    };
    for (let i = 0; i < 49; i++) await hour();

    const held = await checkpoints(t.b, v2.id);
    expect(held.filter((k) => k.entry.author === t!.a.self.party)).toHaveLength(3); // at 0 h, 24 h and 48 h
    expect(held.filter((k) => k.entry.author === t!.b.self.party)).toHaveLength(3);
    expect(await checkpoints(t.a, v1.id)).toEqual([]);

    // A restarted scheduler reads the last one back: no second checkpoint the same day.
    const again = scheduler(t.a);
    await again.tick();
    await t.settle();
    expect((await checkpoints(t.a, v2.id)).filter((k) => k.entry.author === t!.a.self.party)).toHaveLength(3);

    // A period from the second day's checkpoint of A verifies on its own.
    const k = held.filter((x) => x.entry.author === t!.a.self.party)[1]!;
    const log = t.a.channel(v2.id);
    const entries = await periodEntries(storePeriodSource(log, new OfficerReadModel(t.a.store, t.a.self.party)), k, [t.a.self.party, t.b.self.party]);
    const text = writeBundle({ channel: v2.id, anchor: k.hash }, [t.a.self.card, t.b.self.card], [log.proposal, ...entries]);
    const report = verifyBundle(text);
    expect(report.firstError).toBeNull();
    expect(report.period?.countersigned).toHaveLength(1);
    expect(report.messages.length).toBeGreaterThanOrEqual(24);
    expect(report.messages.length).toBeLessThan(30);
    const total = log.authors().reduce((n, x) => n + (log.head(x)?.seq ?? 0), 0);
    const before = entries.filter((s) => s.entry.seq <= (s.entry.author === k.entry.author ? k.entry.seq - 1 : (k.entry.heads[s.entry.author]?.seq ?? 0)));
    expect(entries.length).toBeLessThan(total * 0.7); // a day of 49 hours, and what it needs from before
    expect(before.filter((s) => !isLastingKind(s.entry.kind)).length).toBeLessThanOrEqual(4); // the heads at the anchor and what the period refers to
  });
});

/**
 * Link health on a version-2 channel between two terminal processes (docs/protocol.md §6.2,
 * §12.3): the line is tested with signed frames on the federation stream, so no link.test or
 * link.echo entry is written, and a cut line writes a signed link.state entry at once (and another
 * when it comes back). The hourly link.summary needs the injected clock: test/terminal/link-prober.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Harness, waitFor } from './harness.js';

interface LinkView {
  health: Array<{ code: string; state: string; lastRttMs: number | null }>;
  samples: Record<string, Array<{ rttMs: number; offsetMs: number }>>;
}

describe('e2e: link tests as signed frames (version 2)', () => {
  it('keeps the line up with no link-test entries and writes link.state when the line is cut and restored', async () => {
    const h = await Harness.create();
    const us = await h.party('US', 'United States');
    const cn = await h.party('CN', 'China');
    await h.pair(us, cn);
    const seen: Array<{ kind: string; own: boolean; body: unknown }> = [];
    await us.events((e) => {
      if (e.type === 'entry' && e.kind) seen.push({ kind: e.kind, own: e.own === true, body: e.body });
    });
    // A one-second interval: degraded after one missed test, down after three.
    const id = await h.openChannel(us, cn, { title: { en: 'Line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 1, protocol: 2 });

    await waitFor('signed frames to report CN up with RTT samples', async () => {
      const v = await us.api<LinkView>('GET', `/api/v1/channels/${id}/link`);
      return v.health.find((x) => x.code === 'CN')?.state === 'up' && (v.samples.CN?.length ?? 0) >= 3;
    }, 30_000);
    const states = () => seen.filter((e) => e.kind === 'link.state' && e.own).map((e) => (e.body as { state: string }).state);
    await waitFor('US to write link.state up', () => states().includes('up'), 30_000);
    expect(seen.filter((e) => e.kind === 'link.test' || e.kind === 'link.echo')).toEqual([]);

    await cn.stop();
    await waitFor('US to write link.state down', () => states().includes('down'), 30_000);
    expect((await us.api<LinkView>('GET', `/api/v1/channels/${id}/link`)).health.find((x) => x.code === 'CN')?.state).toBe('down');

    const downs = states().length;
    await cn.start();
    await waitFor('US to write link.state up after the restore', () => states().slice(downs).includes('up'), 60_000);
    expect(seen.filter((e) => e.kind === 'link.test' || e.kind === 'link.echo')).toEqual([]);
  });
});

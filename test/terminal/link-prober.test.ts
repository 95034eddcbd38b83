/**
 * Link health of version-2 channels (docs/protocol.md §6.2, §12.3), two terminals back to back on
 * the injected clock: the line stays up on signed frames with no link.test/link.echo entries, each
 * party writes a link.summary an hour, a cut writes link.state at once, and forged or replayed
 * echoes never make the line look up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseEntry, signLinkFrame, type BodyOf } from '../../src/protocol/index.js';
import type { EchoFrame } from '../../src/terminal/federation/wire.js';
import { LinkProber, channelKeys } from '../../src/terminal/schedulers/link-prober.js';
import { LinkTester } from '../../src/terminal/schedulers/link-tester.js';
import { backToBack, portsOf, type BackToBack } from './back-to-back.js';
import type { TestWing } from './test-wing.js';

/** A prober and a tester for each side, their frames crossing by hand while `line.up`. */
function testers(t: BackToBack) {
  const line = { up: true, echoes: [] as EchoFrame[] };
  const make = (w: TestWing) => {
    const prober = new LinkProber({ directory: w.wing.registry, keys: channelKeys(w.wing.registry), actions: w.wing.writer, self: w.self, clock: { now: () => w.now() } });
    const tester = new LinkTester({ ...portsOf(w), prober });
    tester.start();
    return { prober, tester };
  };
  const a = make(t.a);
  const b = make(t.b);
  a.prober.transport = (peer, probe) => {
    if (!line.up) return false;
    const echo = b.prober.answer(t.a.self.party, probe);
    if (echo) {
      line.echoes.push(echo);
      a.tester.onEcho(peer, echo);
    }
    return true;
  };
  b.prober.transport = (peer, probe) => {
    if (!line.up) return false;
    const echo = a.prober.answer(t.b.self.party, probe);
    if (echo) b.tester.onEcho(peer, echo);
    return true;
  };
  return { a, b, line };
}

/** The entries of `channel` in `w`'s store, by kind. */
async function kinds(w: TestWing, channel: string): Promise<Map<string, Array<{ author: string; body: unknown }>>> {
  const out = new Map<string, Array<{ author: string; body: unknown }>>();
  const log = w.channel(channel);
  for (const author of log.authors())
    for (let seq = 1; seq <= (log.head(author)?.seq ?? 0); seq++) {
      const row = await w.store.getEntry(channel, author, seq);
      const e = JSON.parse(row!.raw) as { kind: string; body: unknown };
      out.set(e.kind, [...(out.get(e.kind) ?? []), { author, body: e.body }]);
    }
  return out;
}

describe('link health on version-2 channels', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => cleanup?.());

  it('keeps the line up on signed frames, summarises hourly, and writes link.state on a cut and on return', async () => {
    const t = await backToBack();
    cleanup = t.cleanup;
    const view = await t.a.propose({ title: { en: 'Line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60, protocol: 2 });
    await t.settle();
    await t.b.accept(view.id);
    await t.settle();
    const { a, b, line } = testers(t);
    const minute = async () => {
      await a.tester.tick();
      await b.tester.tick();
      await t.settle();
      t.clock.advance(60_000);
    };
    for (let i = 0; i < 121; i++) await minute();

    expect(a.tester.health().find((x) => x.code === 'CN')!.state).toBe('up');
    let k = await kinds(t.a, view.id);
    expect(k.has('link.test')).toBe(false);
    expect(k.has('link.echo')).toBe(false);
    const summaries = k.get('link.summary')!;
    expect(summaries.filter((s) => s.author === t.a.self.party)).toHaveLength(2);
    expect(summaries.filter((s) => s.author === t.b.self.party)).toHaveLength(2);
    const first = summaries[0]!.body as BodyOf<'link.summary'>;
    expect(first.until - first.from).toBe(3_600_000);
    expect(first.peers[0]).toMatchObject({ sent: 60, answered: 60, failures: 0, state: 'up', rttMs: { p50: 0 } });

    // Forged and replayed echoes are refused and count as no answer.
    const real = line.echoes.at(-1)!;
    const refused = a.prober.stats.refused;
    a.tester.onEcho(t.b.self.party, real);
    a.tester.onEcho(t.b.self.party, { ...real, t2: real.t2 + 1 });
    expect(a.prober.stats.refused).toBe(refused + 2);

    // The line is cut: down after three silent intervals, with a link.state entry at once.
    line.up = false;
    for (let i = 0; i < 5; i++) await minute();
    expect(a.tester.health().find((x) => x.code === 'CN')!.state).toBe('down');
    // Forged echoes while down never bring the line up: a probe answered by a key that is not CN's.
    a.tester.onEcho(t.b.self.party, { ...real, nonce: 'ff'.repeat(12) });
    await t.settle();
    expect(a.tester.health().find((x) => x.code === 'CN')!.state).toBe('down');
    k = await kinds(t.a, view.id);
    const states = (k.get('link.state') ?? []).filter((s) => s.author === t.a.self.party).map((s) => s.body as BodyOf<'link.state'>);
    expect(states.map((s) => `${s.was}->${s.state}`)).toEqual(['down->up', 'up->degraded', 'degraded->down']);

    line.up = true;
    await minute();
    expect(a.tester.health().find((x) => x.code === 'CN')!.state).toBe('up');
    k = await kinds(t.a, view.id);
    expect((k.get('link.state') ?? []).filter((s) => s.author === t.a.self.party).map((s) => (s.body as BodyOf<'link.state'>).state).at(-1)).toBe('up');
  });

  it('answers only probes signed by the peer\'s key on a shared version-2 channel', async () => {
    const t = await backToBack();
    cleanup = t.cleanup;
    const v2 = await t.a.propose({ title: { en: 'Line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60, protocol: 2 });
    const v1 = await t.a.propose({ title: { en: 'Old line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60 });
    await t.settle();
    await t.b.accept(v2.id);
    await t.b.accept(v1.id);
    await t.settle();
    const { a, b } = testers(t);
    const probes: Array<Parameters<typeof a.prober.transport>[1]> = [];
    a.prober.transport = (_peer, probe) => (probes.push(probe), true);
    a.prober.send(v2.id, 60_000, t.clock.now());
    const probe = probes[0]!;
    const us = t.a.self.party;
    expect(b.prober.answer(us, probe)).toMatchObject({ t: 'echo', nonce: probe.nonce, t1: probe.t1, from: t.b.self.party });
    // Another stream's peer, an altered time, a key that is not US's, a version-1 channel: no answer.
    expect(b.prober.answer(t.b.self.party, probe)).toBeUndefined();
    expect(b.prober.answer(us, { ...probe, t1: probe.t1 + 1 })).toBeUndefined();
    expect(b.prober.answer(us, { ...probe, key: t.b.self.signer.publicKey })).toBeUndefined();
    a.prober.send(v1.id, 60_000, t.clock.now());
    expect(b.prober.answer(us, probes[1]!)).toBeUndefined();
    // An echo signed by CN's own terminal for another nonce, or replayed, is refused by US.
    const echo = b.prober.answer(us, probe)!;
    expect(a.prober.accept(t.b.self.party, echo)).toBeDefined();
    expect(a.prober.accept(t.b.self.party, echo)).toBeUndefined();
  });

  // Echoes that pass §12.3 (signed by CN's terminal, t2 <= t3) but whose times cannot be true, and
  // an honest one read while US's clock stepped back: US's hourly link.summary (and any link.state)
  // must still be well formed, CN must take it, and US's later entries must still get through.
  for (const variant of ['negative round trip', 'offset beyond any date', 'US clock steps back once'] as const)
    it(`never signs a malformed link record from echo times that cannot be true: ${variant}`, async () => {
      const t = await backToBack();
      cleanup = t.cleanup;
      const view = await t.a.propose({ title: { en: 'Line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60, protocol: 2 });
      await t.settle();
      await t.b.accept(view.id);
      await t.settle();
      const prober = new LinkProber({ directory: t.a.wing.registry, keys: channelKeys(t.a.wing.registry), actions: t.a.wing.writer, self: t.a.self, clock: { now: () => t.a.now() } });
      const tester = new LinkTester({ ...portsOf(t.a), prober });
      tester.start();
      const cn = t.b.self;
      let stepped = false;
      prober.transport = (_peer, probe) => {
        const [t2, t3] = variant === 'negative round trip' ? [probe.t1 - 500, probe.t1 + 500] : variant === 'offset beyond any date' ? [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] : [probe.t1, probe.t1];
        const echo = { channel: probe.channel, from: cn.party, to: probe.from, key: cn.signer.publicKey, nonce: probe.nonce, t1: probe.t1, t2, t3 };
        const step = variant === 'US clock steps back once' && !stepped;
        if (step) t.clock.advance(-1500);
        tester.onEcho(cn.party, { t: 'echo', ...echo, sig: signLinkFrame(cn.signer, echo) });
        if (step) {
          stepped = true;
          t.clock.advance(1500);
        }
        return true;
      };
      for (let i = 0; i < 62; i++) {
        await tester.tick();
        await t.settle();
        t.clock.advance(60_000);
      }
      await t.a.send(view.id, { text: 'after the summary', lang: 'en', precedence: 'ROUTINE' });
      await t.settle();
      const us = t.a.self.party;
      const head = t.a.channel(view.id).head(us)!.seq;
      const kinds: string[] = [];
      for (let seq = 1; seq <= head; seq++) {
        const row = (await t.a.store.getEntry(view.id, us, seq))!;
        const parsed = parseEntry(row.raw);
        expect(parsed.ok, `US#${seq}: ${parsed.ok ? '' : parsed.error.message}`).toBe(true);
        if (parsed.ok) kinds.push(parsed.sealed.entry.kind);
        await t.b.receive([row.raw], us);
      }
      expect(kinds).toContain('link.summary');
      // CN holds every entry US signed, up to the message after the summary.
      expect(t.b.channel(view.id).head(us)?.seq).toBe(head);
      // The echoes came: the line is alive, whatever its figures.
      expect(tester.health().find((h) => h.channel === view.id)?.state).not.toBe('down');
      if (variant !== 'US clock steps back once') expect(prober.stats.unmeasurable).toBeGreaterThan(0);
      else expect(prober.stats.unmeasurable).toBe(1);
    });
});

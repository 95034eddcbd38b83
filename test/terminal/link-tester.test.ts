import { afterEach, describe, expect, it } from 'vitest';
import { LinkTester } from '../../src/terminal/schedulers/link-tester.js';
import { backToBack, portsOf } from './back-to-back.js';

describe('link tests', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => cleanup?.());

  it('measures round-trip time and offset, and goes degraded then down when echoes stop', async () => {
    const t = await backToBack();
    cleanup = t.cleanup;
    const channel = await t.a.propose({ title: { en: 'Line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60 });
    await t.settle();
    await t.b.accept(channel.id);
    await t.settle();
    const tester = new LinkTester(portsOf(t.a));
    const echoer = new LinkTester(portsOf(t.b));
    tester.start();
    echoer.start();
    const alarms: string[] = [];
    t.a.events.on('alarm', (e) => alarms.push(e.code));

    await tester.tick();
    await t.settle();
    let h = tester.health().find((x) => x.code === 'CN')!;
    expect(h.state).toBe('up');
    expect(h.lastRttMs).toBe(0);
    const samples = await t.a.store.listLinkSamples(channel.id, t.b.self.party, 0);
    expect(samples).toHaveLength(1);

    // The peer stops answering: after one missed interval degraded, after three down.
    t.cut();
    t.clock.advance(60_000);
    await tester.tick();
    t.clock.advance(60_000);
    await tester.tick();
    h = tester.health().find((x) => x.code === 'CN')!;
    expect(h.state).toBe('degraded');
    t.clock.advance(120_000);
    await tester.tick();
    h = tester.health().find((x) => x.code === 'CN')!;
    expect(h.state).toBe('down');
    expect(alarms).toEqual(expect.arrayContaining(['LINK_TEST_DEGRADED', 'LINK_TEST_DOWN']));

    // Restored: the next exchange brings it back up, with an alarm saying so.
    t.restore();
    t.clock.advance(60_000);
    await tester.tick();
    await t.settle();
    expect(tester.health().find((x) => x.code === 'CN')!.state).toBe('up');
    expect(alarms).toContain('LINK_TEST_UP');
  });

  it('goes degraded then down on time when the clock is stepped back an hour as the peer falls silent (silence is elapsed time)', async () => {
    const t = await backToBack();
    cleanup = t.cleanup;
    const channel = await t.a.propose({ title: { en: 'Line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60 });
    await t.settle();
    await t.b.accept(channel.id);
    await t.settle();
    const tester = new LinkTester(portsOf(t.a));
    const echoer = new LinkTester(portsOf(t.b));
    tester.start();
    echoer.start();
    await tester.tick();
    await t.settle();
    expect(tester.health().find((x) => x.code === 'CN')!.state).toBe('up');

    t.cut();
    t.clock.step(-3_600_000); // NTP sets a clock that was an hour ahead right
    t.clock.advance(120_000);
    await tester.tick();
    expect(tester.health().find((x) => x.code === 'CN')!.state).toBe('degraded');
    t.clock.advance(120_000);
    await tester.tick();
    // Down four minutes after the last echo, as without the step; not up for another hour.
    expect(tester.health().find((x) => x.code === 'CN')!.state).toBe('down');
  });

  it('keeps testing a suspended channel so that a resumption finds a working line', async () => {
    const t = await backToBack();
    cleanup = t.cleanup;
    const channel = await t.a.propose({ title: { en: 'Line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 10 });
    await t.settle();
    await t.b.accept(channel.id);
    await t.settle();
    await t.b.write(channel.id, 'channel.suspend', { reason: 'consultations' });
    await t.settle();
    expect(t.a.view(channel.id).state).toBe('suspended');
    const tester = new LinkTester(portsOf(t.a));
    const echoer = new LinkTester(portsOf(t.b));
    tester.start();
    echoer.start();
    await tester.tick();
    await t.settle();
    expect(tester.health().find((x) => x.code === 'CN')!.state).toBe('up');
  });

  it('tests at once when the peer\'s stream comes back up, not an interval later', async () => {
    const t = await backToBack();
    cleanup = t.cleanup;
    const channel = await t.a.propose({ title: { en: 'Line' }, tier: 'technical', parties: ['CN'], linkTestIntervalSec: 60 });
    await t.settle();
    await t.b.accept(channel.id);
    await t.settle();
    const tester = new LinkTester(portsOf(t.a));
    tester.start();
    const sent: number[] = [];
    t.a.events.on('entry', (e) => {
      if (e.own && e.kind === 'link.test') sent.push(t.clock.now());
    });
    await tester.tick();
    expect(sent).toHaveLength(1);
    // 10 s later the next test is 50 s away; a stream coming up (LINK_UP) makes it due now.
    t.clock.advance(10_000);
    await tester.tick();
    expect(sent).toHaveLength(1);
    t.a.events.emit({ type: 'alarm', code: 'LINK_UP', message: 'link to CN up', peer: t.b.self.party });
    await tester.tick();
    expect(sent).toHaveLength(2);
    // Not again within 5 s (a flapping stream), nor for another peer.
    t.clock.advance(1000);
    t.a.events.emit({ type: 'alarm', code: 'LINK_UP', message: 'link to CN up', peer: t.b.self.party });
    t.a.events.emit({ type: 'alarm', code: 'LINK_UP', message: 'link to RU up', peer: 'R'.repeat(43) });
    await tester.tick();
    expect(sent).toHaveLength(2);
  });
});

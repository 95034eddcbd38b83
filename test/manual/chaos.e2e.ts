/**
 * A seeded chaos soak (not in `npm test`: it runs for minutes by design; `npm run test:manual --
 * test/manual/chaos.e2e.ts`, HOTLINE_CHAOS_SEED and HOTLINE_CHAOS_SECONDS to vary it). Two terminals,
 * each reached through a fault proxy of its own, send to each other all the time while faults fall
 * at random, one after another and sometimes two at once: kill -9 and restart, a graceful restart,
 * SIGSTOP for seconds, a stalled path, every connection reset, a cut inside a frame, seconds of
 * latency, a throttled path. When the faults stop, within a bound: every message either side
 * accepted (201) is at the other side exactly once and receipted, nothing accepted is lost, the line
 * is up both ways, no evidence of equivocation was recorded, neither terminal reconciles or says its
 * own log forked, and both exports verify. The seed and the faults are printed, so that a failure
 * can be replayed. HOTLINE_CHAOS_PG=1 keeps US's data in PostgreSQL (a schema of its own), CN's in
 * SQLite.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Harness, freePort, waitFor, type Party } from '../e2e/harness.js';
import { FaultProxy } from '../e2e/fault-proxy.js';
import { seededRandom } from '../../src/terminal/schedulers/drill-scheduler.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Link = { code: string; state: string; transport?: string };
const linkOf = async (p: Party, peer: string): Promise<Link | undefined> => (await p.status().catch(() => undefined))?.links.find((l) => l.code === peer) as Link | undefined;

/** Sends all the time, each message under its own Idempotency-Key and retried until accepted. */
class Sender {
  readonly accepted = new Map<string, string>(); // text -> id
  #stop = false;
  readonly #done: Promise<void>;
  constructor(readonly p: Party, readonly channel: string, readonly everyMs: number) {
    this.#done = this.#run();
  }
  async #run(): Promise<void> {
    for (let i = 1; !this.#stop; i++) {
      const text = `${this.p.code} chaos #${i}`;
      // Retried under the same key until accepted: a POST whose answer was lost in a kill -9 must
      // not give a second message when asked again.
      for (;;) {
        const r = await this.p
          .apiRaw('POST', `/api/v1/channels/${this.channel}/messages`, { text, precedence: i % 10 === 0 ? 'FLASH' : 'ROUTINE' }, { 'idempotency-key': `${this.p.code}-chaos-${i}` }, 5_000)
          .catch(() => undefined);
        if (r?.status === 201) {
          this.accepted.set(text, (r.body as { id: string }).id);
          break;
        }
        if (this.#stop) return;
        await sleep(200);
      }
      await sleep(this.everyMs);
    }
  }
  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
  }
}

describe('chaos soak', () => {
  it('survives random faults: nothing lost, nothing doubled, no party framed, the line up after', async () => {
    const seed = Number(process.env.HOTLINE_CHAOS_SEED ?? Date.now() % 100_000);
    const seconds = Number(process.env.HOTLINE_CHAOS_SECONDS ?? 180);
    const random = seededRandom(seed);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const between = (a: number, b: number) => Math.round(a + random() * (b - a));
    const log: string[] = [`seed ${seed}, ${seconds} s${process.env.HOTLINE_CHAOS_PG === '1' ? ', US on PostgreSQL' : ''}`];
    const h = await Harness.create();
    const [pu, pc] = [await freePort(), await freePort()];
    const pg = process.env.HOTLINE_CHAOS_PG === '1' ? { url: inject('pgUrl'), schema: `chaos_${randomBytes(4).toString('hex')}` } : undefined;
    if (pg) h.defer(() => void execFileSync('psql', ['-q', '-d', pg.url, '-c', `DROP SCHEMA IF EXISTS ${pg.schema} CASCADE`], { stdio: 'ignore', timeout: 10_000 }));
    const us = await h.party('US', 'United States', { endpoints: [`https://127.0.0.1:${pu}`], start: false, ...(pg ? { init: ['--postgres', pg.url, '--postgres-schema', pg.schema] } : {}) });
    const cn = await h.party('CN', 'China', { endpoints: [`https://127.0.0.1:${pc}`], start: false });
    const proxies = { US: await FaultProxy.open(pu, us.federationPort), CN: await FaultProxy.open(pc, cn.federationPort) };
    h.defer(() => void proxies.US.close());
    h.defer(() => void proxies.CN.close());
    await Promise.all([us.start(), cn.start()]);
    await h.pair(us, cn);
    const channel = await h.openChannel(us, cn, { title: { en: 'Chaos line' }, tier: 'military', parties: ['CN'], linkTestIntervalSec: 2 });
    const parties = { US: us, CN: cn } as const;
    const senders = [new Sender(us, channel, 120), new Sender(cn, channel, 150)];
    const running = (p: Party) => p.proc !== undefined && p.proc.exitCode === null && p.proc.signalCode === null;

    /** A path made slow (`set` says how) for 2 to 8 s, then restored. */
    const degradeFor = async (x: FaultProxy, set: (x: FaultProxy) => string): Promise<string> => {
      const what = set(x);
      const ms = between(2000, 8000);
      await sleep(ms);
      x.restore();
      return `${what} for ${ms} ms`;
    };
    const faults: Record<string, (p: Party, proxy: FaultProxy) => Promise<string>> = {
      'kill -9': async (p) => {
        await p.kill9();
        const down = between(200, 3000);
        await sleep(down);
        await p.start();
        return `down ${down} ms`;
      },
      restart: async (p) => {
        await p.stop();
        await p.start();
        return '';
      },
      SIGSTOP: async (p) => {
        const ms = between(500, 7000);
        p.proc!.kill('SIGSTOP');
        await sleep(ms);
        p.proc!.kill('SIGCONT');
        return `${ms} ms`;
      },
      stall: async (_p, x) => {
        const ms = between(500, 9000);
        x.stalled = true;
        await sleep(ms);
        x.restore();
        return `${ms} ms`;
      },
      reset: async (_p, x) => {
        x.resetAll();
        return '';
      },
      'cut mid-frame': async (_p, x) => {
        x.cutNext = true;
        await sleep(between(100, 1000));
        x.cutNext = false;
        return '';
      },
      latency: (_p, x) => degradeFor(x, (y) => `${(y.delayMs = between(100, 2000))} ms`),
      throttle: (_p, x) => degradeFor(x, (y) => `${(y.bytesPerSec = between(2000, 30_000))} B/s`),
    };
    const names = Object.keys(faults);
    const t0 = Date.now();
    const one = async (who: 'US' | 'CN' = pick(['US', 'CN'] as const)): Promise<void> => {
      const name = pick(names);
      const at = ((Date.now() - t0) / 1000).toFixed(1);
      const detail = await faults[name]!(parties[who], proxies[who]);
      log.push(`+${at}s ${name} ${who}${detail ? ` (${detail})` : ''}`);
      h.step(log.at(-1)!);
    };
    while (Date.now() - t0 < seconds * 1000) {
      // Sometimes two faults at once, one on each party.
      if (random() < 0.25) await Promise.all([one('US'), one('CN')]);
      else await one();
      for (const p of [us, cn]) {
        if (!running(p)) await p.start();
        else p.proc!.kill('SIGCONT');
      }
      proxies.US.restore();
      proxies.CN.restore();
      await sleep(between(500, 4000));
    }
    await Promise.all(senders.map((s) => s.stop()));
    const healed = Date.now();
    log.push(`faults over after ${((healed - t0) / 1000).toFixed(0)} s; accepted US ${senders[0]!.accepted.size}, CN ${senders[1]!.accepted.size}`);

    // Everything accepted arrives exactly once, and is receipted.
    for (const [from, to, sender] of [[us, cn, senders[0]!], [cn, us, senders[1]!]] as const) {
      await waitFor(`${to.code} to hold all ${sender.accepted.size} messages of ${from.code}`, async () => {
        const ids = (await to.api<Array<{ id: string }>>('GET', `/api/v1/channels/${channel}/messages?limit=100000`)).map((m) => m.id);
        return [...sender.accepted.values()].every((id) => ids.includes(id));
      }, 120_000, 500);
      await waitFor(`${from.code} to hold receipts for all its messages`, async () => {
        const own = (await from.api<Array<{ id: string; own: boolean; receiptedAt: number | null }>>('GET', `/api/v1/channels/${channel}/messages?limit=100000`)).filter((m) => m.own);
        return own.every((m) => m.receiptedAt !== null);
      }, 60_000, 500);
      const held = (await to.api<Array<{ id: string; from: string; text: string }>>('GET', `/api/v1/channels/${channel}/messages?limit=100000`)).filter((m) => m.from === from.code);
      // Each text once: a retried POST never became a second message.
      const texts = held.map((m) => m.text);
      expect(new Set(texts).size, `${from.code}'s texts at ${to.code}`).toBe(texts.length);
      expect(new Set(held.map((m) => m.id)).size).toBe(held.length);
    }
    log.push(`all delivered and receipted ${((Date.now() - healed) / 1000).toFixed(1)} s after the faults`);
    await waitFor('the line up both ways', async () => (await linkOf(us, 'CN'))?.state === 'up' && (await linkOf(cn, 'US'))?.state === 'up', 60_000, 200);
    log.push(`line up both ways ${((Date.now() - healed) / 1000).toFixed(1)} s after the faults`);

    for (const p of [us, cn]) {
      expect(await p.api<unknown[]>('GET', `/api/v1/channels/${channel}/evidence`), `${p.code} evidence`).toEqual([]);
      const s = await p.api<{ reconciling?: unknown[] }>('GET', '/api/v1/status');
      expect(s.reconciling ?? [], `${p.code} reconciling`).toEqual([]);
      expect(p.log).not.toMatch(/CHANNEL_OWN_LOG_FORKED|ENTRY_EQUIVOCATION|CHANNEL_RECONCILE_FAILED|[Uu]nhandled|uncaught/);
      const file = join(h.root, `${p.code}-export.jsonl`);
      expect((await p.cli(['export', channel], { stdoutFile: file })).code).toBe(0);
      const v = await h.cli(['verify', file]);
      expect(v.code, `${p.code}'s export: ${v.stdout.slice(0, 2000)}`).toBe(0);
    }
    process.stderr.write(`\n==== chaos ====\n${log.join('\n')}\n`);
  }, 900_000);
});

/**
 * High availability (#19), with real processes and the real PostgreSQL: US runs two instances on
 * one schema, CN one on SQLite. The active US instance is killed (-9) again and again under
 * traffic both ways; paused past its lease; cut off from the database. Every message an API
 * accepted arrives exactly once, nothing US signed shares a sequence number, a process that lost
 * the lease never commits again, and a standby never writes.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { Harness, waitFor } from './harness.js';
import WebSocket from 'ws';
import { activeOf, checkArrivals, checkPeerExport, haSetup, startProxy, Traffic } from './ha-kit.js';


describe('e2e: high availability on PostgreSQL', () => {
  it('a paused active instance is replaced, commits nothing afterwards, and steps down when it wakes', async () => {
    const s = await haSetup({ leaseMs: 2000 });
    const { h, a, b, peer, channel } = s;
    // Each instance's /healthz names it and its role, the active one's as the standby's.
    expect(await (await fetch(`${a.officerUrl}/healthz`)).json()).toMatchObject({ ok: true, party: 'US', role: 'active', instance: 'a' });
    expect(await (await fetch(`${b.officerUrl}/healthz`)).json()).toMatchObject({ ok: true, party: 'US', role: 'standby', instance: 'b' });
    const toPeer = new Traffic({ targets: () => [a, b], channel, label: 'US→CN' });
    toPeer.start(40);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    a.proc!.kill('SIGSTOP');
    await waitFor('b to take over from the paused a', async () => (await fetch(`${b.officerUrl}/readyz`)).status === 200, 20_000, 25);
    h.step(`b ready ${Date.now() - t0} ms after a was paused`);
    process.stderr.write(`HA failover after SIGSTOP of the active instance (lease 2000 ms): b ready after ${Date.now() - t0} ms\n`);
    // The status lists the paused a, which announced itself active, as gone: one active instance.
    const roles = async () => {
      const ha = (await b.api<{ ha?: { active: string | null; instances: Array<{ instance: string; role: string }> } }>('GET', '/api/v1/status')).ha!;
      return `${ha.active}: ${ha.instances.map((i) => `${i.instance} ${i.role}`).join(', ')}`;
    };
    await waitFor('b\'s status to list a as gone', async () => (await roles()) === 'b: a gone, b active', 10_000, 100).catch(async (e: unknown) => {
      throw new Error(`${(e as Error).message}; the status says ${await roles()}`);
    });
    await new Promise((r) => setTimeout(r, 1500));
    a.proc!.kill('SIGCONT');
    await waitFor('a to step down', async () => ((await (await fetch(`${a.officerUrl}/healthz`)).json()) as { role?: string }).role === 'standby', 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    await toPeer.stop();
    expect(a.log).toMatch(/instance a steps down: it could not renew its lease/);

    // Every US entry a signed comes before every one b signed: a committed nothing after the takeover.
    const us = (JSON.parse(await readFile(a.cardPath, 'utf8')) as { party: string; terminals: Array<{ key: string }> });
    const [keyA, keyB] = [us.terminals[0]!.key, us.terminals[1]!.key];
    const rows = await s.sql<{ key: string; lo: number; hi: number }>(
      "select raw::json->>'key' as key, min(seq) as lo, max(seq) as hi from entries where channel = $1 and author = $2 group by 1",
      [channel, us.party],
    );
    const byKey = new Map(rows.map((r) => [r.key, r]));
    expect(byKey.get(keyB)).toBeDefined();
    expect(Number(byKey.get(keyA)!.hi)).toBeLessThan(Number(byKey.get(keyB)!.lo));
    await waitFor('CN to hold every accepted message', async () => {
      const at = new Set((await peer.messages(channel)).map((m) => m.text));
      return [...toPeer.accepted.keys()].every((t) => at.has(t));
    }, 30_000, 250);
    checkArrivals(toPeer, (await peer.messages(channel)).filter((m) => !m.own));
    expect(await peer.api<unknown[]>('GET', `/api/v1/channels/${channel}/evidence`)).toEqual([]);
    await checkPeerExport(s);
  }, 180_000);

  it('an active instance cut off from the database steps down and the standby takes over', async () => {
    const s = await haSetup();
    const { h, a, b, peer, channel } = s;
    const pid = a.proc!.pid!;
    const t0 = Date.now();
    const cut = await s.sql<{ n: string }>("select count(pg_terminate_backend(pid)) as n from pg_stat_activity where application_name like $1", [`hotline:${pid}:%`]);
    expect(Number(cut[0]!.n)).toBeGreaterThan(0);
    await waitFor('b to take over', async () => (await fetch(`${b.officerUrl}/readyz`)).status === 200, 20_000, 25);
    h.step(`b ready ${Date.now() - t0} ms after a's connections were cut`);
    process.stderr.write(`HA failover after the active instance's database connections were terminated: b ready after ${Date.now() - t0} ms\n`);
    expect(Date.now() - t0).toBeLessThan(15_000);
    await waitFor('a to stand by', async () => ((await (await fetch(`${a.officerUrl}/healthz`)).json()) as { role?: string }).role === 'standby', 15_000);
    expect(a.log).toMatch(/instance a steps down: its connection to the database failed/);
    const sent = await b.api<{ id: string }>('POST', `/api/v1/channels/${channel}/messages`, { text: 'after the cut', precedence: 'FLASH' });
    await waitFor('CN to receive it', async () => (await peer.messages(channel)).some((m) => m.id === sent.id));
  }, 120_000);

  it('a standby refuses writes with HA_STANDBY, naming the active instance, and writes nothing', async () => {
    const s = await haSetup({ linkTestIntervalSec: 86_400 });
    const { a, b, channel } = s;
    expect((await activeOf(s)) === a).toBe(true);
    const refused = await b.apiRaw('POST', `/api/v1/channels/${channel}/messages`, { text: 'to the standby', precedence: 'FLASH' });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'HA_STANDBY' });
    expect((refused.body as { message: string }).message).toContain(`the active instance is a (officer API ${a.officerUrl}`);
    expect((await b.apiRaw('GET', '/readyz')).status).toBe(503);
    const cli = await b.cli(['send', channel, 'via the CLI to the standby']);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/HA_STANDBY|standby/);
    // Prometheus sees which instance is active.
    expect((await a.apiRaw('GET', '/metrics')).text).toMatch(/hotline_ha_active\{instance="a"\} 1/);
    expect((await b.apiRaw('GET', '/metrics')).text).toMatch(/hotline_ha_active\{instance="b"\} 0/);
    expect((await b.apiRaw('GET', '/metrics', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    const status = await b.cli(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/this is instance b \(standby\); active instance a since/);
    // Nothing of it was written, and nothing at all signed with b's key.
    const keyB = (JSON.parse(await readFile(a.cardPath, 'utf8')) as { terminals: Array<{ key: string }> }).terminals[1]!.key;
    const written = await s.sql<{ n: string }>("select count(*) as n from entries where raw like '%to the standby%' or raw::json->>'key' = $1", [keyB]);
    expect(Number(written[0]!.n)).toBe(0);
    // Doctor and repair work on a stopped terminal: beside a running active instance they are
    // refused (its lease, not a terminal lock, says it runs), naming it.
    for (const cmd of [['doctor'], ['repair']]) {
      const r = await b.cli(cmd);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('Another terminal already runs on the PostgreSQL schema');
      expect(r.stderr).toContain('instance a (');
    }
  }, 120_000);
});

describe('e2e: one officer address in front of both instances (hotline ha proxy)', () => {
  it('keeps the API and the events socket at one URL through a failover; a message sent meanwhile arrives once', async () => {
    const s = await haSetup({ linkTestIntervalSec: 86_400 });
    const { a, b, peer, channel } = s;
    const proxy = await startProxy(s);
    const token = (await readFile(join(a.dir, 'officer.token'), 'utf8')).trim();
    expect((await readFile(join(b.dir, 'officer.token'), 'utf8')).trim()).toBe(token); // one credential for the party
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const send = (text: string, key: string) => fetch(`${proxy.url}/api/v1/channels/${channel}/messages`, { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body: JSON.stringify({ text, precedence: 'FLASH' }) });
    const events = (into: string[]) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/api/v1/events?token=${encodeURIComponent(token)}`);
        ws.on('message', (d) => into.push(String(d)));
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const before: string[] = [];
    const ws1 = await events(before);
    const first = (await (await send('through the proxy, to a', 'k-1')).json()) as { id: string };
    await waitFor('the event through the proxy', () => before.some((e) => e.includes(first.id)));

    // The active instance dies: the socket closes; a message sent meanwhile is retried with its key.
    const closed = new Promise<void>((r) => ws1.once('close', () => r()));
    await a.kill9();
    await closed;
    let answer: Response | undefined;
    const refusals: string[] = [];
    await waitFor('the proxy to take the message', async () => {
      answer = await send('sent during the failover', 'k-2');
      if (answer.status !== 201) refusals.push(((await answer.json()) as { code: string }).code);
      return answer.status === 201;
    }, 20_000, 50);
    for (const code of refusals) expect(['HA_NO_ACTIVE', 'HA_UPSTREAM_FAILED', 'HA_STANDBY', 'STORE_FENCED']).toContain(code);
    const during = (await answer!.json()) as { id: string };
    // The same key again: the same message, not a second one.
    expect(((await (await send('sent during the failover', 'k-2')).json()) as { id: string }).id).toBe(during.id);
    const after: string[] = [];
    const ws2 = await events(after);
    const third = (await (await send('through the proxy, to b', 'k-3')).json()) as { id: string };
    await waitFor('the event from b through the proxy', () => after.some((e) => e.includes(third.id)));
    ws2.close();
    await waitFor('CN to hold all three', async () => {
      const texts = (await peer.messages(channel)).map((m) => m.text);
      return ['through the proxy, to a', 'sent during the failover', 'through the proxy, to b'].every((t) => texts.filter((x) => x === t).length === 1);
    });
    expect(proxy.output()).toContain(`active instance: ${b.officerUrl}`);
  }, 120_000);
});

describe('e2e: npm run ha-demo', () => {
  it('says which of its ports are taken, at once, instead of waiting for a terminal that cannot start', async () => {
    const h = await Harness.create();
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(7543, r));
    h.defer(() => void squatter.close());
    const run = await h.cli(['ha', 'demo', '--dir', join(h.root, 'demo'), '--postgres', inject('pgUrl'), '--failovers', '1'], { timeoutMs: 60_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/ports 7181, 7182, 7183, 7541, 7542, 7543, and 7543 is in use: stop what listens there/);
    expect(run.stderr).not.toMatch(/internal error/);
  });

  it('runs two US instances and CN, and shows a failover', async () => {
    const h = await Harness.create();
    const url = inject('pgUrl');
    const schema = `e2e_ha_demo_${randomBytes(4).toString('hex')}`;
    h.defer(() => void execFileSync('psql', ['-q', '-d', url, '-c', `DROP SCHEMA IF EXISTS ${schema} CASCADE`]));
    const run = await h.cli(['ha', 'demo', '--dir', join(h.root, 'demo'), '--postgres', url, '--schema', schema, '--failovers', '1'], { timeoutMs: 120_000 });
    const logs = () => ['us-a', 'us-b', 'cn'].map((n) => { try { return `== ${n}\n${readFileSync(join(h.root, 'demo', `${n}.log`), 'utf8')}`; } catch { return ''; } }).join('\n');
    expect(run.stderr, `${run.stdout}\n${logs()}`).toBe('');
    expect(run.code).toBe(0);
    // Either instance may win the first lease; the other takes over when it is killed.
    const first = /US: instance ([ab]) is active .* standby ([ab]); failovers so far 0/.exec(run.stdout);
    expect(first, run.stdout).not.toBeNull();
    const [killed, standby] = [first![1]!, first![2]!];
    expect(run.stdout).toMatch(new RegExp(`Killed us-${killed} \\(kill -9\\)\\. us-${standby} is active and ready after \\d+\\.\\d+ s\\.`));
    expect(run.stdout).toMatch(new RegExp(`CN received a FLASH sent through us-${standby}`));
    expect(run.stdout).toMatch(new RegExp(`US: instance ${standby} is active .* standby ${killed}; failovers so far 1`));
  }, 180_000);
});

/**
 * The database's own availability (#19, docs/operations.md "The database's own availability"):
 * the recipe the docs give, run for real. Two PostgreSQL clusters on this machine, the second a
 * synchronous hot standby of the first (pg_basebackup -R); the terminals reach "the primary"
 * through a TCP forwarder standing for the virtual IP. Under traffic both ways the primary
 * crashes (stop -m immediate), the standby is promoted and the address moved to it: the US
 * terminal reconnects by itself, nothing receipted is lost, nothing is signed twice.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, Harness, waitFor } from '../e2e/harness.js';
import { activeOf, haSetup, Traffic } from '../e2e/ha-kit.js';

const VERSION = readdirSync('/usr/lib/postgresql').sort((x, y) => Number(y) - Number(x))[0];
const BIN = `/usr/lib/postgresql/${VERSION}/bin`;
/** initdb and the server refuse to run as root: as root, run them as the postgres user. */
const asPostgres = userInfo().uid === 0;
let toolLog = '/dev/null';
/**
 * Runs a PostgreSQL tool, its output appended to a log file: never to a pipe, which the server
 * that `pg_ctl start` leaves running would hold open (and execFileSync would wait for it forever).
 */
function pgTool(tool: string, args: string[]): void {
  const [cmd, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]] : [join(BIN, tool), args];
  const fd = openSync(toolLog, 'a');
  try {
    execFileSync(cmd, argv, { stdio: ['ignore', fd, fd], timeout: 60_000 });
  } catch (e) {
    throw new Error(`${tool} ${args.join(' ')} failed: ${(e as Error).message}\n${readFileSync(toolLog, 'utf8').slice(-2000)}`);
  } finally {
    closeSync(fd);
  }
}
const psql = (port: number, sql: string) => execFileSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-Atqc', sql], { encoding: 'utf8', timeout: 10_000 }).trim();

describe('e2e: PostgreSQL streaming replication under a highly available terminal', () => {
  it('promotes the synchronous standby under traffic: the terminal reconnects, nothing receipted is lost', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hotline-pgrepl-'));
    if (asPostgres) chownSync(root, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
    const [primaryPort, replicaPort, vipPort] = [await freePort(), await freePort(), await freePort()];
    toolLog = join(root, 'tools.log');
    const primary = join(root, 'primary');
    const replica = join(root, 'replica');
    const h = await Harness.create();
    h.defer(() => {
      for (const d of [replica, primary]) {
        try {
          pgTool('pg_ctl', ['-D', d, 'stop', '-m', 'immediate']);
        } catch {
          // already stopped
        }
      }
      if (!process.env.HOTLINE_E2E_KEEP) rmSync(root, { recursive: true, force: true });
      else process.stderr.write(`DIAG kept ${root}\n`);
    });

    // The primary, ready for a synchronous standby named replica1.
    pgTool('initdb', ['-D', primary, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    appendFileSync(primary + '/postgresql.conf', [`port = ${primaryPort}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${root}'`, 'wal_level = replica', 'max_wal_senders = 4', "synchronous_standby_names = 'replica1'", 'synchronous_commit = on', ''].join('\n'));
    pgTool('pg_ctl', ['-D', primary, '-l', join(root, 'primary.log'), '-w', 'start']);
    // The standby: a base backup that follows the primary (-R), under the name the primary waits for.
    pgTool('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replica, '-R', '-X', 'stream']);
    appendFileSync(replica + '/postgresql.conf', `port = ${replicaPort}\n`);
    appendFileSync(replica + '/postgresql.auto.conf', `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres application_name=replica1'\n`);
    pgTool('pg_ctl', ['-D', replica, '-l', join(root, 'replica.log'), '-w', 'start']);
    await waitFor('the standby to replicate synchronously', () => psql(primaryPort, "select sync_state from pg_stat_replication where application_name = 'replica1'") === 'sync', 30_000);

    // "The primary" for the terminals: a virtual address, here a TCP forwarder.
    let vip = await h.forwarder(primaryPort, vipPort);
    const s = await haSetup({ harness: h, url: `postgres://postgres@127.0.0.1:${vipPort}/postgres` });
    const { peer, channel } = s;
    const toPeer = new Traffic({ targets: () => [s.a, s.b], channel, label: 'US→CN' });
    const toUs = new Traffic({ targets: () => [peer], channel, label: 'CN→US' });
    toPeer.start(50);
    toUs.start(50);
    await new Promise((r) => setTimeout(r, 2000));

    // The primary crashes; the standby is promoted; the address moves to it.
    const t0 = Date.now();
    pgTool('pg_ctl', ['-D', primary, 'stop', '-m', 'immediate']);
    pgTool('pg_ctl', ['-D', replica, '-w', 'promote']);
    // The new primary has no standby yet: without this, every commit would wait for one forever.
    psql(replicaPort, "alter system set synchronous_standby_names = ''");
    psql(replicaPort, 'select pg_reload_conf()');
    await vip.cut();
    vip = await h.forwarder(replicaPort, vipPort);
    await waitFor('a US instance to be active on the new primary', async () => (await activeOf(s)) !== undefined, 30_000, 50).catch((e: unknown) => {
      // What the database's sessions were doing then: who waits for what.
      process.stderr.write(`DIAG sessions:\n${psql(replicaPort, "select pid, application_name, state, wait_event_type, wait_event, now() - xact_start, left(query, 100) from pg_stat_activity where datname = 'postgres'")}\nDIAG lease: ${psql(replicaPort, `select token, instance, expires_at, backend_pid from ${s.schema}.ha_lease`)}\n`);
      throw e;
    });
    const recovered = Date.now() - t0;
    process.stderr.write(`PostgreSQL primary replaced (crash, promote, address moved): US active again after ${recovered} ms\n`);
    await new Promise((r) => setTimeout(r, 2000));
    await toPeer.stop();
    await toUs.stop();
    expect(recovered).toBeLessThan(15_000);
    expect(toUs.accepted.size).toBe(toUs.sent);

    let missing = '';
    await waitFor('every accepted message on both sides', async () => {
      const atPeer = new Set((await peer.messages(channel)).map((m) => m.text));
      const atUs = new Set((await (await activeOf(s))!.messages(channel)).map((m) => m.text));
      const notAtPeer = [...toPeer.accepted.keys()].filter((t) => !atPeer.has(t));
      const notAtUs = [...toUs.accepted.keys()].filter((t) => !atUs.has(t));
      missing = `missing at CN ${notAtPeer.length} (${notAtPeer.slice(0, 3).join(', ')}), at US ${notAtUs.length} (${notAtUs.slice(0, 3).join(', ')})`;
      return notAtPeer.length === 0 && notAtUs.length === 0;
    }, 60_000, 500).catch(async (e: unknown) => {
      // Where the missing ones are: in US's database (then not delivered) or nowhere (then lost).
      const inDb = await s.sql<{ seq: number; key: string; text: string }>("select seq, raw::json->>'key' as key, raw::json->'body'->>'text' as text from entries where raw like '%US→CN #%' order by seq desc limit 400");
      const found = inDb.filter((r) => missing.includes(`${r.text},`) || missing.includes(`${r.text})`));
      const inUsDb = await s.sql<{ seq: number; hash: string }>("select seq, hash from entries where raw like '%US→CN #%' order by seq");
      const seqs = new Set(found.map((r) => r.seq));
      const near = (n: number): boolean => [...seqs].some((q) => Math.abs(q - n) <= 2);
      const atCn = (await peer.messages(channel)).filter((m) => !m.own && near(m.seq)).map((m) => ({ seq: m.seq, id: m.id, text: m.text }));
      const usNear = inUsDb.filter((r) => near(r.seq));
      const ids = found.map((r) => ({ text: r.text, acceptedId: toPeer.accepted.get(r.text) }));
      process.stderr.write(`DIAG accepted ids ${JSON.stringify(ids)}\nDIAG US db near ${JSON.stringify(usNear)}\nDIAG CN near ${JSON.stringify(atCn)}\nDIAG CN evidence ${JSON.stringify(await peer.api('GET', `/api/v1/channels/${channel}/evidence`))}\n`);
      throw new Error(`${(e as Error).message}: ${missing}; of those in US's database: ${JSON.stringify(found)}; US's newest: ${JSON.stringify(inDb.slice(0, 3))}`);
    });
    const active = (await activeOf(s))!;
    for (const [side, traffic, holder] of [['CN', toPeer, peer], ['US', toUs, active]] as const) {
      const texts = (await holder.messages(channel)).filter((m) => !m.own).map((m) => m.text);
      for (const t of traffic.accepted.keys()) expect(texts.filter((x) => x === t).length, `${t} once at ${side}`).toBe(1);
    }
    // What US receipted before and after the crash is on the new primary: CN's messages it receipted are in its database.
    const inUs = new Set((await s.sql<{ hash: string }>('select hash from entries where channel = $1', [channel])).map((r) => r.hash));
    const receipted = (await peer.messages(channel)).filter((m) => m.own && m.receiptedAt !== null);
    expect(receipted.length).toBeGreaterThan(0);
    for (const m of receipted) expect(inUs.has(m.id)).toBe(true);
    expect(await peer.api<unknown[]>('GET', `/api/v1/channels/${channel}/evidence`)).toEqual([]);
  }, 240_000);
});

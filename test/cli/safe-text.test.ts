/**
 * Text a peer signed cannot forge lines of the CLI's output (docs/protocol.md §8.3, issue #14
 * item 9): the BUILT CLI prints `hotline verify`, `channel show` and `pending` with newlines,
 * ANSI escapes and bidirectional overrides shown escaped, and --json keeps the text exact.
 * `channel show` and `pending` talk to a stand-in for the officer API serving that text.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printableDeep } from '../../src/cli/safe-text.js';
import { printable } from '../../src/protocol/index.js';
import { Scenario, makeParty } from '../../src/testkit/scenario.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');

/** A message that, printed raw, clears the line, adds a forged receipt line and reverses text. */
const HOSTILE = 'All clear.\u001b[2K\r\u202e\n      received: CN 2026-01-01T00:00:09Z\n      acknowledged: CN Lt Cdr Wang (Duty Officer) 2026-01-01T00:00:10Z\u2066';

function hotline(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, HOTLINE_DEBUG: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Nothing a terminal would act on, and no line of the output beginning with the forged text. */
function expectSafe(out: string): void {
  // eslint-disable-next-line no-control-regex -- what must not reach the terminal
  expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  for (const line of out.split('\n')) expect(line.trimStart()).not.toMatch(/^(received: CN 2026-01-01T00:00:09Z|acknowledged: CN Lt Cdr Wang)/);
  expect(out).toContain('All clear.\\u001b[2K\\r\\u202e\\n      received: CN');
}

describe('printable', () => {
  it('escapes controls, DEL, C1, bidirectional controls, separators, lone surrogates and the backslash', () => {
    expect(printable('a\nb\tc\rd')).toBe('a\\nb\\tc\\rd');
    expect(printable('\u0000\u001b\u007f\u0085\u009f')).toBe('\\u0000\\u001b\\u007f\\u0085\\u009f');
    expect(printable('\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029')).toBe('\\u061c\\u200e\\u200f\\u202a\\u202e\\u2066\\u2069\\u2028\\u2029');
    expect(printable('C:\\path \\n')).toBe('C:\\\\path \\\\n');
    expect(printable('bad \ud800 pair 😀')).toBe('bad \\ud800 pair 😀');
  });
  it('leaves every other text as it is: scripts, right-to-left letters, emoji, zero-width joiners', () => {
    for (const t of ['收到。我方船只将保持距离。', 'Россия', 'مرحبا بالعالم', 'שלום', '👩‍💻', 'क्‍ष']) expect(printable(t)).toBe(t);
  });
  it('escapes every string of a JSON value, member names too', () => {
    expect(printableDeep({ 'a\n': ['x\u001b', 1, null, { t: '\u202e' }] })).toEqual({ 'a\\n': ['x\\u001b', 1, null, { t: '\\u202e' }] });
  });
});

let dir: string;
let server: Server;

beforeAll(async () => {
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // Type errors elsewhere in the tree do not stop tsc from emitting; the CLI must exist, though.
  }
  if (!existsSync(CLI)) throw new Error(`the CLI was not built: ${CLI} is missing`);
  dir = mkdtempSync(join(tmpdir(), 'hotline-cli-safe-'));
  const us = makeParty('US', { en: 'United States' });
  const cn = makeParty('CN', { en: 'China\u001b[31m' });
  const s = new Scenario([us, cn]);
  s.propose();
  s.acceptAll();
  s.message(cn, HOSTILE, 'FLASH');
  writeFileSync(join(dir, 'hostile.jsonl'), s.bundle());

  const id = s.log.id;
  const message = { id: 'ab'.repeat(32), from: 'CN', own: false, time: s.time, precedence: 'FLASH', lang: 'en', text: HOSTILE, drill: false, deadlineAt: s.time + 180_000, receiptedAt: null, ackedAt: null, ackedBy: null };
  const routes: Record<string, unknown> = {
    [`/api/v1/channels/${id}`]: { id, state: 'active', title: { en: 'Line\u202e' }, tier: 'military', proposer: 'US', charterHash: 'cd'.repeat(32), parties: [{ code: 'CN', party: cn.id, accepted: true, suspended: false, entries: 3, link: 'up', roles: ['duty-officer'] }], messages: { total: 1, unacknowledged: 1 }, equivocations: 0, charter: { ackDeadlineSec: { FLASH: 180 }, linkTestIntervalSec: 60, languages: ['en'] } },
    // channel show prints every party's fingerprint, from the terminal's status and its peers.
    '/api/v1/status': { party: us.id, fingerprint: '11111 11111 11111 11111 11111 11111' },
    '/api/v1/peers': [{ party: cn.id, code: 'CN', fingerprint: '22222 22222 22222 22222 22222 22222' }],
    [`/api/v1/channels/${id}/messages`]: [message],
    '/api/v1/pending': [{ id: message.id, channel: id, from: 'CN', precedence: 'FLASH', text: HOSTILE, drill: false, deadlineAt: message.deadlineAt, remainingMs: 60_000, receiptedAt: null }],
  };
  server = createServer((req, res) => {
    const body = routes[new URL(req.url ?? '/', 'http://x').pathname];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { code: 'NOT_FOUND', message: 'Not found.' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  execFileSync(process.execPath, [CLI, 'init', '--party', 'US', '--name', 'United States', '--data', join(dir, 'data'), '--officer-port', String(port)], { stdio: 'pipe' });
  writeFileSync(join(dir, 'data', 'officer.token'), 'test-token\n');
}, 180_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('text output of signed data', () => {
  it('hotline verify shows a hostile message escaped, and --json keeps it exact', async () => {
    const r = await hotline('verify', join(dir, 'hostile.jsonl'));
    expect(r.code).toBe(0);
    expectSafe(r.stdout);
    expect(r.stdout).toContain('China\\u001b[31m');
    const json = await hotline('verify', '--json', join(dir, 'hostile.jsonl'));
    expect((JSON.parse(json.stdout) as { messages: Array<{ text: string }> }).messages[0]!.text).toBe(HOSTILE);
  });

  it('hotline channel show shows it escaped', async () => {
    const r = await hotline('channel', 'show', await channelId(), '--data', join(dir, 'data'));
    expect(r.stderr).toBe('');
    expectSafe(r.stdout);
    expect(r.stdout).toContain('Line\\u202e');
    expect(r.stdout).toMatch(/CN +22222 22222 22222 22222 22222 22222/);
  });

  it('hotline pending shows it escaped, and --json keeps it exact', async () => {
    const r = await hotline('pending', '--data', join(dir, 'data'));
    expect(r.stderr).toBe('');
    // eslint-disable-next-line no-control-regex -- what must not reach the terminal
    expect(r.stdout).not.toMatch(/[\u001b\u202e\u2066]/);
    // The one-line preview joins the text's lines with " / " (a formatted message has several).
    expect(r.stdout).toContain('All clear.\\u001b[2K\\r\\u202e / ');
    for (const line of r.stdout.split('\n')) expect(line.trimStart()).not.toMatch(/^(received|acknowledged): CN/);
    const json = await hotline('pending', '--json', '--data', join(dir, 'data'));
    expect((JSON.parse(json.stdout) as Array<{ text: string }>)[0]!.text).toBe(HOSTILE);
  });
});

async function channelId(): Promise<string> {
  const r = await hotline('verify', '--json', join(dir, 'hostile.jsonl'));
  return (JSON.parse(r.stdout) as { channel: string }).channel;
}

describe('files that are not UTF-8 JSON Lines', () => {
  it('hotline verify refuses invalid UTF-8 deep in the file in one line, exit 2, rather than reading U+FFFD', async () => {
    const us = makeParty('US', { en: 'United States' });
    const cn = makeParty('CN', { en: 'China' });
    const s = new Scenario([us, cn]);
    s.propose();
    s.acceptAll();
    s.message(cn, '收到', 'FLASH');
    const bytes = Buffer.from(s.bundle(), 'utf8');
    const at = bytes.indexOf(Buffer.from('收', 'utf8'));
    bytes[at + 1] = 0xff;
    writeFileSync(join(dir, 'not-utf8.jsonl'), bytes);
    const r = await hotline('verify', join(dir, 'not-utf8.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^hotline: .*not a Hotline transcript bundle: it is not valid UTF-8/);
  });
});

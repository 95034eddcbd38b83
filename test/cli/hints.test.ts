/**
 * Next-step hints are command lines a user pastes as written, spelled as the README spells its
 * commands: `npx hotline ...` with the data directory the command was given.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hotlineCommand, shellWord } from '../../src/cli/hint.js';
import { apiDetail } from '../../src/cli/officer-client.js';

const calls: Array<{ method: string; path: string }> = [];
vi.mock('../../src/cli/officer-client.js', async (original) => ({
  ...(await original<typeof import('../../src/cli/officer-client.js')>()),
  officerClient: async () => ({
    url: 'http://127.0.0.1:1',
    call: async (method: string, path: string) => {
      calls.push({ method, path });
      if (method === 'GET' && path.endsWith('/dialogue')) return { parties: [], issues: [], meetings: [], texts: [], commitments: [] };
      return { object: 'b'.repeat(64), entry: 'c'.repeat(64), kind: 'issue.open', seq: 7 };
    },
    socket: async () => {
      throw new Error('no socket in this test');
    },
  }),
}));

const { runCli } = await import('./run-cli.js');
const CHANNEL = 'a'.repeat(64);
/** Every hint the CLI printed: `hotline` commands of the output. */
const hints = (text: string) => [...text.matchAll(/(?:npx )?hotline [^\n`]*/g)].map((m) => m[0]);

afterEach(() => void (calls.length = 0));

describe('the hint helper', () => {
  it('spells npx hotline and the data directory, quoted for the shell when it must be', () => {
    expect(hotlineCommand('serve', 'data/us')).toBe('npx hotline serve --data data/us');
    expect(hotlineCommand('ack MESSAGE', '/tmp/my data')).toBe("npx hotline ack MESSAGE --data '/tmp/my data'");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(hotlineCommand('verify bundle.jsonl')).toBe('npx hotline verify bundle.jsonl');
  });
});

describe("the API's next steps", () => {
  it('name the data directory in each command when the command was given another one', () => {
    const msg = 'No channel abc on this terminal. List channels with `hotline channel list`.';
    expect(apiDetail(msg, './hotline-data')).toBe('No channel abc on this terminal. List channels with `hotline channel list`');
    expect(apiDetail(msg, 'data/us')).toBe('No channel abc on this terminal. List channels with `hotline channel list --data data/us`');
    expect(apiDetail('Run `hotline peer list` then `hotline status --data x`.', 'data/us')).toBe('Run `hotline peer list --data data/us` then `hotline status --data x`');
    expect(apiDetail('Missing field text.', 'data/us')).toBe('Missing field text');
  });
});

describe('dialogue next steps', () => {
  it('after an act: npx hotline ... --data DIR, the directory the command was given', async () => {
    const r = await runCli(['issue', 'open', CHANNEL, '--title', 'Fishing', '--category', 'trade', '--data', 'data/us']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`${'b'.repeat(64)}\n`);
    const found = hints(r.err);
    expect(found).toEqual([`npx hotline issue position ${'a'.repeat(12)} ${'b'.repeat(12)} "TEXT" --data data/us`]);
  });

  it('in an empty list, and for every kind of object', async () => {
    for (const what of ['issue', 'meeting', 'commitment']) {
      const r = await runCli([what, 'list', CHANNEL, '--data', 'data/cn']);
      expect(r.code, r.err).toBe(0);
      expect(hints(r.out)).toEqual([expect.stringMatching(new RegExp(`^npx hotline ${what} (open|propose|add) a{12} .* --data data/cn$`))]);
    }
    const m = await runCli(['meeting', 'accept', CHANNEL, 'd'.repeat(64), '--data', 'x y']);
    expect(hints(m.err)).toEqual([`npx hotline readout file ${'a'.repeat(12)} ${'d'.repeat(12)} "TEXT" --data 'x y'`]);
  });
});

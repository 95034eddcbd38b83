/**
 * `hotline import` of a bundle sent in parts: whether this terminal is a party of its channel is
 * judged on the whole file (its proposal and every amendment), before anything is sent, never on
 * one part alone (which may hold the proposal and not the later amendment that adds this party).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { BundleCharters } from '../../src/terminal/index.js';

const SELF = 'S'.repeat(43);
const calls: Array<{ method: string; path: string }> = [];
vi.mock('../../src/cli/officer-client.js', async (original) => ({
  ...(await original<typeof import('../../src/cli/officer-client.js')>()),
  officerClient: async () => ({
    url: 'http://127.0.0.1:1',
    call: async (method: string, path: string, body?: unknown) => {
      calls.push({ method, path });
      if (path === '/api/v1/status') return { party: SELF, code: 'RU' };
      if (path.startsWith('/api/v1/channels/')) throw new Error('CHANNEL_NOT_FOUND');
      const n = String(body).trim().split('\n').length - 1;
      return { accepted: n, duplicate: 0, pending: 0, rejected: [] };
    },
    socket: async () => {
      throw new Error('no socket in this test');
    },
  }),
}));
const { importBundle } = await import('../../src/cli/commands/channel.js');

const CHANNEL = 'c'.repeat(64);
const party = (id: string) => ({ party: id, code: id.slice(0, 2) });
const header = JSON.stringify({ channel: CHANNEL, type: 'hotline.bundle', v: 1 });
const propose = JSON.stringify({ author: 'A'.repeat(43), body: { charter: { title: { en: 'Line' }, parties: [party('A'.repeat(43)), party('B'.repeat(43))] } }, kind: 'charter.propose', seq: 1 });
const amend = (parties: string[]) => JSON.stringify({ author: 'A'.repeat(43), body: { charter: { title: { en: 'Line' }, parties: parties.map(party) } }, kind: 'charter.amend', seq: 40 });
const filler = (seq: number) => JSON.stringify({ author: 'A'.repeat(43), body: { text: 'x'.repeat(200) }, kind: 'message', seq });

const dir = mkdtempSync(join(tmpdir(), 'hotline-import-parts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => void (calls.length = 0));

function bundle(name: string, lastAmendment: string[]): string {
  const lines = [header, propose, ...Array.from({ length: 20 }, (_, i) => filler(i + 2)), amend(lastAmendment)];
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('a bundle judged whole', () => {
  it('BundleCharters: an amendment anywhere in the bundle that names the party counts', () => {
    const c = new BundleCharters();
    c.add(propose);
    expect(c.refusal({ party: SELF, code: 'RU' }, CHANNEL)?.code).toBe('IMPORT_NOT_A_PARTY');
    c.add(amend(['A'.repeat(43), 'B'.repeat(43), SELF]));
    expect(c.refusal({ party: SELF, code: 'RU' }, CHANNEL)).toBeUndefined();
    // Without the proposal (a later part alone): nothing to judge.
    expect(new BundleCharters().refusal({ party: SELF, code: 'RU' }, CHANNEL)).toBeUndefined();
  });

  it('hotline import: a party added by an amendment in a later part is not refused; the parts say they are parts', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await importBundle(bundle('added.jsonl', ['A'.repeat(43), 'B'.repeat(43), SELF]), dir, 1000);
    } finally {
      out.mockRestore();
    }
    const posts = calls.filter((c) => c.method === 'POST').map((c) => c.path);
    expect(posts.length).toBeGreaterThan(2);
    expect(posts).toEqual(posts.map((_, i) => `/api/v1/import?part=${i + 1}`));
  });

  it('hotline import: a bundle none of whose charters names the party is refused before anything is sent', async () => {
    await expect(importBundle(bundle('foreign.jsonl', ['A'.repeat(43), 'B'.repeat(43)]), dir, 1000)).rejects.toThrow(/IMPORT_NOT_A_PARTY: This terminal \(RU\) is not a party of channel cccccccccccc "Line"/);
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);
  });

  it('hotline import DIR: says it is a directory (it was an internal error, EISDIR), sending nothing', async () => {
    await expect(importBundle(dir, dir)).rejects.toThrow(/is a directory, not a file/);
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);
  });

  it('hotline import: a bundle of one request is left to the terminal to judge (no part)', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await importBundle(bundle('small.jsonl', ['A'.repeat(43), 'B'.repeat(43), SELF]), dir);
    } finally {
      out.mockRestore();
    }
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/v1/import']);
  });
});

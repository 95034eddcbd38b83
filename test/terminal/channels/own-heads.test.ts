/**
 * own-heads.json (channels/own-heads.ts): what the terminal remembers having signed, beside its
 * database. Written atomically, read back; anything missing or malformed remembers nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OWN_HEADS_FILE, OwnHeadsWriter, readOwnHeads } from '../../../src/terminal/channels/own-heads.js';

const dir = mkdtempSync(join(tmpdir(), 'hotline-own-heads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('own-heads.json', () => {
  it('remembers nothing when the file is missing or malformed', async () => {
    expect(await readOwnHeads(dir)).toEqual(new Map());
    for (const text of ['not json', '{"v":2,"heads":{}}', '[]', `{"v":1,"heads":{"${A}":"7","short":3,"${B}":-1}}`]) {
      writeFileSync(join(dir, OWN_HEADS_FILE), text);
      expect(await readOwnHeads(dir)).toEqual(new Map());
    }
  });

  it('writes the heads it is given and reads them back; a write after stop still lands', async () => {
    let heads = new Map([[A, 12], [B, 0]]);
    const w = new OwnHeadsWriter({ dir, heads: () => heads });
    await w.write();
    expect(await readOwnHeads(dir)).toEqual(new Map([[A, 12]]));
    heads = new Map([[A, 13], [B, 4]]);
    await w.stop();
    expect(await readOwnHeads(dir)).toEqual(new Map([[A, 13], [B, 4]]));
    expect(JSON.parse(readFileSync(join(dir, OWN_HEADS_FILE), 'utf8'))).toEqual({ v: 1, heads: { [A]: 13, [B]: 4 } });
    w.touch(); // stopped: no timer is left behind
  });
});

/**
 * docs/protocol.md §12 and §12.3 give each frame of the federation stream in a table: its name and
 * its members (`name`? when optional). They must be exactly the members the reference terminal
 * validates with (src/terminal/federation/wire.ts), so that an implementation written from the
 * document sends frames the reference accepts, and knows every member it may receive.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClientFrame, ServerFrame } from '../../src/terminal/federation/wire.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('\n## 12. Federation'), doc.indexOf('\n## 13. '));

/** Each frame row of §12's tables: name -> members, optional ones with a `?`. */
function documented(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const m of section.matchAll(/^\| `([a-z]+)` \| (?:client|server) → (?:client|server)[^|]* \| ([^|]+) \|/gm)) {
    const members = [...m[2]!.matchAll(/`([A-Za-z0-9]+)(?::[^`]*)?`(\?)?/g)].map((x) => `${x[1]}${x[2] ?? ''}`);
    rows.set(m[1]!, members.sort());
  }
  return rows;
}

/** Each frame of wire.ts: name -> members (without `t`), optional ones with a `?`. */
function implemented(): Map<string, string[]> {
  const frames = new Map<string, string[]>();
  for (const union of [ClientFrame, ServerFrame] as unknown as Array<{ anyOf: Array<{ properties: Record<string, { const?: string }>; required?: string[] }> }>)
    for (const f of union.anyOf) {
      const required = new Set(f.required ?? []);
      const members = Object.keys(f.properties).filter((k) => k !== 't').map((k) => (required.has(k) ? k : `${k}?`));
      frames.set(f.properties.t!.const!, members.sort());
    }
  return frames;
}

describe('docs/protocol.md §12 frames', () => {
  it('names every frame of the stream, and each one\'s members exactly as wire.ts checks them', () => {
    const doc = documented();
    const code = implemented();
    expect([...doc.keys()].sort()).toEqual([...code.keys()].sort());
    for (const [name, members] of code) expect(doc.get(name), `§12's row for \`${name}\``).toEqual(members);
    expect(doc.get('holds')).toEqual(['holds']);
    expect(doc.get('heads')).toEqual(['heads']);
    expect(doc.get('echo')).toHaveLength(9);
  });
});

/**
 * Fuzzing the federation API of a real server (127.0.0.1, pinned mutual TLS) with fast-check:
 * bodies for POST /fed/v1/entries and frames for the WebSocket stream, from plain junk to
 * mutations of genuine entries (a character replaced, inserted or removed; a member replaced by
 * an arbitrary JSON value; re-canonicalised so it reaches the signature check). For a bounded
 * number of runs: never a crash, never a 5xx (nor a stream closed as an internal error), never a
 * stored change.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/protocol/index.js';
import { frames, message, startFixture, type Fixture, type Snapshot } from './fixture.js';

const RUNS = Number(process.env.HOTLINE_FUZZ_RUNS ?? 300);

let f: Fixture;
let genuine: string[];
let before: Snapshot;
beforeAll(async () => {
  f = await startFixture();
  await new Promise((r) => setTimeout(r, 50));
  // Entries CN holds (replays), and entries CN has never seen (only their mutations are sent).
  const held = (await f.store.listEntries(f.channel)).map((r) => r.raw);
  const fresh = [f.usEntry('message', message('fresh, never sent as is')).raw, f.usEntry('message', { text: '紧急', lang: 'zh', precedence: 'FLASH' }).raw];
  genuine = [...held, ...fresh];
  before = await f.snapshot();
});
afterAll(async () => {
  await f?.close();
});

const MEMBERS = ['v', 'channel', 'author', 'key', 'seq', 'prev', 'heads', 'time', 'kind', 'body', 'sig'];

/** Fixed by default so that CI is reproducible; HOTLINE_FUZZ_SEED explores other inputs. */
const SEED = Number(process.env.HOTLINE_FUZZ_SEED ?? 20261129);

/** A mutation of a genuine entry that differs from every genuine text. */
function mutated(): fc.Arbitrary<string> {
  const text = fc.string({ unit: 'binary', maxLength: 4 });
  const edit = fc.oneof(
    fc.record({ op: fc.constant('replace' as const), at: fc.nat(), with: text }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), with: text }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ op: fc.constant('member' as const), member: fc.constantFrom(...MEMBERS), value: fc.jsonValue({ maxDepth: 3 }) }),
    fc.record({ op: fc.constant('drop' as const), member: fc.constantFrom(...MEMBERS) }),
  );
  return fc
    .tuple(fc.nat(), edit)
    .map(([pick, e]) => {
      const raw = genuine[pick % genuine.length]!;
      switch (e.op) {
        case 'replace': {
          const at = e.at % raw.length;
          return raw.slice(0, at) + e.with + raw.slice(at + Math.max(1, e.with.length));
        }
        case 'insert': {
          const at = e.at % (raw.length + 1);
          return raw.slice(0, at) + e.with + raw.slice(at);
        }
        case 'delete': {
          const at = e.at % raw.length;
          return raw.slice(0, at) + raw.slice(at + e.n);
        }
        case 'member': {
          const v = JSON.parse(raw) as Record<string, unknown>;
          v[e.member] = e.value;
          return canonicalize(v);
        }
        case 'drop': {
          const v = JSON.parse(raw) as Record<string, unknown>;
          delete v[e.member];
          return canonicalize(v);
        }
      }
    })
    .filter((t) => !genuine.slice(-2).includes(t));
}

/** Entry texts: held ones (replays), mutations, junk. */
const entryText = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...Array.from({ length: 8 }, (_, i) => i)).map((i) => genuine[i % (genuine.length - 2)]!) },
  { weight: 5, arbitrary: fc.constant(null).chain(() => mutated()) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
);

/** POST bodies: well-formed batches of fuzzed entries, arbitrary JSON, arbitrary text. */
const postBody = fc.oneof(
  { weight: 5, arbitrary: fc.array(entryText, { minLength: 1, maxLength: 8 }).map((entries) => JSON.stringify({ entries })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 1, arbitrary: fc.record({ entries: fc.jsonValue({ maxDepth: 2 }) }).map((v) => JSON.stringify(v)) },
);

/** Stream frames: entries and hello frames with fuzzed content, arbitrary JSON, arbitrary text. */
const streamFrame = fc.oneof(
  { weight: 5, arbitrary: fc.record({ id: fc.oneof(fc.nat(), fc.integer()), entries: fc.array(entryText, { minLength: 0, maxLength: 8 }) }).map((r) => JSON.stringify({ t: 'entries', ...r })) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), fc.string()), { maxLength: 4 }).map((channels) => JSON.stringify({ t: 'hello', v: 1, channels })) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('hello', 'entries', 'holds', 'stored', 'want', 'refused', 'x'), v: fc.jsonValue(), id: fc.jsonValue(), entries: fc.jsonValue(), channels: fc.jsonValue() }, { requiredKeys: ['t'] }).map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);

describe('federation fuzz', () => {
  it(`POST /fed/v1/entries: ${RUNS} generated bodies, never a 5xx, never a stored change`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(postBody, async (body) => {
        const r = await f.post(body);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        expect(r.status, body.slice(0, 200)).toBeLessThan(500);
        expect(r.text).not.toMatch(/\n\s+at |node_modules|\/tmp\//);
        if (r.status === 200) expect((r.json as { accepted: number }).accepted, body.slice(0, 200)).toBe(0);
        else expect(r.json.code, body.slice(0, 200)).toEqual(expect.any(String));
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 400]));
    // The mutations reach the deep checks, not only the parser.
    const codes = new Set(f.logs.map((l) => l.code));
    for (const code of ['ENTRY_BAD_SIGNATURE', 'ENTRY_MALFORMED']) expect(codes, [...codes].join(' ')).toContain(code);
    expect(await f.snapshot()).toEqual(before);
  }, 120_000);

  it(`WS /fed/v1/stream: ${RUNS} generated frames, every one answered, never an internal error, never a stored change`, async () => {
    let ws = await f.ws();
    let got = frames(ws);
    const kinds = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(streamFrame, async (frame) => {
        const n = got.list.length;
        ws.send(frame);
        // A sentinel after each frame: once its answer is back, the frame was handled.
        const sentinel = JSON.stringify({ t: 'hello', v: 1, channels: [f.channel] });
        ws.send(sentinel);
        const closed = await Promise.race([got.next((x) => x.t === 'holds').then(() => undefined), got.closed]);
        expect(closed, frame.slice(0, 200)).toBeUndefined();
        for (const x of got.list.slice(n)) {
          kinds.set(String(x.t), (kinds.get(String(x.t)) ?? 0) + 1);
          if (x.t === 'stored') expect(x.accepted, frame.slice(0, 200)).toBe(0);
          if (x.t === 'refused') expect(x.code).toBe('FED_BAD_FRAME');
        }
        if (ws.readyState !== ws.OPEN) {
          ws = await f.ws();
          got = frames(ws);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // Drain: a last sentinel answered means every frame before it was handled.
    const last = got.list.length;
    ws.send(JSON.stringify({ t: 'hello', v: 1, channels: ['f'.repeat(64)] }));
    await got.next((x) => x.t === 'holds' && got.list.indexOf(x) >= last && 'f'.repeat(64) in (x.holds as object));
    ws.close();
    expect(kinds.get('refused')).toBeGreaterThan(0);
    expect(kinds.get('stored')).toBeGreaterThan(0);
    expect(await f.snapshot()).toEqual(before);
    // Still serving genuine traffic afterwards.
    const fresh = f.usEntry('message', message('after the fuzz'));
    expect((await f.post(JSON.stringify({ entries: [fresh.raw] }))).json).toMatchObject({ accepted: 1 });
  }, 120_000);
});

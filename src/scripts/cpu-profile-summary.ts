/**
 * `node dist/scripts/cpu-profile-summary.js FILE.cpuprofile [TOP]`: self time of a V8 CPU profile
 * (`node --cpu-prof`, e.g. a terminal's main thread from `HOTLINE_BENCH_CHILD_NODE_ARGS="--cpu-prof
 * --cpu-prof-dir=DIR"`) by function and by file, largest first, as printed text. Native calls (a
 * SQLite COMMIT waiting for its fsync, an Ed25519 verify) count as self time of the JavaScript
 * function that made them.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export function summariseProfile(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const d = profile.timeDeltas[i] ?? 0;
    total += d;
    self.set(id, (self.get(id) ?? 0) + d);
  });
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, t] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const file = (frame.url || '(native)').replace(/^file:\/\/.*?\/node_modules\//, 'node_modules/').replace(/^file:\/\//, '');
    const key = `${frame.functionName || '(anonymous)'}  ${file}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + t);
    byFile.set(file, (byFile.get(file) ?? 0) + t);
  }
  const table = (title: string, m: Map<string, number>) => [
    `== ${title} (total ${(total / 1000).toFixed(0)} ms)`,
    ...[...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => `${((100 * t) / Math.max(1, total)).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(7)} ms  ${k}`),
  ];
  return [...table('self time by function', byFunction), '', ...table('self time by file', byFile)].join('\n');
}

const [file, top] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/scripts/cpu-profile-summary.js FILE.cpuprofile [TOP]\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top ?? 30))}\n`);
}

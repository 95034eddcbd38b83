/**
 * `npm run bench [-- --only NAME[,NAME]] [-- --quick]`: runs the benchmark modules and prints ONE
 * JSON document on stdout (progress on stderr):
 *
 *   { "node": ..., "platform": ..., "quick": false, "startedAt": ..., "results": { "<module>": {...} } }
 *
 * To add a benchmark, write src/bench/<name>-bench.ts exporting a BenchModule and list it in MODULES.
 */
import { parseArgs } from 'node:util';
import { availableParallelism, loadavg } from 'node:os';
import type { BenchModule } from './bench.js';
import { protocolBench } from './protocol-bench.js';
import { terminalBench } from './terminal-bench.js';

export const MODULES: readonly BenchModule[] = [protocolBench, terminalBench];

function usage(): string {
  return [
    'usage: npm run bench -- [--only NAME[,NAME...]] [--quick]',
    '',
    'modules:',
    ...MODULES.map((m) => `  ${m.name.padEnd(12)} ${m.description}`),
  ].join('\n');
}

async function main(): Promise<number> {
  let values: { only?: string[]; quick?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { only: { type: 'string', multiple: true }, quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n${usage()}\n`);
    return 2;
  }
  if (values.help) {
    process.stderr.write(`${usage()}\n`);
    return 0;
  }
  const wanted = values.only?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = wanted?.filter((w) => !MODULES.some((m) => m.name === w)) ?? [];
  if (unknown.length) {
    process.stderr.write(`bench: no benchmark named ${unknown.join(', ')}\n${usage()}\n`);
    return 2;
  }
  const selected = wanted ? MODULES.filter((m) => wanted.includes(m.name)) : MODULES;
  const quick = values.quick === true;
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const results: Record<string, unknown> = {};
  const startedAt = new Date().toISOString();
  for (const m of selected) {
    log(`bench: ${m.name}${quick ? ' (quick)' : ''}`);
    results[m.name] = await m.run({ quick, log });
  }
  const doc = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cores: availableParallelism(),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    quick,
    startedAt,
    results,
  };
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);

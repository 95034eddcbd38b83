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
import { dialogueBench } from './dialogue-bench.js';
import { formatsBench } from './formats-bench.js';
import { longevityBench } from './longevity-bench.js';
import { verifyLargeBench } from './verify-large-bench.js';
import { proofBench } from './proof-bench.js';
import { consoleBench } from './console-bench.js';
import { idleGrowthBench } from './idle-growth-bench.js';
import { hotlineFigures, roundLimits, roundRatios, runXmpp, summarise, xmppCpuMicros } from './peer-bench.js';

export const MODULES: readonly BenchModule[] = [protocolBench, terminalBench, dialogueBench, formatsBench, proofBench, consoleBench, idleGrowthBench, longevityBench, verifyLargeBench];

function usage(): string {
  return [
    'usage: npm run bench -- [--only NAME[,NAME...]] [--quick] [--peer xmpp [--rounds N]]',
    '',
    '  --peer xmpp   run the terminal bench and two federated Prosody servers (../shared/peers/xmpp)',
    '                alternately, N rounds (default 2), and report Hotline/peer ratios',
    'modules:',
    ...MODULES.map((m) => `  ${m.name.padEnd(12)} ${m.description}`),
  ].join('\n');
}

async function main(): Promise<number> {
  let values: { only?: string[]; quick?: boolean; help?: boolean; peer?: string; rounds?: string };
  try {
    ({ values } = parseArgs({
      options: { only: { type: 'string', multiple: true }, quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, peer: { type: 'string' }, rounds: { type: 'string' } },
    }));
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
  if (values.peer !== undefined && values.peer !== 'xmpp') {
    process.stderr.write(`bench: the only peer is xmpp (got ${values.peer})\n${usage()}\n`);
    return 2;
  }
  const rounds = Number(values.rounds ?? 2);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10) {
    process.stderr.write(`bench: --rounds takes a whole number from 1 to 10 (got ${values.rounds})\n`);
    return 2;
  }
  // With --peer alone, only the comparison runs (it runs the terminal bench itself, once a round).
  const selected = (wanted ? MODULES.filter((m) => wanted.includes(m.name)) : values.peer ? [] : MODULES).filter((m) => !(values.peer && m === terminalBench));
  const quick = values.quick === true;
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const results: Record<string, unknown> = {};
  const startedAt = new Date().toISOString();
  for (const m of selected) {
    log(`bench: ${m.name}${quick ? ' (quick)' : ''}`);
    results[m.name] = await m.run({ quick, log });
  }
  if (values.peer) results.peer = await peerRounds(rounds, { quick, log }, results);
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

/** Hotline's terminal bench and the XMPP peer, alternately, in one sitting. */
async function peerRounds(rounds: number, ctx: { quick: boolean; log: (m: string) => void }, results: Record<string, unknown>): Promise<unknown> {
  const out: { hotline: unknown; xmpp: unknown; ratios: Record<string, number | null>; limits: Record<string, number | boolean | null> }[] = [];
  for (let i = 1; i <= rounds; i++) {
    ctx.log(`bench: round ${i} of ${rounds}: hotline terminal`);
    const terminal = await terminalBench.run(ctx);
    results.terminal = terminal;
    ctx.log(`bench: round ${i} of ${rounds}: xmpp peer`);
    const x = await runXmpp(ctx);
    const h = hotlineFigures(terminal);
    out.push({ hotline: h, xmpp: { p50Ms: x.p50_ms, p99Ms: x.p99_ms, throughputMsgPerSec: x.throughput_msg_s, cpuMicrosPerMessage: xmppCpuMicros(x), lost: x.lost }, ratios: roundRatios(h, x), limits: roundLimits(h, x) });
  }
  return { peer: 'xmpp: two Prosody servers, TLS s2s, no archive (../shared/peers/xmpp)', ratiosAre: 'hotline / peer', rounds: out, ...summarise(out.map((r) => r.ratios)) };
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

/**
 * What this machine allows at most, measured in the same run as the terminal bench (#20): the
 * figures a target is judged against when it is out of reach for a physical reason.
 *
 * - The cryptographic ceiling: every message is signed once by the sending terminal and verified
 *   once by the receiving one (receipts are coalesced, one per many messages, and left out), so on
 *   `cores` cores no implementation of the protocol delivers more than
 *   cores / (1/sign + 1/verify) messages a second, even if it did nothing else.
 * - The idle cost: what each terminal spends per second with nothing to deliver (link tests and
 *   their echoes, escalation ticks, checkpoints, metrics), and its share of the CPU per message at
 *   the latency phase's rate.
 * - The officer API's floor: what one authorised request that does nothing else costs the
 *   terminal at that rate (Node's HTTP server, Fastify's routing and hooks, the bearer check, the
 *   answer): the part of a message's CPU that is the request carrying it, not the message.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface CryptoCeiling {
  readonly signPerSec: number;
  readonly verifyPerSec: number;
  /** Sign + verify of one message, µs: the least CPU two terminals spend on it together. */
  readonly microsPerMessage: number;
  /** Messages a second on `cores` cores if signing and verifying were all the work. */
  readonly msgPerSec: number;
}

export function cryptoCeiling(signPerSec: number, verifyPerSec: number, cores: number): CryptoCeiling {
  const micros = 1e6 / signPerSec + 1e6 / verifyPerSec;
  return { signPerSec: Math.round(signPerSec), verifyPerSec: Math.round(verifyPerSec), microsPerMessage: Math.round(micros), msgPerSec: Math.round((cores * 1e6) / micros) };
}

export interface IdleCost {
  readonly seconds: number;
  /** CPU µs each terminal used per second while idle (by its code). */
  readonly cpuMicrosPerSecond: Record<string, number | null>;
  /** The same spread over the latency phase's messages: µs of each message's CPU that is idle cost. */
  readonly cpuMicrosPerMessageAtRate: Record<string, number | null>;
  readonly rate: number;
}

/**
 * Measures the terminals' CPU over `seconds` with no traffic, after `settleMs` for the previous
 * phase's receipts to finish. `cpuMs` reads a process's CPU time so far (ms).
 */
export async function measureIdle(
  terminals: ReadonlyArray<{ readonly code: string; readonly pid: number | undefined }>,
  cpuMs: (pid: number | undefined) => Promise<number | undefined>,
  opts: { seconds: number; rate: number; settleMs?: number; wait?: (ms: number) => Promise<unknown>; now?: () => number },
): Promise<IdleCost> {
  const wait = opts.wait ?? sleep;
  const now = opts.now ?? (() => performance.now());
  await wait(opts.settleMs ?? 2000);
  const before = await Promise.all(terminals.map((t) => cpuMs(t.pid)));
  const t0 = now();
  await wait(opts.seconds * 1000);
  const after = await Promise.all(terminals.map((t) => cpuMs(t.pid)));
  const elapsed = (now() - t0) / 1000;
  const perSecond: Record<string, number | null> = {};
  const perMessage: Record<string, number | null> = {};
  terminals.forEach((t, i) => {
    const b = before[i];
    const a = after[i];
    const us = a === undefined || b === undefined ? null : ((a - b) * 1000) / elapsed;
    perSecond[t.code] = us === null ? null : Math.round(us);
    perMessage[t.code] = us === null ? null : Math.round(us / opts.rate);
  });
  return { seconds: Math.round(elapsed * 10) / 10, cpuMicrosPerSecond: perSecond, cpuMicrosPerMessageAtRate: perMessage, rate: opts.rate };
}

export interface RequestFloor {
  readonly rate: number;
  readonly requests: number;
  readonly failed: number;
  readonly seconds: number;
  /** CPU µs the terminal used per request over the phase, its background work included. */
  readonly cpuMicrosPerRequest: number | null;
  /** Of that, what it spends anyway while idle (the idle phase's cost per second, spread over the requests). */
  readonly idleMicrosPerRequest: number | null;
  /** The request alone: HTTP, routing, authorisation, the answer. */
  readonly netMicrosPerRequest: number | null;
}

/**
 * The officer API's floor: CPU per request of an authorised request that does nothing else (who
 * am I), sent at `rate` a second for `seconds`, the way the latency phase sends its messages. What
 * a message costs above it is the message's own work (seal, commit, federation, receipts).
 * `idleMicrosPerSecond` (from {@link measureIdle}) is taken out when known.
 */
export async function measureRequestFloor(
  terminal: { readonly pid: number | undefined },
  cpuMs: (pid: number | undefined) => Promise<number | undefined>,
  request: () => Promise<unknown>,
  opts: { seconds: number; rate: number; idleMicrosPerSecond?: number | null; wait?: (ms: number) => Promise<unknown>; now?: () => number },
): Promise<RequestFloor> {
  const wait = opts.wait ?? sleep;
  const now = opts.now ?? (() => performance.now());
  const total = Math.max(1, Math.round(opts.rate * opts.seconds));
  const before = await cpuMs(terminal.pid);
  const t0 = now();
  const inflight: Promise<unknown>[] = [];
  let failed = 0;
  for (let i = 0; i < total; i++) {
    // Absolute due times (a late timer does not slow the rate); never spin on a shared machine.
    const due = t0 + (i * 1000) / opts.rate - now();
    if (due > 0) await wait(due);
    inflight.push(request().catch(() => failed++));
  }
  await Promise.all(inflight);
  const after = await cpuMs(terminal.pid);
  const elapsed = (now() - t0) / 1000;
  const perRequest = before === undefined || after === undefined ? null : ((after - before) * 1000) / total;
  const idle = opts.idleMicrosPerSecond == null ? null : (opts.idleMicrosPerSecond * elapsed) / total;
  return {
    rate: opts.rate,
    requests: total,
    failed,
    seconds: Math.round(elapsed * 10) / 10,
    cpuMicrosPerRequest: perRequest === null ? null : Math.round(perRequest),
    idleMicrosPerRequest: idle === null ? null : Math.round(idle),
    netMicrosPerRequest: perRequest === null || idle === null ? null : Math.round(perRequest - idle),
  };
}

/**
 * Worker thread of check-pool.ts: runs the protocol's context-free checks (parse, schema,
 * canonical form, hash, Ed25519 signature) on received entries.
 *
 * message in:  { id, lines }      entries' wire text
 * message out: { id, prechecks }  one LinePrecheck per line
 */
import { parentPort } from 'node:worker_threads';
import { precheckLines } from '../../protocol/index.js';

const port = parentPort;
if (!port) throw new Error('check-worker.js runs only as a worker thread');

port.on('message', (task: { id: number; lines: string[] }) => {
  port.postMessage({ id: task.id, prechecks: precheckLines(task.lines) });
});

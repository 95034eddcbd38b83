/**
 * Worker thread of verify-parallel.ts: runs the protocol's context-free line checks (parse,
 * schema, canonical form, hash, Ed25519 signature) on byte ranges of a shared bundle buffer.
 *
 * workerData: { bytes: SharedArrayBuffer }  (the whole bundle, UTF-8)
 * message in:  { id, start, end }            byte range of whole lines, without the final "\n"
 *          or  { id, chunk }                 whole lines (without the final "\n") as bytes of their own
 *              (verify-stream.ts; workerData is then {})
 * message out: { id, prechecks }             one LinePrecheck per line of the range
 */
import { parentPort, workerData } from 'node:worker_threads';
import { precheckLines } from '../protocol/index.js';

export interface PrecheckTask {
  readonly id: number;
  readonly start: number;
  readonly end: number;
}

export interface PrecheckChunkTask {
  readonly id: number;
  readonly chunk: Uint8Array;
}

const { bytes } = (workerData ?? {}) as { bytes?: SharedArrayBuffer };
const port = parentPort;
if (!port) throw new Error('verify-worker.js runs only as a worker thread');

port.on('message', (task: PrecheckTask | PrecheckChunkTask) => {
  const text =
    'chunk' in task ? Buffer.from(task.chunk.buffer, task.chunk.byteOffset, task.chunk.byteLength).toString('utf8') : Buffer.from(bytes!, task.start, task.end - task.start).toString('utf8');
  port.postMessage({ id: task.id, prechecks: precheckLines(text.split('\n')) });
});

/**
 * `hotline send CHANNEL --file PATH`: a gateway's JSON Lines file, checked whole (drafts.ts), then
 * sent in batches that each commit whole, each under an idempotency key derived from the file.
 */
import { createHash } from 'node:crypto';
import type { Api } from '../../terminal/index.js';
import { cliError } from '../errors.js';
import type { OfficerClient } from '../officer-client.js';
import { progressBar, progressWanted } from '../output.js';
import type { Draft } from './drafts.js';

/** Messages per batch request (the API takes up to 1000) and bytes per request. */
const BATCH_MESSAGES = 500;
const BATCH_BYTES = 4 * 1024 * 1024;

/** Sends drafts in batches, printing each message id as its batch commits; progress on a terminal. */
export async function sendBatches(client: OfficerClient, channel: string, path: string, drafts: Draft[]): Promise<void> {
  const progress = progressBar(progressWanted(drafts.length, 2_000));
  progress.phase('sending', drafts.length);
  // Each batch carries an idempotency key derived from the channel, the file's content and the
  // batch's lines: running the same command again after a crash or a cut gets the batches already
  // stored back (their ids printed again) and sends only the rest, never a message twice.
  const fileDigest = createHash('sha256').update(drafts.map((d) => `${d.line}\t${d.text}\t${d.lang}\t${d.precedence}\t${d.replyTo ?? ''}`).join('\n')).digest('hex');
  let sent = 0;
  try {
    while (sent < drafts.length) {
      const batch: Draft[] = [];
      let bytes = 0;
      for (let i = sent; i < drafts.length && batch.length < BATCH_MESSAGES; i++) {
        const size = Buffer.byteLength(drafts[i]!.text) + 100;
        if (batch.length > 0 && bytes + size > BATCH_BYTES) break;
        batch.push(drafts[i]!);
        bytes += size;
      }
      let r: Api.BatchResult;
      try {
        const key = `send-file:${createHash('sha256').update(`${channel}\n${fileDigest}\n${batch[0]!.line}-${batch.at(-1)!.line}`).digest('hex')}`;
        r = await client.call<Api.BatchResult>('POST', `/api/v1/channels/${encodeURIComponent(channel)}/messages/batch`, { messages: batch.map(({ line: _line, ...m }) => m) }, 'application/json', { 'idempotency-key': key });
      } catch (e) {
        if (sent === 0) throw e;
        const name = path === '-' ? 'stdin' : path;
        throw cliError('CLI_USER_ERROR', { detail: `${(e as Error).message}. ${sent} of ${drafts.length} messages were sent (their ids are above); nothing from ${name} line ${batch[0]!.line} on was. Fix the cause and run the same command again: the batches already stored are not sent twice.` });
      }
      process.stdout.write(r.messages.map((m) => `${m.id}\n`).join(''));
      sent += batch.length;
      progress.update(sent);
    }
  } finally {
    progress.stop();
  }
  process.stderr.write(`Sent ${sent} message${sent === 1 ? '' : 's'}.\n`);
}

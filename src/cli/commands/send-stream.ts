/**
 * `hotline send CHANNEL --stream PATH|-`: a live gateway's messages, each line sent as it arrives
 * over the channel's send stream (officer-api/send-stream.ts), one connection for all of them.
 * Each message's id is printed on stdout once it is durably committed, in the order of the lines;
 * a refused line is reported on stderr with its line number and the terminal's reason, and the
 * rest go on. The command ends when the input does and every line is answered; it fails (exit
 * status) if any line was refused or left unanswered.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type WebSocket from 'ws';
import type { Api } from '../../terminal/index.js';
import { cliError } from '../errors.js';
import type { OfficerClient } from '../officer-client.js';
import { printable } from '../safe-text.js';
import { draftLine, fileError, type DraftDefaults } from './drafts.js';

/** Lines sent and not yet answered, at most (the terminal reads at most 256 ahead). */
const WINDOW = 128;

/** One answer of the send stream (api-schemas.ts StreamAnswer). */
type Answer = Api.StreamAnswer;

export async function sendStreamed(client: OfficerClient, channel: string, path: string, defaults: DraftDefaults): Promise<void> {
  const name = path === '-' ? 'stdin' : path;
  const input = path === '-' ? process.stdin : createReadStream(path);
  const opened = new Promise<void>((done, fail) => {
    if (path === '-') return done();
    input.once('open', () => done());
    input.once('error', (e: NodeJS.ErrnoException) => fail(fileError(path, e)));
  });
  await opened;
  const ws = await client.socket(`/api/v1/channels/${encodeURIComponent(channel)}/messages/stream`);
  const tally = { sent: 0, refused: 0, unanswered: 0 };
  const pending = new Map<number, () => void>();
  let room: (() => void) | undefined;
  let closedBy: string | undefined;
  ws.on('message', (data) => {
    const a = JSON.parse(String(data)) as Answer;
    if (a.status === 201 && 'message' in a) {
      tally.sent += 1;
      process.stdout.write(`${a.message.id}\n`);
    } else if ('error' in a) {
      tally.refused += 1;
      process.stderr.write(`${name} line ${String(a.ref)}: ${printable(a.error.code)}: ${printable(a.error.message)}\n`);
    }
    if (typeof a.ref === 'number') pending.get(a.ref)?.();
  });
  const closed = new Promise<void>((done) =>
    ws.on('close', (code: number, reason: Buffer) => {
      closedBy = `${code}${reason.length ? ` ${printable(reason.toString('utf8'))}` : ''}`;
      tally.unanswered += pending.size;
      for (const settle of [...pending.values()]) settle();
      done();
    }),
  );
  const answered = (line: number) =>
    new Promise<void>((settle) =>
      pending.set(line, () => {
        pending.delete(line);
        room?.();
        settle();
      }),
    );

  const all: Promise<void>[] = [];
  let lineNo = 0;
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    lineNo += 1;
    if (closedBy !== undefined) break;
    const d = draftLine(raw, `${name} line ${lineNo}`, lineNo, defaults);
    if (d === undefined) continue;
    if (typeof d === 'string') {
      tally.refused += 1;
      process.stderr.write(`${d} Skipped.\n`);
      continue;
    }
    while (pending.size >= WINDOW && closedBy === undefined) await new Promise<void>((r) => (room = r));
    if (closedBy !== undefined) break;
    const { line, key, ...message } = d;
    all.push(answered(line));
    ws.send(JSON.stringify({ ref: line, message, ...(key !== undefined ? { key } : {}) }));
  }
  await Promise.all(all);
  if (closedBy === undefined) {
    ws.close(1000);
    await closed;
  }
  finish(tally, name, closedBy, ws);
}

function finish(tally: { sent: number; refused: number; unanswered: number }, name: string, closedBy: string | undefined, ws: WebSocket): void {
  ws.removeAllListeners();
  process.stderr.write(`Sent ${tally.sent} message${tally.sent === 1 ? '' : 's'}${tally.refused ? `, ${tally.refused} line${tally.refused === 1 ? '' : 's'} refused (above)` : ''}.\n`);
  if (tally.unanswered > 0 || (closedBy !== undefined && !closedBy.startsWith('1000')))
    throw cliError('CLI_USER_ERROR', {
      detail: `the terminal closed the stream (${closedBy ?? 'no reason'}) with ${tally.unanswered} line(s) of ${name} unanswered: they may or may not be stored. Give each line a "key" and send them again: a line already stored is answered from its key, never sent twice`,
    });
  if (tally.refused > 0) throw cliError('CLI_USER_ERROR', { detail: `${tally.refused} line(s) of ${name} were refused (reasons above); the others were sent` });
}

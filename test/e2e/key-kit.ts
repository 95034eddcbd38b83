/** What the key-rotation e2e tests share: a terminal's key on disk, and a message sent and receipted. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { check, waitFor, type Party } from './harness.js';

/** The key the terminal signs with, as its key file holds it. */
export async function terminalKey(p: Party): Promise<string> {
  return (JSON.parse(await readFile(join(p.dir, 'keys', 'terminal.json'), 'utf8')) as { publicKey: string }).publicKey;
}

/** Sends `text` from `from` and waits until `to` holds it and `from` sees it receipted. */
export async function sendReceipted(from: Party, to: Party, id: string, text: string, officer?: string): Promise<string> {
  const hash = (await from.cli(['send', id, text, ...(officer ? ['--officer', officer] : [])]).then(check(`send ${text}`))).stdout.trim();
  await waitFor(`${to.code} to hold "${text}"`, async () => (await to.messages(id)).some((m) => m.id === hash));
  await waitFor(`${from.code} to see "${text}" receipted`, async () => (await from.messages(id)).find((m) => m.id === hash)?.receiptedAt);
  return hash;
}

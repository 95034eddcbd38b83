/**
 * `hotline peer add CARD` pairs with a peer: shows the card's root-key fingerprint and requires
 * the operator to confirm it against what the peer read out over a trusted line.
 * `hotline peer list` shows peers and link state.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { Api } from '../../terminal/index.js';
import type { PartyCard } from '../../protocol/index.js';
import { cliError } from '../errors.js';
import { hotlineCommand } from '../hint.js';
import { loadProtocol, loadTerminal, officerClient } from '../lazy.js';
import { printable, printableDeep } from '../safe-text.js';
import { DEFAULT_DATA_DIR } from './init.js';

async function readCard(path: string): Promise<PartyCard> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw cliError('CLI_FILE_NOT_FOUND', { path });
  }
  let card: unknown;
  try {
    card = JSON.parse(text);
  } catch {
    throw cliError('CLI_NOT_A_BUNDLE', { path, detail: 'not JSON' });
  }
  const problem = (await loadProtocol()).checkPartyCard(card);
  if (problem) throw cliError('CLI_API', { code: problem.code, detail: problem.message.replace(/\.$/, '') });
  return card as PartyCard;
}

export function register(program: Command): void {
  const peer = program.command('peer').description('pair with other parties\' terminals');
  peer
    .command('add <card>')
    .description('pair with a peer from its party card file, after confirming its fingerprint')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--fingerprint <digits>', 'the fingerprint the peer read to you (for scripts)')
    .option('--same-code', 'pair even though another peer uses the same party code (a party that re-issued its key)')
    .action(async (path: string, opts: { data: string; fingerprint?: string; sameCode?: boolean }) => {
      const card = await readCard(path);
      const { fingerprint, normaliseFingerprint } = await loadProtocol();
      const actual = fingerprint(card.party);
      // The card is the peer's: its texts are shown escaped (docs/protocol.md §8.3). Its
      // fingerprint is NOT shown before the comparison: the check is that the digits the peer
      // read out over a trusted line match the card, and digits shown here would only be copied.
      const shown = printableDeep({ code: card.code, names: Object.values(card.names), endpoints: card.endpoints });
      process.stderr.write(`Card of ${shown.code} (${shown.names.join(' / ')})\n  endpoints ${shown.endpoints.join(', ')}\n`);
      let given = opts.fingerprint;
      if (given === undefined) {
        if (!process.stdin.isTTY) throw cliError('CLI_FINGERPRINT_REQUIRED', { code: shown.code, data: opts.data, path });
        const own = await (await loadTerminal()).loadTerminalIdentity(opts.data).then((i) => i.fingerprint, () => undefined);
        if (own) process.stderr.write(`Your own fingerprint, to read to ${shown.code} (they type it in turn): ${own}\n`);
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        given = await rl.question(`Type the fingerprint ${shown.code} read to you over a trusted line (six groups of five digits): `);
        rl.close();
      }
      if (normaliseFingerprint(given) !== normaliseFingerprint(actual)) throw cliError('CLI_FINGERPRINT_MISMATCH', { code: shown.code });
      const client = await officerClient(opts.data);
      const added = await client.call<Api.PeerAdded>('POST', '/api/v1/peers', { card, fingerprint: given, ...(opts.sameCode ? { sameCode: true } : {}) });
      const them = printable(added.code);
      // Pairing is mutual: until the peer adds this party's card, its terminal refuses ours (401).
      // If it already has, the link comes up within a second or two: say so rather than ask for
      // a card the peer holds already.
      if (await linkComesUp(client, added.code)) return void process.stdout.write(`Paired with ${them} (fingerprint ${added.fingerprint}). The link to ${them} is up.\n`);
      process.stdout.write(`Paired with ${them} (fingerprint ${added.fingerprint}). The link comes up once ${them} has added this party's card too: send it (${hotlineCommand('card export --out CARD.json', opts.data)}) and read your fingerprint to them over a line you trust.\n`);
    });
  peer
    .command('list')
    .description('peers and their link state')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--json', 'machine-readable output')
    .action(async (opts: { data: string; json?: boolean }) => {
      const client = await officerClient(opts.data);
      const peers = await client.call<Api.Peer[]>('GET', '/api/v1/peers');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(peers, null, 2)}\n`);
      if (peers.length === 0) return void process.stdout.write(`No peers yet. Add one with: ${hotlineCommand('peer add CARD', opts.data)}\n`);
      for (const p of printableDeep(peers)) {
        // The card held: peers' re-signed cards are fetched and adopted by themselves (docs/operations.md "Rotating a terminal key").
        const card = p.card ? `  card issued ${isoMinute(p.card.issued)}, stored ${isoMinute(p.card.updatedAt)}, ${p.card.keys.length} terminal key(s)${p.card.revoked.length ? `, ${p.card.revoked.length} revoked` : ''}` : '';
        process.stdout.write(`${p.code.padEnd(6)} link ${p.link.padEnd(10)} ${p.fingerprint}  ${p.endpoints.join(', ')}${card}\n`);
      }
    });
}

/** Whether the link to `code` is up within PAIRED_WAIT_MS of pairing (it is at once when the peer had already added this party's card). */
async function linkComesUp(client: { call<T>(method: string, path: string, body?: unknown): Promise<T> }, code: string): Promise<boolean> {
  const until = Date.now() + PAIRED_WAIT_MS;
  for (;;) {
    const peers = await client.call<Api.Peer[]>('GET', '/api/v1/peers').catch(() => []);
    if (peers.some((p) => p.code === code && p.link === 'up')) return true;
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A time as shown in `peer list`: UTC to the minute. */
function isoMinute(t: number): string {
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

/** How long `peer add` watches for the link to come up before saying what the peer must do. */
const PAIRED_WAIT_MS = 3000;

/**
 * `hotline card export`: writes this party's card (public) for peers, and prints the root-key
 * fingerprint to stderr for the operator to read to the peer over the phone.
 * `hotline card reissue`: re-signs the card with the root key (new endpoints, renewed certificate),
 * carrying every revocation the party wrote into its channels' records (`key.revoke` entries, asked
 * of the running terminal) besides those of the card it replaces.
 */
import { hotlineCommand } from '../hint.js';
import type { Command } from 'commander';
import type { KeyRevocation } from '../../protocol/index.js';
import { loadTerminal, officerClient } from '../lazy.js';
import { collect, DEFAULT_DATA_DIR, defaultIo, type CommandIo } from './init.js';
import { cardTakenUp } from './key-card.js';

interface ExportOptions {
  data: string;
  out?: string;
}

interface ReissueOptions {
  data: string;
  endpoint: string[];
  renewCertificate?: boolean;
  passphraseFile?: string;
  passphraseEnv?: string;
}

/**
 * The revocations in this party's key.revoke entries, asked of the running terminal; with a note
 * for the operator when it cannot answer (the card then keeps the revocations it held).
 */
async function recordedRevocations(dir: string): Promise<{ revocations: KeyRevocation[]; note?: string }> {
  try {
    const client = await officerClient(dir);
    return await client.call<{ revocations: KeyRevocation[] }>('GET', '/api/v1/keys/revocations');
  } catch (e) {
    return { revocations: [], note: `warning: the terminal did not list the key.revoke entries of its channels (${(e as Error).message.split('\n')[0]}); the new card carries the revocations of the old one only. Reissue the card again once the terminal runs.\n` };
  }
}

export function register(program: Command, io: CommandIo = defaultIo): void {
  const card = program
    .command('card')
    .description("this party's card: the public keys and endpoints peers need");

  card
    .command('export')
    .description('write the party card as JSON (stdout by default); the fingerprint goes to stderr')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--out <file>', 'write the card to this file instead of stdout')
    .action(async (opts: ExportOptions) => {
      const { jsonText, loadTerminalIdentity, writeFileAtomic } = await loadTerminal();
      const identity = await loadTerminalIdentity(opts.data);
      const text = jsonText(identity.card);
      if (opts.out === undefined) io.stdout(text);
      else await writeFileAtomic(opts.out, text, 0o644);
      const where = opts.out === undefined ? '' : ` written to ${opts.out}`;
      io.stderr(
        `Party card of ${identity.config.party.code}${where}.\n` +
          `Root-key fingerprint: ${identity.fingerprint}\n` +
          'Read this fingerprint to the peer over the phone; they must compare it before trusting the card.\n',
      );
    });

  card
    .command('reissue')
    .description('re-sign the party card with the root key, e.g. after the endpoints change')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option(
      '--endpoint <url>',
      'federation URL to publish (repeatable; replaces the current list)',
      collect,
      [],
    )
    .option('--renew-certificate', "add a fresh certificate for this terminal's keys, valid one year")
    .option('--passphrase-file <file>', 'file holding the root key passphrase')
    .option('--passphrase-env <var>', 'environment variable holding the root key passphrase')
    .action(async (opts: ReissueOptions) => {
      const { loadTerminalIdentity, readPassphrase, reissueCard } = await loadTerminal();
      const passphrase = await readPassphrase({ file: opts.passphraseFile, env: opts.passphraseEnv });
      const identity = await loadTerminalIdentity(opts.data, { passphrase });
      const recorded = await recordedRevocations(opts.data);
      const updated = await reissueCard(identity, {
        endpoints: opts.endpoint.length > 0 ? opts.endpoint : undefined,
        renewCertificate: opts.renewCertificate === true,
        revocations: recorded.revocations.filter((r) => r.party === identity.party),
        passphrase,
        now: io.now(),
      });
      if (recorded.note) io.stderr(recorded.note);
      // The running terminal serves the new card at once (when it answered above).
      const servedNote = recorded.note ? '' : await cardTakenUp(opts.data);
      const revoked = updated.card.revocations.length;
      io.stdout(
        `Reissued the party card of ${updated.config.party.code} (endpoints: ${updated.card.endpoints.join(', ')}; ${revoked} revoked key${revoked === 1 ? '' : 's'}).\n` +
          `Root-key fingerprint (unchanged): ${updated.fingerprint}\n` +
          servedNote +
          `Send the new card to each peer: ${hotlineCommand('card export', opts.data)}\n`,
      );
    });
}

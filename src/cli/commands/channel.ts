/**
 * `hotline channel ...`: propose a charter and answer it; suspend, resume, close; show and list.
 * `hotline send`, `hotline ack`, `hotline export`, `hotline import` live here too: they are all
 * calls to the running terminal's officer API (a file of messages: send-file.ts; a live feed:
 * send-stream.ts; their lines: drafts.ts).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Option, type Command } from 'commander';
import { inLanguage, repeated, textsByLanguage, warnForeignLanguage } from '../lang-text.js';
import type { Api } from '../../terminal/index.js';
import { CliError, cliError } from '../errors.js';
import { hotlineCommand } from '../hint.js';
import { TIERS } from '../protocol-names.js';
import type { OfficerClient } from '../officer-client.js';
import { loadTerminal, officerClient } from '../lazy.js';
import { printable, printableDeep } from '../safe-text.js';
import { channelLines, charterTerms } from '../channel-lines.js';
import { DEFAULT_DATA_DIR } from './init.js';
import { ackDeadlines, fieldsFrom, officerLang, parseFieldsFile, registerAmend, renderFormatted } from './format.js';
import { parseTime } from './dialogue.js';
import { sendStreamed } from './send-stream.js';
import { parseDrafts, PRECEDENCE_NAMES, readTextFile } from './drafts.js';
import { sendBatches } from './send-file.js';

/** The fingerprint of each party (code → fingerprint): this terminal's own and its peers'. */
async function fingerprints(client: OfficerClient): Promise<Map<string, string> | null> {
  try {
    const [status, peers] = await Promise.all([client.call<Api.Status>('GET', '/api/v1/status'), client.call<Api.Peer[]>('GET', '/api/v1/peers')]);
    return new Map([[status.party, status.fingerprint], ...peers.map((p) => [p.party, p.fingerprint] as [string, string])]);
  } catch (e) {
    // An officer whose roles are on this channel only may answer its charter without reading the
    // terminal's peers: the terms are shown without the fingerprints, and say so.
    if (e instanceof CliError && (e.cause as { code?: string } | undefined)?.code === 'FORBIDDEN') return null;
    throw e;
  }
}

/** The --officer option of the signed actions. */
const OFFICER_HELP = 'act as this registered officer, whose roles are checked and recorded (default $HOTLINE_OFFICER); required on a terminal with officer accounts';

export function register(program: Command): void {
  const channel = program.command('channel').description('channels: propose a charter, answer it, suspend, resume, close, show');

  channel
    .command('propose')
    .description('propose a channel charter to one or more peers')
    .requiredOption('--with <codes...>', 'the other parties, by code (e.g. CN)')
    .requiredOption('--title <text>', 'title, as LANG=TEXT for each language (repeat); a text without LANG= is English', repeated)
    .addOption(new Option('--title-zh <text>', 'title in Chinese (same as --title zh=TEXT)').hideHelp())
    .addOption(new Option('--tier <tier>', 'the level of the channel').choices(TIERS).default('working'))
    .option('--link-test <seconds>', 'link test interval in seconds', '60')
    .option('--ack-deadline <precedence=seconds>', 'an acknowledgement deadline other than the default, e.g. FLASH=120 (repeat; defaults FLASH=180 IMMEDIATE=900 PRIORITY=3600 ROUTINE=86400)', repeated)
    .option('--position-roles <roles...>', 'dialogue: the roles that may state positions (default plenipotentiary principal)')
    .option('--endorse-roles <roles...>', 'dialogue: the roles that may endorse joint texts (default plenipotentiary)')
    .option('--commitment-roles <roles...>', 'dialogue: the roles that may record and update commitments (default plenipotentiary principal)')
    .option('--category <name...>', 'dialogue: issue categories the charter adds to the standard ones')
    .option('--format <id>', 'an agreed message format (id, id@version, or "all"; repeat); see `hotline format list`', repeated)
    .addOption(new Option('--protocol <version>', 'protocol version of the channel: 2 lets one message be proven without the others (`hotline prove`, docs/protocol.md §14)').choices(['1', '2']).default('1'))
    .option('--officer <name>', OFFICER_HELP)
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { with: string[]; title: string[]; titleZh?: string; tier: string; linkTest: string; ackDeadline?: string[]; format?: string[]; officer?: string; data: string; positionRoles?: string[]; endorseRoles?: string[]; commitmentRoles?: string[]; category?: string[]; protocol: string }) => {
      const deadlines = ackDeadlines(opts.ackDeadline);
      const interval = Number(opts.linkTest);
      if (!Number.isInteger(interval) || interval < 1) throw cliError('CLI_BAD_ARGUMENT', { option: '--link-test', expected: 'a whole number of seconds >= 1', value: opts.linkTest });
      const client = await officerClient(opts.data, opts.officer ?? process.env.HOTLINE_OFFICER);
      const title = textsByLanguage('--title', opts.title, { zh: opts.titleZh });
      const dialogue = {
        ...(opts.positionRoles ? { positions: opts.positionRoles } : {}),
        ...(opts.endorseRoles ? { endorse: opts.endorseRoles } : {}),
        ...(opts.commitmentRoles ? { commitments: opts.commitmentRoles } : {}),
        ...(opts.category ? { categories: opts.category } : {}),
      };
      const c = await client.call<Api.ChannelView>('POST', '/api/v1/channels', { title, tier: opts.tier, parties: opts.with, linkTestIntervalSec: interval, ...(Object.keys(deadlines).length ? { ackDeadlineSec: deadlines } : {}), ...(Object.keys(dialogue).length ? { dialogue } : {}), ...(opts.format ? { formats: opts.format } : {}), ...(opts.protocol === '2' ? { protocol: 2 } : {}) });
      process.stdout.write(`${c.id}\n`);
      // What the other parties compare aloud before they accept, and the command they run.
      process.stderr.write(
        `Proposed channel ${c.id.slice(0, 12)} (${c.state}); it opens when every party accepts.\n` +
          `  charter ${c.charterHash}: read it to the other parties over a line you trust; each accepts with ${hotlineCommand(`channel accept ${c.id.slice(0, 12)}`)} on its own terminal.\n`,
      );
    });

  for (const action of ['accept', 'decline', 'withdraw', 'suspend', 'resume', 'close'] as const) {
    const needsReason = action !== 'accept' && action !== 'resume';
    const cmd = channel
      .command(`${action} <channel>`)
      .description(`${action} a channel${needsReason ? ' (a reason goes on the record)' : ''}`)
      .option('--officer <name>', OFFICER_HELP)
      .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR);
    if (needsReason) cmd.requiredOption('--reason <text>', 'why, for the record');
    else cmd.option('--reason <text>', 'why, for the record');
    if (action === 'accept') cmd.option('--yes', 'accept without asking (the terms are still printed); asked only in a terminal');
    cmd.action(async (id: string, opts: { data: string; reason?: string; officer?: string; yes?: boolean }) => {
      const client = await officerClient(opts.data, opts.officer ?? process.env.HOTLINE_OFFICER);
      let amendment: string | undefined;
      if (action === 'accept') {
        // The terms first: what is accepted is the charter with this hash, between these keys.
        const c = printableDeep(await client.call<Api.ChannelDetail>('GET', `/api/v1/channels/${encodeURIComponent(id)}`));
        amendment = c.state === 'proposed' ? undefined : c.pendingAmendment?.hash;
        // Nothing awaits an acceptance: say so before printing terms and asking.
        if (c.state !== 'proposed' && amendment === undefined) throw cliError('CLI_USAGE', { detail: `channel ${c.id.slice(0, 12)} is ${c.state} and no amendment of it is pending: there is nothing to accept (\`hotline channel show ${c.id.slice(0, 12)}\` shows it)`, command: 'channel accept ' });
        const title = Object.entries(c.title).map(([l, t]) => `${t} [${l}]`).join(' / ');
        process.stderr.write([`Accepting channel ${c.id.slice(0, 12)} "${title}" (tier ${c.tier}, proposed by ${c.proposer}):`, ...charterTerms(c, await fingerprints(client)), ''].join('\n'));
        if (process.stdin.isTTY && !opts.yes && !(await confirm('Accept these terms? [y/N] '))) throw cliError('CLI_NOT_ACCEPTED', { channel: c.id.slice(0, 12), data: opts.data });
      }
      const r = await client.call<Api.CharterActionResult>('POST', `/api/v1/channels/${encodeURIComponent(id)}/${action}`, opts.reason ? { reason: opts.reason } : {});
      const ch = r.channel;
      if (amendment === undefined) {
        // Each party holds its own suspension (§5.4): resuming ours leaves another party's in place.
        const holders = ch.state === 'suspended' ? printableDeep(ch.parties.filter((p) => p.suspended).map((p) => p.code)) : [];
        if (action === 'resume' && holders.length > 0) return void process.stdout.write(`This party's suspension is lifted, but channel ${ch.id.slice(0, 12)} is still suspended: ${holders.join(', ')} ${holders.length === 1 ? 'holds its own suspension; only it can' : 'hold their own suspensions; only they can'} resume it.\n`);
        // Accepted by this party, still awaiting others (a channel of three): say whom.
        const waiting = action === 'accept' && ch.state === 'proposed' ? printableDeep(ch.parties.filter((p) => !p.accepted).map((p) => p.code)) : [];
        if (waiting.length > 0) return void process.stdout.write(`Accepted: channel ${ch.id.slice(0, 12)} opens once ${waiting.join(', ')} ${waiting.length === 1 ? 'accepts' : 'accept'} too (still proposed).\n`);
        if (action === 'withdraw' && ch.state !== 'withdrawn') return void process.stdout.write(`Withdrawn: the amendment of channel ${ch.id.slice(0, 12)} will not be adopted; the channel stays ${ch.state} under the charter in force.\n`);
        return void process.stdout.write(`Channel ${ch.id.slice(0, 12)} is now ${ch.state}.\n`);
      }
      // An amendment accepted: in force once every party it needs has accepted it (§5.3).
      const still = ch.pendingAmendment?.hash === amendment ? ch.pendingAmendment : undefined;
      const outcome = still ? `awaiting ${still.awaiting.join(', ')}` : ch.left ? 'in force; this party is no longer in the channel' : `in force; channel ${ch.id.slice(0, 12)} is ${ch.state}`;
      process.stdout.write(`Accepted amendment ${amendment.slice(0, 12)} of channel ${ch.id.slice(0, 12)}: ${outcome}.\n`);
    });
  }

  registerAmend(channel);

  channel
    .command('list')
    .description('channels on this terminal')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--json', 'machine-readable output')
    .option('--lang <tag>', 'language to show titles in (default $HOTLINE_LANG or en)')
    .action(async (opts: { data: string; json?: boolean; lang?: string }) => {
      const client = await officerClient(opts.data);
      const list = await client.call<Api.ChannelSummary[]>('GET', '/api/v1/channels');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      if (list.length === 0) return void process.stdout.write(`No channels yet. Propose one with: ${hotlineCommand('channel propose --with CODE --title TEXT', opts.data)}\n`);
      const self = list.some((c) => c.amendment) ? (await client.call<{ code: string }>('GET', '/api/v1/status')).code : undefined;
      // The parties column as wide as its widest entry (US+CN+RU+JP), at least 10.
      const width = Math.max(10, ...list.map((c) => c.parties.join('+').length));
      for (const c of printableDeep(list)) {
        const a = c.amendment;
        const amendment = a ? `  amendment by ${a.proposer} awaiting ${a.awaiting.join(', ')}${self && a.awaiting.includes(self) ? `: accept or decline (${hotlineCommand(`channel show ${c.id.slice(0, 12)}`, opts.data)})` : ''}` : '';
        process.stdout.write(`${c.id.slice(0, 12)}  ${c.state.padEnd(10)} ${c.parties.join('+').padEnd(width)} ${inLanguage(c.title, officerLang(opts.lang))}  (${c.entries} entries)${amendment}${c.left ? `  LEFT: ${c.left.outcome === 'removed' ? 'removed by' : `addition ${c.left.outcome}:`} ${c.left.by}'s amendment of ${new Date(c.left.at).toISOString()}; read-only here` : ''}\n`);
      }
    });

  channel
    .command('show <channel>')
    .description('state, members, link, and messages with receipt and acknowledgement status')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--json', 'machine-readable output')
    .option('--limit <n>', 'messages to show', '20')
    .option('--lang <tag>', 'language to render formatted messages in (default $HOTLINE_LANG or en)')
    .action(async (id: string, opts: { data: string; json?: boolean; limit: string; lang?: string }) => {
      const client = await officerClient(opts.data);
      const c = await client.call<Api.ChannelDetail>('GET', `/api/v1/channels/${encodeURIComponent(id)}`);
      const shown = await client.call<Api.Message[]>('GET', `/api/v1/channels/${c.id}/messages?limit=${Math.min(100_000, Math.max(1, Number(opts.limit) || 20))}`);
      if (opts.json) return void process.stdout.write(`${JSON.stringify({ ...c, messages: shown }, null, 2)}\n`);
      const rendered = await renderFormatted(client, shown, officerLang(opts.lang));
      process.stdout.write(`${channelLines(c, shown, rendered, await fingerprints(client)).join('\n')}\n`);
    });

  program
    .command('send <channel> [text]')
    .description('send a message on an active channel, or with --file many messages (a gateway\'s batch)')
    .option('--precedence <p>', 'FLASH | IMMEDIATE | PRIORITY | ROUTINE (default ROUTINE, or the format\'s)')
    .option('--lang <tag>', 'language of the text (BCP 47; default $HOTLINE_LANG or en)', process.env.HOTLINE_LANG ?? 'en')
    .option('--format <id>', 'send a formatted message in this agreed format (id, or id@version); see `hotline format show ID`')
    .option('--fields <file>', 'the formatted message\'s fields: a JSON object of values by field name')
    .option('--field <name=value>', 'one field (repeat); the value as JSON (numbers, objects) or as text', repeated)
    .option('--reply-to <message>', 'the message this answers')
    .option('--file <path>', 'send every message of a JSON Lines file instead ({"text": ..., "precedence"?: ..., "lang"?: ..., "replyTo"?: ...} per line; - reads stdin), in batches that each commit whole')
    .option('--stream <path>', 'send each line of a JSON Lines file or of stdin (-) as it arrives, over one open connection (a live gateway: `feed | hotline send CHANNEL --stream -`); prints each id as it commits, a refused line on stderr; a line\'s optional "key" makes sending it again safe')
    .option('--officer <name>', 'act as this officer: their roles are checked and their name, title and role are signed in (default $HOTLINE_OFFICER)')
    .option('--idempotency-key <key>', 'name this send (1 to 200 printable ASCII characters): sent again with the same key, the message is sent at most once (default: a new random key, printed if the terminal does not answer)')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (id: string, text: string | undefined, opts: { precedence?: string; lang: string; replyTo?: string; file?: string; stream?: string; officer?: string; data: string; format?: string; fields?: string; field?: string[]; idempotencyKey?: string }) => {
      if (opts.format !== undefined) return sendFormatted(id, text, opts);
      if (opts.fields !== undefined || opts.field !== undefined) throw cliError('CLI_USAGE', { detail: '--fields and --field go with --format', command: 'send ' });
      const precedence = (opts.precedence ?? 'ROUTINE').toUpperCase();
      if (!PRECEDENCE_NAMES.includes(precedence))
        throw cliError('CLI_BAD_ARGUMENT', { option: '--precedence', expected: `one of ${PRECEDENCE_NAMES.join(', ')}`, value: opts.precedence });
      if ([text, opts.file, opts.stream].filter((x) => x !== undefined).length !== 1) throw cliError('CLI_USAGE', { detail: 'give either the text of one message, or --file or --stream with many', command: 'send ' });
      const defaults = { lang: opts.lang, precedence, ...(opts.replyTo ? { replyTo: opts.replyTo } : {}) };
      if (opts.stream !== undefined) return sendStreamed(await officerClient(opts.data, opts.officer ?? process.env.HOTLINE_OFFICER), id, opts.stream, defaults);
      // Every line of a file is checked before the terminal is even asked.
      const drafts = opts.file !== undefined ? parseDrafts(opts.file, await readTextFile(opts.file), defaults) : undefined;
      const client = await officerClient(opts.data, opts.officer ?? process.env.HOTLINE_OFFICER);
      if (drafts) return sendBatches(client, id, opts.file!, drafts);
      const key = opts.idempotencyKey ?? randomUUID();
      if (!/^[\x21-\x7e]{1,200}$/.test(key)) throw cliError('CLI_BAD_ARGUMENT', { option: '--idempotency-key', expected: '1 to 200 printable ASCII characters without spaces', value: key });
      const m = await client.call<Api.SendResult>('POST', `/api/v1/channels/${encodeURIComponent(id)}/messages`, { text, ...defaults }, 'application/json', { 'idempotency-key': key });
      process.stdout.write(`${m.id}\n`);
      await warnForeignLanguage(client, id, opts.lang);
    });

  program
    .command('ack <message>')
    .description('acknowledge a message of the other side (id or unique prefix)')
    .option('--name <name>', 'your name, as the other side will see it (only on a terminal without officer accounts; without it: "CODE duty officer")')
    .option('--title <title>', 'your title, as the other side will see it', 'Duty Officer')
    .option('--note <text>', 'a short note')
    .option('--officer <name>', 'act as this registered officer (instead of --name/--title; default $HOTLINE_OFFICER); required on a terminal with officer accounts')
    .option('--again', 'acknowledge again on purpose (a second acknowledgement by the same officer is refused otherwise)')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (id: string, opts: { name?: string; title: string; note?: string; officer?: string; again?: boolean; data: string }) => {
      const officer = opts.officer ?? process.env.HOTLINE_OFFICER;
      if (opts.name && officer) throw cliError('CLI_USAGE', { detail: '--name and --officer exclude each other: a registered officer signs in their own published name', command: 'ack ' });
      const client = await officerClient(opts.data, officer);
      const body = { ...(opts.name ? { officer: { name: opts.name, title: opts.title, role: 'duty-officer' } } : {}), ...(opts.note ? { note: opts.note } : {}), ...(opts.again ? { again: true } : {}) };
      const a = await client.call<Api.AckResult>('POST', `/api/v1/messages/${encodeURIComponent(id)}/ack`, body).catch((e: unknown) => {
        // Once officer accounts exist a free-text name is refused: say which option signs instead.
        if (opts.name && e instanceof CliError && (e.cause as { code?: string } | undefined)?.code === 'OFFICER_REQUIRED') throw cliError('CLI_OFFICER_NOT_NAME', { name: opts.name, message: id, data: opts.data });
        throw e;
      });
      // Who signed, as peers see it (name and title); a free-text name with the default title says so.
      const signer = a.officer ?? (opts.name ? { name: opts.name, title: opts.title } : undefined);
      const as = signer ? ` as ${printable(signer.name)}, ${printable(signer.title)}${opts.name && opts.title === 'Duty Officer' ? ' (the default title: --title sets another)' : ''}` : '';
      process.stdout.write(`Acknowledged ${a.message.slice(0, 12)}${as} (entry ${a.id.slice(0, 12)}).\n`);
    });

  program
    .command('export <channel>')
    .description('write the channel\'s transcript bundle (JSON Lines) to stdout, for `hotline verify`; with --since, a period bundle anchored at a checkpoint every party signed')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--since <time>', 'start of the period: ISO 8601 (2026-11-01, 2026-11-01T09:00Z), -N[s|m|h|d] or now; the bundle starts at the newest countersigned checkpoint at or before it (`--since now`: the newest of all)')
    .option('--until <time>', 'end of the period (with --since): entries dated up to it, and what they depend on')
    .action(async (id: string, opts: { data: string; since?: string; until?: string }) => {
      if (opts.until !== undefined && opts.since === undefined) throw cliError('CLI_USAGE', { detail: '--until needs --since: a period starts at a checkpoint', command: 'export ' });
      const query = new URLSearchParams();
      if (opts.since !== undefined) query.set('since', String(parseTime('--since', opts.since)));
      if (opts.until !== undefined) query.set('until', String(parseTime('--until', opts.until)));
      const client = await officerClient(opts.data);
      const q = query.size > 0 ? `?${query}` : '';
      const text = await client.call<string>('GET', `/api/v1/channels/${encodeURIComponent(id)}/export${q}`);
      process.stdout.write(text);
    });

  program
    .command('checkpoint <channel>')
    .description('write a checkpoint of a version-2 channel now (terminals write one a day) and wait until every party has answered it; then `hotline export CHANNEL --since now` starts there')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--wait <seconds>', 'how long to wait for every party\'s answer (0: do not wait)', '30')
    .action(async (id: string, opts: { data: string; wait: string }) => {
      const wait = Number(opts.wait);
      if (!Number.isFinite(wait) || wait < 0) throw cliError('CLI_BAD_ARGUMENT', { option: '--wait', expected: 'a number of seconds (0 or more)', value: opts.wait });
      const client = await officerClient(opts.data);
      const k = await client.call<{ entry: string; seq: number; time: number; count: number }>('POST', `/api/v1/channels/${encodeURIComponent(id)}/checkpoint`, {});
      process.stdout.write(`Checkpoint ${k.entry.slice(0, 12)} (seq ${k.seq}, ${new Date(k.time).toISOString()}) commits to ${k.count} charter, key and dialogue entries.\n`);
      if (wait === 0) return;
      // Answered by every party once the export of the period from its time is anchored at it.
      const until = Date.now() + wait * 1000;
      for (;;) {
        const bundle = await client.call<string>('GET', `/api/v1/channels/${encodeURIComponent(id)}/export?since=${k.time}`).catch(() => undefined);
        const header = bundle === undefined ? undefined : (JSON.parse(bundle.slice(0, bundle.indexOf('\n'))) as { anchor?: string });
        if (header?.anchor === k.entry) {
          process.stdout.write(`Every party has answered it: ${hotlineCommand(`export ${id} --since now`, opts.data)} exports from it.\n`);
          return;
        }
        if (Date.now() > until) throw cliError('CLI_CHECKPOINT_UNANSWERED', { channel: id, seconds: wait, data: opts.data });
        await new Promise((r) => setTimeout(r, 250));
      }
    });

  program
    .command('prove <message>')
    .description('write the proof of one message (its receipts and acknowledgements, no other message) to stdout, for `hotline verify`')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (id: string, opts: { data: string }) => {
      const client = await officerClient(opts.data);
      const text = await client.call<string>('GET', `/api/v1/messages/${encodeURIComponent(id)}/proof`);
      process.stdout.write(text);
    });

  program
    .command('import <bundle>')
    .description('merge entries carried by file (verified like any other)')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (path: string, opts: { data: string }) => {
      await importBundle(path, opts.data);
    });

  program
    .command('status')
    .description('this terminal: party, fingerprint, links')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { data: string }) => {
      const client = await officerClient(opts.data);
      let answer: Api.Status;
      try {
        answer = await client.call<Api.Status>('GET', '/api/v1/status');
      } catch (e) {
        // A standby instance of a highly available party answers HA_STANDBY with the lease.
        const standby = (e as Error).cause as { code?: string; message?: string; ha?: Api.HaStatus } | undefined;
        if (standby?.code !== 'HA_STANDBY' || !standby.ha) throw e;
        // Not a failure: a standby is healthy while it waits; the line's status is the active instance's.
        const ha = printableDeep(standby.ha);
        const active = ha.instances.find((i) => i.instance === ha.active);
        process.stdout.write(`Standby instance ${ha.instance}: ready to take over; it signs nothing and serves no channel while it waits. The channels and links: \`hotline status\` on the active instance${active ? ` (officer API ${active.officerUrl})` : ''} or through the load balancer.\n`);
        writeHa(ha);
        return;
      }
      const s = printableDeep(answer);
      process.stdout.write(`${s.code}  fingerprint ${s.fingerprint}  channels ${s.channels}\n`);
      if (s.ha) writeHa(s.ha);
      const at = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (s.database?.stalledSince !== undefined)
        process.stdout.write(`  database: COMMITS STALLED since ${at(s.database.stalledSince)} (STORE_STALLED: nothing sent or received is stored, receipted or sent on; find what holds the database: a lock, an unanswering server, the disk; see docs/operations.md "A stalled database")\n`);
      if (s.database?.lockLostSince !== undefined)
        process.stdout.write(`  database: LOCK LOST since ${at(s.database.lockLostSince)} (TERMINAL_LOCK_LOST: nothing is signed until this terminal takes its database lock again, tried every 2 s; see docs/operations.md "A stalled database")\n`);
      if (s.database?.fullSince !== undefined)
        process.stdout.write(`  database: FULL since ${at(s.database.fullSince)} (STORE_FULL: nothing can be stored; free space on the database host, see docs/operations.md "Disk full")\n`);
      if (s.ownKeyRevoked) process.stdout.write(`  own key: REVOKED in ${s.ownKeyRevoked.channels.length} channel(s): ${s.ownKeyRevoked.channels.map((c) => c.channel.slice(0, 12)).join(', ')} (OWN_KEY_REVOKED: ${s.ownKeyRevoked.message})\n`);
      for (const l of s.links) {
        const since = l.since !== undefined && l.state !== 'up' ? ` since ${new Date(l.since).toISOString().replace(/\.\d{3}Z$/, 'Z')}` : '';
        process.stdout.write(`  link ${l.code}: ${l.state}${since}${l.endpoint ? ` via ${l.endpoint}` : ''}${l.reason ? ` (${l.reason})` : ''}\n`);
      }
      for (const r of s.reconciling ?? [])
        process.stdout.write(
          r.why === 'own-log-forked'
            ? `  channel ${r.channel.slice(0, 12)}: OWN LOG FORKED at #${r.forkedAt ?? '?'} (CHANNEL_OWN_LOG_FORKED: ${r.peer ?? 'a peer'} holds other entries signed by this terminal there, most likely after a restore from an old backup; the peer is not at fault. Nothing is signed there: stop this terminal and run \`hotline repair --data DIR --forked ${r.channel.slice(0, 12)} --from ${r.forkedAt ?? 'N'}\`, see docs/operations.md "Backup and restore")\n`
            : r.why === 'clock-behind-log'
              ? `  channel ${r.channel.slice(0, 12)}: CLOCK BEHIND LOG (CLOCK_BEHIND_LOG: this terminal's own entries #${r.peerHolds + 1} to #${r.have} are dated after now: its clock ran ahead and was set back. Nothing is signed there until the clock passes them: for a clock that was minutes ahead, waiting is the fix. Only for one that ran hours ahead, and only once no peer holds those entries (\`hotline status\` at each peer), stop this terminal and run \`hotline repair --data DIR --forked ${r.channel.slice(0, 12)} --from ${r.peerHolds + 1}\`, which drops them; see docs/operations.md "Clocks")\n`
            : r.why === 'checking-own-log'
              ? `  channel ${r.channel.slice(0, 12)}: reconciling (comparing this terminal's own entries with ${r.peer ?? 'a peer'}'s copies; nothing is signed there yet)\n`
              : r.why === 'waiting-for-peers'
                ? `  channel ${r.channel.slice(0, 12)}: reconciling (waiting for the peers to say how much of this terminal's log they hold; nothing is signed there yet)\n`
                : `  channel ${r.channel.slice(0, 12)}: reconciling (own entries held here up to ${r.have}, by a peer up to ${r.peerHolds}; fetching them back, nothing is signed there yet)\n`,
        );
    });
}

/** `hotline send CHANNEL --format ID --fields FILE --field NAME=VALUE ...`: one formatted message. */
async function sendFormatted(id: string, text: string | undefined, opts: { precedence?: string; lang: string; replyTo?: string; file?: string; officer?: string; data: string; format?: string; fields?: string; field?: string[] }): Promise<void> {
  if (opts.file !== undefined) throw cliError('CLI_USAGE', { detail: '--format sends one message; --file is for many free-text messages', command: 'send ' });
  const m = /^([a-z0-9][a-z0-9.-]{0,63})(?:@([1-9][0-9]{0,4}))?$/.exec(opts.format!);
  if (!m) throw cliError('CLI_BAD_ARGUMENT', { option: '--format', expected: 'a format id, or id@version (see `hotline format list`)', value: opts.format! });
  const precedence = opts.precedence?.toUpperCase();
  if (precedence !== undefined && !PRECEDENCE_NAMES.includes(precedence))
    throw cliError('CLI_BAD_ARGUMENT', { option: '--precedence', expected: `one of ${PRECEDENCE_NAMES.join(', ')}`, value: opts.precedence! });
  const base = opts.fields !== undefined ? parseFieldsFile(opts.fields, await readTextFile(opts.fields)) : {};
  const fields = fieldsFrom(base, opts.field ?? []);
  const client = await officerClient(opts.data, opts.officer ?? process.env.HOTLINE_OFFICER);
  const body = {
    format: { id: m[1]!, ...(m[2] ? { version: Number(m[2]) } : {}) },
    fields,
    lang: opts.lang,
    ...(precedence ? { precedence } : {}),
    ...(text !== undefined ? { text } : {}),
    ...(opts.replyTo ? { replyTo: opts.replyTo } : {}),
  };
  const sent = await client.call<Api.SendResult>('POST', `/api/v1/channels/${encodeURIComponent(id)}/messages`, body);
  process.stdout.write(`${sent.id}\n`);
}

/** The high-availability lines of `hotline status`: this instance, the lease, every instance. */
function writeHa(ha: Api.HaStatus): void {
  const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const lease = ha.active ? `active instance ${ha.active} since ${ha.since === null ? '?' : iso(ha.since)} (fencing token ${ha.token})` : 'no active instance';
  process.stdout.write(`  high availability: this is instance ${ha.instance} (${ha.role}); ${lease}; failovers ${ha.failovers}\n`);
  for (const i of ha.instances)
    process.stdout.write(`  instance ${i.instance}: ${i.instance === ha.active ? 'active' : i.role === 'gone' || i.role === 'active' ? 'gone' : 'standby'}, officer API ${i.officerUrl}, ${i.host} pid ${i.pid}, seen ${(i.seenMsAgo / 1000).toFixed(1)} s ago\n`);
}

/** Bytes of entry lines per import request (the officer API takes up to 64 MiB a request). */
const IMPORT_BATCH_BYTES = 8 * 1024 * 1024;

/** The entry lines of a bundle file, read line by line, with its header line (undefined until met). */
async function* bundleLines(path: string, onHeader: (header: string) => void): AsyncGenerator<string> {
  let header: string | undefined;
  for await (const line of createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    if (header === undefined) {
      if (!isHeaderLine(line)) throw cliError('CLI_NOT_A_BUNDLE', { path, detail: 'its first line is not a bundle header' });
      onHeader((header = line));
      continue;
    }
    if (line.startsWith('{"author":')) yield line; // a card: the terminal knows its peers' cards
  }
  if (header === undefined) throw cliError('CLI_EMPTY_FILE', { path });
}

/**
 * A bundle sent in parts is judged whole before anything is sent: a part alone may hold the
 * proposal and not a later amendment that adds this party, which the terminal would refuse
 * (IMPORT_NOT_A_PARTY) though the bundle is this party's (import-charters.ts). The parts then say
 * so (?part=N), and the terminal judges each entry as always.
 */
async function judgeWhole(path: string, client: OfficerClient): Promise<void> {
  const charters = new (await loadTerminal()).BundleCharters();
  let channel: unknown;
  for await (const line of bundleLines(path, (h) => void (channel = (JSON.parse(h) as { channel?: unknown }).channel))) charters.add(line);
  const self = await client.call<Api.Status>('GET', '/api/v1/status');
  if (typeof channel === 'string' && /^[0-9a-f]{64}$/.test(channel)) {
    const known = await client.call('GET', `/api/v1/channels/${channel}`).then(
      () => true,
      () => false,
    );
    if (known) return;
  }
  const refusal = charters.refusal(self, channel);
  if (refusal) throw cliError('CLI_API', { code: refusal.code, detail: refusal.message });
}

/**
 * `hotline import FILE` (#14 E14): the bundle is read line by line and sent in batches, each
 * request carrying the header and a slice of the entries, so a bundle of any size this terminal
 * exported can be carried back by hand. Exits non-zero, naming them, when entries were rejected or
 * still wait for predecessors the bundle lacks; a file that is not a bundle is refused before
 * anything is sent, and so is a bundle none of whose charters names this party.
 */
export async function importBundle(path: string, dataDir: string, batchBytes = IMPORT_BATCH_BYTES): Promise<void> {
  let size: number;
  let directory: boolean;
  try {
    await access(path);
    const s = await stat(path);
    size = s.size;
    directory = s.isDirectory();
  } catch {
    throw cliError('CLI_FILE_NOT_FOUND', { path });
  }
  if (directory) throw cliError('CLI_NOT_A_FILE', { path });
  // A file no larger than one batch is one request, which the terminal judges whole itself.
  const inParts = size > batchBytes;
  let header: string | undefined;
  let batch: string[] = [];
  let bytes = 0;
  let part = 0;
  let client: OfficerClient | undefined;
  const total = { entries: 0, accepted: 0, duplicate: 0, rejected: [] as Api.ImportResult['rejected'] };
  const flush = async () => {
    if (batch.length === 0) return;
    client ??= await officerClient(dataDir);
    part++;
    const r = await client.call<Api.ImportResult>('POST', `/api/v1/import${inParts ? `?part=${part}` : ''}`, `${header}\n${batch.join('\n')}\n`, 'application/x-ndjson');
    total.entries += batch.length;
    total.accepted += r.accepted;
    total.duplicate += r.duplicate;
    total.rejected.push(...r.rejected);
    batch = [];
    bytes = 0;
  };
  if (inParts) await judgeWhole(path, (client = await officerClient(dataDir)));
  for await (const line of bundleLines(path, (h) => void (header = h))) {
    batch.push(line);
    bytes += Buffer.byteLength(line) + 1;
    if (bytes >= batchBytes) await flush();
  }
  await flush();
  const waiting = Math.max(0, total.entries - total.accepted - total.duplicate - total.rejected.length);
  process.stdout.write(`Imported: ${total.accepted} new, ${total.duplicate} already held, ${waiting} waiting for predecessors, ${total.rejected.length} rejected.\n`);
  for (const e of total.rejected) process.stderr.write(`  rejected ${e.hash ? `${e.hash.slice(0, 12)} ` : ''}${printable(e.code)}: ${printable(e.message)}\n`);
  if (total.rejected.length || waiting) throw cliError('CLI_IMPORT_INCOMPLETE', { path, rejected: total.rejected.length, waiting });
}

function isHeaderLine(line: string): boolean {
  try {
    return (JSON.parse(line) as { type?: unknown }).type === 'hotline.bundle';
  } catch {
    return false;
  }
}

/** Asks a yes/no question on the terminal; true only for y or yes. */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((done) => rl.question(question, done));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

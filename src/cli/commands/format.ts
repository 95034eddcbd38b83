/**
 * `hotline format list|show ID|check FILE`: the message formats the terminal holds (docs/protocol.md §13), and
 * the helpers `hotline send --format` and `hotline channel show` use: fields from a file and from
 * `--field name=value`, and formatted messages rendered in the officer's language.
 */
import { Option, type Command } from 'commander';
import type { FormatDefinition } from '../../protocol/index.js';
import type { Api } from '../../terminal/index.js';
import { CliError, cliError } from '../errors.js';
import type { OfficerClient } from '../officer-client.js';
import { officerClient, loadProtocol, loadTerminal } from '../lazy.js';
import { printableDeep } from '../safe-text.js';
import { inLanguage, repeated, textsByLanguage } from '../lang-text.js';
import { describeCharterChange } from '../channel-lines.js';
import { PRECEDENCES, ROLES } from '../protocol-names.js';
import { DEFAULT_DATA_DIR } from './init.js';

/** The officer's language: --lang, else $HOTLINE_LANG, else English. */
export const officerLang = (lang: string | undefined): string => lang ?? process.env.HOTLINE_LANG ?? 'en';

/**
 * The formats of the terminal at `dir`: asked of it when it runs, else read from the files it
 * would load (the shipped library, and DIR/formats/ if there is one): `hotline format list|show`
 * need no data directory nor running terminal to show the library.
 */
async function formatsAt(dir: string): Promise<{ list(): Promise<Api.FormatSummary[]>; detail(name: string): Promise<Api.FormatDetail> }> {
  const client = await officerClient(dir).catch(() => undefined);
  const running = client && (await client.call('GET', '/healthz').then(() => true, (e: unknown) => !(e instanceof CliError && e.code === 'CLI_TERMINAL_NOT_RUNNING')));
  if (client && running)
    return {
      list: () => client.call<Api.FormatSummary[]>('GET', '/api/v1/formats'),
      detail: (name) => client.call<Api.FormatDetail>('GET', `/api/v1/formats/${encodeURIComponent(name)}`),
    };
  const disk = (await loadTerminal()).formatsOnDisk(dir);
  return { list: async () => disk.list(), detail: async (name) => disk.detail(name) };
}

export function register(program: Command): void {
  const format = program.command('format').description('message formats: list those this terminal holds, show one, check a file');

  format
    .command('list')
    .description('the formats this terminal holds, with their hashes (a charter agrees them by hash); without a running terminal, those of the shipped library and DIR/formats/')
    .option('--lang <tag>', 'language of the titles (default $HOTLINE_LANG or en)')
    .option('--json', 'machine-readable output')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { lang?: string; json?: boolean; data: string }) => {
      const list = await (await formatsAt(opts.data)).list();
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      const lang = officerLang(opts.lang);
      for (const f of printableDeep(list)) {
        const langs = [...f.languages, ...f.packs.map((p) => `+${p.lang}`)].join(' ');
        const from = f.origin === 'shipped' ? '  shipped with Hotline' : `  from ${f.origin}`;
        process.stdout.write(`${`${f.id}@${f.version}`.padEnd(24)} ${f.hash.slice(0, 12)}  ${f.precedence.padEnd(9)} ${inLanguage(f.title, lang)}  [${langs}]${from}\n`);
      }
    });

  format
    .command('check <file>')
    .description('check a format definition or language pack file offline, as a terminal with this data directory would load it, and print its hash')
    .option('--json', 'machine-readable output')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (file: string, opts: { json?: boolean; data: string }) => {
      const r = printableDeep((await loadTerminal()).checkFormatFile(file, opts.data));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      const what = r.kind === 'definition' ? `definition ${r.format}` : `language pack "${r.lang}" for ${r.format} (${r.formatHash})`;
      process.stdout.write(`valid: ${what}\n  hash ${r.hash}\n`);
      // `format list` and `show` read the files now; a running terminal read them when it started.
      process.stderr.write(`A running terminal loads the files of its formats folder when it starts: restart it to use this one (\`hotline format list --data ${opts.data}\` shows it already).\n`);
    });

  format
    .command('show <format>')
    .description('one format: its fields, their types and labels, and its values (by id, id@version or hash); needs no running terminal')
    .option('--lang <tag>', 'language of the labels (default $HOTLINE_LANG or en)')
    .option('--json', 'the whole definition as JSON')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (name: string, opts: { lang?: string; json?: boolean; data: string }) => {
      const d = await (await formatsAt(opts.data)).detail(name);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      process.stdout.write(await describeFormat(printableDeep(d.definition), d.hash, officerLang(opts.lang)));
    });
}

/**
 * `hotline channel amend CHANNEL [--add-party CODE]... [--remove-party CODE]... [--party-roles CODE=ROLES]... [--ack-deadline P=S]...
 * [--link-test S] [--title LANG=TEXT]... [--add-language L]... [--remove-language L]...
 * [--note TEXT|none] [--add-format ID]... [--protocol 2] --reason TEXT`: proposes the charter in force changed
 * (docs/protocol.md §5.3, §14.1) and prints what the amendment changes; every party of the charter in
 * force and of the amended one answers with `hotline channel accept` (or decline), an added party on
 * its own terminal, and it is in force once all have accepted.
 */
export function registerAmend(channel: Command): void {
  channel
    .command('amend <channel>')
    .description('propose an amendment of the charter: add or remove parties, change its terms, add agreed formats, or move to protocol version 2; it is in force once every party (those added or removed too) accepts it')
    .option('--add-party <code>', 'a paired peer to add as a party (code or root key; repeat)', repeated)
    .option('--roles <roles...>', `the roles of the parties added (default all: ${ROLE_NAMES.join(' ')})`)
    .option('--party-roles <code=roles>', 'the roles a party is to have instead of its own, e.g. CN=duty-officer,plenipotentiary (repeat)', repeated)
    .option('--remove-party <code>', 'a party to remove (repeat); never this terminal\'s own', repeated)
    .option('--ack-deadline <precedence=seconds>', 'an acknowledgement deadline to change, e.g. FLASH=120 (repeat)', repeated)
    .option('--link-test <seconds>', 'the link test interval, in seconds')
    .option('--title <text>', 'a title to set, as LANG=TEXT (repeat); a language added needs one', repeated)
    .option('--add-language <tag>', 'a language to add to the charter (repeat; give its --title too)', repeated)
    .option('--remove-language <tag>', 'a language to remove (repeat)', repeated)
    .option('--note <text>', 'the charter\'s note, what it is for (or "none" to remove it); a charter the channel already had needs one that differs')
    .option('--add-format <id>', 'a format to add (id, id@version or hash; repeat); see `hotline format list`', repeated)
    .addOption(new Option('--protocol <version>', 'move the channel to this protocol version: 2 makes every later message provable on its own (`hotline prove`)').choices(['2']))
    .requiredOption('--reason <text>', 'why, for the record')
    .option('--officer <name>', 'act as this registered officer, whose roles are checked and recorded (default $HOTLINE_OFFICER); required on a terminal with officer accounts')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (id: string, opts: AmendOptions) => {
      const body = amendmentBody(opts);
      const client = await officerClient(opts.data, opts.officer ?? process.env.HOTLINE_OFFICER);
      const r = await client.call<Api.CharterActionResult>('POST', `/api/v1/channels/${encodeURIComponent(id)}/amend`, body);
      // The amendment's name everywhere else (channel show, accept): the hash of its charter.
      process.stdout.write(`${r.channel.pendingAmendment?.hash ?? r.entry}\n`);
      const changes = printableDeep(r.channel.pendingAmendment?.changes ?? []).map((c) => `  ${describeCharterChange(c)}`);
      const awaiting = r.channel.pendingAmendment?.awaiting ?? [];
      process.stderr.write(
        [
          `Proposed an amendment of channel ${r.channel.id.slice(0, 12)}:`,
          ...changes,
          `It is in force once ${awaiting.length ? awaiting.join(', ') : 'every party'} accept${awaiting.length === 1 ? 's' : ''} (on their terminals: \`npx hotline channel accept ${r.channel.id.slice(0, 12)} --data DIR\`).`,
          // A party added keeps the charter's languages: say so, in case it needs its own.
          ...(opts.addParty?.length && !opts.addLanguage?.length ? [`The charter's languages stay ${r.channel.charter.languages.join(', ')}: if a party added writes in another, amend with --add-language TAG (and its --title).`] : []),
          '',
        ].join('\n'),
      );
    });
}

interface AmendOptions {
  addParty?: string[];
  roles?: string[];
  removeParty?: string[];
  partyRoles?: string[];
  ackDeadline?: string[];
  linkTest?: string;
  title?: string[];
  addLanguage?: string[];
  removeLanguage?: string[];
  note?: string;
  addFormat?: string[];
  protocol?: string;
  reason: string;
  officer?: string;
  data: string;
}

const PRECEDENCE_NAMES: readonly string[] = PRECEDENCES;
/** The roles a charter gives a party (the officer API's default for those added: all but admin). */
const ROLE_NAMES: readonly string[] = ROLES.filter((r) => r !== 'admin');

/** The body of POST /channels/:id/amend from the options; refuses (CLI_USAGE, CLI_BAD_ARGUMENT) what cannot be sent. */
const seconds = (option: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw cliError('CLI_BAD_ARGUMENT', { option, expected: 'a whole number of seconds >= 1', value: v });
  return n;
};

/** The acknowledgement deadlines of `--ack-deadline PRECEDENCE=SECONDS` (repeated), by precedence. */
export function ackDeadlines(pairs: readonly string[] = []): Record<string, number> {
  const deadlines: Record<string, number> = {};
  for (const pair of pairs) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(pair);
    const p = m?.[1]!.toUpperCase();
    if (!m || !p || !PRECEDENCE_NAMES.includes(p)) throw cliError('CLI_BAD_ARGUMENT', { option: '--ack-deadline', expected: `PRECEDENCE=SECONDS, PRECEDENCE one of ${PRECEDENCE_NAMES.join(', ')} (e.g. FLASH=120)`, value: pair });
    deadlines[p] = seconds('--ack-deadline', m[2]!);
  }
  return deadlines;
}

export function amendmentBody(o: AmendOptions): Record<string, unknown> {
  const deadlines = ackDeadlines(o.ackDeadline);
  for (const r of o.roles ?? []) if (!ROLE_NAMES.includes(r)) throw cliError('CLI_BAD_ARGUMENT', { option: '--roles', expected: ROLE_NAMES.join(', '), value: r });
  const partyRoles: Record<string, string[]> = {};
  for (const pair of o.partyRoles ?? []) {
    const m = /^([^=\s]+)=(.+)$/.exec(pair);
    const roles = m?.[2]!.split(',').map((r) => r.trim()).filter((r) => r.length > 0) ?? [];
    if (!m || roles.length === 0 || roles.some((r) => !ROLE_NAMES.includes(r))) throw cliError('CLI_BAD_ARGUMENT', { option: '--party-roles', expected: `CODE=ROLE[,ROLE...], each ROLE one of ${ROLE_NAMES.join(', ')} (e.g. CN=duty-officer,plenipotentiary)`, value: pair });
    partyRoles[m[1]!] = [...new Set(roles)];
  }
  const body: Record<string, unknown> = {
    ...(o.addParty ? { addParties: o.addParty } : {}),
    ...(o.roles ? { roles: o.roles } : {}),
    ...(o.removeParty ? { removeParties: o.removeParty } : {}),
    ...(Object.keys(partyRoles).length ? { partyRoles } : {}),
    ...(Object.keys(deadlines).length ? { ackDeadlineSec: deadlines } : {}),
    ...(o.linkTest !== undefined ? { linkTestIntervalSec: seconds('--link-test', o.linkTest) } : {}),
    ...(o.title ? { title: textsByLanguage('--title', o.title) } : {}),
    ...(o.addLanguage ? { addLanguages: o.addLanguage } : {}),
    ...(o.removeLanguage ? { removeLanguages: o.removeLanguage } : {}),
    ...(o.note !== undefined ? { note: o.note === 'none' ? null : o.note } : {}),
    ...(o.addFormat ? { addFormats: o.addFormat } : {}),
    ...(o.protocol ? { protocol: Number(o.protocol) } : {}),
  };
  if (Object.keys(body).length === 0)
    throw cliError('CLI_USAGE', { detail: 'hotline channel amend needs what it changes: --add-party, --remove-party, --party-roles, --ack-deadline, --link-test, --title, --add-language, --remove-language, --note, --add-format or --protocol 2', command: 'channel amend ' });
  return { ...body, reason: o.reason };
}

/** A format as text: title, hash, defaults, then each field with its type, label and values. */
export async function describeFormat(def: FormatDefinition, hash: string, lang: string): Promise<string> {
  const { codesOf, pickLanguage } = await loadProtocol();
  const section = def.languages[pickLanguage(def, lang)]!;
  const out = [`${section.title} — ${def.id}@${def.version}`, `  hash ${hash}`, `  precedence ${def.precedence}, acknowledgement within ${def.ackDeadlineSec} s`, '  fields'];
  for (const f of def.fields) {
    const kind = f.type === 'number' ? `number (${f.unit})` : f.type;
    out.push(`    ${f.name.padEnd(18)} ${(kind + (f.many ? ` x1..${f.many}` : '')).padEnd(22)} ${f.required ? 'required' : 'optional'}  ${section.fields[f.name] ?? ''}`);
    for (const code of codesOf(f)) out.push(`      ${code.padEnd(28)} ${section.values[f.name]?.[code] ?? ''}`);
  }
  return `${out.join('\n')}\n`;
}

/** `name=value` options: the value as JSON when it parses (numbers, objects), else as text. */
export function fieldsFrom(base: Record<string, unknown>, pairs: readonly string[]): Record<string, unknown> {
  const out = { ...base };
  for (const pair of pairs) {
    const m = /^([a-z][a-z0-9_]{0,39})=(.*)$/s.exec(pair);
    if (!m) throw cliError('CLI_BAD_ARGUMENT', { option: '--field', expected: 'NAME=VALUE, the value as JSON or as text (e.g. launch_type=ballistic-missile)', value: pair });
    let value: unknown = m[2]!;
    try {
      value = JSON.parse(m[2]!);
    } catch {
      // plain text
    }
    out[m[1]!] = value;
  }
  return out;
}

/** Parses a --fields file's text: one JSON object of values by field name. */
export function parseFieldsFile(path: string, text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw cliError('CLI_USER_ERROR', { detail: `${path} is not JSON (${(e as Error).message}): --fields takes a JSON object of values by field name. Nothing was sent.` });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw cliError('CLI_USER_ERROR', { detail: `${path} must hold one JSON object of values by field name. Nothing was sent.` });
  return v as Record<string, unknown>;
}

/**
 * The rendering of each formatted message in `lang`, by message id: the definitions are fetched
 * once per hash; a message whose definition the terminal does not hold keeps its text.
 */
export async function renderFormatted(client: OfficerClient, messages: readonly Api.Message[], lang: string): Promise<Map<string, string>> {
  const defs = new Map<string, FormatDefinition | undefined>();
  const out = new Map<string, string>();
  let formats: Awaited<ReturnType<typeof loadProtocol>> | undefined; // loaded for the first formatted message only
  for (const m of messages) {
    if (!m.format || !m.fields) continue;
    const { renderMessage, withLanguagePacks } = (formats ??= await loadProtocol());
    if (!defs.has(m.format.hash))
      // The definition with the languages of the packs the terminal holds (§13.7), to read it in.
      defs.set(m.format.hash, await client.call<Api.FormatDetail>('GET', `/api/v1/formats/${m.format.hash}`).then((d) => withLanguagePacks(d.definition as FormatDefinition, d.packs), () => undefined));
    const def = defs.get(m.format.hash);
    if (!def) continue;
    const r = renderMessage(def, m.fields, lang);
    out.set(m.id, `${r.title}\n${r.text}`);
  }
  return out;
}

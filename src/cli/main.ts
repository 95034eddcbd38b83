#!/usr/bin/env node
/**
 * The `hotline` command. Each command lives in src/cli/commands/<name>.ts and exports
 * `register(program)`; add it to COMMANDS below. Commands throw CliError (src/cli/errors.ts) for
 * anything the user must fix; main() turns every failure into ONE line on stderr,
 * `hotline: <message>`, and an exit status (2 usage/input, 1 invalid, 70 internal). Set
 * HOTLINE_DEBUG=1 to also get the stack trace.
 *
 * Every call registers every command, so registering loads only commander and the declarations:
 * a command module imports the terminal, the protocol's barrel and the officer client for their
 * types only, and their values inside its actions through lazy.ts (the build fails otherwise,
 * rolldown.config.mjs); a big action can live in its own module, imported by the action
 * (commands/verify-command.ts).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import * as key from './commands/key.js';
import * as verify from './commands/verify.js';
import * as init from './commands/init.js';
import * as card from './commands/card.js';
import * as root from './commands/root.js';
import * as cert from './commands/cert.js';
import * as serve from './commands/serve.js';
import * as peer from './commands/peer.js';
import * as channel from './commands/channel.js';
import * as demo from './commands/demo.js';
import * as officer from './commands/officer.js';
import * as audit from './commands/audit.js';
import * as drill from './commands/drill.js';
import * as operations from './commands/operations.js';
import * as doctorCommands from './commands/doctor.js';
import * as backup from './commands/backup.js';
import * as restore from './commands/restore.js';
import * as ha from './commands/ha.js';
import * as dialogue from './commands/dialogue.js';
import * as format from './commands/format.js';
import { CliError, EXIT, cliError } from './errors.js';
import { quietOnBrokenPipe, warnLine } from './output.js';
// install-paths.ts alone, not the terminal's barrel (the whole terminal): every start reads the
// version, and commands load the terminal only when they run (lazy.ts).
import { PACKAGE_ROOT } from '../terminal/install-paths.js';

/** Every command module, in the order `hotline --help` lists them. */
const COMMANDS: ReadonlyArray<{ register(program: Command): void }> = [init, card, cert, root, serve, peer, channel, format, drill, operations, officer, audit, verify, doctorCommands, backup, restore, key, ha, demo, dialogue];

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Arguments and options that name a channel, a message or a dialogue object: an id or a unique prefix. */
const ID_ARGUMENTS: Readonly<Record<string, string>> = {
  channel: 'a channel id or a unique prefix of at least 6 of its characters (0-9, a-f), as `hotline channel list` shows it',
  message: 'a message id or a unique prefix of at least 6 of its characters (0-9, a-f), as `hotline channel show CHANNEL` shows it',
  meeting: 'a meeting id or a unique prefix of at least 6 of its characters (0-9, a-f), as `hotline meeting list CHANNEL` shows it',
  issue: 'an issue id or a unique prefix of at least 6 of its characters (0-9, a-f), as `hotline issue list CHANNEL` shows it',
  commitment: 'a commitment id or a unique prefix of at least 6 of its characters (0-9, a-f), as `hotline commitment list CHANNEL` shows it',
  'reply-to': 'the id of the message answered, or a unique prefix of at least 6 of its characters (0-9, a-f)',
};
const JOINT_TEXT = 'a joint text id or a unique prefix of at least 6 of its characters (0-9, a-f), as `hotline text list CHANNEL` shows it';

/** Checks an id argument on the command line, before any terminal is asked: hex, 6 to 64 characters (lower-cased). */
function idParser(name: string, expected: string): (value: string) => string {
  return (value) => {
    const v = value.trim().toLowerCase();
    if (!/^[0-9a-f]{6,64}$/.test(v)) throw cliError('CLI_BAD_ARGUMENT', { option: name, expected, value });
    return v;
  };
}

/** Gives every id argument and option of `cmd` and its subcommands the check of {@link idParser}. */
function checkIds(cmd: Command, parent?: Command): void {
  for (const arg of cmd.registeredArguments) {
    const expected = ID_ARGUMENTS[arg.name()] ?? (arg.name() === 'text' && parent?.name() === 'text' ? JOINT_TEXT : undefined);
    if (expected && !arg.variadic) arg.argParser(idParser(arg.name().toUpperCase(), expected));
  }
  for (const option of cmd.options) {
    const name = option.long?.replace(/^--/, '');
    if (name && ID_ARGUMENTS[name]) option.argParser(idParser(`--${name}`, ID_ARGUMENTS[name]));
  }
  for (const sub of cmd.commands) checkIds(sub, cmd);
}

/** The program with every command registered; errors are thrown, never printed or exited on. */
export function buildProgram(): Command {
  const program = new Command('hotline')
    .description('Verifiable crisis communication channels between parties that do not trust each other.')
    .version(version(), '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    // Errors are printed by main() as one line; help and version still go to stdout.
    .configureOutput({ outputError: () => {} });
  for (const c of COMMANDS) c.register(program);
  checkIds(program);
  nameUsageErrors(program);
  return program;
}

/**
 * Tags every usage error with the command it belongs to, as typed (`channel accept`), so that the
 * message points to that command's own help (`hotline channel accept --help`), not the program's.
 */
function nameUsageErrors(cmd: Command, path: readonly string[] = []): void {
  for (const sub of cmd.commands) {
    const subPath = [...path, sub.name()];
    sub.exitOverride((e) => {
      throw Object.assign(e, { commandName: subPath.join(' ') });
    });
    nameUsageErrors(sub, subPath);
  }
}

/** Maps anything thrown to a CliError (usage errors from commander, bugs as CLI_INTERNAL). */
export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof CommanderError) {
    const command = (e as CommanderError & { commandName?: string }).commandName;
    const detail = e.message.replace(/^error:\s*/i, '').replace(/\s*\n\s*/g, ' ').replace(/\.$/, '');
    return cliError('CLI_USAGE', { detail, command: command ? `${command} ` : '' }, e);
  }
  // Coded errors of the other layers (identity, store, terminal, protocol) are the user's to act on.
  const coded = e as { code?: unknown; message?: unknown } | null;
  if (e instanceof Error && typeof coded?.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(coded.code) && !/^E[A-Z]+$/.test(coded.code))
    // With its code first, as the API's refusals print (`hotline: STORE_LOCKED: ...`): the code is what the docs and errors.md name.
    return cliError('CLI_USER_ERROR', { detail: `${coded.code}: ${e.message.replace(/\s*\n\s*/g, ' ').replace(/\.$/, '')}` }, e);
  const message = e instanceof Error ? e.message : String(e);
  return cliError('CLI_INTERNAL', { detail: message.replace(/\s*\n\s*/g, ' ').replace(/\.$/, '') }, e);
}

/** Runs the CLI on `argv` (as process.argv) and resolves with the exit status. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return EXIT.ok;
  } catch (e) {
    // --help and --version end through exitOverride with status 0; so does help shown on request.
    if (e instanceof CommanderError && (e.code === 'commander.helpDisplayed' || e.code === 'commander.version')) return EXIT.ok;
    // `hotline` alone prints the help (to stderr) and is a usage error, with nothing more to say.
    if (e instanceof CommanderError && e.code === 'commander.help') return EXIT.usage;
    const error = toCliError(e);
    warnLine(error.message);
    if (process.env.HOTLINE_DEBUG === '1') process.stderr.write(`[${error.code}] ${(error.cause as Error | undefined)?.stack ?? error.stack}\n`);
    return error.exitCode;
  }
}

function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  quietOnBrokenPipe();
  process.exitCode = await main();
}

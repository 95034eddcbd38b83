/**
 * `hotline officer add|list|roles|title|disable|enable|reset|sessions`: officer accounts, through the running
 * terminal's officer API with the host credential (DATA/officer.token, the terminal admin).
 * Initial passwords and TOTP enrolment URIs are printed once and never stored in the clear.
 */
import type { Command } from 'commander';
import { cliError } from '../errors.js';
import { officerClient } from '../lazy.js';
import { DEFAULT_DATA_DIR } from './init.js';

const ROLE_NAMES = ['admin', 'plenipotentiary', 'principal', 'duty-officer', 'observer'];

interface OfficerView {
  name: string;
  title: string;
  roles: string[];
  channelRoles: Record<string, string>;
  disabled: boolean;
  secondFactor: { totp: boolean; passkeys: number; required: boolean };
}

interface Secrets {
  password?: string;
  totpSecret?: string;
  totpUri?: string;
}

function role(value: string, option: string): string {
  if (!ROLE_NAMES.includes(value)) throw cliError('CLI_BAD_ARGUMENT', { option, expected: `one of ${ROLE_NAMES.join(', ')}`, value });
  return value;
}

/** `CHANNEL=ROLE` grants of --channel-role. */
function parseChannelRoles(values: readonly string[]): Record<string, string> {
  const channelRoles: Record<string, string> = {};
  for (const cr of values) {
    const [channel, r] = cr.split('=');
    if (!channel || !r) throw cliError('CLI_BAD_ARGUMENT', { option: '--channel-role', expected: 'CHANNEL=ROLE', value: cr });
    // The channel as every id on the command line (main.ts): 6 to 64 hex digits.
    const id = channel.trim().toLowerCase();
    if (!/^[0-9a-f]{6,64}$/.test(id)) throw cliError('CLI_BAD_ARGUMENT', { option: '--channel-role CHANNEL', expected: 'a channel id or a unique prefix of at least 6 of its characters (0-9, a-f), as `hotline channel list` shows it', value: channel });
    channelRoles[id] = role(r, '--channel-role');
  }
  return channelRoles;
}

function printSecrets(name: string, s: Secrets): void {
  const out = [`Give these to ${name} over a trusted channel; they are shown only now.`];
  if (s.password) out.push(`  password   ${s.password}`);
  if (s.totpUri) out.push(`  TOTP       ${s.totpUri}`, `             (scan into an authenticator app, or enter the secret ${s.totpSecret})`);
  process.stdout.write(`${out.join('\n')}\n`);
}

export function register(program: Command): void {
  const officer = program.command('officer').description('officer accounts: add, list, roles, title, disable, enable, reset, sessions (as the terminal admin)');

  officer
    .command('add <name>')
    .description('add an officer; prints the initial password and TOTP enrolment URI once')
    .requiredOption('--title <title>', 'title as published to peers, e.g. "Duty Officer"')
    .option('--role <role...>', `terminal-wide role(s): ${ROLE_NAMES.join(', ')}`, [])
    .option('--channel-role <channel=role...>', 'a role on one channel only (id or unique prefix)', [])
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (name: string, opts: { title: string; role: string[]; channelRole: string[]; data: string }) => {
      const roles = opts.role.map((r) => role(r, '--role'));
      const channelRoles = parseChannelRoles(opts.channelRole);
      if (roles.length === 0 && Object.keys(channelRoles).length === 0) throw cliError('CLI_BAD_ARGUMENT', { option: '--role or --channel-role', expected: 'given at least once', value: '' });
      const client = await officerClient(opts.data);
      const r = await client.call<{ officer: OfficerView; secrets: Secrets }>('POST', '/api/v1/officers', { name, title: opts.title, roles, ...(Object.keys(channelRoles).length ? { channelRoles } : {}) });
      process.stdout.write(`Added officer ${r.officer.name} (${r.officer.title}; ${describeRoles(r.officer)}).${r.officer.secondFactor.required ? ' A second factor is required to sign in.' : ''}\n`);
      printSecrets(r.officer.name, r.secrets);
    });

  officer
    .command('list')
    .description('officers, their roles and second factors')
    .option('--json', 'machine-readable output')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { json?: boolean; data: string }) => {
      const client = await officerClient(opts.data);
      const list = await client.call<OfficerView[]>('GET', '/api/v1/officers');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      if (list.length === 0) return void process.stdout.write('No officers yet. Add one with `hotline officer add NAME --title TITLE --role ROLE`.\n');
      // Columns as wide as their widest cell, under a header: a long role grant never runs into the state.
      const rows = list.map((o) => [o.name, o.title, describeRoles(o), o.disabled ? 'DISABLED' : 'active', `${[o.secondFactor.totp ? 'TOTP' : '', o.secondFactor.passkeys ? `${o.secondFactor.passkeys} passkey(s)` : ''].filter(Boolean).join(' + ') || 'none'}${o.secondFactor.required ? ' (required)' : ''}`]);
      const all = [['name', 'title', 'roles', 'state', 'second factor'], ...rows];
      const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
      for (const r of all) process.stdout.write(`${r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ')}\n`);
    });

  for (const [action, what] of [['disable', 'disable an officer and end their sessions'], ['enable', 're-enable a disabled officer']] as const)
    officer
      .command(`${action} <name>`)
      .description(what)
      .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
      .action(async (name: string, opts: { data: string }) => {
        const client = await officerClient(opts.data);
        const o = await client.call<OfficerView>('POST', `/api/v1/officers/${encodeURIComponent(name)}/${action}`);
        process.stdout.write(`Officer ${o.name} is ${o.disabled ? 'disabled; their sessions have ended' : 'enabled'}.\n`);
      });

  officer
    .command('roles <name> [roles...]')
    .description(`change an officer's roles: the terminal-wide ones given replace theirs (${ROLE_NAMES.join(', ')}); --channel-role replaces their per-channel grants`)
    .option('--channel-role <channel=role...>', 'a role on one channel only (id or unique prefix); replaces every per-channel grant', [])
    .option('--no-channel-roles', 'remove every per-channel grant')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (name: string, given: string[], opts: { channelRole: string[]; channelRoles: boolean; data: string }) => {
      const roles = given.map((r) => role(r, 'ROLES'));
      const channelRoles = parseChannelRoles(opts.channelRole);
      const grants = opts.channelRoles === false ? {} : Object.keys(channelRoles).length ? channelRoles : undefined;
      if (roles.length === 0 && grants === undefined) throw cliError('CLI_BAD_ARGUMENT', { option: 'ROLES or --channel-role', expected: `given (roles: ${ROLE_NAMES.join(', ')})`, value: '' });
      const client = await officerClient(opts.data);
      const o = await client.call<OfficerView>('PATCH', `/api/v1/officers/${encodeURIComponent(name)}`, { ...(roles.length ? { roles } : {}), ...(grants ? { channelRoles: grants } : {}) });
      process.stdout.write(`Officer ${o.name} now holds: ${describeRoles(o)}.\n`);
    });

  officer
    .command('title <name> <title>')
    .description("change an officer's title, as published to peers in what they sign")
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (name: string, title: string, opts: { data: string }) => {
      const client = await officerClient(opts.data);
      const o = await client.call<OfficerView>('PATCH', `/api/v1/officers/${encodeURIComponent(name)}`, { title });
      process.stdout.write(`Officer ${o.name} is now "${o.title}".\n`);
    });

  officer
    .command('reset <name>')
    .description('issue a new password and/or second factor (both by default); ends sessions, clears a lockout')
    .option('--password', 'only a new password')
    .option('--second-factor', 'only a new TOTP secret (removes passkeys)')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (name: string, opts: { password?: boolean; secondFactor?: boolean; data: string }) => {
      const client = await officerClient(opts.data);
      const body = opts.password || opts.secondFactor ? { password: !!opts.password, secondFactor: !!opts.secondFactor } : {};
      const s = await client.call<Secrets>('POST', `/api/v1/officers/${encodeURIComponent(name)}/reset`, body);
      process.stdout.write(`Reset ${name}; their sessions have ended.\n`);
      printSecrets(name, s);
    });

  officer
    .command('unlock <name>')
    .description('lift a lockout after failed sign-ins; the same password and second factor work again, sessions go on')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (name: string, opts: { data: string }) => {
      const client = await officerClient(opts.data);
      const r = await client.call<{ name: string; wasLockedUntil: number | null }>('POST', `/api/v1/officers/${encodeURIComponent(name)}/unlock`);
      process.stdout.write(r.wasLockedUntil === null ? `${r.name} was not locked out; failed sign-ins cleared.\n` : `${r.name} may sign in again (was locked out until ${new Date(r.wasLockedUntil).toISOString()}).\n`);
    });

  officer
    .command('sessions [name]')
    .description('console sessions (all, or one officer\'s)')
    .option('--revoke <id>', 'end the session with this id')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (name: string | undefined, opts: { revoke?: string; data: string }) => {
      const client = await officerClient(opts.data);
      if (opts.revoke) {
        await client.call('POST', `/api/v1/auth/sessions/${encodeURIComponent(opts.revoke)}/revoke`);
        return void process.stdout.write(`Session ${opts.revoke} ended.\n`);
      }
      const list = await client.call<Array<{ id: string; officer: string; createdAt: number; lastSeenAt: number; ip: string; active: boolean }>>('GET', `/api/v1/auth/sessions${name ? `?officer=${encodeURIComponent(name)}` : '?all=true'}`);
      if (list.length === 0) return void process.stdout.write(name ? `${name} has no console session.\n` : 'Nobody is signed in to the console.\n');
      for (const s of list) process.stdout.write(`${s.id}  ${s.officer.padEnd(24)} ${s.active ? 'active' : 'ended '}  signed in ${new Date(s.createdAt).toISOString()}  last seen ${new Date(s.lastSeenAt).toISOString()}  from ${s.ip}\n`);
    });
}

function describeRoles(o: OfficerView): string {
  const per = Object.entries(o.channelRoles).map(([c, r]) => `${r} on ${c.slice(0, 12)}`);
  return [...o.roles, ...per].join(', ') || 'no role';
}

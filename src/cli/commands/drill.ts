/**
 * `hotline drill CHANNEL`: send a drill now (a FLASH message marked DRILL the other side must
 * acknowledge). `hotline drill-schedule CHANNEL`: show or set the daily drill window.
 * `hotline readiness CHANNEL`: how drills were answered (sent, acknowledged, missed, time to
 * acknowledge by party, officer and shift). All are calls to the running terminal's officer API.
 */
import type { Command } from 'commander';
import type { Api, ReadinessReport } from '../../terminal/index.js';
import { cliError } from '../errors.js';
import { officerClient, loadTerminal } from '../lazy.js';
import { printableDeep } from '../safe-text.js';
import { DEFAULT_DATA_DIR } from './init.js';
import { officerLang } from './format.js';
import { inLanguage } from '../lang-text.js';
import { hotlineCommand, shellWord } from '../hint.js';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function printSchedule(s: Api.DrillScheduleView): void {
  if (!s.schedule) return void process.stdout.write(`Channel ${s.channel.slice(0, 12)}: no drill schedule. Set one with \`hotline drill-schedule ${s.channel.slice(0, 12)} --window 09:00-17:00\`.\n`);
  const lines = [`Channel ${s.channel.slice(0, 12)}: daily drill ${s.schedule.enabled ? 'ENABLED' : 'disabled'}, at a random time between ${s.schedule.window.replace('-', ' and ')} UTC`];
  if (s.plan) lines.push(s.plan.status === 'planned' ? `  next drill at ${iso(s.plan.at)}` : `  last drill ${s.plan.status} (${iso(s.plan.at)})${s.plan.message ? `, message ${s.plan.message.slice(0, 12)}` : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function register(program: Command): void {
  program
    .command('drill <channel>')
    .description('send a drill now: a FLASH message marked DRILL that the other side must acknowledge')
    .option('--name <name>', 'your name, as the sender of the drill')
    .option('--title <title>', 'your title', 'Duty Officer')
    .option('--text <text>', 'the drill text (default: a standard drill notice)')
    .option('--officer <name>', 'act as this registered officer (instead of --name/--title; default $HOTLINE_OFFICER); required on a terminal with officer accounts')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (id: string, opts: { name?: string; title: string; text?: string; officer?: string; data: string }) => {
      const officer = opts.officer ?? process.env.HOTLINE_OFFICER;
      if (opts.name && officer) throw cliError('CLI_USAGE', { detail: '--name and --officer exclude each other: a registered officer sends in their own published name', command: 'drill ' });
      const client = await officerClient(opts.data, officer);
      const body = { ...(opts.name ? { from: { name: opts.name, title: opts.title, role: 'duty-officer' } } : {}), ...(opts.text ? { text: opts.text } : {}) };
      const d = await client.call<Api.DrillSent>('POST', `/api/v1/channels/${encodeURIComponent(id)}/drills`, body);
      process.stdout.write(`${d.id}\n`);
      process.stderr.write(`DRILL sent (FLASH); acknowledgement due by ${iso(d.deadlineAt)}. See \`${hotlineCommand(`readiness ${shellWord(id)}`, opts.data)}\`.\n`);
    });

  program
    .command('drill-schedule <channel>')
    .description('show or set the daily drill: one drill a day at a random time inside a UTC window')
    .option('--window <HH:MM-HH:MM>', 'UTC window, e.g. 09:00-17:00 (22:00-06:00 runs past midnight); enables the schedule')
    .option('--off', 'stop scheduled drills on this channel')
    .option('--on', 'resume scheduled drills (with the window set before, or 09:00-17:00)')
    .option('--json', 'machine-readable output')
    .option('--officer <name>', 'act as this registered officer (default $HOTLINE_OFFICER); required to change the schedule on a terminal with officer accounts')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (id: string, opts: { window?: string; off?: boolean; on?: boolean; json?: boolean; officer?: string; data: string }) => {
      if (opts.off && (opts.on || opts.window)) throw cliError('CLI_BAD_ARGUMENT', { option: '--off', expected: 'alone (not with --on or --window)', value: 'together' });
      const client = await officerClient(opts.data, opts.officer ?? process.env.HOTLINE_OFFICER);
      const path = `/api/v1/channels/${encodeURIComponent(id)}/drill-schedule`;
      const s =
        opts.off || opts.on || opts.window
          ? await client.call<Api.DrillScheduleView>('PUT', path, { enabled: !opts.off, ...(opts.window ? { window: opts.window } : {}) })
          : await client.call<Api.DrillScheduleView>('GET', path);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      printSchedule(s);
    });

  program
    .command('readiness <channel>')
    .description('readiness report: drills sent, acknowledged, missed, time to acknowledge by party, officer and shift')
    .option('--shifts <hours>', 'UTC hours where shifts start, e.g. 0,8,16 (default) or 6,14,22')
    .option('--party <code>', 'only drills sent by this party')
    .option('--json', 'machine-readable output')
    .option('--lang <tag>', 'language to show the title in (default $HOTLINE_LANG or en)')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (id: string, opts: { shifts?: string; party?: string; json?: boolean; lang?: string; data: string }) => {
      const { formatReadiness, parseShifts } = await loadTerminal();
      if (opts.shifts !== undefined) {
        try {
          parseShifts(opts.shifts);
        } catch {
          throw cliError('CLI_BAD_ARGUMENT', { option: '--shifts', expected: 'whole UTC hours 0-23 separated by commas, e.g. 0,8,16', value: opts.shifts });
        }
      }
      const client = await officerClient(opts.data);
      const q = new URLSearchParams({ ...(opts.shifts ? { shifts: opts.shifts } : {}), ...(opts.party ? { party: opts.party } : {}) }).toString();
      const r = await client.call<ReadinessReport & { title: Record<string, string> }>('GET', `/api/v1/channels/${encodeURIComponent(id)}/readiness${q ? `?${q}` : ''}`);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      const safe = printableDeep(r);
      process.stdout.write(formatReadiness(safe, inLanguage(safe.title, officerLang(opts.lang))));
    });
}

/**
 * `hotline pending`, `hotline overdue`, `hotline escalation show|set`, `hotline roster show|set`:
 * acknowledgement deadlines, escalation policies and the duty roster of the running terminal.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Api } from '../../terminal/index.js';
import { missingReceipts } from '../channel-lines.js';
import { cliError } from '../errors.js';
import { hotlineCommand } from '../hint.js';
import { officerClient } from '../lazy.js';
import { printable, printableDeep } from '../safe-text.js';
import { DEFAULT_DATA_DIR, parseWhole } from './init.js';

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : '-');

/** "4m 05s left" / "OVERDUE 1h 02m". */
function countdown(ms: number | null): string {
  if (ms === null) return 'no deadline';
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const text = h ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s).padStart(2, '0')}s`;
  return ms > 0 ? `${text} left` : `OVERDUE ${text}`;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw cliError('CLI_FILE_NOT_FOUND', { path });
  }
  if (!text.trim()) throw cliError('CLI_EMPTY_FILE', { path });
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw cliError('CLI_USER_ERROR', { detail: `${path} is not valid JSON (${(e as Error).message})` });
  }
}

export function register(program: Command): void {
  program
    .command('pending')
    .description('messages awaiting acknowledgement here, with the time left and the escalation reached')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--limit <n>', 'list at most n, the earliest deadlines first (at most 10000)', parseWhole(1, 10_000), 50)
    .option('--json', 'machine-readable output')
    .action(async (opts: { data: string; limit: number; json?: boolean }) => {
      const client = await officerClient(opts.data);
      const list = await client.call<Api.Pending[]>('GET', `/api/v1/pending?limit=${opts.limit}`);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      if (list.length === 0) return void process.stdout.write('Nothing awaits acknowledgement.\n');
      // One line per text: a formatted message's lines joined, not shown as an escaped "\n".
      for (const m of printableDeep(list.map((p) => ({ ...p, text: p.text.replace(/\s*\n\s*/g, ' / ') })))) {
        const esc = m.escalation;
        const level = esc && esc.level ? `escalated to level ${esc.level} (${esc.levelName})` : 'not escalated';
        const next = esc?.next ? `; next: level ${esc.next.level} (${esc.next.levelName}) at ${iso(esc.next.at)}` : '';
        process.stdout.write(`${m.id.slice(0, 12)}  ${m.precedence.padEnd(9)}${m.drill ? ' DRILL' : ''} from ${m.from.padEnd(4)} ${countdown(m.remainingMs).padEnd(18)} due ${iso(m.deadlineAt)}  channel ${m.channel.slice(0, 12)}\n`);
        process.stdout.write(`              ${m.text.length > 70 ? `${m.text.slice(0, 67)}...` : m.text}\n              ${level}${next}\n`);
        // A channel of three or more parties: who of the others does not hold it yet.
        const missing = (m.receipts?.length ?? 0) >= 2 ? missingReceipts(m) : [];
        if (missing.length) process.stdout.write(`              not yet received by ${missing.join(', ')}\n`);
      }
      if (list.length === opts.limit) {
        const { total } = await client.call<Api.PendingSummary>('GET', '/api/v1/pending/summary');
        if (total > list.length) process.stdout.write(`... and ${total - list.length} more (--limit to list more).\n`);
      }
      // Once officers exist, an acknowledgement names one of them (OFFICER_REQUIRED otherwise).
      const officers = await client.call<unknown[]>('GET', '/api/v1/officers').catch(() => []);
      const one = list.length === 1 ? list[0]!.id.slice(0, 12) : 'MESSAGE';
      process.stdout.write(`Acknowledge with: ${hotlineCommand(officers.length ? `ack ${one} --officer "NAME"` : `ack ${one}`, opts.data)}${officers.length ? ` (${hotlineCommand('officer list', opts.data)} lists the names)` : ''}\n`);
    });

  program
    .command('overdue')
    .description('our messages not acknowledged by every party they are addressed to by their deadline')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--json', 'machine-readable output')
    .action(async (opts: { data: string; json?: boolean }) => {
      const client = await officerClient(opts.data);
      const list = await client.call<Api.Overdue[]>('GET', '/api/v1/overdue');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      if (list.length === 0) return void process.stdout.write('No message of ours is past its deadline and still unacknowledged.\n');
      for (const m of printableDeep(list))
        process.stdout.write(
          `${m.id.slice(0, 12)}  ${m.precedence.padEnd(9)} to ${m.to.join('+').padEnd(6)} ${countdown(m.remainingMs).padEnd(18)} ${m.receiptedAt ? `receipted ${iso(m.receiptedAt)}` : (m.receipts?.length ?? 0) >= 2 ? `NO RECEIPT from ${missingReceipts(m).join('+')}` : 'NO RECEIPT'}${m.acknowledgedBy?.length ? `  acknowledged by ${m.acknowledgedBy.join('+')}, NOT by ${m.to.filter((c) => !m.acknowledgedBy!.includes(c)).join('+')}` : ''}  channel ${m.channel.slice(0, 12)}\n`,
        );
    });

  const escalation = program.command('escalation').description('escalation policies of a channel');
  escalation
    .command('show <channel>')
    .description('the policies written for a channel, and the policy in effect per party')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { data: string; json?: boolean }) => {
      const client = await officerClient(opts.data);
      const e = await client.call<{
        channel: string;
        configured: boolean;
        effective: Array<{ party: string; policy: { startAtReceipt?: string[]; levels: Array<{ name: string; contacts: string[]; waitSec: number; repeats?: number }>; overdue?: string[]; alarms?: string[]; dialogue?: string[]; remindBeforeSec?: number } }>;
        onWatch: Array<{ name: string; role: string; until: number }>;
      }>('GET', `/api/v1/channels/${encodeURIComponent(id)}/escalation`);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(e, null, 2)}\n`);
      const out = [`Escalation on channel ${e.channel}${e.configured ? '' : ' (no escalation.json: default policy)'}`];
      for (const { party, policy } of printableDeep(e.effective)) {
        out.push(`  messages from ${party}: starts ${policy.startAtReceipt?.length ? `at receipt for ${policy.startAtReceipt.join(', ')}, else ` : ''}when the deadline passes unacknowledged`);
        const last = policy.levels.length - 1;
        policy.levels.forEach((l, i) => out.push(`    level ${i + 1} ${l.name}: ${l.contacts.join(', ')}; ${l.repeats ? `${l.repeats} repeat(s) every ${l.waitSec}s${i < last ? ', then ' : ''}` : ''}${i < last ? `next level after ${l.waitSec}s` : l.repeats ? '; the last level' : 'the last level'}`));
        out.push(`    our messages not acknowledged in time: ${(policy.overdue ?? policy.levels[0]!.contacts).join(', ')}`);
        out.push(`    alarms: ${(policy.alarms ?? policy.levels[0]!.contacts).join(', ')}`);
        out.push(`    dialogue reminders: ${(policy.dialogue ?? policy.overdue ?? policy.levels[0]!.contacts).join(', ')}, ${policy.remindBeforeSec ?? 86_400}s ahead`);
      }
      out.push(`  on watch now: ${e.onWatch.length ? printableDeep(e.onWatch).map((w) => `${w.name} (${w.role}, until ${iso(w.until)})`).join('; ') : 'nobody on the roster'}`);
      process.stdout.write(`${out.join('\n')}\n`);
    });
  escalation
    .command('set <channel> <file>')
    .description('replace the policies of a channel from a JSON file: {"contacts": {...}, "policies": [...]} or one policy {"levels": [...]}')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (id: string, file: string, opts: { data: string }) => {
      const body = await readJson(file);
      const client = await officerClient(opts.data);
      const r = await client.call<{ channel: string; policies: Array<{ party?: string }> }>('PUT', `/api/v1/channels/${encodeURIComponent(id)}/escalation`, body);
      // Who each policy covers: a policy without a party (or with "*") covers messages from every party.
      const whom = [...new Set(r.policies.map((p) => (p.party === undefined || p.party === '*' ? 'every party' : printable(p.party))))];
      process.stdout.write(
        `Channel ${r.channel.slice(0, 12)}: escalation set for messages from ${whom.join(', ') || 'no party (the default policy applies)'} (${r.policies.length} polic${r.policies.length === 1 ? 'y' : 'ies'}, saved in escalation.json).\n` +
          `${hotlineCommand(`escalation show ${r.channel.slice(0, 12)}`, opts.data)} prints the policy in effect for each party.\n`,
      );
    });

  const roster = program.command('roster').description('the duty roster: who is on watch');
  roster
    .command('show')
    .description('officers, shifts, and who is on watch now')
    .option('--channel <channel>', 'only who is on watch for this channel')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--json', 'machine-readable output')
    .action(async (opts: { data: string; json?: boolean; channel?: string }) => {
      const client = await officerClient(opts.data);
      const r = await client.call<{ officers: Record<string, { name: string }>; shifts: Array<{ officer: string; role: string; channel?: string; start?: string; end?: string; daily?: { from: string; to: string } }>; onWatch: Array<{ name: string; role: string; until: number }> }>(
        'GET',
        `/api/v1/roster${opts.channel ? `?channel=${encodeURIComponent(opts.channel)}` : ''}`,
      );
      if (opts.json) return void process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      const safe = printableDeep(r);
      const out = ['On watch now:', ...(safe.onWatch.length ? safe.onWatch.map((w) => `  ${w.role.padEnd(18)} ${w.name} until ${iso(w.until)}`) : ['  nobody'])];
      out.push('Shifts:');
      for (const s of safe.shifts)
        out.push(`  ${s.role.padEnd(18)} ${(safe.officers[s.officer]?.name ?? s.officer).padEnd(20)} ${s.daily ? `daily ${s.daily.from}-${s.daily.to} UTC` : `${s.start} - ${s.end}`}${s.channel && s.channel !== '*' ? `  channel ${s.channel.slice(0, 12)}` : ''}`);
      process.stdout.write(`${out.join('\n')}\n`);
    });
  roster
    .command('set <file>')
    .description('replace the duty roster from a JSON file: {"officers": {...}, "shifts": [...]}')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (file: string, opts: { data: string }) => {
      const body = await readJson(file);
      const client = await officerClient(opts.data);
      const r = await client.call<{ officers: number; shifts: number; onWatch: Array<{ name: string; role: string }> }>('PUT', '/api/v1/roster', body);
      process.stdout.write(`Roster set: ${r.officers} officer(s), ${r.shifts} shift(s); on watch now: ${r.onWatch.map((w) => `${w.name} (${w.role})`).join(', ') || 'nobody'}.\n`);
    });
}

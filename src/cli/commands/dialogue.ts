/**
 * The dialogue layer on the command line (docs/protocol.md §6.1), through the officer API:
 * `hotline issue open|position|list`, `hotline meeting propose|accept|decline|reschedule|list|show`,
 * `hotline readout file|show`, `hotline text draft|amend|endorse|diff|show`,
 * `hotline commitment add|update|confirm|dispute|list`, and `hotline record CHANNEL [--meeting M]`
 * (printable HTML on stdout). Each action prints the id of what it wrote and what to do next.
 */
import type { Command } from 'commander';
import type { Api } from '../../terminal/index.js';
import { cliError } from '../errors.js';
import { hotlineCommand, shellWord } from '../hint.js';
import { repeated, textsByLanguage } from '../lang-text.js';
import { officerClient } from '../lazy.js';
import { printableDeep } from '../safe-text.js';
import { DEFAULT_DATA_DIR } from './init.js';

interface Common {
  data: string;
  officer?: string;
  json?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const short = (h: string) => h.slice(0, 12);
const title = (t: Readonly<Record<string, string>>) => Object.entries(t).map(([l, x]) => `${x} [${l}]`).join(' / ');
const out = (lines: string[]): void => void process.stdout.write(`${lines.join('\n')}\n`);

/** A time: ISO 8601 (2026-12-10T09:00Z; a date alone is its midnight UTC), or +N / -N followed by s, m, h or d from now. */
export function parseTime(option: string, value: string, now = Date.now()): number {
  if (value === 'now') return now;
  const rel = /^([+-])(\d+)([smhd])$/.exec(value);
  if (rel) return now + (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[3] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) throw cliError('CLI_BAD_ARGUMENT', { option, expected: 'an ISO 8601 time in UTC (2026-12-10T09:00Z), `now`, or a time relative to now: +N or -N with s, m, h or d (+3d, -1h)', value });
  return t;
}

/** `CODE=VALUE` pairs of a repeated option. */
function pairs(option: string, values: readonly string[] = []): Array<[string, string]> {
  return values.map((v) => {
    const i = v.indexOf('=');
    if (i < 1) throw cliError('CLI_BAD_ARGUMENT', { option, expected: 'CODE=VALUE', value: v });
    return [v.slice(0, i), v.slice(i + 1)];
  });
}

function withCommon(cmd: Command, signs = true): Command {
  if (signs) cmd.option('--officer <name>', 'act as this registered officer, whose roles are checked and signed in (default $HOTLINE_OFFICER)');
  return cmd.option('--data <dir>', 'data directory', DEFAULT_DATA_DIR);
}

async function dialogueOf(opts: Common, channel: string): Promise<Api.DialogueView> {
  const client = await officerClient(opts.data);
  return printableDeep(await client.call<Api.DialogueView>('GET', `/api/v1/channels/${encodeURIComponent(channel)}/dialogue`));
}

/** POSTs one dialogue act and prints the entry written and the next step (`cmd` spells a command to paste, src/cli/hint.ts). */
/**
 * Signs a dialogue act and prints the next step: `cmd` words a command for this terminal (its
 * --data and --officer), `theirs` one the other parties run on their own terminals.
 */
async function act(opts: Common, channel: string, path: string, body: object, next: (w: Api.DialogueWritten, cmd: (args: string) => string, theirs: (args: string) => string) => string): Promise<void> {
  const officer = opts.officer ?? process.env.HOTLINE_OFFICER;
  const client = await officerClient(opts.data, officer);
  const w = await client.call<Api.DialogueWritten>('POST', `/api/v1/channels/${encodeURIComponent(channel)}${path}`, body);
  process.stdout.write(`${w.object}\n`);
  const cmd = (args: string) => hotlineCommand(`${args}${officer ? ` --officer ${shellWord(officer)}` : ''}`, opts.data);
  const theirs = (args: string) => `npx hotline ${args} --data DIR (on their terminals)`;
  process.stderr.write(`Signed ${w.kind} ${short(w.entry)} (seq ${w.seq}). ${next(w, cmd, theirs)}\n`);
}

function find<T extends { hash: string }>(list: readonly T[], ref: string, what: string): T {
  const found = list.filter((x) => x.hash.startsWith(ref.toLowerCase()));
  if (found.length !== 1) throw cliError('CLI_BAD_ARGUMENT', { option: what, expected: found.length ? 'a longer prefix (several match)' : `the id or prefix of a ${what} of the channel`, value: ref });
  return found[0]!;
}

export function register(program: Command): void {
  issueCommands(program);
  meetingCommands(program);
  readoutCommands(program);
  textCommands(program);
  commitmentCommands(program);
  withCommon(program.command('record <channel>').description('the printable record (HTML with print styles) of the dialogue, or of one meeting: hotline record CHANNEL > record.html'), false)
    .option('--meeting <meeting>', 'the record of this meeting only')
    .action(async (channel: string, opts: Common & { meeting?: string }) => {
      const client = await officerClient(opts.data);
      process.stdout.write(await client.call<string>('GET', `/api/v1/channels/${encodeURIComponent(channel)}/record${opts.meeting ? `?meeting=${encodeURIComponent(opts.meeting)}` : ''}`));
    });
}

function issueCommands(program: Command): void {
  const issue = program.command('issue').description('issues on the table and each party\'s position');
  withCommon(issue.command('open <channel>').description('open an issue'))
    .requiredOption('--title <text>', 'title, as LANG=TEXT for each language (repeat); a text without LANG= is English', repeated)
    .requiredOption('--category <c>', 'trade, human-rights, cybersecurity, territorial, maritime, crisis-communication, cooperation, or one the charter adds')
    .option('--summary <text>', 'a summary')
    .action(async (channel: string, opts: Common & { title: string[]; category: string; summary?: string }) => {
      await act(opts, channel, '/issues', { title: textsByLanguage('--title', opts.title), category: opts.category, ...(opts.summary ? { summary: opts.summary } : {}) }, (w, cmd) => `State your position: ${cmd(`issue position ${short(channel)} ${short(w.object)} "TEXT"`)}`);
    });
  withCommon(issue.command('position <channel> <issue> <text>').description("state (or revise) this party's position on an issue"))
    .option('--lang <tag>', 'language of the text (default $HOTLINE_LANG or en)', process.env.HOTLINE_LANG ?? 'en')
    .action(async (channel: string, ref: string, text: string, opts: Common & { lang: string }) => {
      await act(opts, channel, `/issues/${ref}/positions`, { text, lang: opts.lang }, (_w, cmd) => `Every party's position side by side: ${cmd(`issue list ${short(channel)}`)}`);
    });
  withCommon(issue.command('list <channel>').description('issues with each party\'s current position'), false)
    .option('--json', 'machine-readable output')
    .action(async (channel: string, opts: Common) => {
      const d = await dialogueOf(opts, channel);
      if (opts.json) return out([JSON.stringify(d.issues, null, 2)]);
      if (d.issues.length === 0) return out([`No issues yet. Open one with: ${hotlineCommand(`issue open ${short(channel)} --title TEXT --category trade`, opts.data)}`]);
      const code = (p: string) => d.parties.find((x) => x.party === p)?.code ?? p.slice(0, 8);
      for (const i of d.issues) {
        out([`${short(i.hash)}  ${i.category}: ${title(i.title)}`]);
        for (const p of d.parties) {
          const cur = i.current.find((x) => x.party === p.party);
          const n = i.positions.filter((x) => x.party === p.party).length;
          out([cur ? `    ${code(p.party).padEnd(6)} ${iso(cur.time)} (${n} version${n === 1 ? '' : 's'}) [${cur.lang}] ${cur.text}` : `    ${code(p.party).padEnd(6)} no position stated`]);
        }
      }
    });
}

function printMeeting(d: Api.DialogueView, m: Api.DialogueMeeting, full: boolean): void {
  const code = (p: string) => d.parties.find((x) => x.party === p)?.code ?? p.slice(0, 8);
  const s = m.schedule;
  out([`${short(m.hash)}  ${m.status.toUpperCase().padEnd(8)} ${m.level} ${m.kind}, ${iso(s.start)} to ${iso(s.end)}, ${s.place}: ${title(m.title)}`]);
  if (!full) return;
  for (const [party, zone] of Object.entries(m.zones)) out([`    local time ${code(party)}: ${new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(s.start))} (${zone})`]);
  out([`    accepted by ${m.accepted.map(code).join(', ') || 'nobody yet'}${m.declined.length ? `; DECLINED by ${m.declined.map((x) => `${code(x.party)}: ${x.reason}`).join('; ')}` : ''}`]);
  out(['    agenda', ...m.agenda.map((h, i) => `      ${i + 1}. ${title(d.issues.find((x) => x.hash === h)?.title ?? { id: h })}`)]);
  out(['    participants', ...m.participants.map((p) => `      ${code(p.party).padEnd(6)} ${p.name}, ${p.title}`)]);
  for (const r of m.currentReadouts) out([`    readout of ${code(r.party)} ${iso(r.time)}${r.release ? ' (for release)' : ''} [${r.lang}]: ${r.text}`]);
}

/** Where a meeting without --place takes place: only a remote one has a default. */
const REMOTE_PLACE: Readonly<Record<string, string>> = { call: 'by telephone', video: 'by video' };

function meetingCommands(program: Command): void {
  const meeting = program.command('meeting').description('meetings: propose, answer, reschedule, list, show');
  withCommon(meeting.command('propose <channel>').description('propose a meeting'))
    .requiredOption('--title <text>', 'title, as LANG=TEXT (repeat)', repeated)
    .requiredOption('--kind <kind>', 'call | video | visit | working-group')
    .requiredOption('--level <level>', 'leaders | ministerial | senior-officials | working')
    .requiredOption('--start <time>', 'start: UTC ISO 8601 (2026-12-10T09:00Z), or from now: +N / -N with s, m, h or d (+3d, -1h)')
    .requiredOption('--end <time>', 'end: as --start')
    .option('--place <text>', 'where (required for a visit or a working group; a call or a video conference is "by telephone" or "by video" unless given)')
    .option('--zone <CODE=TZ>', "a party's IANA time zone, for its local time (repeat)", repeated)
    .option('--participant <CODE=NAME,TITLE>', 'a participant of a party (repeat)', repeated)
    .option('--agenda <issue...>', 'issues on the agenda, in order')
    .action(async (channel: string, o: Common & { title: string[]; kind: string; level: string; start: string; end: string; place?: string; zone?: string[]; participant?: string[]; agenda?: string[] }) => {
      const place = o.place ?? REMOTE_PLACE[o.kind];
      if (place === undefined) throw cliError('CLI_BAD_ARGUMENT', { option: '--place', expected: `given for a meeting of kind ${o.kind} (where it takes place; only a call or a video conference has a default)`, value: '' });
      const participants = pairs('--participant', o.participant).map(([party, v]) => {
        const [name, ...rest] = v.split(',');
        return { party, name: name!.trim(), title: rest.join(',').trim() || 'Delegate' };
      });
      const body = { title: textsByLanguage('--title', o.title), kind: o.kind, level: o.level, start: parseTime('--start', o.start), end: parseTime('--end', o.end), place, zones: Object.fromEntries(pairs('--zone', o.zone)), participants, agenda: o.agenda ?? [] };
      await act(o, channel, '/meetings', body, (w, _cmd, theirs) => `The other parties answer with: ${theirs(`meeting accept ${short(channel)} ${short(w.object)}`)}`);
    });
  withCommon(meeting.command('accept <channel> <meeting>').description("accept a meeting's schedule in force")).action(async (channel: string, ref: string, o: Common) => {
    await act(o, channel, `/meetings/${ref}/accept`, {}, (_w, cmd) => `Once every party has accepted it and it has been held, file your readout: ${cmd(`readout file ${short(channel)} ${short(ref)} "TEXT"`)}`);
  });
  withCommon(meeting.command('decline <channel> <meeting>').description('decline a meeting, with a reason'))
    .requiredOption('--reason <text>', 'why')
    .action(async (channel: string, ref: string, o: Common & { reason: string }) => {
      await act(o, channel, `/meetings/${ref}/decline`, { reason: o.reason }, (_w, cmd) => `Propose another time with: ${cmd(`meeting reschedule ${short(channel)} ${short(ref)} --start T --end T --reason TEXT`)}`);
    });
  withCommon(meeting.command('reschedule <channel> <meeting>').description('propose another time (and place) for a meeting'))
    .requiredOption('--start <time>', 'start, UTC')
    .requiredOption('--end <time>', 'end, UTC')
    .requiredOption('--reason <text>', 'why')
    .option('--place <text>', 'another place')
    .action(async (channel: string, ref: string, o: Common & { start: string; end: string; reason: string; place?: string }) => {
      await act(o, channel, `/meetings/${ref}/reschedule`, { start: parseTime('--start', o.start), end: parseTime('--end', o.end), reason: o.reason, ...(o.place ? { place: o.place } : {}) }, () => 'Every party answers the new schedule.');
    });
  withCommon(meeting.command('list <channel>').description('meetings and their status'), false)
    .option('--json', 'machine-readable output')
    .action(async (channel: string, o: Common) => {
      const d = await dialogueOf(o, channel);
      if (o.json) return out([JSON.stringify(d.meetings, null, 2)]);
      if (d.meetings.length === 0) return out([`No meetings yet. Propose one with: ${hotlineCommand(`meeting propose ${short(channel)} --title TEXT --kind visit --level ministerial --start T --end T --place P`, o.data)}`]);
      for (const m of d.meetings) printMeeting(d, m, false);
    });
  withCommon(meeting.command('show <channel> <meeting>').description('a meeting: times (UTC and local), agenda, participants, answers, readouts'), false)
    .option('--json', 'machine-readable output')
    .action(async (channel: string, ref: string, o: Common) => {
      const d = await dialogueOf(o, channel);
      const m = find(d.meetings, ref, 'meeting');
      if (o.json) return out([JSON.stringify(m, null, 2)]);
      printMeeting(d, m, true);
    });
}

function readoutCommands(program: Command): void {
  const readout = program.command('readout').description("each party's own readout of a meeting held");
  withCommon(readout.command('file <channel> <meeting> <text>').description("file (or revise) this party's readout of a meeting held"))
    .option('--lang <tag>', 'language of the text (default $HOTLINE_LANG or en)', process.env.HOTLINE_LANG ?? 'en')
    .option('--release', 'for release (public)')
    .action(async (channel: string, ref: string, text: string, o: Common & { lang: string; release?: boolean }) => {
      await act(o, channel, `/meetings/${ref}/readouts`, { text, lang: o.lang, release: o.release === true }, (_w, cmd) => `Readouts side by side: ${cmd(`readout show ${short(channel)} ${short(ref)}`)}`);
    });
  withCommon(readout.command('show <channel> <meeting>').description("every party's readout of a meeting, side by side"), false).action(async (channel: string, ref: string, o: Common) => {
    const d = await dialogueOf(o, channel);
    const m = find(d.meetings, ref, 'meeting');
    for (const p of d.parties) {
      const r = m.currentReadouts.find((x) => x.party === p.party);
      out([`== ${p.code}${r ? ` (${iso(r.time)}, ${r.by.name}, ${r.release ? 'for release' : 'not for release'}, entry ${short(r.hash)})` : ''}`, r ? r.text : '(no readout filed)', '']);
    }
  });
}

function textCommands(program: Command): void {
  const text = program.command('text').description('joint texts: draft, amend, endorse, list, show, diff');
  withCommon(text.command('draft <channel>').description('draft a joint text (version 1)'))
    .requiredOption('--title <text>', 'title, as LANG=TEXT (repeat)', repeated)
    .requiredOption('--text <text>', 'the text, as LANG=TEXT for each language (repeat)', repeated)
    .option('--type <type>', 'joint-statement | memorandum | terms-of-reference', 'joint-statement')
    .option('--source <ref>', 'the issue or meeting it comes from')
    .action(async (channel: string, o: Common & { title: string[]; text: string[]; type: string; source?: string }) => {
      await act(o, channel, '/texts', { title: textsByLanguage('--title', o.title), type: o.type, content: textsByLanguage('--text', o.text), ...(o.source ? { source: o.source } : {}) }, (w, cmd) => `Amend it with: ${cmd(`text amend ${short(channel)} ${short(w.object)} --text LANG=TEXT`)}; endorse with: ${cmd(`text endorse ${short(channel)} ${short(w.object)}`)}`);
    });
  withCommon(text.command('amend <channel> <text>').description('a new version of a joint text, on its latest'))
    .requiredOption('--text <text>', 'the whole new text, as LANG=TEXT (repeat)', repeated)
    .option('--note <text>', 'what changed and why')
    .action(async (channel: string, ref: string, o: Common & { text: string[]; note?: string }) => {
      await act(o, channel, `/texts/${ref}/amend`, { content: textsByLanguage('--text', o.text), ...(o.note ? { note: o.note } : {}) }, (_w, cmd) => `See the change: ${cmd(`text diff ${short(channel)} ${short(ref)}`)}`);
    });
  withCommon(text.command('endorse <channel> <text>').description('endorse exactly one version (the latest, or --version): adopted when every party endorses the same one'))
    .option('--version <ref>', 'the version to endorse (default the latest)')
    .action(async (channel: string, ref: string, o: Common & { version?: string }) => {
      await act(o, channel, `/texts/${ref}/endorse`, o.version ? { version: o.version } : {}, (_w, cmd) => `Endorsements: ${cmd(`text show ${short(channel)} ${short(ref)}`)}`);
    });
  withCommon(text.command('list <channel>').description('joint texts: latest version, endorsements, adopted or not'), false)
    .option('--json', 'machine-readable output')
    .action(async (channel: string, o: Common) => {
      const d = await dialogueOf(o, channel);
      if (o.json) return out([JSON.stringify(d.texts, null, 2)]);
      if (d.texts.length === 0) return out([`No joint texts yet. Draft one with: ${hotlineCommand(`text draft ${short(channel)} --title LANG=TEXT --text LANG=TEXT`, o.data)}`]);
      const code = (p: string) => d.parties.find((x) => x.party === p)?.code ?? p.slice(0, 8);
      for (const t of d.texts) {
        const latest = t.versions[t.versions.length - 1]!;
        const missing = t.adopted ? d.languages.filter((l) => !(l in t.adopted!.content)) : [];
        out([`${short(t.hash)}  ${t.type}: ${title(t.title)}`, `    ${t.adopted ? `ADOPTED: version ${t.adopted.n}${missing.length ? ` (no ${missing.join(', ')} text)` : ''}` : `version ${latest.n} endorsed by ${latest.endorsedBy.map(code).join(', ') || 'nobody'}; every party must endorse the same version`}`]);
      }
    });
  withCommon(text.command('show <channel> <text>').description('versions, endorsements, and the adopted version'), false)
    .option('--json', 'machine-readable output')
    .action(async (channel: string, ref: string, o: Common) => {
      const d = await dialogueOf(o, channel);
      const t = find(d.texts, ref, 'joint text');
      if (o.json) return out([JSON.stringify(t, null, 2)]);
      const code = (p: string) => d.parties.find((x) => x.party === p)?.code ?? p.slice(0, 8);
      const latest = t.versions[t.versions.length - 1]!;
      const awaited = d.parties.filter((p) => !latest.endorsedBy.includes(p.party)).map((p) => p.code);
      out([`${short(t.hash)}  ${t.type}: ${title(t.title)}`, `    ${t.adopted ? `ADOPTED: version ${t.adopted.n} (${t.adopted.hash})` : `not adopted: every party must endorse the same version; version ${latest.n} awaits ${awaited.join(', ') || 'nobody'}`}`]);
      // A text agreed in fewer languages than the charter's: each side's staff needs to know.
      const missing = t.adopted ? d.languages.filter((l) => !(l in t.adopted!.content)) : [];
      if (missing.length > 0) out([`    note: adopted without a ${missing.join(', ')} text, though the charter's languages are ${d.languages.join(', ')}`]);
      for (const v of t.versions) {
        out([`  version ${v.n} ${short(v.hash)} by ${code(v.author)} ${iso(v.time)}${v.note ? ` (${v.note})` : ''}; endorsed by ${v.endorsedBy.map(code).join(', ') || 'nobody'}`]);
        for (const [l, x] of Object.entries(v.content)) out([`    [${l}] ${x}`]);
      }
    });
  withCommon(text.command('diff <channel> <text>').description('the words changed between two versions (default the last two)'), false)
    .option('--from <n>', 'version number')
    .option('--to <n>', 'version number')
    .action(async (channel: string, ref: string, o: Common & { from?: string; to?: string }) => {
      const d = await dialogueOf(o, channel);
      const t = find(d.texts, ref, 'joint text');
      const to = o.to ? t.versions.find((v) => v.n === Number(o.to)) : t.versions[t.versions.length - 1];
      const from = o.from ? t.versions.find((v) => v.n === Number(o.from)) : t.versions.find((v) => v.hash === to?.base);
      // A text with one version has nothing to compare it with until it is amended.
      if (!from && !o.from && !o.to && t.versions.length === 1) return void out([`Joint text ${short(t.hash)} has only version 1: nothing to compare until it is amended.`]);
      if (!from || !to) throw cliError('CLI_BAD_ARGUMENT', { option: '--from/--to', expected: `version numbers 1..${t.versions.length}`, value: `${o.from ?? '(none)'} ${o.to ?? '(none)'}` });
      const { diffWords } = await import('diff'); // loaded by this command only
      out([`version ${from.n} -> ${to.n} ([-removed-] {+added+})`]);
      for (const l of new Set([...Object.keys(from.content), ...Object.keys(to.content)]))
        out([`[${l}] ${diffWords(from.content[l] ?? '', to.content[l] ?? '').map((p) => (p.added ? `{+${p.value}+}` : p.removed ? `[-${p.value}-]` : p.value)).join('')}`]);
    });
}

function commitmentCommands(program: Command): void {
  const c = program.command('commitment').description('commitments: who owes what, by when; updated by the owing party, confirmed or disputed by the others');
  withCommon(c.command('add <channel>').description('record a commitment'))
    .requiredOption('--owner <code>', 'the party that owes it')
    .requiredOption('--what <text>', 'what is owed')
    .requiredOption('--due <time>', 'due date, UTC (ISO 8601) or +N[s|m|h|d]')
    .option('--lang <tag>', 'language of the text (default $HOTLINE_LANG or en)', process.env.HOTLINE_LANG ?? 'en')
    .option('--source <ref>', 'the meeting, joint text or issue it comes from')
    .action(async (channel: string, o: Common & { owner: string; what: string; due: string; lang: string; source?: string }) => {
      await act(o, channel, '/commitments', { owner: o.owner, what: o.what, due: parseTime('--due', o.due), lang: o.lang, ...(o.source ? { source: o.source } : {}) }, (w, _cmd, theirs) => `The owing party (${o.owner}) updates it: ${theirs(`commitment update ${short(channel)} ${short(w.object)} --status done --note EVIDENCE`).replace(' (on their terminals)', ' (on its terminal)')}`);
    });
  withCommon(c.command('update <channel> <commitment>').description('update a commitment this party owes'))
    .requiredOption('--status <s>', 'in-progress | done | delayed | withdrawn')
    .option('--note <text>', 'the evidence (done) or the reason (withdrawn)')
    .option('--due <time>', 'the new date (delayed)')
    .action(async (channel: string, ref: string, o: Common & { status: string; note?: string; due?: string }) => {
      await act(o, channel, `/commitments/${ref}/update`, { status: o.status, ...(o.note ? { note: o.note } : {}), ...(o.due ? { due: parseTime('--due', o.due) } : {}) }, (_w, _cmd, theirs) => (o.status === 'done' ? `The other parties confirm or dispute it: ${theirs(`commitment confirm ${short(channel)} ${short(ref)}`)}` : 'Recorded.'));
    });
  withCommon(c.command('confirm <channel> <commitment>').description('confirm that a commitment marked done is done')).action(async (channel: string, ref: string, o: Common) => {
    await act(o, channel, `/commitments/${ref}/confirm`, {}, () => 'Confirmed on the record.');
  });
  withCommon(c.command('dispute <channel> <commitment>').description('dispute that a commitment marked done is done'))
    .requiredOption('--reason <text>', 'why')
    .action(async (channel: string, ref: string, o: Common & { reason: string }) => {
      await act(o, channel, `/commitments/${ref}/dispute`, { reason: o.reason }, () => 'Disputed on the record.');
    });
  withCommon(c.command('list <channel>').description('commitments with their status and due dates (overdue marked)'), false)
    .option('--json', 'machine-readable output')
    .action(async (channel: string, o: Common) => {
      const d = await dialogueOf(o, channel);
      if (o.json) return out([JSON.stringify(d.commitments, null, 2)]);
      if (d.commitments.length === 0) return out([`No commitments yet. Record one with: ${hotlineCommand(`commitment add ${short(channel)} --owner CODE --what TEXT --due +7d`, o.data)}`]);
      const code = (p: string) => d.parties.find((x) => x.party === p)?.code ?? p.slice(0, 8);
      for (const x of d.commitments) out([`${short(x.hash)}  ${code(x.owner).padEnd(6)} ${x.status.toUpperCase()}${x.verdict ? ` ${x.verdict.toUpperCase()}` : ''}${x.overdue ? ' OVERDUE' : ''}  due ${iso(x.due)}  ${x.what}`]);
    });
}

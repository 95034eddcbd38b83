/**
 * The printable record of a channel's dialogue, or of one meeting (#16 "The record"): one HTML
 * page with print styles (the browser's print gives the PDF): agenda, participants, each party's
 * readout side by side, adopted joint texts, commitments and their status, with the entry hashes
 * and the command that verifies them. Headings are given in each of the channel's languages that
 * this file knows (English, Chinese, Russian, Arabic); every text from the record is escaped.
 */
import type * as Api from '../officer-api/api-schemas.js';

const HEADINGS: Record<string, Record<string, string>> = {
  record: { en: 'Record of the dialogue', zh: '对话记录', ru: 'Протокол диалога', ar: 'سجل الحوار' },
  meeting: { en: 'Meeting', zh: '会晤', ru: 'Встреча', ar: 'اجتماع' },
  agenda: { en: 'Agenda', zh: '议程', ru: 'Повестка дня', ar: 'جدول الأعمال' },
  participants: { en: 'Participants', zh: '与会者', ru: 'Участники', ar: 'المشاركون' },
  readouts: { en: 'Readouts', zh: '会谈纪要', ru: 'Изложения итогов', ar: 'المحاضر' },
  positions: { en: 'Issues and positions', zh: '议题与立场', ru: 'Вопросы и позиции', ar: 'القضايا والمواقف' },
  texts: { en: 'Adopted joint texts', zh: '通过的联合文本', ru: 'Принятые совместные тексты', ar: 'النصوص المشتركة المعتمدة' },
  commitments: { en: 'Commitments', zh: '承诺', ru: 'Обязательства', ar: 'الالتزامات' },
  verify: { en: 'Verification', zh: '核验', ru: 'Проверка', ar: 'التحقق' },
};

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z').replace('T', ' ');
const RTL = new Set(['ar', 'fa', 'he', 'ur']);

function local(ms: number, zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
  } catch {
    return '';
  }
}

/** A heading in each of the channel's languages this file knows (English when it knows none). */
function heading(key: keyof typeof HEADINGS, languages: readonly string[]): string {
  const h = HEADINGS[key]!;
  const known = languages.filter((l) => h[l] !== undefined);
  const list = known.length ? known : ['en'];
  return list.map((l) => `<span lang="${esc(l)}"${RTL.has(l) ? ' dir="rtl"' : ''}>${esc(h[l]!)}</span>`).join(' · ');
}

const langMap = (m: Readonly<Record<string, string>>) =>
  Object.entries(m)
    .map(([l, t]) => `<span lang="${esc(l)}"${RTL.has(l) ? ' dir="rtl"' : ''}>${esc(t)}</span>`)
    .join(' / ');

const STYLE = `
body{font-family:"Noto Sans","Noto Sans SC","Noto Sans Arabic",system-ui,sans-serif;margin:2em auto;max-width:60em;color:#111;line-height:1.4}
h1{font-size:1.6em;border-bottom:2px solid #111}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #999}h3{font-size:1.05em}
table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #999;padding:.3em .5em;vertical-align:top;text-align:start}
.side{display:grid;grid-template-columns:repeat(auto-fit,minmax(14em,1fr));gap:1em}.side>div{border:1px solid #999;padding:.5em}
.hash{font-family:ui-monospace,monospace;font-size:.8em;color:#444;word-break:break-all}.status{font-weight:bold}
pre{white-space:pre-wrap;font-family:inherit}
@media print{body{margin:0;max-width:none;font-size:10.5pt}h2{break-after:avoid}.side>div,tr{break-inside:avoid}a{color:inherit;text-decoration:none}}
@page{size:A4;margin:18mm}`;

/** The record as one HTML page; with `meeting`, of that meeting only. */
export function recordHtml(d: Api.DialogueView, meeting?: Api.DialogueMeeting): string {
  const code = (party: string) => d.parties.find((p) => p.party === party)?.code ?? party.slice(0, 8);
  const langs = d.languages;
  const out: string[] = [];
  out.push(`<!doctype html><html lang="${esc(langs[0] ?? 'en')}"><head><meta charset="utf-8"><title>${esc(Object.values(d.title)[0] ?? 'Hotline record')}</title><style>${STYLE}</style></head><body>`);
  out.push(`<h1>${heading('record', langs)}: ${langMap(d.title)}</h1>`);
  out.push(`<p>Channel <span class="hash">${esc(d.channel)}</span>; parties ${d.parties.map((p) => esc(p.code)).join(', ')}; as of ${esc(iso(d.at))} UTC.</p>`);
  const meetings = meeting ? [meeting] : d.meetings;
  for (const m of meetings) out.push(...meetingHtml(d, m, code));
  const agenda = meeting ? new Set(meeting.agenda) : undefined;
  const issues = d.issues.filter((i) => !agenda || agenda.has(i.hash));
  if (issues.length) {
    out.push(`<h2>${heading('positions', langs)}</h2>`);
    for (const i of issues) {
      out.push(`<h3>${langMap(i.title)} <small>(${esc(i.category)})</small></h3><p class="hash">issue ${esc(i.hash)}</p><div class="side">`);
      for (const p of i.current) out.push(`<div><strong>${esc(code(p.party))}</strong>, ${esc(p.by.name)}, ${esc(p.by.title)} (${esc(iso(p.time))})<pre lang="${esc(p.lang)}">${esc(p.text)}</pre><p class="hash">entry ${esc(p.hash)}</p></div>`);
      out.push('</div>');
    }
  }
  const related = (source: string | undefined) => !meeting || source === meeting.hash;
  const texts = d.texts.filter((t) => t.adopted && related(t.source));
  out.push(`<h2>${heading('texts', langs)}</h2>`);
  if (texts.length === 0) out.push('<p>None.</p>');
  for (const t of texts) {
    const v = t.adopted!;
    out.push(`<h3>${langMap(t.title)} <small>(${esc(t.type)}, version ${v.n}, endorsed by ${v.endorsedBy.map((p) => esc(code(p))).join(', ')})</small></h3><div class="side">`);
    for (const [l, text] of Object.entries(v.content)) out.push(`<div lang="${esc(l)}"${RTL.has(l) ? ' dir="rtl"' : ''}><pre>${esc(text)}</pre></div>`);
    out.push(`</div><p class="hash">version ${esc(v.hash)}</p>`);
  }
  const commitments = d.commitments.filter((c) => related(c.source));
  out.push(`<h2>${heading('commitments', langs)}</h2>`);
  if (commitments.length === 0) out.push('<p>None.</p>');
  else {
    out.push('<table><tr><th>owed by</th><th>what</th><th>due (UTC)</th><th>status</th><th>entry</th></tr>');
    for (const c of commitments) {
      const last = c.updates[c.updates.length - 1];
      const status = `${c.status}${c.verdict ? `, ${c.verdict}` : ''}${c.overdue ? ', OVERDUE' : ''}`;
      out.push(`<tr><td>${esc(code(c.owner))}</td><td lang="${esc(c.lang)}">${esc(c.what)}${last?.note ? `<br><small>${esc(last.note)}</small>` : ''}${last?.disputedBy.length ? `<br><small>disputed: ${last.disputedBy.map((x) => esc(`${code(x.party)}: ${x.reason}`)).join('; ')}</small>` : ''}</td><td>${esc(iso(c.due))}</td><td class="status">${esc(status)}</td><td class="hash">${esc(c.hash)}</td></tr>`);
    }
    out.push('</table>');
  }
  out.push(`<h2>${heading('verify', langs)}</h2>`);
  out.push(`<p>Every item above is a signed entry of the channel, held by every party. Anyone holding the transcript verifies it offline:</p><pre>hotline export ${esc(d.channel)} &gt; bundle.jsonl\nhotline verify bundle.jsonl</pre>`);
  out.push('</body></html>');
  return `${out.join('\n')}\n`;
}

function meetingHtml(d: Api.DialogueView, m: Api.DialogueMeeting, code: (p: string) => string): string[] {
  const langs = d.languages;
  const s = m.schedule;
  const out: string[] = [];
  out.push(`<h2>${heading('meeting', langs)}: ${langMap(m.title)}</h2>`);
  out.push(`<p>${esc(m.level)} ${esc(m.kind)}, ${esc(s.place)}; <span class="status">${esc(m.status)}</span>; ${esc(iso(s.start))} to ${esc(iso(s.end))} UTC`);
  for (const [party, zone] of Object.entries(m.zones)) out.push(`; ${esc(code(party))} ${esc(local(s.start, zone))} (${esc(zone)})`);
  out.push(`</p><p class="hash">meeting ${esc(m.hash)}</p>`);
  out.push(`<h3>${heading('agenda', langs)}</h3><ol>`);
  for (const h of m.agenda) {
    const issue = d.issues.find((i) => i.hash === h);
    out.push(`<li>${issue ? langMap(issue.title) : esc(h)}</li>`);
  }
  out.push(`</ol><h3>${heading('participants', langs)}</h3><div class="side">`);
  for (const p of d.parties) {
    const list = m.participants.filter((x) => x.party === p.party);
    out.push(`<div><strong>${esc(p.code)}</strong><ul>${list.map((x) => `<li>${esc(x.name)}, ${esc(x.title)}</li>`).join('')}</ul></div>`);
  }
  out.push(`</div><h3>${heading('readouts', langs)}</h3><div class="side">`);
  for (const p of d.parties) {
    const r = m.currentReadouts.find((x) => x.party === p.party);
    out.push(
      r
        ? `<div><strong>${esc(p.code)}</strong> ${r.release ? '(for release)' : '(not for release)'}, ${esc(r.by.name)}, ${esc(iso(r.time))}<pre lang="${esc(r.lang)}"${RTL.has(r.lang) ? ' dir="rtl"' : ''}>${esc(r.text)}</pre><p class="hash">entry ${esc(r.hash)}</p></div>`
        : `<div><strong>${esc(p.code)}</strong>: no readout filed.</div>`,
    );
  }
  out.push('</div>');
  return out;
}

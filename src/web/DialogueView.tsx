/**
 * The Dialogue tab of a channel (#16): the issues board with each party's current position side by
 * side, the meetings with their times in UTC and each party's local time, the readouts side by
 * side, the joint texts with their versions, the diff to the version before and who endorsed
 * which, and the commitments board with due dates. Offers only what the officer may do; the
 * terminal judges every act against the protocol's rules and answers refusals with their code.
 */
import { errorText } from './errors.js';
import { diffWords } from 'diff';
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, type DialogueCommitment, type DialogueMeeting, type DialogueText, type DialogueView as Dialogue } from './api.js';
import type { EventFeed } from './ChannelView.js';
import { titleOf, utc } from './format.js';
import { T, tr, useLanguage } from './i18n.js';

/** What the signed-in officer may do in the dialogue (permissions of the session). */
export interface DialogueAbilities {
  readonly write: boolean;
  readonly position: boolean;
  readonly endorse: boolean;
  readonly commitment: boolean;
}

const DIALOGUE_KIND = /^(issue|meeting|readout|text|commitment)\./;

function localTime(ms: number, zone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
  } catch {
    return '';
  }
}

export function DialogueView({ id, subscribe, selfParty, may }: { id: string; subscribe: EventFeed; selfParty: string; may: DialogueAbilities }) {
  const [d, setD] = useState<Dialogue | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = useCallback(async () => {
    try {
      setD(await api.dialogue(id));
    } catch (e) {
      setError((e as Error).message);
    }
  }, [id]);
  useEffect(() => void load(), [load]);
  useEffect(() => subscribe((e) => void (e.type === 'entry' && e.channel.startsWith(id) && DIALOGUE_KIND.test(e.kind) && load())), [subscribe, id, load]);
  const act = async (path: string, body: Record<string, unknown> = {}) => {
    try {
      setError(undefined);
      await api.dialogueAct(id, path, body);
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };
  if (!d) return <section className="dialogue">{error ? <p role="alert" className="error">{error}</p> : <p className="muted"><T k="loading" /></p>}</section>;
  const code = (p: string) => d.parties.find((x) => x.party === p)?.code ?? p.slice(0, 8);
  const ctx: Ctx = { d, code, selfParty, may, act };
  return (
    <section className="dialogue" aria-label={tr('dialogue')}>
      <p>
        <a href={`/api/v1/channels/${d.channel}/record`} target="_blank" rel="noopener" data-testid="record-link"><T k="record" /></a>
      </p>
      {error && <p role="alert" className="error" data-testid="dialogue-error">{error}</p>}
      <Issues ctx={ctx} />
      <Meetings ctx={ctx} />
      <Texts ctx={ctx} />
      <Commitments ctx={ctx} />
    </section>
  );
}

interface Ctx {
  readonly d: Dialogue;
  readonly code: (party: string) => string;
  readonly selfParty: string;
  readonly may: DialogueAbilities;
  readonly act: (path: string, body?: Record<string, unknown>) => Promise<void>;
}

function TextForm({ label, onSubmit, field = 'text' }: { label: ReactNode; onSubmit: (text: string) => Promise<void>; field?: string }) {
  const [text, setText] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await onSubmit(text.trim());
    setText('');
  };
  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)}>
      <textarea name={field} rows={2} value={text} onChange={(e) => setText(e.target.value)} aria-label={typeof label === 'string' ? label : field} />
      <button type="submit" disabled={text.trim() === ''}>{label}</button>
    </form>
  );
}

function Issues({ ctx }: { ctx: Ctx }) {
  const { d, may, act } = ctx;
  const lang = useLanguage();
  return (
    <section aria-labelledby="issues-title" data-testid="issues">
      <h3 id="issues-title"><T k="issues" /></h3>
      {d.issues.length === 0 && <p className="muted"><T k="noDialogue" /></p>}
      {may.write && <NewIssue onOpen={(title, category) => act('/issues', { title, category })} languages={d.languages} />}
      {d.issues.map((i) => (
        <article key={i.hash} className="issue" data-testid="issue">
          <h4>{titleOf(i.title, lang)} <span className="badge">{i.category}</span></h4>
          <div className="side-by-side">
            {d.parties.map((p) => {
              const cur = i.current.find((x) => x.party === p.party);
              const history = i.positions.filter((x) => x.party === p.party);
              return (
                <div key={p.party} className="position" data-testid="position" data-party={p.code}>
                  <strong>{p.code}</strong>
                  {cur ? <p lang={cur.lang}>{cur.text}</p> : <p className="muted"><T k="noPosition" /></p>}
                  {cur && <p className="muted small">{cur.by.name} · {utc(cur.time)} · <T k="versions" count={history.length} /></p>}
                  {history.length > 1 && (
                    <details><summary><T k="history" /></summary><ol>{history.map((h) => <li key={h.hash} lang={h.lang}>{utc(h.time)}: {h.text}</li>)}</ol></details>
                  )}
                </div>
              );
            })}
          </div>
          {may.position && <TextForm label={tr('statePosition')} onSubmit={(text) => act(`/issues/${i.hash}/positions`, { text, lang })} />}
        </article>
      ))}
    </section>
  );
}

const CATEGORIES = ['trade', 'human-rights', 'cybersecurity', 'territorial', 'maritime', 'crisis-communication', 'cooperation'] as const;

/** Opens an issue: its title in each of the channel's languages, and a category. */
function NewIssue({ onOpen, languages }: { onOpen: (title: Record<string, string>, category: string) => Promise<void>; languages: readonly string[] }) {
  const [title, setTitle] = useState<Record<string, string>>({});
  const [category, setCategory] = useState<string>(CATEGORIES[0]);
  const filled = Object.fromEntries(Object.entries(title).filter(([, t]) => t.trim() !== '').map(([l, t]) => [l, t.trim()]));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await onOpen(filled, category);
    setTitle({});
  };
  return (
    <details className="new-issue">
      <summary><T k="openIssue" /></summary>
      <form onSubmit={(e) => void submit(e)} data-testid="new-issue">
        {languages.map((l) => (
          <label key={l}>
            <span>{l}</span>
            <input name={`title-${l}`} lang={l} value={title[l] ?? ''} onChange={(e) => setTitle({ ...title, [l]: e.target.value })} />
          </label>
        ))}
        <select name="category" value={category} onChange={(e) => setCategory(e.target.value)}>
          {CATEGORIES.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
        <button type="submit" disabled={Object.keys(filled).length === 0}><T k="openIssue" /></button>
      </form>
    </details>
  );
}

/** The meeting calendar: meetings by the start of their schedule in force, under their UTC day. */
function Meetings({ ctx }: { ctx: Ctx }) {
  const { d } = ctx;
  const byDay = new Map<string, DialogueMeeting[]>();
  for (const m of [...d.meetings].sort((a, b) => a.schedule.start - b.schedule.start)) {
    const day = new Date(m.schedule.start).toISOString().slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), m]);
  }
  return (
    <section aria-labelledby="meetings-title" data-testid="meetings">
      <h3 id="meetings-title"><T k="meetings" /></h3>
      {d.meetings.length === 0 && <p className="muted"><T k="noDialogue" /></p>}
      {[...byDay].map(([day, list]) => (
        <div key={day} className="calendar-day">
          <h4 className="muted">{day} UTC</h4>
          {list.map((m) => <Meeting key={m.hash} ctx={ctx} m={m} />)}
        </div>
      ))}
    </section>
  );
}

function Meeting({ ctx, m }: { ctx: Ctx; m: DialogueMeeting }) {
  const { d, code, selfParty, may, act } = ctx;
  const lang = useLanguage();
  const s = m.schedule;
  const mayAnswer = may.write && m.status === 'proposed' && s.author !== selfParty && !m.accepted.includes(selfParty);
  return (
    <article className="meeting" data-testid="meeting">
      <h4>{titleOf(m.title, lang)} <span className={`badge meeting-${m.status}`} data-testid="meeting-status">{m.status}</span></h4>
      <p>{m.level} · {m.kind} · {s.place} · {utc(s.start)} – {utc(s.end)}</p>
      <ul className="muted small">{Object.entries(m.zones).map(([p, z]) => <li key={p}><T k="localTime" /> {code(p)}: {localTime(s.start, z)} ({z})</li>)}</ul>
      <p><T k="agenda" />: {m.agenda.map((h) => titleOf(d.issues.find((i) => i.hash === h)?.title ?? { en: h.slice(0, 12) }, lang)).join(' · ')}</p>
      <p><T k="participants" />: {m.participants.map((p) => `${p.name}, ${p.title} (${code(p.party)})`).join('; ')}</p>
      {mayAnswer && (
        <p>
          <button type="button" onClick={() => void act(`/meetings/${m.hash}/accept`)}><T k="accept" /></button>{' '}
          <TextForm label={tr('decline')} field="reason" onSubmit={(reason) => act(`/meetings/${m.hash}/decline`, { reason })} />
        </p>
      )}
      <p><a href={`/api/v1/channels/${d.channel}/record?meeting=${m.hash}`} target="_blank" rel="noopener"><T k="meetingRecord" /></a></p>
      <h5><T k="readouts" /></h5>
      <div className="side-by-side" data-testid="readouts">
        {d.parties.map((p) => {
          const r = m.currentReadouts.find((x) => x.party === p.party);
          return (
            <div key={p.party} className="readout" data-party={p.code}>
              <strong>{p.code}</strong> {r?.release && <span className="badge"><T k="forRelease" /></span>}
              {r ? <p lang={r.lang}>{r.text}</p> : <p className="muted"><T k="noReadout" /></p>}
            </div>
          );
        })}
      </div>
      {may.write && m.status === 'accepted' && <TextForm label={tr('fileReadout')} onSubmit={(text) => act(`/meetings/${m.hash}/readouts`, { text, lang })} />}
    </article>
  );
}

function Texts({ ctx }: { ctx: Ctx }) {
  const { d } = ctx;
  return (
    <section aria-labelledby="texts-title" data-testid="texts">
      <h3 id="texts-title"><T k="jointTexts" /></h3>
      {d.texts.length === 0 && <p className="muted"><T k="noDialogue" /></p>}
      {d.texts.map((t) => <JointText key={t.hash} ctx={ctx} t={t} />)}
    </section>
  );
}

function JointText({ ctx, t }: { ctx: Ctx; t: DialogueText }) {
  const { code, selfParty, may, act } = ctx;
  const lang = useLanguage();
  const latest = t.latest;
  const base = t.versions.find((v) => v.hash === latest.base);
  return (
    <article className="joint-text" data-testid="joint-text">
      <h4>{titleOf(t.title, lang)} <span className="badge">{t.type}</span> {t.adopted ? <span className="badge ok" data-testid="adopted"><T k="adopted" n={t.adopted.n} /></span> : <span className="badge"><T k="notAdopted" /></span>}</h4>
      <ol className="versions">
        {t.versions.map((v) => (
          <li key={v.hash} data-testid="version">
            <strong>v{v.n}</strong> {code(v.author)} · {utc(v.time)} · <T k="endorsedBy" />: {v.endorsedBy.map(code).join(', ') || '—'}
          </li>
        ))}
      </ol>
      <div className="side-by-side">
        {Object.entries(latest.content).map(([l, text]) => (
          <div key={l} lang={l} data-testid="diff">
            {base ? diffWords(base.content[l] ?? '', text).map((p, i) => (p.added ? <ins key={i}>{p.value}</ins> : p.removed ? <del key={i}>{p.value}</del> : <span key={i}>{p.value}</span>)) : text}
          </div>
        ))}
      </div>
      {may.write && <TextEditor key={latest.hash} content={latest.content} next={latest.n + 1} onSave={(content) => act(`/texts/${t.hash}/amend`, { content, base: latest.hash })} />}
      {may.endorse && !latest.endorsedBy.includes(selfParty) && (
        <button type="button" onClick={() => void act(`/texts/${t.hash}/endorse`, { version: latest.hash })}><T k="endorse" n={latest.n} /></button>
      )}
    </article>
  );
}

/** The joint-text editor: the latest version's text in each language, saved as the next version. */
function TextEditor({ content, next, onSave }: { content: Readonly<Record<string, string>>; next: number; onSave: (content: Record<string, string>) => Promise<void> }) {
  const [draft, setDraft] = useState<Record<string, string>>({ ...content });
  const changed = Object.keys(draft).some((l) => draft[l]!.trim() !== (content[l] ?? '')) && Object.values(draft).every((x) => x.trim() !== '');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await onSave(Object.fromEntries(Object.entries(draft).map(([l, x]) => [l, x.trim()])));
  };
  return (
    <details className="text-editor">
      <summary><T k="amendText" n={next} /></summary>
      <form onSubmit={(e) => void submit(e)} data-testid="text-editor">
        {Object.keys(draft).map((l) => (
          <label key={l} className="grow">
            <span>{l}</span>
            <textarea name={`content-${l}`} lang={l} rows={4} value={draft[l]} onChange={(e) => setDraft({ ...draft, [l]: e.target.value })} />
          </label>
        ))}
        <button type="submit" disabled={!changed}><T k="saveVersion" n={next} /></button>
      </form>
    </details>
  );
}

function Commitments({ ctx }: { ctx: Ctx }) {
  const { d } = ctx;
  return (
    <section aria-labelledby="commitments-title" data-testid="commitments">
      <h3 id="commitments-title"><T k="commitments" /></h3>
      {d.commitments.length === 0 ? (
        <p className="muted"><T k="noDialogue" /></p>
      ) : (
        <table className="commitments">
          <thead><tr><th><T k="owner" /></th><th><T k="what" /></th><th><T k="due" /></th><th><T k="status" /></th><th /></tr></thead>
          <tbody>{d.commitments.map((c) => <Commitment key={c.hash} ctx={ctx} c={c} />)}</tbody>
        </table>
      )}
    </section>
  );
}

function Commitment({ ctx, c }: { ctx: Ctx; c: DialogueCommitment }) {
  const { code, selfParty, may, act } = ctx;
  const last = c.updates[c.updates.length - 1];
  const answered = last?.confirmedBy.some((x) => x.party === selfParty) || last?.disputedBy.some((x) => x.party === selfParty);
  return (
    <tr data-testid="commitment" className={c.overdue ? 'overdue' : undefined}>
      <td>{code(c.owner)}</td>
      <td lang={c.lang}>{c.what}{last?.note && <><br /><small>{last.note}</small></>}</td>
      <td>{utc(c.due)} {c.overdue && <span className="badge warn"><T k="overdue" /></span>}</td>
      <td data-testid="commitment-status">{c.status}{c.verdict ? ` · ${c.verdict}` : ''}</td>
      <td>
        {may.commitment && c.owner === selfParty && c.status !== 'done' && c.status !== 'withdrawn' && <TextForm label={tr('markDone')} field="evidence" onSubmit={(note) => act(`/commitments/${c.hash}/update`, { status: 'done', note })} />}
        {may.commitment && c.owner !== selfParty && c.status === 'done' && !answered && (
          <>
            <button type="button" onClick={() => void act(`/commitments/${c.hash}/confirm`)}><T k="confirm" /></button>
            <TextForm label={tr('dispute')} field="reason" onSubmit={(reason) => act(`/commitments/${c.hash}/dispute`, { reason })} />
          </>
        )}
      </td>
    </tr>
  );
}

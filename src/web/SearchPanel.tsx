/**
 * Search a channel's messages (#15): text in any language, precedence, officer, and a period in
 * UTC; the results newest first, a page at a time, each one shown in the timeline on request.
 */
import { useState, type FormEvent } from 'react';
import { api, PRECEDENCES, type Message } from './api.js';
import { dtg, when } from './format.js';
import { T, tr, useLanguage } from './i18n.js';
import { officerLabel } from './MessageItem.js';
import { utcField } from './period.js';

const PAGE = 50;

export default function SearchPanel({ channel, onJump }: { channel: string; onJump: (id: string) => Promise<boolean> }) {
  const lang = useLanguage();
  const [text, setText] = useState('');
  const [precedence, setPrecedence] = useState('');
  const [officer, setOfficer] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [results, setResults] = useState<readonly Message[] | undefined>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // A result the timeline could not reach (further back than it loads pages for a jump).
  const [tooFar, setTooFar] = useState<string | undefined>();
  const show = async (id: string) => {
    setTooFar(undefined);
    if (!(await onJump(id))) setTooFar(id);
  };

  const run = async (before?: string) => {
    setBusy(true);
    try {
      const since = utcField(from);
      const until = utcField(to);
      const r = await api.search(channel, { q: text, precedence, officer, limit: PAGE, lang, ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), ...(before ? { before } : {}) });
      setResults((was) => (before ? [...(was ?? []), ...r.messages] : r.messages));
      setNext(r.next);
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run();
  };

  return (
    <section className="search-panel" aria-labelledby="search-title" data-testid="search-panel">
      <h3 id="search-title">
        <T k="searchTitle" />
      </h3>
      <form onSubmit={submit} className="search-form" role="search">
        <label>
          <T k="searchText" />
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} data-testid="search-text" />
        </label>
        <label>
          <T k="searchPrecedence" />
          <select value={precedence} onChange={(e) => setPrecedence(e.target.value)} data-testid="search-precedence">
            <option value="">{tr('anyPrecedence')}</option>
            {PRECEDENCES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          <T k="searchOfficer" />
          <input value={officer} onChange={(e) => setOfficer(e.target.value)} data-testid="search-officer" />
        </label>
        <label>
          <T k="periodFrom" />
          <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="search-from" />
        </label>
        <label>
          <T k="periodTo" />
          <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} data-testid="search-to" />
        </label>
        <button type="submit" disabled={busy} data-testid="search-go">
          <T k="searchGo" />
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {results && (
        <>
          <p role="status" data-testid="search-count">
            {results.length === 0 ? tr('searchNone') : tr('searchShown', { count: results.length })}
          </p>
          <ol className="search-results">
            {results.map((m) => (
              <li key={m.id} data-testid="search-result" data-id={m.id}>
                <span className={`badge prec prec-${m.precedence}`}>{m.precedence}</span> <strong>{m.from}</strong>
                {m.signedBy ? ` · ${officerLabel(m.signedBy)}` : ''} · {when(m.time)} <span className="dtg">{dtg(m.time)}</span>
                <p lang={m.lang} dir="auto">
                  {(m.rendered?.text ?? m.text).slice(0, 300)}
                </p>
                <button type="button" onClick={() => void show(m.id)} data-testid="search-show">
                  <T k="showInTimeline" />
                </button>
                {tooFar === m.id && (
                  <p role="alert" className="error">
                    <T k="jumpTooFar" />
                  </p>
                )}
              </li>
            ))}
          </ol>
          {next && (
            <button type="button" disabled={busy} onClick={() => void run(next)} data-testid="search-more">
              <T k="searchMore" />
            </button>
          )}
        </>
      )}
    </section>
  );
}

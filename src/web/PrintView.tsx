/**
 * A printable transcript of a channel or a period (#15): every message with its time (UTC with
 * its Z and as a date-time group), precedence, party and officer, text, acknowledgements and
 * entry hashes, the channel's charter hash, and the commands that check it offline. Shown over the
 * console, and alone on paper (print CSS: body.print-transcript); the browser's print makes the PDF.
 */
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { api, type ChannelDetail, type Message } from './api.js';
import { dtg, titleOf, utc } from './format.js';
import { T, tr, useLanguage } from './i18n.js';
import { officerLabel } from './MessageItem.js';
import { utcField } from './period.js';

/** Most messages one transcript holds (the newest of the period beyond it): a shorter period prints the rest. */
export const TRANSCRIPT_MAX = 2000;
const PAGE = 500;

/** The messages of a period, oldest first, at most {@link TRANSCRIPT_MAX}; and whether more were left out. */
async function periodMessages(channel: string, lang: string, since: number | undefined, until: number | undefined): Promise<{ messages: Message[]; cut: boolean }> {
  const got: Message[] = [];
  let before: string | undefined;
  for (;;) {
    const r = await api.search(channel, { limit: PAGE, lang, ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), ...(before ? { before } : {}) });
    got.push(...r.messages);
    if (!r.next) return { messages: got.reverse(), cut: false };
    if (got.length >= TRANSCRIPT_MAX) return { messages: got.slice(0, TRANSCRIPT_MAX).reverse(), cut: true };
    before = r.next;
  }
}

export default function PrintView({ detail, onClose }: { detail: ChannelDetail; onClose: () => void }) {
  const lang = useLanguage();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [loaded, setLoaded] = useState<{ messages: Message[]; cut: boolean; since?: number; until?: number; at: number } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  // On paper, the transcript alone.
  useEffect(() => {
    document.body.classList.add('print-transcript');
    return () => document.body.classList.remove('print-transcript');
  }, []);

  const prepare = async () => {
    setBusy(true);
    try {
      const since = utcField(from);
      const until = utcField(to);
      const r = await periodMessages(detail.id, lang, since, until);
      setLoaded({ ...r, at: Date.now(), ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) });
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => void prepare(), []);

  const file = `transcript-${detail.id.slice(0, 12)}.jsonl`;
  return createPortal(
    <div className="transcript" role="dialog" aria-modal="true" aria-labelledby="transcript-title" data-testid="transcript">
      <div className="no-print transcript-controls">
        <label>
          <T k="periodFrom" />
          <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="print-from" />
        </label>
        <label>
          <T k="periodTo" />
          <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} data-testid="print-to" />
        </label>
        <button type="button" disabled={busy} onClick={() => void prepare()} data-testid="print-prepare">
          <T k="printPrepare" />
        </button>
        <button type="button" disabled={busy || !loaded} onClick={() => window.print()} data-testid="print-now">
          <T k="printNow" />
        </button>
        <button type="button" onClick={onClose} data-testid="print-close">
          <T k="close" />
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <h2 id="transcript-title">
        <T k="transcriptOf" channel={titleOf(detail.title, lang)} />
      </h2>
      <dl className="transcript-meta">
        <dt><T k="transcriptChannel" /></dt>
        <dd><code>{detail.id}</code></dd>
        <dt><T k="charterHash" /></dt>
        <dd><code data-testid="transcript-charter">{detail.charterHash}</code></dd>
        <dt><T k="transcriptParties" /></dt>
        <dd>{detail.parties.map((p) => p.code).join(', ')} · {detail.tier} · {detail.state}</dd>
        <dt><T k="transcriptPeriod" /></dt>
        <dd>{loaded ? `${loaded.since !== undefined ? utc(loaded.since) : '…'} – ${loaded.until !== undefined ? utc(loaded.until) : '…'}` : ''}</dd>
        <dt><T k="transcriptGenerated" /></dt>
        <dd>{loaded ? `${utc(loaded.at)} (${dtg(loaded.at)})` : ''}</dd>
        <dt><T k="transcriptCount" /></dt>
        <dd data-testid="transcript-count">{loaded?.messages.length ?? '…'}</dd>
      </dl>
      {loaded?.cut && <p className="error"><T k="transcriptCut" max={TRANSCRIPT_MAX} /></p>}
      <table className="transcript-table">
        <thead>
          <tr>
            <th scope="col"><T k="colTime" /></th>
            <th scope="col"><T k="colPrecedence" /></th>
            <th scope="col"><T k="colFrom" /></th>
            <th scope="col"><T k="colText" /></th>
            <th scope="col"><T k="colAcks" /></th>
          </tr>
        </thead>
        <tbody>
          {(loaded?.messages ?? []).map((m) => (
            <tr key={m.id} data-testid="transcript-row" className={`prec-${m.precedence}`}>
              <td>
                {utc(m.time)}
                <br />
                <span className="dtg">{dtg(m.time)}</span>
              </td>
              <td>{m.precedence}{m.drill ? ` (${tr('drill')})` : ''}</td>
              <td>
                {m.from}
                {m.signedBy ? <><br />{officerLabel(m.signedBy)}</> : null}
              </td>
              <td>
                <p lang={m.lang} dir="auto" className="transcript-text">{m.rendered?.text ?? m.text}</p>
                <code className="hash">{m.id}</code>
              </td>
              <td>
                {(m.acks ?? []).length === 0 ? (
                  <span className="muted"><T k="notAcknowledged" /></span>
                ) : (
                  (m.acks ?? []).map((a) => (
                    <div key={a.entry} className="transcript-ack">
                      {a.code} · {officerLabel(a.officer)} · {utc(a.time)} ({dtg(a.time)}){a.note ? ` · “${a.note}”` : ''}
                      <br />
                      <code className="hash">{a.entry}</code>
                    </div>
                  ))
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <section className="transcript-verify">
        <h3><T k="transcriptVerifyTitle" /></h3>
        <p><T k="transcriptVerifyHow" /></p>
        <pre data-testid="transcript-commands">{`hotline export ${detail.id} > ${file}\nhotline verify ${file}`}</pre>
      </section>
    </div>,
    document.body,
  );
}

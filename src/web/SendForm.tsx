/**
 * The composer: free text with bilingual templates, precedence (only what the officer may send;
 * back to ROUTINE after each send), FLASH only after a confirmation, and the state of what was
 * just sent (sent → receipted → acknowledged).
 */
import { errorText } from './errors.js';
import { useState, type FormEvent } from 'react';
import { api, PRECEDENCES, type Message, type Precedence } from './api.js';
import { T, tr, TEMPLATE_IDS, templateText, useLanguage } from './i18n.js';
import { officerLabel, showMessage } from './MessageItem.js';
import { SignedText } from './SignedText.js';

/** A language's name in itself (Intl), e.g. 中文 for zh. */
function languageName(code: string): string {
  try {
    return new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function SendForm({ channel, maxPrecedence, languages, disabled, replyTo, messages, onSent, onCancelReply }: { channel: string; maxPrecedence: Precedence | null; languages: readonly string[]; disabled: boolean; replyTo: Message | undefined; messages: readonly Message[]; onSent: () => void; onCancelReply: () => void }) {
  const uiLang = useLanguage();
  const [text, setText] = useState('');
  const [precedence, setPrecedence] = useState<Precedence>('ROUTINE');
  // The officer's language when the channel has it, else the channel's first.
  const [lang, setLang] = useState(() => (languages.includes(uiLang) ? uiLang : (languages[0] ?? 'en')));
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // What this officer just sent, followed here until acknowledged (or the next send).
  const [lastSent, setLastSent] = useState<{ id: string; precedence: Precedence; text: string } | undefined>();

  // A FLASH rings at once on the other side: it is sent only after a second, explicit click.
  const [confirming, setConfirming] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (precedence === 'FLASH' && !confirming) return setConfirming(true);
    setConfirming(false);
    setBusy(true);
    setError(undefined);
    try {
      const sent = await api.send(channel, { text: text.trim(), lang, precedence, ...(replyTo ? { replyTo: replyTo.id } : {}) });
      setLastSent({ id: sent.id, precedence, text: text.trim() });
      setText('');
      // Back to ROUTINE after each send: the next message is not urgent unless chosen again.
      setPrecedence('ROUTINE');
      onSent();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="send" onSubmit={(e) => void submit(e)} aria-label="Send a message">
      {lastSent && <SentState sent={lastSent} message={messages.find((m) => m.id === lastSent.id)} onDismiss={() => setLastSent(undefined)} />}
      {replyTo && (
        <p className="replying">
          <T k="replyingTo" />: <q lang={replyTo.lang}><SignedText text={replyTo.text.slice(0, 120)} /></q>{' '}
          <button type="button" className="secondary" onClick={onCancelReply}>
            <T k="cancel" />
          </button>
        </p>
      )}
      <div className="templates" role="group" aria-label={tr('templates')}>
        <span className="muted">
          <T k="templates" />:
        </span>
        {TEMPLATE_IDS.map((id) => {
          // Inserted in each of the channel's languages that has a catalogue (the reader's language first).
          const texts = [...new Set([lang, ...languages])].map((l) => templateText(id, l)).filter((x): x is string => x !== undefined);
          const label = templateText(id, uiLang) ?? texts[0] ?? id;
          return (
            <button key={id} type="button" className="template" onClick={() => setText(texts.join('\n'))} title={texts.join(' / ')}>
              {label}
            </button>
          );
        })}
      </div>
      <label className="grow">
        <span>
          <T k="message" />
        </span>
        <textarea name="text" rows={3} required value={text} onChange={(e) => setText(e.target.value)} disabled={disabled} id="composer" />
      </label>
      <div className="row">
        <label>
          <span>
            <T k="precedence" />
          </span>
          <select
            name="precedence"
            value={precedence}
            onChange={(e) => {
              setPrecedence(e.target.value as Precedence);
              setConfirming(false);
            }}
          >
            {/* Only what this officer may send (PRECEDENCES lists the most urgent first). */}
            {PRECEDENCES.filter((p) => maxPrecedence !== null && PRECEDENCES.indexOf(p) >= PRECEDENCES.indexOf(maxPrecedence)).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>
            <T k="language" />
          </span>
          <select name="lang" value={lang} onChange={(e) => setLang(e.target.value)}>
            {languages.map((l) => (
              <option key={l} value={l} lang={l}>
                {languageName(l)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={disabled || busy || text.trim() === ''}>
          <T k="send" />
        </button>
      </div>
      {confirming && (
        <div className="confirm-flash" role="alertdialog" aria-labelledby="confirm-flash-text" data-testid="confirm-flash">
          <p id="confirm-flash-text">
            <T k="confirmFlash" />
          </p>
          <button type="submit" className="flash" autoFocus>
            <T k="confirmFlashButton" />
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            <T k="cancel" />
          </button>
        </div>
      )}
      {disabled && (
        <p className="muted">
          <T k="notActive" />
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

/** The state of what was just sent: sent → receipted → acknowledged (and by whom). */
function SentState({ sent, message, onDismiss }: { sent: { id: string; precedence: Precedence; text: string }; message: Message | undefined; onDismiss: () => void }) {
  const receipted = message?.receiptedAt != null;
  const acked = message?.ackedAt != null;
  const step = acked ? 3 : receipted ? 2 : 1;
  const by = message?.acks?.[0]?.officer ?? message?.ackedBy?.officer;
  return (
    <div className="sent-state" role="status" aria-live="polite" data-testid="sent-state" data-step={['sent', 'receipted', 'acknowledged'][step - 1]}>
      <a
        href={`#msg-${sent.id}`}
        onClick={(e) => {
          e.preventDefault();
          showMessage(sent.id);
        }}
      >
        <span className={`badge prec prec-${sent.precedence}`}>{sent.precedence}</span> <q>{sent.text.slice(0, 60)}</q>
      </a>
      <ol className="steps">
        <li className={step >= 1 ? 'done' : ''}>
          <T k="stepSent" />
        </li>
        <li className={step >= 2 ? 'done' : ''}>
          <T k="stepReceipted" />
        </li>
        <li className={step >= 3 ? 'done' : ''}>
          <T k="stepAcknowledged" />
          {acked && by ? ` · ${officerLabel(by)}` : ''}
        </li>
      </ol>
      <button type="button" className="secondary small" onClick={onDismiss} aria-label={tr('dismiss')}>
        ×
      </button>
    </div>
  );
}

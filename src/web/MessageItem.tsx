/**
 * One message of a channel's timeline: who signed it (party, officer name and title), the message
 * it answers (quoted; a click scrolls to it), its text, the receipt, every acknowledgement with its
 * officer and note, the countdown, and Acknowledge (with an optional note) and Reply.
 */
import { EscalationSteps } from './EscalationSteps.js';
import { memo, useState } from 'react';
import type { Message } from './api.js';
import { Countdown } from './Countdown.js';
import { FormattedMessage } from './FormattedMessage.js';
import { dtg, utc, when, whenTitle } from './format.js';
import { T, tr, useLanguage } from './i18n.js';
import { SignedText } from './SignedText.js';

/** An officer as the console shows them: "name (title)". */
export function officerLabel(o: { name: string; title: string } | undefined): string {
  if (!o) return '';
  return o.title ? `${o.name} (${o.title})` : o.name;
}

/** Who brings a message not rendered into view (the virtualised timeline, Timeline.tsx). */
export const jumpers = new Set<(id: string) => void>();

/** Scrolls to a message of the timeline and marks it for a moment. */
export function showMessage(id: string): void {
  const el = document.getElementById(`msg-${id}`);
  if (!el) {
    for (const jump of jumpers) jump(id);
    return;
  }
  el.scrollIntoView({ block: 'center', behavior: 'smooth' });
  el.classList.add('flash-mark');
  setTimeout(() => el.classList.remove('flash-mark'), 1500);
  el.focus({ preventScroll: true });
}

export interface MessageActions {
  readonly canAck: boolean;
  readonly canReply: boolean;
  readonly acknowledge: (m: Message, note?: string) => Promise<void>;
  readonly reply: (m: Message) => void;
}

/**
 * Memoised: a timeline of hundreds of formatted messages re-renders only the items that changed
 * (the countdowns tick on their own, hooks.ts useSecondTick), so the page stays smooth.
 */
export const MessageItem = memo(function MessageItem({ m, answers, opened, actions }: { m: Message; answers: Message | undefined; opened: boolean; actions: MessageActions }) {
  const uiLanguage = useLanguage();
  const [noting, setNoting] = useState(false);
  const [note, setNote] = useState('');
  const acks = m.acks ?? [];
  return (
    <li id={`msg-${m.id}`} tabIndex={-1} className={`msg prec-${m.precedence}${m.own ? ' own' : ''}${opened ? ' opened' : ''}`} data-testid="message" data-id={m.id}>
      <div className="msg-head">
        <span className={`badge prec prec-${m.precedence}`}>{m.precedence}</span>
        {m.drill && (
          <span className="badge drill">
            <T k="drill" />
          </span>
        )}
        <strong>{m.own ? `${m.from} (${tr('us')})` : m.from}</strong>
        {m.signedBy && (
          <span className="signer" data-testid="signed-by">
            <T k="signedBy" officer={officerLabel(m.signedBy)} />
          </span>
        )}
        <span className="muted" title={`${utc(m.time)} · ${whenTitle(m.time, uiLanguage)}`} data-testid="time">
          {when(m.time)} <span className="dtg">{dtg(m.time)}</span> · #{m.seq}
        </span>
      </div>
      {m.replyTo && (
        <blockquote className="answers" data-testid="answers">
          {answers ? (
            <a
              href={`#msg-${answers.id}`}
              onClick={(e) => {
                e.preventDefault();
                showMessage(answers.id);
              }}
            >
              ↩ <T k="inReplyTo" party={answers.from} />
              {answers.signedBy ? ` · ${officerLabel(answers.signedBy)}` : ''}: <q lang={answers.lang}>{(answers.rendered?.text ?? answers.text).slice(0, 160)}</q>
            </a>
          ) : (
            <span className="muted">
              ↩ <T k="inReplyToOlder" id={m.replyTo.slice(0, 12)} />
            </span>
          )}
        </blockquote>
      )}
      {m.rendered ? (
        <FormattedMessage m={m} rendered={m.rendered} />
      ) : (
        <p className="msg-text" lang={m.lang}>
          <SignedText text={m.text} lang={m.lang} />
        </p>
      )}
      {acks.length > 0 && (
        <ul className="acks" aria-label={tr('acknowledged')}>
          {acks.map((a) => (
            <li key={a.entry} className="ok acked" data-testid="acked">
              ✓✓ <T k="acknowledged" />: {officerLabel(a.officer)}, {a.code} · {when(a.time)} <span className="dtg">{dtg(a.time)}</span>
              {a.note && (
                <>
                  {' '}
                  — <q data-testid="ack-note">{a.note}</q>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="msg-foot">
        {m.own && (m.receipts?.length ?? 0) >= 2 && (
          // Two or more other parties: each one's receipt, so that "received" never means "by one of them".
          <span className={m.receiptedAt ? 'ok' : 'warn'} data-testid="receipts" data-all={m.receiptedAt ? 'yes' : 'no'}>
            {m.receipts!.map((r, i) => (
              <span key={r.party} data-testid="party-receipt" data-party={r.code} data-received={r.at !== null ? 'yes' : 'no'} className={r.at !== null ? 'ok' : 'warn'}>
                {i > 0 && ' · '}
                {r.at !== null ? (
                  <>
                    ✓ <T k="partyReceived" party={r.code} /> {when(r.at)}
                  </>
                ) : (
                  <>
                    … <T k="partyPending" party={r.code} />
                  </>
                )}
              </span>
            ))}
          </span>
        )}
        {m.own && (m.receipts?.length ?? 0) < 2 && (
          <span className={m.receiptedAt ? 'ok' : 'warn'}>
            {m.receiptedAt ? (
              <>
                ✓ <T k="received" /> {when(m.receiptedAt)}
              </>
            ) : (
              <>
                … <T k="notReceived" />
              </>
            )}
          </span>
        )}
        {m.ackedAt !== null && acks.length === 0 && (
          <span className="ok acked" data-testid="acked">
            ✓✓ <T k="acknowledged" />: {officerLabel(m.ackedBy?.officer) || m.ackedBy?.code || '?'} {when(m.ackedAt)}
          </span>
        )}
        {m.ackedAt === null && (
          <>
            {m.own && m.deadlineAt !== null && (
              <span className="muted">
                <T k="awaitingAck" />
              </span>
            )}
            <Countdown deadlineAt={m.deadlineAt} />
          </>
        )}
        {!m.own && actions.canAck && m.ackedAt === null && (
          <button type="button" className="ack" onClick={() => void actions.acknowledge(m)}>
            <T k="acknowledge" />
          </button>
        )}
        {!m.own && actions.canAck && m.ackedAt === null && (
          <button type="button" className="secondary" aria-expanded={noting} onClick={() => setNoting(!noting)}>
            <T k="ackWithNote" />
          </button>
        )}
        {!m.own && actions.canReply && (
          <button type="button" className="secondary" onClick={() => actions.reply(m)}>
            <T k="reply" />
          </button>
        )}
      </div>
      {!m.own && m.deadlineAt !== null && <EscalationSteps messageId={m.id} awaiting={m.ackedAt === null} />}
      {noting && (
        <form
          className="ack-note"
          onSubmit={(e) => {
            e.preventDefault();
            void actions.acknowledge(m, note.trim() || undefined).then(() => {
              setNoting(false);
              setNote('');
            });
          }}
        >
          <label>
            <span>
              <T k="ackNote" />
            </span>
            <input name="note" maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} autoFocus />
          </label>
          <button type="submit" className="ack">
            <T k="acknowledge" />
          </button>
        </form>
      )}
    </li>
  );
});

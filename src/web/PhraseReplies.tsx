/**
 * Standard phrases as one-click replies (#17): when the channel agreed the standard-phrase format,
 * each phrase of its phrase book is a button labelled in the officer's language; a click sends it
 * (as a reply to the message being answered, if any), and every reader sees it in their own.
 */
import { errorText } from './errors.js';
import { useEffect, useState } from 'react';
import { api, type FormatSummary } from './api.js';
import { T, tr } from './i18n.js';

/** The phrases offered first, in this order; the rest of the book follows. */
const FIRST = ['understood', 'request-intentions', 'pass-astern', 'manoeuvring', 'flight-operations', 'request-call'];

export function PhraseReplies({ channel, formats, lang, replyTo, onSent }: { channel: string; formats: readonly FormatSummary[]; lang: string; replyTo?: string; onSent: () => void }) {
  const agreed = formats.find((f) => f.id === 'standard-phrase');
  const [phrases, setPhrases] = useState<ReadonlyArray<[string, string]>>([]);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (!agreed) return;
    let live = true;
    void api.format(agreed.hash).then((d) => {
      const def = d.definition;
      const section = def.languages[lang] ?? def.languages.en ?? Object.values(def.languages)[0]!;
      const codes = def.fields.find((f) => f.name === 'phrase')?.values ?? [];
      const ordered = [...FIRST.filter((c) => codes.includes(c)), ...codes.filter((c) => !FIRST.includes(c))];
      if (live) setPhrases(ordered.map((c) => [c, section.values.phrase?.[c] ?? c]));
    }, (e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [agreed, lang]);
  if (!agreed || phrases.length === 0) return null;
  const send = async (phrase: string) => {
    setError(undefined);
    try {
      await api.sendFormatted(channel, { format: { id: 'standard-phrase' }, fields: { phrase }, lang, ...(replyTo ? { replyTo } : {}) });
      onSent();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <div className="phrases" role="group" aria-label={tr('standardPhrases')} data-testid="phrases">
      <span className="muted">
        <T k="standardPhrases" />:
      </span>
      {phrases.map(([code, label]) => (
        <button key={code} type="button" className="template phrase" data-phrase={code} onClick={() => void send(code)}>
          {label}
        </button>
      ))}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}

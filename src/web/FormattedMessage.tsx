/**
 * A formatted message (#17) as the officer reads it: its fields labelled in the officer's language,
 * rendered by the terminal from the agreed definition, with the original (the sender's text, in
 * the sender's language) beside it.
 */
import type { Message, Rendered } from './api.js';
import { SignedText } from './SignedText.js';
import { T, useLanguage } from './i18n.js';

/** The reader's local time of a date-time field, beside its UTC and date-time group. */
function localTime(at: number, lang: string): string {
  try {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZoneName: 'short' }).format(new Date(at));
  } catch {
    return new Date(at).toString();
  }
}

export function FormattedMessage({ m, rendered }: { m: Message; rendered: Rendered }) {
  const lang = useLanguage();
  return (
    <div className="formatted" data-testid="formatted">
      <div className="formatted-rendered" lang={rendered.lang}>
        <strong className="formatted-title">{rendered.title}</strong>
        <dl>
          {rendered.fields.map((f) => (
            <div key={f.name} className="formatted-field" data-field={f.name}>
              <dt>{f.label}</dt>
              <dd>
                <SignedText text={f.value} />
                {f.at !== undefined && (
                  <span className="muted local-time" data-testid="local-time">
                    {' '}
                    · <T k="localTimeShort" /> {localTime(f.at, lang)}
                  </span>
                )}
              </dd>
            </div>
          ))}
        </dl>
      </div>
      <div className="formatted-original" lang={m.lang}>
        <span className="muted">
          <T k="original" /> [{m.lang}]
        </span>
        <p className="msg-text">
          <SignedText text={m.text} lang={m.lang} />
        </p>
      </div>
    </div>
  );
}

/**
 * What the operations screen's editors share (#15 item 11): the problems the console finds in a
 * draft, each a catalogue label with its values, and the terminal's refusal, translated by its
 * code (errorText) with the terminal's own words beside it, which name the field.
 */
import type { ReactNode } from 'react';
import { ApiError } from './api.js';
import { errorText } from './errors.js';
import { tr, useLanguage, type Label } from './i18n.js';

/** A problem of a draft: a catalogue label and its values. */
export type Problem = [Label, Record<string, string>];

/** The problems found before sending, as an alert (nothing was sent). */
export function problemsOf(problems: readonly Problem[]): ReactNode {
  if (problems.length === 0) return null;
  return (
    <div role="alert" className="bad ops-problems">
      <p>{tr('editNotSent')}</p>
      <ul>
        {problems.map(([k, v], i) => (
          <li key={i}>{tr(k, v)}</li>
        ))}
      </ul>
    </div>
  );
}

/** The terminal's refusal: the catalogue's message, and (in another language) the terminal's detail. */
export function EditorError({ error }: { error: unknown }): ReactNode {
  const lang = useLanguage();
  const text = errorText(error, lang);
  return (
    <div role="alert" className="bad ops-problems">
      <p>{text}</p>
      {error instanceof ApiError && error.message !== text && (
        <p className="muted" lang="en">
          {error.message}
        </p>
      )}
    </div>
  );
}

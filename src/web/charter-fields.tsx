/**
 * Fields a charter is drafted with, shared by the proposal form (ProposeForm) and the amendment
 * form (AmendForm): the titles per language, the acknowledgement deadline per precedence, the
 * link-test interval, and a list of peers to tick, each with its fingerprint to compare.
 */
import { PRECEDENCES, type Peer, type Precedence } from './api.js';
import { groups } from './CharterPanel.js';
import type { ReactNode } from 'react';
import { T, tr } from './i18n.js';

/** The acknowledgement deadline of each precedence, in seconds (inputs named `${prefix}deadline-P`). */
export function DeadlineFields({ value, onChange, prefix = '' }: { value: Record<Precedence, number>; onChange: (v: Record<Precedence, number>) => void; prefix?: string }) {
  return (
    <fieldset>
      <legend>
        <T k="deadlines" />
      </legend>
      <div className="row">
        {PRECEDENCES.map((p) => (
          <label key={p}>
            <span>{p} (s)</span>
            <input type="number" min={1} name={`${prefix}deadline-${p}`} value={value[p]} onChange={(e) => onChange({ ...value, [p]: Number(e.target.value) })} />
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** A title row: its language, its text; `held` for a language of the charter in force (amendments), `remove` if to drop it. */
export interface TitleRow {
  readonly lang: string;
  readonly text: string;
  readonly held?: boolean;
  readonly remove?: boolean;
}

/**
 * The charter's titles, one row per language (inputs `lang-i` and `title-LANG`), and a button for
 * another language. A language held by the charter in force keeps its tag and may be ticked for
 * removal (`remove-LANG`); a new one names its tag. The first row's title is required.
 */
export function TitleRows({ rows, onChange }: { rows: readonly TitleRow[]; onChange: (rows: TitleRow[]) => void }) {
  const set = (i: number, patch: Partial<TitleRow>) => onChange(rows.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  return (
    <fieldset>
      <legend>
        <T k="titles" />
      </legend>
      {rows.map((t, i) => (
        <div className="row" key={i}>
          <label>
            <span>
              <T k="language" />
            </span>
            {t.held ? (
              <input name={`lang-${i}`} value={t.lang} size={7} readOnly />
            ) : (
              <input name={`lang-${i}`} value={t.lang} size={7} pattern="[a-z]{2,3}(-[A-Za-z0-9]{2,8})*" required={i === 0 || t.text.trim() !== ''} onChange={(e) => set(i, { lang: e.target.value })} />
            )}
          </label>
          <label className="grow">
            <span>{tr('titleIn', { lang: t.lang })}</span>
            <input name={`title-${t.lang}`} value={t.text} required={i === 0 && !t.remove} disabled={t.remove} maxLength={500} onChange={(e) => set(i, { text: e.target.value })} />
          </label>
          {t.held && (
            <label>
              <input type="checkbox" name={`remove-${t.lang}`} checked={t.remove === true} onChange={(e) => set(i, { remove: e.target.checked })} /> <T k="removeLanguage" />
            </label>
          )}
        </div>
      ))}
      <button type="button" className="secondary" onClick={() => onChange([...rows, { lang: '', text: '' }])}>
        <T k="addLanguage" />
      </button>
    </fieldset>
  );
}

/** The roles a charter may give a party (every role but admin, which is a terminal's own). */
export const CHARTER_ROLES = ['plenipotentiary', 'principal', 'duty-officer', 'observer'] as const;

/** One checkbox per charter role (inputs named `${prefix}ROLE`). */
export function RoleChecks({ chosen, onToggle, prefix }: { chosen: readonly string[]; onToggle: (role: string) => void; prefix: string }) {
  return (
    <>
      {CHARTER_ROLES.map((r) => (
        <label key={r} className="check">
          <input type="checkbox" name={`${prefix}${r}`} checked={chosen.includes(r)} onChange={() => onToggle(r)} /> {r}
        </label>
      ))}
    </>
  );
}

/** The link-test interval in seconds (an input named `name`). */
export function IntervalField({ value, onChange, name }: { value: number; onChange: (v: number) => void; name: string }) {
  return (
    <label>
      <span>
        <T k="linkTestInterval" /> (s)
      </span>
      <input type="number" min={1} max={86_400} name={name} value={value} onChange={(e) => onChange(Number(e.target.value))} />
    </label>
  );
}

/** Peers to tick by code (inputs named `${prefix}${code}`), with their fingerprints when known. */
export function PeerChecks({ peers, chosen, onToggle, prefix }: { peers: ReadonlyArray<Pick<Peer, 'party' | 'code'> & { fingerprint?: string }>; chosen: readonly string[]; onToggle: (code: string) => void; prefix: string }) {
  return (
    <>
      {peers.map((p) => (
        <label key={p.party} className="check">
          <input type="checkbox" name={`${prefix}${p.code}`} checked={chosen.includes(p.code)} onChange={() => onToggle(p.code)} /> <strong>{p.code}</strong>
          {p.fingerprint && (
            <>
              {' '}
              <code className="fingerprint">{groups(p.fingerprint)}</code>
            </>
          )}
        </label>
      ))}
    </>
  );
}

/** A form's submit and cancel buttons, and its error once it has one. */
export function FormEnd({ submit, disabled, testId, onCancel, error }: { submit: ReactNode; disabled: boolean; testId: string; onCancel: () => void; error: string | undefined }) {
  return (
    <>
      <div className="row">
        <button type="submit" disabled={disabled} data-testid={testId}>
          {submit}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          <T k="cancel" />
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </>
  );
}

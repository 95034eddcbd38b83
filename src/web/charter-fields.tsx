/**
 * Fields a charter is drafted with, shared by the proposal form (ProposeForm) and the amendment
 * form (AmendForm): the acknowledgement deadline per precedence, the link-test interval, and a
 * list of peers to tick, each with its fingerprint to compare.
 */
import { PRECEDENCES, type Peer, type Precedence } from './api.js';
import { groups } from './CharterPanel.js';
import type { ReactNode } from 'react';
import { T } from './i18n.js';

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

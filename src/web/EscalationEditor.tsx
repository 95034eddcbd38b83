/**
 * Editing a channel's escalation policies (#15 item 11), for an officer whose role on that
 * channel allows `terminal.manage` (OpsView offers it to nobody else). Each policy: the party it
 * is for and its levels — who is notified, how long to wait, how many repeats. What the editor
 * does not show (overdue, alarms, start at receipt, reminders) is kept as it was. The obvious
 * mistakes are caught here, in the officer's language; the terminal checks the rest (e.g. a
 * contact it does not know) and its refusal is shown translated by code. Contacts and their
 * webhook secrets are not sent, so they stay as they are. A lazy chunk: loaded when opened.
 */
import { useState } from 'react';
import { api, type PolicyInput } from './api.js';
import { EditorError, problemsOf, type Problem } from './editor-kit.js';
import { tr, useLanguage } from './i18n.js';

interface DraftLevel {
  name: string;
  contacts: string;
  waitSec: string;
  repeats: string;
}
interface DraftPolicy {
  rest: Omit<PolicyInput, 'levels' | 'party' | 'channel'>;
  party: string;
  levels: DraftLevel[];
}

const MAX_WAIT_SEC = 604_800;
const PARTY = /^(\*|[A-Z0-9][A-Z0-9-]{0,15})$/;

function draftOf(p: PolicyInput): DraftPolicy {
  const { levels, party, channel: _channel, ...rest } = p;
  return { rest, party: party ?? '*', levels: levels.map((l) => ({ name: l.name, contacts: l.contacts.join(', '), waitSec: String(l.waitSec), repeats: l.repeats === undefined ? '' : String(l.repeats) })) };
}

const whole = (s: string, min: number, max: number) => /^\d+$/.test(s.trim()) && Number(s) >= min && Number(s) <= max;
const names = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The draft as the API takes it, or what is wrong with it. */
export function checkPolicies(draft: readonly DraftPolicy[]): { policies: PolicyInput[] } | { problems: Problem[] } {
  const problems: Problem[] = [];
  draft.forEach((p, i) => {
    const n = String(i + 1);
    if (!PARTY.test(p.party.trim())) problems.push(['escBadParty', { n }]);
    if (p.levels.length === 0) problems.push(['escNoLevels', { n }]);
    p.levels.forEach((l, j) => {
      const at = { n, l: String(j + 1) };
      if (!l.name.trim()) problems.push(['escLevelName', at]);
      if (names(l.contacts).length === 0) problems.push(['escLevelContacts', at]);
      if (!whole(l.waitSec, 1, MAX_WAIT_SEC)) problems.push(['escLevelWait', { ...at, max: String(MAX_WAIT_SEC) }]);
      if (l.repeats.trim() !== '' && !whole(l.repeats, 0, 100)) problems.push(['escLevelRepeats', at]);
    });
  });
  if (problems.length) return { problems };
  return {
    policies: draft.map((p) => ({
      ...p.rest,
      party: p.party.trim(),
      levels: p.levels.map((l) => ({ name: l.name.trim(), contacts: names(l.contacts), waitSec: Number(l.waitSec), ...(l.repeats.trim() !== '' ? { repeats: Number(l.repeats) } : {}) })),
    })),
  };
}

export default function EscalationEditor({ channel, own, template, onDone }: { channel: string; own: readonly PolicyInput[]; template: PolicyInput | undefined; onDone: (saved: boolean) => void }) {
  useLanguage();
  const [draft, setDraft] = useState<DraftPolicy[]>(() => (own.length ? own : template ? [template] : []).map(draftOf));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const update = (i: number, f: (p: DraftPolicy) => DraftPolicy) => setDraft((d) => d.map((p, k) => (k === i ? f(p) : p)));
  const updateLevel = (i: number, j: number, patch: Partial<DraftLevel>) => update(i, (p) => ({ ...p, levels: p.levels.map((l, k) => (k === j ? { ...l, ...patch } : l)) }));

  const save = async () => {
    setFailure(undefined);
    const checked = checkPolicies(draft);
    if ('problems' in checked) return setProblems(checked.problems);
    setProblems([]);
    setBusy(true);
    try {
      await api.setEscalation(channel, checked.policies);
      onDone(true);
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="ops-editor"
      aria-label={tr('escEditTitle')}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {draft.length === 0 && <p className="muted">{tr('escNoOwn')}</p>}
      {draft.map((p, i) => (
        <fieldset key={i}>
          <legend>{tr('escPolicyN', { n: String(i + 1) })}</legend>
          <label>
            {tr('escParty')} <input value={p.party} onChange={(e) => update(i, (x) => ({ ...x, party: e.target.value }))} size={8} />
          </label>
          <table className="ops-table">
            <thead>
              <tr>
                <th>{tr('escLevel')}</th>
                <th>{tr('escLevelNameHead')}</th>
                <th>{tr('escContacts')}</th>
                <th>{tr('escWait')}</th>
                <th>{tr('escRepeats')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {p.levels.map((l, j) => {
                const at = { n: String(i + 1), l: String(j + 1) };
                return (
                  <tr key={j}>
                    <td>{j + 1}</td>
                    <td>
                      <input aria-label={tr('escLevelNameLabel', at)} value={l.name} onChange={(e) => updateLevel(i, j, { name: e.target.value })} />
                    </td>
                    <td>
                      <input aria-label={tr('escContactsLabel', at)} value={l.contacts} onChange={(e) => updateLevel(i, j, { contacts: e.target.value })} />
                    </td>
                    <td>
                      <input aria-label={tr('escWaitLabel', at)} inputMode="numeric" size={7} value={l.waitSec} onChange={(e) => updateLevel(i, j, { waitSec: e.target.value })} />
                    </td>
                    <td>
                      <input aria-label={tr('escRepeatsLabel', at)} inputMode="numeric" size={4} value={l.repeats} onChange={(e) => updateLevel(i, j, { repeats: e.target.value })} />
                    </td>
                    <td>
                      <button type="button" onClick={() => update(i, (x) => ({ ...x, levels: x.levels.filter((_, k) => k !== j) }))}>
                        {tr('escRemoveLevel', at)}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <button type="button" onClick={() => update(i, (x) => ({ ...x, levels: [...x.levels, { name: '', contacts: '', waitSec: '300', repeats: '' }] }))}>
            {tr('escAddLevel')}
          </button>{' '}
          <button type="button" onClick={() => setDraft((d) => d.filter((_, k) => k !== i))}>
            {tr('escRemovePolicy', { n: String(i + 1) })}
          </button>
        </fieldset>
      ))}
      <p>
        <button type="button" onClick={() => setDraft((d) => [...d, draftOf(template ?? { party: '*', levels: [{ name: 'duty officer', contacts: ['console'], waitSec: 300 }] })])}>
          {tr('escAddPolicy')}
        </button>
      </p>
      {problemsOf(problems)}
      {failure !== undefined && <EditorError error={failure} />}
      <p>
        <button type="submit" disabled={busy}>
          {tr('editSave')}
        </button>{' '}
        <button type="button" onClick={() => onDone(false)}>
          {tr('editCancel')}
        </button>
      </p>
    </form>
  );
}

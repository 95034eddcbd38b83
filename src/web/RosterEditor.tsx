/**
 * Editing the duty roster (#15 item 11), for an officer whose terminal-wide roles allow
 * `terminal.manage` (OpsView offers it to nobody else): the officers and how they are reached,
 * and the shifts (daily hours in UTC, or one-off). Only `officers` and `shifts` are sent — never
 * what GET adds (who is on watch, the time). A webhook secret is never shown: left blank it is
 * sent as "(secret)", which the terminal answers by keeping the stored one. The obvious mistakes
 * are caught here; the terminal's refusal is shown translated by code. A lazy chunk.
 */
import { useState } from 'react';
import { api, type Roster, type RosterInput, type RosterOfficer, type ShiftInput } from './api.js';
import { EditorError, problemsOf, type Problem } from './editor-kit.js';
import { tr, useLanguage } from './i18n.js';

const SECRET_MASK = '(secret)';
const ID = /^[A-Za-z0-9][A-Za-z0-9._ -]*$/;
const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const CHANNEL = /^(\*|[0-9a-f]{4,64})$/;

interface DraftOfficer {
  id: string;
  name: string;
  console: boolean;
  email: string;
  webhookUrl: string;
  /** A new secret; blank keeps the stored one (if there is one). */
  secret: string;
  hasSecret: boolean;
}
interface DraftShift {
  officer: string;
  role: string;
  channel: string;
  daily: boolean;
  from: string;
  to: string;
  /** datetime-local values, read as UTC. */
  start: string;
  end: string;
}

function draftOf(r: Roster): { officers: DraftOfficer[]; shifts: DraftShift[] } {
  return {
    officers: Object.entries(r.officers).map(([id, o]) => ({ id, name: o.name, console: o.console === true, email: o.email ?? '', webhookUrl: o.webhook?.url ?? '', secret: '', hasSecret: o.webhook !== undefined })),
    shifts: r.shifts.map((s) => ({ officer: s.officer, role: s.role, channel: s.channel ?? '', daily: s.daily !== undefined || s.start === undefined, from: s.daily?.from ?? '', to: s.daily?.to ?? '', start: s.start?.slice(0, 16) ?? '', end: s.end?.slice(0, 16) ?? '' })),
  };
}

const utc = (local: string) => (local ? `${local.length === 16 ? `${local}:00` : local}Z` : '');

/** The draft as the API takes it, or what is wrong with it. */
export function checkRoster(officers: readonly DraftOfficer[], shifts: readonly DraftShift[]): { roster: RosterInput } | { problems: Problem[] } {
  const problems: Problem[] = [];
  const out: Record<string, RosterOfficer> = {};
  officers.forEach((o, i) => {
    const id = o.id.trim();
    const n = String(i + 1);
    if (!ID.test(id) || id.length > 100) return problems.push(['rosBadId', { n }]);
    if (out[id]) return problems.push(['rosDuplicateId', { id }]);
    if (!o.name.trim()) problems.push(['rosNoName', { id }]);
    if (o.email.trim() && !EMAIL.test(o.email.trim())) problems.push(['rosBadEmail', { id }]);
    const url = o.webhookUrl.trim();
    if (url && !o.hasSecret && o.secret.length === 0) problems.push(['rosNoSecret', { id }]);
    if (url && o.secret.length > 0 && (o.secret.length < 16 || o.secret.length > 500)) problems.push(['rosNoSecret', { id }]);
    out[id] = { name: o.name.trim(), ...(o.console ? { console: true } : {}), ...(o.email.trim() ? { email: o.email.trim() } : {}), ...(url ? { webhook: { url, secret: o.secret || SECRET_MASK } } : {}) };
  });
  const list: ShiftInput[] = [];
  shifts.forEach((s, i) => {
    const n = String(i + 1);
    if (!out[s.officer]) problems.push(['rosShiftOfficer', { n }]);
    if (!ID.test(s.role.trim())) problems.push(['rosShiftRole', { n }]);
    if (s.channel.trim() && !CHANNEL.test(s.channel.trim())) problems.push(['rosShiftChannel', { n }]);
    const base = { officer: s.officer, role: s.role.trim(), ...(s.channel.trim() ? { channel: s.channel.trim() } : {}) };
    if (s.daily) {
      if (!HHMM.test(s.from) || !HHMM.test(s.to)) problems.push(['rosShiftHours', { n }]);
      list.push({ ...base, daily: { from: s.from, to: s.to } });
    } else {
      const start = utc(s.start);
      const end = utc(s.end);
      if (!start || !end || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end)) || Date.parse(end) <= Date.parse(start)) problems.push(['rosShiftTimes', { n }]);
      list.push({ ...base, start, end });
    }
  });
  return problems.length ? { problems } : { roster: { officers: out, shifts: list } };
}

export default function RosterEditor({ roster, onDone }: { roster: Roster; onDone: (saved: boolean) => void }) {
  useLanguage();
  const [draft, setDraft] = useState(() => draftOf(roster));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const setOfficer = (i: number, patch: Partial<DraftOfficer>) => setDraft((d) => ({ ...d, officers: d.officers.map((o, k) => (k === i ? { ...o, ...patch } : o)) }));
  const setShift = (i: number, patch: Partial<DraftShift>) => setDraft((d) => ({ ...d, shifts: d.shifts.map((s, k) => (k === i ? { ...s, ...patch } : s)) }));

  const save = async () => {
    setFailure(undefined);
    const checked = checkRoster(draft.officers, draft.shifts);
    if ('problems' in checked) return setProblems(checked.problems);
    setProblems([]);
    setBusy(true);
    try {
      await api.setRoster(checked.roster);
      onDone(true);
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };
  const ids = draft.officers.map((o) => o.id.trim()).filter(Boolean);

  return (
    <form
      className="ops-editor"
      aria-label={tr('rosEditTitle')}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <fieldset>
        <legend>{tr('rosOfficers')}</legend>
        <table className="ops-table">
          <thead>
            <tr>
              <th>{tr('rosId')}</th>
              <th>{tr('rosName')}</th>
              <th>{tr('rosConsole')}</th>
              <th>{tr('rosEmail')}</th>
              <th>{tr('rosWebhook')}</th>
              <th>{tr('rosSecret')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {draft.officers.map((o, i) => {
              const n = { n: String(i + 1) };
              return (
                <tr key={i}>
                  <td>
                    <input aria-label={tr('rosIdLabel', n)} value={o.id} size={10} onChange={(e) => setOfficer(i, { id: e.target.value })} />
                  </td>
                  <td>
                    <input aria-label={tr('rosNameLabel', n)} value={o.name} onChange={(e) => setOfficer(i, { name: e.target.value })} />
                  </td>
                  <td>
                    <input type="checkbox" aria-label={tr('rosConsoleLabel', n)} checked={o.console} onChange={(e) => setOfficer(i, { console: e.target.checked })} />
                  </td>
                  <td>
                    <input type="email" aria-label={tr('rosEmailLabel', n)} value={o.email} onChange={(e) => setOfficer(i, { email: e.target.value })} />
                  </td>
                  <td>
                    <input type="url" aria-label={tr('rosWebhookLabel', n)} value={o.webhookUrl} onChange={(e) => setOfficer(i, { webhookUrl: e.target.value })} />
                  </td>
                  <td>
                    <input type="password" autoComplete="new-password" aria-label={tr('rosSecretLabel', n)} placeholder={o.hasSecret ? tr('rosSecretKept') : ''} value={o.secret} onChange={(e) => setOfficer(i, { secret: e.target.value })} />
                  </td>
                  <td>
                    <button type="button" onClick={() => setDraft((d) => ({ ...d, officers: d.officers.filter((_, k) => k !== i) }))}>
                      {tr('rosRemoveOfficer', n)}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <button type="button" onClick={() => setDraft((d) => ({ ...d, officers: [...d.officers, { id: '', name: '', console: true, email: '', webhookUrl: '', secret: '', hasSecret: false }] }))}>
          {tr('rosAddOfficer')}
        </button>
      </fieldset>
      <fieldset>
        <legend>{tr('rosShifts')}</legend>
        <table className="ops-table">
          <thead>
            <tr>
              <th>{tr('opsOfficer')}</th>
              <th>{tr('opsRole')}</th>
              <th>{tr('rosChannel')}</th>
              <th>{tr('rosDaily')}</th>
              <th>{tr('rosFromTo')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {draft.shifts.map((s, i) => {
              const n = { n: String(i + 1) };
              return (
                <tr key={i}>
                  <td>
                    <select aria-label={tr('rosShiftOfficerLabel', n)} value={s.officer} onChange={(e) => setShift(i, { officer: e.target.value })}>
                      <option value="">–</option>
                      {[...new Set([...ids, s.officer].filter(Boolean))].map((id) => (
                        <option key={id} value={id}>
                          {id}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input aria-label={tr('rosShiftRoleLabel', n)} value={s.role} size={14} onChange={(e) => setShift(i, { role: e.target.value })} />
                  </td>
                  <td>
                    <input aria-label={tr('rosShiftChannelLabel', n)} placeholder="*" value={s.channel} size={10} onChange={(e) => setShift(i, { channel: e.target.value })} />
                  </td>
                  <td>
                    <input type="checkbox" aria-label={tr('rosShiftDailyLabel', n)} checked={s.daily} onChange={(e) => setShift(i, { daily: e.target.checked })} />
                  </td>
                  <td>
                    {s.daily ? (
                      <>
                        <input aria-label={tr('rosShiftFromLabel', n)} placeholder="HH:MM" size={5} value={s.from} onChange={(e) => setShift(i, { from: e.target.value })} /> – <input aria-label={tr('rosShiftToLabel', n)} placeholder="HH:MM" size={5} value={s.to} onChange={(e) => setShift(i, { to: e.target.value })} />
                      </>
                    ) : (
                      <>
                        <input type="datetime-local" aria-label={tr('rosShiftStartLabel', n)} value={s.start} onChange={(e) => setShift(i, { start: e.target.value })} /> – <input type="datetime-local" aria-label={tr('rosShiftEndLabel', n)} value={s.end} onChange={(e) => setShift(i, { end: e.target.value })} />
                      </>
                    )}
                  </td>
                  <td>
                    <button type="button" onClick={() => setDraft((d) => ({ ...d, shifts: d.shifts.filter((_, k) => k !== i) }))}>
                      {tr('rosRemoveShift', n)}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <button type="button" onClick={() => setDraft((d) => ({ ...d, shifts: [...d.shifts, { officer: ids[0] ?? '', role: 'duty-officer', channel: '', daily: true, from: '08:00', to: '20:00', start: '', end: '' }] }))}>
          {tr('rosAddShift')}
        </button>
      </fieldset>
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

/**
 * The audit log on the operations screen (#15 item 11): its hash chain checked, the newest page,
 * older pages on demand (GET /api/v1/audit/records with the previous page's `next`), a filter by
 * actor, action (or its prefix) and time (UTC), and a download of the whole log as the terminal
 * exports it (GET /api/v1/audit, JSON Lines), fetched when the button is pressed.
 */
import { useCallback, useEffect, useState } from 'react';
import { api, type AuditCheck, type AuditQuery, type AuditRecord } from './api.js';
import { errorText } from './errors.js';
import { when, whenTitle } from './format.js';
import { tr, useLanguage } from './i18n.js';

/** Records of each page. */
const PAGE = 50;

const utcMs = (local: string) => (local ? Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`) : undefined);

export function AuditBrowser() {
  const lang = useLanguage();
  const [check, setCheck] = useState<AuditCheck | undefined>();
  const [records, setRecords] = useState<AuditRecord[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [filter, setFilter] = useState({ actor: '', action: '', since: '', until: '' });
  const [applied, setApplied] = useState<AuditQuery>({});
  const [busy, setBusy] = useState(false);

  const load = useCallback(async (q: AuditQuery, before?: number) => {
    setBusy(true);
    try {
      const page = await api.auditPage({ ...q, limit: PAGE, ...(before !== undefined ? { before } : {}) });
      setRecords((r) => (before === undefined ? page.records : [...r, ...page.records]));
      setNext(page.next);
      setError(undefined);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    void api.auditVerify().then(setCheck, (e: unknown) => setError(errorText(e)));
    void load({});
  }, [load]);

  const download = async () => {
    try {
      save(await api.auditExport());
    } catch (e) {
      setError(errorText(e));
    }
  };

  if (error !== undefined && check === undefined) return <p className="muted">{error}</p>;
  return (
    <>
      {check && (
        <p className={check.ok ? 'ok' : 'bad'} role="status">
          {check.ok ? tr('opsAuditIntact', { n: String(check.records) }) : tr('opsAuditBroken', { seq: String(check.seq), detail: check.problem })}
        </p>
      )}
      <button type="button" onClick={() => void download()}>
        {tr('opsAuditDownload')}
      </button>
      <form
        className="ops-filter"
        aria-label={tr('auditFilter')}
        onSubmit={(e) => {
          e.preventDefault();
          const since = utcMs(filter.since);
          const until = utcMs(filter.until);
          const q: AuditQuery = { ...(filter.actor.trim() ? { actor: filter.actor.trim() } : {}), ...(filter.action.trim() ? { action: filter.action.trim() } : {}), ...(since !== undefined && !Number.isNaN(since) ? { since } : {}), ...(until !== undefined && !Number.isNaN(until) ? { until } : {}) };
          setApplied(q);
          void load(q);
        }}
      >
        <label>
          {tr('opsWho')} <input value={filter.actor} onChange={(e) => setFilter({ ...filter, actor: e.target.value })} />
        </label>{' '}
        <label>
          {tr('opsAction')} <input value={filter.action} placeholder="auth" onChange={(e) => setFilter({ ...filter, action: e.target.value })} />
        </label>{' '}
        <label>
          {tr('auditSince')} <input type="datetime-local" value={filter.since} onChange={(e) => setFilter({ ...filter, since: e.target.value })} />
        </label>{' '}
        <label>
          {tr('auditUntil')} <input type="datetime-local" value={filter.until} onChange={(e) => setFilter({ ...filter, until: e.target.value })} />
        </label>{' '}
        <button type="submit" disabled={busy}>
          {tr('auditApply')}
        </button>
      </form>
      {error !== undefined && <p className="bad" role="alert">{error}</p>}
      <table className="ops-table">
        <thead>
          <tr>
            <th>#</th>
            <th>{tr('opsWhen')}</th>
            <th>{tr('opsWho')}</th>
            <th>{tr('opsAction')}</th>
          </tr>
        </thead>
        <tbody>
          {records.map((l) => (
            <tr key={l.seq}>
              <td>{l.seq}</td>
              <td title={whenTitle(l.at, lang)}>{when(l.at)}</td>
              <td>{l.actor}</td>
              <td>{l.action}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {records.length === 0 && !busy && <p className="muted">{tr('auditNone')}</p>}
      {next !== null && (
        <button type="button" disabled={busy} onClick={() => void load(applied, next)}>
          {tr('auditOlder')}
        </button>
      )}
    </>
  );
}

/** Save the terminal's export (JSON Lines) as a file. */
function save(text: string): void {
  const blob = new Blob([text], { type: 'application/x-ndjson' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'audit.jsonl';
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

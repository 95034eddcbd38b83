/**
 * The operations screen (`#ops`, #15 item 11): how ready the watch is, per channel — drills sent
 * and acknowledged, time to acknowledge over time (a uPlot chart, the deadline drawn across), by
 * shift and by officer — what is overdue now and whom it went to, who is on watch, and the audit
 * log with its hash chain checked. It reads the officer API only; a part the officer may not read
 * says so instead of failing the screen.
 */
import { errorText } from './errors.js';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, mayDo, type ChannelSummary, type Readiness, type Roster, type OverdueMessage, type Session } from './api.js';
import { AuditBrowser } from './AuditBrowser.js';
import { EscalationPart } from './EscalationPart.js';
import { titleOf, when, whenTitle } from './format.js';
import { T, tr, useLanguage } from './i18n.js';

type Part<T> = { ok: true; value: T } | { ok: false; error: string };

async function part<T>(p: Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, error: errorText(e) };
  }
}

function seconds(ms: number | null): string {
  return ms === null ? '–' : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** The roster editor: only for an officer who may change the roster, loaded when opened. */
const RosterEditor = lazy(() => import('./RosterEditor.js'));

export function OpsView({ session }: { session: Pick<Session, 'permissions' | 'terminalPermissions' | 'channelPermissions'> }) {
  const lang = useLanguage();
  const [editingRoster, setEditingRoster] = useState(false);
  const [rosterSaved, setRosterSaved] = useState(false);
  const [channels, setChannels] = useState<ChannelSummary[]>([]);
  const [channel, setChannel] = useState<string | undefined>();
  const [readiness, setReadiness] = useState<Part<Readiness> | undefined>();
  const [overdue, setOverdue] = useState<Part<OverdueMessage[]> | undefined>();
  const [roster, setRoster] = useState<Part<Roster> | undefined>();
  const loadRoster = useCallback(async () => setRoster(await part(api.roster())), []);

  useEffect(() => {
    const load = async () => {
      const c = await api.channels().catch(() => [] as ChannelSummary[]);
      setChannels(c);
      setChannel((cur) => cur ?? c.find((x) => x.state === 'active')?.id ?? c[0]?.id);
      setOverdue(await part(api.overdue()));
      await loadRoster();
    };
    void load();
    const t = setInterval(() => void load(), 30_000);
    return () => clearInterval(t);
  }, [loadRoster]);

  useEffect(() => {
    if (!channel) return;
    let stale = false;
    void part(api.readiness(channel)).then((r) => !stale && setReadiness(r));
    return () => void (stale = true);
  }, [channel]);

  return (
    <main className="ops" aria-labelledby="ops-title">
      <header className="ops-head">
        <h1 id="ops-title">
          <T k="opsTitle" />
        </h1>
        <a href="#">{tr('opsBack')}</a>
      </header>
      <section aria-labelledby="ready-title">
        <h2 id="ready-title">
          <T k="opsReadiness" />
        </h2>
        <label>
          <T k="opsChannel" />{' '}
          <select value={channel ?? ''} onChange={(e) => setChannel(e.target.value)}>
            {channels.map((c) => (
              <option key={c.id} value={c.id}>
                {titleOf(c.title, lang)}
              </option>
            ))}
          </select>
        </label>
        {readiness === undefined ? <p className="muted">{tr('loading')}</p> : readiness.ok ? <ReadinessPart r={readiness.value} /> : <p className="muted">{readiness.error}</p>}
      </section>
      {channel && <EscalationPart channel={channel} mayEdit={mayDo(session, 'terminal.manage', channel)} />}
      <section aria-labelledby="overdue-title">
        <h2 id="overdue-title">
          <T k="opsOverdue" />
        </h2>
        {overdue === undefined ? null : !overdue.ok ? (
          <p className="muted">{overdue.error}</p>
        ) : overdue.value.length === 0 ? (
          <p className="muted">
            <T k="opsNothingOverdue" />
          </p>
        ) : (
          <table className="ops-table">
            <thead>
              <tr>
                <th>{tr('opsPrecedence')}</th>
                <th>{tr('opsFrom')}</th>
                <th>{tr('opsDeadline')}</th>
                <th>{tr('opsEscalatedTo')}</th>
              </tr>
            </thead>
            <tbody>
              {overdue.value.map((m) => (
                <tr key={m.id} className={m.precedence === 'FLASH' ? 'flash-row' : undefined}>
                  <td>{m.precedence}</td>
                  <td>{m.from}</td>
                  <td title={m.deadlineAt === null ? undefined : whenTitle(m.deadlineAt, lang)}>{m.deadlineAt === null ? '–' : when(m.deadlineAt)}</td>
                  <td>{m.to.join(', ') || '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="roster-title">
        <h2 id="roster-title">
          <T k="opsRoster" />
        </h2>
        {roster === undefined ? null : !roster.ok ? (
          <p className="muted">{roster.error}</p>
        ) : (
          <>
            <p>
              <T k="opsOnWatch" />: <strong>{roster.value.onWatch.length ? roster.value.onWatch.map((w) => `${w.name} (${w.role}, ${tr('opsUntil')} ${when(w.until)})`).join('; ') : '–'}</strong>
            </p>
            <table className="ops-table">
              <thead>
                <tr>
                  <th>{tr('opsOfficer')}</th>
                  <th>{tr('opsRole')}</th>
                  <th>{tr('opsHoursUtc')}</th>
                </tr>
              </thead>
              <tbody>
                {roster.value.shifts.map((s, i) => (
                  <tr key={i}>
                    <td>{s.officer}</td>
                    <td>{s.role}</td>
                    <td>{s.daily ? `${s.daily.from}–${s.daily.to}` : `${s.start ?? ''} – ${s.end ?? ''}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {mayDo(session, 'terminal.manage') &&
              (editingRoster ? (
                <Suspense fallback={<p className="muted">{tr('loading')}</p>}>
                  <RosterEditor
                    roster={roster.value}
                    onDone={(saved) => {
                      setEditingRoster(false);
                      // "Saved." once the roster the terminal now holds is shown.
                      if (saved) void loadRoster().then(() => setRosterSaved(true));
                    }}
                  />
                </Suspense>
              ) : (
                <>
                  {rosterSaved && (
                    <p className="ok" role="status">
                      {tr('editSaved')}
                    </p>
                  )}
                  <button
                    type="button"
                    onClick={() => {
                      setRosterSaved(false);
                      setEditingRoster(true);
                    }}
                  >
                    {tr('rosEdit')}
                  </button>
                </>
              ))}
          </>
        )}
      </section>
      <section aria-labelledby="audit-title">
        <h2 id="audit-title">
          <T k="opsAudit" />
        </h2>
        <AuditBrowser />
      </section>
    </main>
  );
}

function ReadinessPart({ r }: { r: Readiness }) {
  useLanguage(); // labels follow the language switch
  const o = r.overall;
  return (
    <>
      <dl className="ops-stats">
        <div>
          <dt>{tr('opsDrillsSent')}</dt>
          <dd>{o.sent}</dd>
        </div>
        <div>
          <dt>{tr('opsAcknowledged')}</dt>
          <dd>{o.acknowledged}</dd>
        </div>
        <div>
          <dt>{tr('opsMissed')}</dt>
          <dd className={o.missed > 0 ? 'bad' : undefined}>{o.missed}</dd>
        </div>
        <div>
          <dt>{tr('opsMedian')}</dt>
          <dd>{seconds(o.timeToAck.medianMs)}</dd>
        </div>
        <div>
          <dt>{tr('opsWorst')}</dt>
          <dd>{seconds(o.timeToAck.worstMs)}</dd>
        </div>
      </dl>
      <AckChart r={r} />
      <table className="ops-table">
        <thead>
          <tr>
            <th>{tr('opsShift')}</th>
            <th>{tr('opsDrillsSent')}</th>
            <th>{tr('opsAcknowledged')}</th>
            <th>{tr('opsMissed')}</th>
            <th>{tr('opsMedian')}</th>
          </tr>
        </thead>
        <tbody>
          {r.byShift.map((s) => (
            <tr key={s.shift}>
              <td>{s.shift}</td>
              <td>{s.sent}</td>
              <td>{s.acknowledged}</td>
              <td>{s.missed}</td>
              <td>{seconds(s.timeToAck.medianMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="ops-table">
        <thead>
          <tr>
            <th>{tr('opsOfficer')}</th>
            <th>{tr('opsAcknowledged')}</th>
            <th>{tr('opsLate')}</th>
            <th>{tr('opsMedian')}</th>
          </tr>
        </thead>
        <tbody>
          {r.byOfficer.map((x) => (
            <tr key={`${x.party}/${x.officer}`}>
              <td>
                {x.party} · {x.officer} ({x.title})
              </td>
              <td>{x.acknowledged}</td>
              <td>{x.late}</td>
              <td>{seconds(x.timeToAck.medianMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Time to acknowledge each drill (s) against when it was sent, with its deadline: uPlot. */
function AckChart({ r }: { r: Readiness }) {
  const lang = useLanguage();
  const box = useRef<HTMLDivElement>(null);
  const data = useMemo(() => {
    const drills = r.drills.filter((d) => d.timeToAckMs !== null || d.status === 'unanswered');
    const xs = drills.map((d) => d.time / 1000);
    const ack = drills.map((d) => (d.timeToAckMs === null ? null : d.timeToAckMs / 1000));
    const deadline = drills.map((d) => (d.deadlineAt === null ? null : (d.deadlineAt - d.time) / 1000));
    return [xs, ack, deadline] as uPlot.AlignedData;
  }, [r]);
  useEffect(() => {
    const el = box.current;
    if (!el || data[0].length === 0) return;
    const plot = new uPlot(
      {
        width: Math.min(720, el.clientWidth || 640),
        height: 200,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true, auto: false, ...xRange(data[0] as number[]) }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        series: [{}, { label: tr('opsTimeToAck'), stroke: '#0b63ce', width: 2, points: { show: true, size: 6 } }, { label: tr('opsDeadline'), stroke: '#b00020', dash: [6, 4], width: 1 }],
        axes: [{}, { label: 's' }],
      },
      data,
      el,
    );
    return () => plot.destroy();
  }, [data, lang]);
  if (data[0].length === 0)
    return (
      <p className="muted">
        <T k="opsNoDrills" />
      </p>
    );
  return <div ref={box} className="ops-chart" role="img" aria-label={tr('opsChartLabel', { n: String(data[0].length) })} />;
}

/** The time axis: the drills' span, at least an hour around a single drill. */
function xRange(xs: readonly number[]): { min: number; max: number } {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return hi - lo < 600 ? { min: lo - 1800, max: hi + 1800 } : { min: lo, max: hi };
}

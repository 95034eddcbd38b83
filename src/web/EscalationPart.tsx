/**
 * The operations screen's escalation part (#15 item 11): for the channel chosen, the policy in
 * effect for each party (levels: who is notified, the wait, the repeats) and whether the channel
 * has policies of its own; an officer whose role on that channel allows `terminal.manage` may
 * edit them (EscalationEditor, a lazy chunk), nobody else is offered it.
 */
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { api, type ChannelEscalation } from './api.js';
import { errorText } from './errors.js';
import { T, tr, useLanguage } from './i18n.js';

const EscalationEditor = lazy(() => import('./EscalationEditor.js'));

export function EscalationPart({ channel, mayEdit }: { channel: string; mayEdit: boolean }) {
  useLanguage();
  const [view, setView] = useState<{ ok: true; value: ChannelEscalation } | { ok: false; error: string } | undefined>();
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const load = useCallback(async () => {
    try {
      setView({ ok: true, value: await api.escalation(channel) });
    } catch (e) {
      setView({ ok: false, error: errorText(e) });
    }
  }, [channel]);
  useEffect(() => {
    setEditing(false);
    setSaved(false);
    void load();
  }, [load]);

  return (
    <section aria-labelledby="esc-title">
      <h2 id="esc-title">
        <T k="escTitle" />
      </h2>
      {view === undefined ? null : !view.ok ? (
        <p className="muted">{view.error}</p>
      ) : (
        <>
          <p className="muted">{view.value.policies.length ? tr('escOwn', { count: view.value.policies.length }) : tr('escInherited')}</p>
          {view.value.effective.map((e) => (
            <div key={e.party} className="esc-effective">
              <h3>{tr('escForParty', { party: e.party })}</h3>
              <ol>
                {e.policy.levels.map((l, i) => (
                  <li key={i}>{tr('escLevelSummary', { name: l.name, contacts: l.contacts.join(', '), wait: String(l.waitSec), repeats: String(l.repeats ?? 0) })}</li>
                ))}
              </ol>
            </div>
          ))}
          {saved && (
            <p className="ok" role="status">
              {tr('editSaved')}
            </p>
          )}
          {mayEdit &&
            (editing ? (
              <Suspense fallback={<p className="muted">{tr('loading')}</p>}>
                <EscalationEditor
                  channel={channel}
                  own={view.value.policies}
                  template={view.value.effective[0]?.policy}
                  onDone={(ok) => {
                    setEditing(false);
                    // "Saved." once what the terminal now holds is shown.
                    if (ok) void load().then(() => setSaved(true));
                  }}
                />
              </Suspense>
            ) : (
              <button
                type="button"
                onClick={() => {
                  setSaved(false);
                  setEditing(true);
                }}
              >
                {tr('escEdit')}
              </button>
            ))}
        </>
      )}
    </section>
  );
}

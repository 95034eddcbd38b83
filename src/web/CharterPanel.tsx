/**
 * A channel's charter (#15 item 9): its exact terms and hash, the parties with their fingerprints
 * large enough to read aloud (and the comparison step before accepting), the charter actions this
 * officer may take in this state (accept, decline, withdraw, suspend, resume, close; a reason where
 * the record needs one), and the state history with reasons.
 */
import { AmendForm } from './AmendForm.js';
import { errorText } from './errors.js';
import { useCallback, useEffect, useState } from 'react';
import { api, type ChannelDetail, type CharterAction, type CharterChange, type Peer, type StateChange } from './api.js';
import { dtg, when } from './format.js';
import { T, tr, type Label } from './i18n.js';

/** A hash or fingerprint in groups of four, to read aloud. */
export function groups(hex: string): string {
  // A fingerprint may come grouped already (digits in fives): kept as it is.
  return /\s/.test(hex) ? hex : hex.replace(/(.{4})/g, '$1 ').trim();
}

/** The permission each action needs (the officer API's CHARTER_ACTIONS). */
const NEEDS: Record<CharterAction, string> = { accept: 'charter.accept', decline: 'charter.decline', withdraw: 'charter.withdraw', suspend: 'charter.suspend', resume: 'charter.resume', close: 'charter.close' };
/** The actions whose record needs a reason. */
const REASON_REQUIRED = new Set<CharterAction>(['decline', 'withdraw', 'suspend', 'close']);

/** What may be done to a channel in `state` by this party (not yet accepted, proposer or not). */
function actionsFor(detail: ChannelDetail, self: string): CharterAction[] {
  const me = detail.parties.find((p) => p.code === self);
  // A pending amendment (POST /channels/:id/amend) awaits the answers of the parties it names (by
  // code, as the API labels them): those of the charter in force and of the amended one, so a
  // party it adds answers here before it is a member; its proposer may withdraw it.
  const amendment = detail.pendingAmendment;
  const answers: CharterAction[] = !amendment ? [] : amendment.proposer === self ? ['withdraw'] : amendment.awaiting.includes(self) ? ['accept', 'decline'] : [];
  switch (detail.state) {
    case 'proposed':
      return detail.proposer === self || detail.proposer === me?.party ? ['withdraw'] : me && !me.accepted ? ['accept', 'decline'] : [];
    case 'active':
      return [...answers, ...(me ? (['suspend', 'close'] as const) : [])];
    case 'suspended':
      return [...answers, ...(me ? (['resume', 'close'] as const) : [])];
    default:
      return [];
  }
}

/** One change of a pending amendment, in the officer's language. */
function changeText(c: CharterChange): string {
  const secs = (n: number) => String(n);
  const date = (t: number | null) => (t === null ? tr('never') : dtg(t));
  switch (c.kind) {
    case 'party-added':
      return tr('change_partyAdded', { code: c.code, roles: c.roles.join(', ') });
    case 'party-removed':
      return tr('change_partyRemoved', { code: c.code });
    case 'party-roles':
      return tr('change_partyRoles', { code: c.code, from: c.from.join(', '), to: c.to.join(', ') });
    case 'title':
      return tr('change_title', { lang: c.lang, from: c.from ?? tr('none'), to: c.to ?? tr('none') });
    case 'language-added':
      return tr('change_languageAdded', { lang: c.lang });
    case 'language-removed':
      return tr('change_languageRemoved', { lang: c.lang });
    case 'tier':
      return tr('change_tier', { from: c.from, to: c.to });
    case 'ack-deadline':
      return tr('change_ackDeadline', { precedence: c.precedence, from: secs(c.from), to: secs(c.to) });
    case 'link-test-interval':
      return tr('change_linkTest', { from: secs(c.from), to: secs(c.to) });
    case 'expires':
      return tr('change_expires', { from: date(c.from), to: date(c.to) });
    case 'note':
      return tr('change_note', { to: c.to ?? tr('none') });
    case 'dialogue':
      return tr('change_dialogue');
    case 'format-added':
      return tr('change_formatAdded', { format: `${c.format.id}@${c.format.version}` });
    case 'format-removed':
      return tr('change_formatRemoved', { format: `${c.format.id}@${c.format.version}` });
    case 'protocol':
      return tr('change_protocol', { from: c.from, to: c.to });
  }
}

const partyCode = (detail: ChannelDetail, key: string): string => detail.parties.find((x) => x.party === key)?.code ?? key.slice(0, 8);

export function CharterPanel({ detail, self, permissions, onChanged }: { detail: ChannelDetail; self: string; permissions: readonly string[]; onChanged: () => void }) {
  const [history, setHistory] = useState<readonly StateChange[]>([]);
  const [peers, setPeers] = useState<readonly Peer[]>([]);
  const [ownFingerprint, setOwnFingerprint] = useState<string | undefined>();
  const [action, setAction] = useState<CharterAction | undefined>();
  const [reason, setReason] = useState('');
  const [compared, setCompared] = useState(false);
  const [error, setError] = useState<string | undefined>();
  // Open at first while a proposal awaits an answer; then as the officer leaves it.
  const [openAtFirst] = useState(detail.state === 'proposed' || detail.pendingAmendment !== undefined);
  const [amending, setAmending] = useState(false);
  // An amendment may be proposed by a party, while none is pending (§5.3), on an open channel.
  const mayAmend = permissions.includes('charter.amend') && !detail.pendingAmendment && (detail.state === 'active' || detail.state === 'suspended') && detail.parties.some((p) => p.code === self);
  const load = useCallback(async () => {
    setHistory(await api.history(detail.id).catch(() => []));
    if (permissions.includes('terminal.read')) setPeers(await api.peers().catch(() => []));
    setOwnFingerprint((await api.status().catch(() => undefined))?.fingerprint);
  }, [detail.id, detail.state, permissions]);
  useEffect(() => void load(), [load]);

  const offered = actionsFor(detail, self).filter((a) => permissions.includes(NEEDS[a]));
  const c = detail.charter;
  const act = async (a: CharterAction) => {
    setError(undefined);
    try {
      await api.charterAction(detail.id, a, reason.trim() || undefined);
      setAction(undefined);
      setReason('');
      onChanged();
      void load();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <details className="charter" open={openAtFirst} data-testid="charter">
      <summary>
        <T k="charterTerms" />
      </summary>
      <p className="hash">
        <T k="charterHash" />: <code className="read-aloud" data-testid="charter-hash">{groups(detail.charterHash)}</code>
      </p>
      <dl className="terms">
        <dt><T k="titles" /></dt>
        <dd>
          {Object.entries(c.title).map(([l, t]) => (
            <span key={l} lang={l} className="term-title">
              {l}: {t}
            </span>
          ))}
        </dd>
        <dt><T k="tier" /></dt>
        <dd>{c.tier}</dd>
        <dt><T k="languages" /></dt>
        <dd>{c.languages.join(', ')}</dd>
        <dt><T k="deadlines" /></dt>
        <dd>{Object.entries(c.ackDeadlineSec).map(([p, s]) => `${p} ${s} s`).join(' · ')}</dd>
        <dt><T k="linkTestInterval" /></dt>
        <dd>{c.linkTestIntervalSec} s</dd>
        {c.note && (
          <>
            <dt><T k="note" /></dt>
            <dd>{c.note}</dd>
          </>
        )}
      </dl>
      <h4>
        <T k="partiesAndFingerprints" />
      </h4>
      <ul className="charter-parties">
        {detail.parties.map((p) => {
          const fp = p.code === self ? ownFingerprint : peers.find((x) => x.party === p.party)?.fingerprint;
          return (
            <li key={p.party}>
              <strong>{p.code}</strong> {p.code === self ? `(${tr('us')})` : ''} · {p.roles.join(', ')} · {p.accepted ? <T k="accepted" /> : <T k="notYetAccepted" />}
              {fp && <code className="read-aloud fingerprint">{groups(fp)}</code>}
            </li>
          );
        })}
      </ul>
      {detail.pendingAmendment && (
        <div className="pending-amendment" data-testid="pending-amendment">
          <p>
            <T k="pendingAmendment" proposer={partyCode(detail, detail.pendingAmendment.proposer)} accepted={detail.pendingAmendment.accepted.map((k) => partyCode(detail, k)).join(', ')} />{' '}
            <code className="read-aloud">{groups(detail.pendingAmendment.hash)}</code>
          </p>
          <p>
            <T k="amendmentReason" reason={detail.pendingAmendment.reason} />
          </p>
          {detail.pendingAmendment.awaiting.length > 0 && (
            <p>
              <T k="amendmentAwaiting" parties={detail.pendingAmendment.awaiting.join(', ')} />
            </p>
          )}
          <h5>
            <T k="amendmentChanges" />
          </h5>
          <ul className="amendment-changes" data-testid="amendment-changes">
            {detail.pendingAmendment.changes.map((c, i) => (
              <li key={i}>{changeText(c)}</li>
            ))}
          </ul>
        </div>
      )}
      {offered.length > 0 && (
        <div className="charter-actions" role="group" aria-label={tr('charterActions')}>
          {offered.includes('accept') && (
            <label className="compare">
              <input type="checkbox" checked={compared} onChange={(e) => setCompared(e.target.checked)} data-testid="compared" /> <T k="comparedAloud" />
            </label>
          )}
          {offered.map((a) => (
            <button key={a} type="button" className={a === 'accept' || a === 'resume' ? '' : 'secondary'} data-testid={`charter-${a}`} disabled={a === 'accept' && !compared} onClick={() => (REASON_REQUIRED.has(a) || a === 'resume' ? setAction(a) : void act(a))}>
              {tr(`action_${a}` as Label)}
            </button>
          ))}
        </div>
      )}
      {mayAmend && !amending && (
        <button type="button" className="secondary" data-testid="amend-open" onClick={() => setAmending(true)}>
          <T k="proposeAmendment" />
        </button>
      )}
      {mayAmend && amending && (
        <AmendForm
          detail={detail}
          self={self}
          onDone={() => {
            setAmending(false);
            onChanged();
          }}
        />
      )}
      {action && (
        <form
          className="charter-reason"
          onSubmit={(e) => {
            e.preventDefault();
            void act(action);
          }}
        >
          <label>
            <span>{REASON_REQUIRED.has(action) ? tr('reasonRequired') : tr('reasonOptional')}</span>
            <input name="reason" required={REASON_REQUIRED.has(action)} maxLength={4000} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
          </label>
          <button type="submit" data-testid="charter-confirm">{tr(`action_${action}` as Label)}</button>{' '}
          <button type="button" className="secondary" onClick={() => setAction(undefined)}>
            <T k="cancel" />
          </button>
        </form>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <h4>
        <T k="stateHistory" />
      </h4>
      <ol className="history" data-testid="history">
        {history.map((h) => (
          <li key={h.entry}>
            {when(h.time)} <span className="dtg">{dtg(h.time)}</span> · <strong>{h.code}</strong> {tr(`kind_${h.kind.replace('.', '_')}` as Label)}
            {h.reason && (
              <>
                {' '}
                — <q>{h.reason}</q>
              </>
            )}
          </li>
        ))}
      </ol>
    </details>
  );
}

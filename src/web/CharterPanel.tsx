/**
 * A channel's charter (#15 item 9): its exact terms and hash, the parties with their fingerprints
 * large enough to read aloud (and the comparison step before accepting), the charter actions this
 * officer may take in this state (accept, decline, withdraw, suspend, resume, close; a reason where
 * the record needs one), and the state history with reasons.
 */
import { errorText } from './errors.js';
import { useCallback, useEffect, useState } from 'react';
import { api, type ChannelDetail, type CharterAction, type Peer, type StateChange } from './api.js';
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
  switch (detail.state) {
    case 'proposed':
      return detail.proposer === self || detail.proposer === me?.party ? ['withdraw'] : me && !me.accepted ? ['accept', 'decline'] : [];
    case 'active': {
      // A pending amendment (POST /channels/:id/amend) awaits this party's answer, or its proposer's withdrawal.
      const amendment = detail.pendingAmendment;
      if (!amendment || !me) return ['suspend', 'close'];
      if (amendment.proposer === me.party) return ['withdraw', 'suspend', 'close'];
      return amendment.accepted.includes(me.party) ? ['suspend', 'close'] : ['accept', 'decline', 'suspend', 'close'];
    }
    case 'suspended':
      return ['resume', 'close'];
    default:
      return [];
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
        <p className="pending-amendment" data-testid="pending-amendment">
          <T k="pendingAmendment" proposer={partyCode(detail, detail.pendingAmendment.proposer)} accepted={detail.pendingAmendment.accepted.map((k) => partyCode(detail, k)).join(', ')} />{' '}
          <code className="read-aloud">{groups(detail.pendingAmendment.hash)}</code>
        </p>
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

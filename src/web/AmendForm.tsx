/**
 * Propose an amendment of a channel's charter (docs/protocol.md §5.3): parties to add (paired peers
 * not yet in it) or remove, the acknowledgement deadlines and the link-test interval, and the
 * reason for the record. Only what differs from the charter in force is sent; the panel then shows
 * the amendment pending with what it changes. Offered to an officer with charter.amend while no
 * amendment is pending.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, PRECEDENCES, type AmendmentInput, type ChannelDetail, type Peer, type Precedence } from './api.js';
import { errorText } from './errors.js';
import { groups } from './CharterPanel.js';
import { T, tr } from './i18n.js';

export function AmendForm({ detail, self, onDone }: { detail: ChannelDetail; self: string; onDone: () => void }) {
  const c = detail.charter;
  const [peers, setPeers] = useState<readonly Peer[]>([]);
  const [add, setAdd] = useState<readonly string[]>([]);
  const [remove, setRemove] = useState<readonly string[]>([]);
  const [deadlines, setDeadlines] = useState<Record<Precedence, number>>({ ...c.ackDeadlineSec });
  const [interval, setIntervalSec] = useState(c.linkTestIntervalSec);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api.peers().then(setPeers, (e: unknown) => setError(errorText(e)));
  }, []);
  const toggle = (list: readonly string[], x: string) => (list.includes(x) ? list.filter((y) => y !== x) : [...list, x]);
  const members = new Set(c.parties.map((p) => p.party));
  const candidates = peers.filter((p) => !members.has(p.party));
  const others = c.parties.filter((p) => p.code !== self);

  const changed = (): Omit<AmendmentInput, 'reason'> => {
    const ack = Object.fromEntries(PRECEDENCES.filter((p) => deadlines[p] !== c.ackDeadlineSec[p]).map((p) => [p, deadlines[p]]));
    return {
      ...(add.length ? { addParties: [...add] } : {}),
      ...(remove.length ? { removeParties: [...remove] } : {}),
      ...(Object.keys(ack).length ? { ackDeadlineSec: ack } : {}),
      ...(interval !== c.linkTestIntervalSec ? { linkTestIntervalSec: interval } : {}),
    };
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api.amend(detail.id, { ...changed(), reason: reason.trim() });
      onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <form className="amend send" onSubmit={(e) => void submit(e)} aria-labelledby="amend-title" data-testid="amend-form">
      <h4 id="amend-title">
        <T k="proposeAmendment" />
      </h4>
      {candidates.length > 0 && (
        <fieldset>
          <legend>
            <T k="partiesToAdd" />
          </legend>
          {candidates.map((p) => (
            <label key={p.party} className="check">
              <input type="checkbox" name={`add-${p.code}`} checked={add.includes(p.code)} onChange={() => setAdd(toggle(add, p.code))} /> <strong>{p.code}</strong> <code className="fingerprint">{groups(p.fingerprint)}</code>
            </label>
          ))}
        </fieldset>
      )}
      {others.length > 1 && (
        <fieldset>
          <legend>
            <T k="partiesToRemove" />
          </legend>
          {others.map((p) => (
            <label key={p.party} className="check">
              <input type="checkbox" name={`remove-${p.code}`} checked={remove.includes(p.code)} onChange={() => setRemove(toggle(remove, p.code))} /> <strong>{p.code}</strong>
            </label>
          ))}
        </fieldset>
      )}
      <fieldset>
        <legend>
          <T k="deadlines" />
        </legend>
        <div className="row">
          {PRECEDENCES.map((p) => (
            <label key={p}>
              <span>{p} (s)</span>
              <input type="number" min={1} name={`amend-deadline-${p}`} value={deadlines[p]} onChange={(e) => setDeadlines({ ...deadlines, [p]: Number(e.target.value) })} />
            </label>
          ))}
        </div>
      </fieldset>
      <label>
        <span>
          <T k="linkTestInterval" /> (s)
        </span>
        <input type="number" min={1} max={86_400} name="amend-interval" value={interval} onChange={(e) => setIntervalSec(Number(e.target.value))} />
      </label>
      <label>
        <span>{tr('reasonRequired')}</span>
        <input name="amend-reason" required maxLength={4000} value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      <div className="row">
        <button type="submit" disabled={Object.keys(changed()).length === 0 || !reason.trim()} data-testid="amend-submit">
          <T k="proposeAmendment" />
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          <T k="cancel" />
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

/**
 * Propose a channel (#15 item 9): titles per language, tier, the other parties (known peers, with
 * their fingerprints), this party's roles, acknowledgement deadlines per precedence and the
 * link-test interval. Offered only to an officer with charter.propose.
 */
import { errorText } from './errors.js';
import { useEffect, useState, type FormEvent } from 'react';
import { api, type Peer, type Precedence } from './api.js';
import { DeadlineFields, FormEnd, IntervalField, PeerChecks, RoleChecks, TitleRows, type TitleRow } from './charter-fields.js';
import { T, useLanguage } from './i18n.js';

const TIERS = ['leaders', 'ministerial', 'military', 'working', 'technical'] as const;
const DEFAULT_DEADLINES: Record<Precedence, number> = { FLASH: 300, IMMEDIATE: 1800, PRIORITY: 14_400, ROUTINE: 86_400 };

export function ProposeForm({ onProposed, onCancel }: { onProposed: (id: string) => void; onCancel: () => void }) {
  // The officer's own language first, and a row for another: the parties' languages are whatever
  // they agree (the title's languages become the charter's), never a fixed pair.
  const own = useLanguage();
  const [titles, setTitles] = useState<TitleRow[]>([
    { lang: own, text: '' },
    { lang: '', text: '' },
  ]);
  const [tier, setTier] = useState<string>('military');
  const [peers, setPeers] = useState<readonly Peer[]>([]);
  const [parties, setParties] = useState<readonly string[]>([]);
  const [roles, setRoles] = useState<readonly string[]>(['plenipotentiary', 'principal', 'duty-officer']);
  const [deadlines, setDeadlines] = useState(DEFAULT_DEADLINES);
  const [interval, setIntervalSec] = useState(300);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api.peers().then(setPeers, (e: Error) => setError(e.message));
  }, []);
  const toggle = (list: readonly string[], x: string) => (list.includes(x) ? list.filter((y) => y !== x) : [...list, x]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const title = Object.fromEntries(titles.filter((t) => t.lang.trim() && t.text.trim()).map((t) => [t.lang.trim(), t.text.trim()]));
    try {
      const v = await api.propose({ title, tier, parties: [...parties], roles: [...roles], languages: Object.keys(title), linkTestIntervalSec: interval, ackDeadlineSec: deadlines });
      onProposed(v.id);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <form className="propose send" onSubmit={(e) => void submit(e)} aria-labelledby="propose-title" data-testid="propose-form">
      <h2 id="propose-title">
        <T k="proposeChannel" />
      </h2>
      <TitleRows rows={titles} onChange={setTitles} />
      <label>
        <span>
          <T k="tier" />
        </span>
        <select name="tier" value={tier} onChange={(e) => setTier(e.target.value)}>
          {TIERS.map((x) => (
            <option key={x}>{x}</option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>
          <T k="otherParties" />
        </legend>
        <PeerChecks peers={peers} chosen={parties} onToggle={(code) => setParties(toggle(parties, code))} prefix="party-" />
      </fieldset>
      <fieldset>
        <legend>
          <T k="ourRoles" />
        </legend>
        <RoleChecks chosen={roles} onToggle={(r) => setRoles(toggle(roles, r))} prefix="role-" />
      </fieldset>
      <DeadlineFields value={deadlines} onChange={setDeadlines} />
      <IntervalField value={interval} onChange={setIntervalSec} name="interval" />
      <FormEnd submit={<T k="propose" />} disabled={parties.length === 0 || roles.length === 0} testId="propose-submit" onCancel={onCancel} error={error} />
    </form>
  );
}

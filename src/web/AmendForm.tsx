/**
 * Propose an amendment of a channel's charter (docs/protocol.md §5.3): parties to add (paired peers
 * not yet in it) or remove, the titles and languages, the acknowledgement deadlines and the link-test interval, and the
 * charter's note, and the reason for the record. Only what differs from the charter in force is sent; the panel then shows
 * the amendment pending with what it changes. Offered to an officer with charter.amend while no
 * amendment is pending.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, PRECEDENCES, type AmendmentInput, type ChannelDetail, type Peer, type Precedence } from './api.js';
import { errorText } from './errors.js';
import { DeadlineFields, FormEnd, IntervalField, PeerChecks, RoleChecks, TitleRows, type TitleRow } from './charter-fields.js';
import { T, tr } from './i18n.js';

export function AmendForm({ detail, self, onDone }: { detail: ChannelDetail; self: string; onDone: () => void }) {
  const c = detail.charter;
  const [peers, setPeers] = useState<readonly Peer[]>([]);
  const [add, setAdd] = useState<readonly string[]>([]);
  const [remove, setRemove] = useState<readonly string[]>([]);
  const [deadlines, setDeadlines] = useState<Record<Precedence, number>>({ ...c.ackDeadlineSec });
  const [interval, setIntervalSec] = useState(c.linkTestIntervalSec);
  const [titles, setTitles] = useState<TitleRow[]>(c.languages.map((lang) => ({ lang, text: c.title[lang] ?? '', held: true })));
  const [roles, setRoles] = useState<Record<string, readonly string[]>>(Object.fromEntries(c.parties.map((p) => [p.code, p.roles])));
  const [note, setNote] = useState(c.note ?? '');
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
    // Titles changed or added, languages added (a new row with its title) or ticked for removal.
    const kept = titles.filter((t) => !t.remove && t.lang.trim() && t.text.trim());
    const title = Object.fromEntries(kept.filter((t) => t.text.trim() !== (c.title[t.lang.trim()] ?? '')).map((t) => [t.lang.trim(), t.text.trim()]));
    const addLanguages = kept.filter((t) => !t.held && !c.languages.includes(t.lang.trim())).map((t) => t.lang.trim());
    const removeLanguages = titles.filter((t) => t.held && t.remove).map((t) => t.lang);
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
    const partyRoles = Object.fromEntries(c.parties.filter((p) => !remove.includes(p.code) && roles[p.code]!.length > 0 && !same(roles[p.code]!, p.roles)).map((p) => [p.code, [...roles[p.code]!]]));
    return {
      ...(Object.keys(partyRoles).length ? { partyRoles } : {}),
      ...(Object.keys(title).length ? { title } : {}),
      ...(addLanguages.length ? { addLanguages } : {}),
      ...(removeLanguages.length ? { removeLanguages } : {}),
      ...(add.length ? { addParties: [...add] } : {}),
      ...(remove.length ? { removeParties: [...remove] } : {}),
      ...(Object.keys(ack).length ? { ackDeadlineSec: ack } : {}),
      ...(interval !== c.linkTestIntervalSec ? { linkTestIntervalSec: interval } : {}),
      ...(note.trim() !== (c.note ?? '') ? { note: note.trim() || null } : {}),
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
          <PeerChecks peers={candidates} chosen={add} onToggle={(code) => setAdd(toggle(add, code))} prefix="add-" />
        </fieldset>
      )}
      {others.length > 1 && (
        <fieldset>
          <legend>
            <T k="partiesToRemove" />
          </legend>
          <PeerChecks peers={others} chosen={remove} onToggle={(code) => setRemove(toggle(remove, code))} prefix="remove-" />
        </fieldset>
      )}
      {c.parties
        .filter((p) => !remove.includes(p.code))
        .map((p) => (
          <fieldset key={p.code}>
            <legend>{tr('rolesOf', { code: p.code })}</legend>
            <RoleChecks chosen={roles[p.code] ?? []} onToggle={(r) => setRoles({ ...roles, [p.code]: toggle(roles[p.code] ?? [], r) })} prefix={`roles-${p.code}-`} />
          </fieldset>
        ))}
      <TitleRows rows={titles} onChange={setTitles} />
      <DeadlineFields value={deadlines} onChange={setDeadlines} prefix="amend-" />
      <IntervalField value={interval} onChange={setIntervalSec} name="amend-interval" />
      <label>
        <span>{tr('charterNote')}</span>
        <input name="amend-note" maxLength={4000} value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <label>
        <span>{tr('reasonRequired')}</span>
        <input name="amend-reason" required maxLength={4000} value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      <FormEnd submit={<T k="proposeAmendment" />} disabled={Object.keys(changed()).length === 0 || !reason.trim()} testId="amend-submit" onCancel={onDone} error={error} />
    </form>
  );
}

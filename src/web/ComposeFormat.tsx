/**
 * Compose a formatted message (#17): pick one of the channel's agreed formats; a form is generated
 * from its definition (labels in the officer's language, enumerations as lists, positions and
 * areas as coordinates); the terminal checks the fields as the officer types (the protocol's own
 * rules, naming the field and rule), and Send signs the message.
 */
import { errorText } from './errors.js';
import { useEffect, useState, type FormEvent } from 'react';
import { api, type FormatDetail, type FormatSummary } from './api.js';
import { T, tr } from './i18n.js';

type Def = FormatDetail['definition'];
type Spec = Def['fields'][number];
/** The raw inputs of the form, by field name (then sub-name): strings as typed. */
type Inputs = Record<string, Record<string, string>>;

const num = (s: string | undefined) => (s === undefined || s.trim() === '' ? undefined : Number(s));

/** "lat, lon" lines as a closed ring of positions. */
function ring(text: string): Array<{ lat: number; lon: number }> {
  const pts = text.split('\n').map((l) => l.split(',').map((x) => Number(x.trim()))).filter((p) => p.length === 2 && p.every((x) => Number.isFinite(x))).map(([lat, lon]) => ({ lat: lat!, lon: lon! }));
  const first = pts[0];
  const last = pts.at(-1);
  return first && last && (first.lat !== last.lat || first.lon !== last.lon) ? [...pts, first] : pts;
}

/** One value of a field from its inputs, or undefined when left empty. */
function valueOf(f: Spec, v: Record<string, string>, lang: string): unknown {
  const any = Object.values(v).some((x) => x.trim() !== '');
  if (!any) return undefined;
  switch (f.type) {
    case 'text':
      return { lang, text: v.text ?? '' };
    case 'free-text':
    case 'enum':
      return v.value;
    case 'number':
    case 'duration':
      return num(v.value);
    case 'datetime':
      // datetime-local gives the time as typed, read here as UTC: "2026-12-03T12:00" -> "...T12:00:00Z".
      return v.value ? (v.value.length === 16 ? `${v.value}:00Z` : `${v.value}Z`) : undefined;
    case 'position':
      return { lat: num(v.lat), lon: num(v.lon) };
    case 'area':
      return v.shape === 'polygon' ? { polygon: ring(v.points ?? '') } : { circle: { centre: { lat: num(v.lat), lon: num(v.lon) }, radius: num(v.radius), unit: v.unit ?? 'km' } };
    case 'designation':
      return { kind: v.kind ?? 'vessel', name: v.name ?? '', ...(v.id ? { id: v.id } : {}) };
  }
}

/** The inputs' key of value `i` of a field: its name, or name#i for the values of a list field after the first. */
const keyOf = (name: string, i: number) => (i === 0 ? name : `${name}#${i}`);

function fieldsOf(def: Def, inputs: Inputs, lang: string, counts: Readonly<Record<string, number>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of def.fields) {
    if (f.many) {
      const values = Array.from({ length: counts[f.name] ?? 1 }, (_, i) => valueOf(f, inputs[keyOf(f.name, i)] ?? {}, lang)).filter((v) => v !== undefined);
      if (values.length > 0) out[f.name] = values;
    } else {
      const v = valueOf(f, inputs[f.name] ?? {}, lang);
      if (v !== undefined) out[f.name] = v;
    }
  }
  return out;
}

/** Asks the map for a position: the next click on it calls back (undefined cancels). */
export type PickRequest = (callback: ((p: { lat: number; lon: number }) => void) | undefined) => void;

export function ComposeFormat({ channel, formats, lang, replyTo, onSent, pickOnMap }: { channel: string; formats: readonly FormatSummary[]; lang: string; replyTo?: string; onSent: () => void; pickOnMap?: PickRequest }) {
  const choices = formats.filter((f) => f.id !== 'standard-phrase');
  const [chosen, setChosen] = useState('');
  const [def, setDef] = useState<Def | undefined>();
  const [inputs, setInputs] = useState<Inputs>({});
  /** How many values each list field has on the form (one unless the officer added more). */
  const [counts, setCounts] = useState<Record<string, number>>({});
  const [problem, setProblem] = useState<{ field?: string; text: string } | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setDef(undefined);
    setInputs({});
    setCounts({});
    setProblem(undefined);
    const f = choices.find((x) => x.hash === chosen);
    if (f) void api.format(f.hash).then((d) => setDef(d.definition));
  }, [chosen]);
  // Checked by the terminal as the officer types (debounced).
  useEffect(() => {
    if (!def) return;
    const t = setTimeout(() => {
      void api.checkFields(chosen, fieldsOf(def, inputs, lang, counts)).then(
        (r) => setProblem(r.ok ? undefined : { field: r.field, text: `${r.field}: ${r.detail} (${r.rule})` }),
        () => undefined,
      );
    }, 250);
    return () => clearTimeout(t);
  }, [def, inputs, lang, chosen, counts]);
  if (choices.length === 0) return null;
  const section = def ? (def.languages[lang] ?? def.languages.en ?? Object.values(def.languages)[0]!) : undefined;
  const set = (field: string, key: string, value: string) => setInputs((x) => ({ ...x, [field]: { ...x[field], [key]: value } }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!def) return;
    setBusy(true);
    try {
      await api.sendFormatted(channel, { format: { id: def.id, version: def.version }, fields: fieldsOf(def, inputs, lang, counts), lang, ...(replyTo ? { replyTo } : {}) });
      setChosen('');
      onSent();
    } catch (err) {
      setProblem({ text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  /** A button that takes this field's position (or circle centre) from a click on the map. */
  const picker = (f: Spec, k: string) =>
    pickOnMap && (
      <button
        type="button"
        className="secondary pick"
        data-testid={`pick-${k}`}
        title={tr('pickOnMap')}
        onClick={() =>
          pickOnMap((p) => {
            setInputs((x) => ({ ...x, [k]: { ...x[k], lat: String(p.lat), lon: String(p.lon) } }));
            pickOnMap(undefined);
          })
        }
      >
        📍
      </button>
    );
  const input = (f: Spec, k: string, key: string, props: Record<string, unknown> = {}) => (
    <input name={`${k}.${key}`} value={inputs[k]?.[key] ?? ''} onChange={(e) => set(k, key, e.target.value)} aria-label={`${section?.fields[f.name] ?? f.name} ${key}`} {...props} />
  );
  /** The inputs of one value of a field (`k`: its key in the inputs). */
  const controls = (f: Spec, sec: NonNullable<typeof section>, k: string) => (
    <>
      {f.type === 'text' && <textarea name={`${k}.text`} rows={2} value={inputs[k]?.text ?? ''} onChange={(e) => set(k, 'text', e.target.value)} aria-label={sec.fields[f.name]} />}
      {(f.type === 'free-text' || f.type === 'number' || f.type === 'duration') && input(f, k, 'value', f.type === 'free-text' ? {} : { inputMode: 'decimal' })}
      {f.type === 'datetime' && input(f, k, 'value', { type: 'datetime-local' })}
      {f.type === 'enum' && (
        <select name={k} value={inputs[k]?.value ?? ''} onChange={(e) => set(k, 'value', e.target.value)} aria-label={sec.fields[f.name]}>
          <option value="">—</option>
          {(f.values ?? []).map((c) => (
            <option key={c} value={c}>
              {sec.values[f.name]?.[c] ?? c}
            </option>
          ))}
        </select>
      )}
      {f.type === 'position' && (
        <>
          {input(f, k, 'lat', { placeholder: 'lat', inputMode: 'decimal' })} {input(f, k, 'lon', { placeholder: 'lon', inputMode: 'decimal' })} {picker(f, k)}
        </>
      )}
      {f.type === 'area' && (
        <>
          <select value={inputs[k]?.shape ?? 'circle'} onChange={(e) => set(k, 'shape', e.target.value)} aria-label={`${sec.fields[f.name]} shape`}>
            <option value="circle">◯</option>
            <option value="polygon">▱</option>
          </select>{' '}
          {(inputs[k]?.shape ?? 'circle') === 'circle' ? (
            <>
              {input(f, k, 'lat', { placeholder: 'lat', inputMode: 'decimal' })} {input(f, k, 'lon', { placeholder: 'lon', inputMode: 'decimal' })} {picker(f, k)} {input(f, k, 'radius', { placeholder: 'r', inputMode: 'decimal' })}
              <select value={inputs[k]?.unit ?? 'km'} onChange={(e) => set(k, 'unit', e.target.value)} aria-label={`${sec.fields[f.name]} unit`}>
                <option value="km">km</option>
                <option value="nm">NM</option>
                <option value="m">m</option>
              </select>
            </>
          ) : (
            <textarea name={`${k}.points`} rows={3} placeholder="lat, lon (one corner per line)" value={inputs[k]?.points ?? ''} onChange={(e) => set(k, 'points', e.target.value)} aria-label={`${sec.fields[f.name]} points`} />
          )}
        </>
      )}
      {f.type === 'designation' && (
        <>
          <select value={inputs[k]?.kind ?? ''} onChange={(e) => set(k, 'kind', e.target.value)} aria-label={`${sec.fields[f.name]} kind`}>
            <option value="">—</option>
            {Object.entries(sec.values[f.name] ?? {}).map(([c, l]) => (
              <option key={c} value={c}>
                {l}
              </option>
            ))}
          </select>{' '}
          {input(f, k, 'name', { placeholder: 'name' })} {input(f, k, 'id', { placeholder: 'id' })}
        </>
      )}
    </>
  );
  return (
    <form className="send compose-format" onSubmit={(e) => void submit(e)} aria-label={tr('composeFormat')} data-testid="compose-format">
      <label>
        <span>
          <T k="composeFormat" />
        </span>
        <select value={chosen} onChange={(e) => setChosen(e.target.value)} data-testid="compose-format-choice">
          <option value="">—</option>
          {choices.map((f) => (
            <option key={f.hash} value={f.hash}>
              {f.title[lang] ?? f.title.en ?? f.id} (v{f.version})
            </option>
          ))}
        </select>
      </label>
      {def && section && (
        <>
          {def.fields.map((f) => (
            <fieldset key={f.name} className={`format-field${problem?.field?.startsWith(f.name) ? ' invalid' : ''}`} data-field={f.name}>
              <legend>
                {section.fields[f.name]}
                {f.required ? ' *' : ''}
                {f.type === 'number' ? ` (${f.unit})` : ''}
                {f.type === 'datetime' ? ' (UTC)' : ''}
              </legend>
              {f.many ? (
                <>
                  {Array.from({ length: counts[f.name] ?? 1 }, (_, i) => (
                    <div key={i} className="format-value" data-value={i}>
                      {controls(f, section, keyOf(f.name, i))}
                    </div>
                  ))}
                  <button type="button" className="secondary" data-testid={`add-${f.name}`} onClick={() => setCounts((c) => ({ ...c, [f.name]: (c[f.name] ?? 1) + 1 }))}>
                    + <T k="addValue" />
                  </button>
                  {(counts[f.name] ?? 1) > 1 && (
                    <button type="button" className="secondary" onClick={() => setCounts((c) => ({ ...c, [f.name]: (c[f.name] ?? 1) - 1 }))}>
                      − <T k="removeValue" />
                    </button>
                  )}
                </>
              ) : (
                controls(f, section, f.name)
              )}
            </fieldset>
          ))}
          {problem && (
            <p role="alert" className="error" data-testid="compose-problem">
              {problem.text}
            </p>
          )}
          <button type="submit" disabled={busy || problem !== undefined}>
            <T k="send" />
          </button>
        </>
      )}
    </form>
  );
}

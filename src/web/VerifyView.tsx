/**
 * Verify a transcript bundle (`hotline export`) or a proof of one message (`hotline prove`) in
 * this browser (#15 item 12): the officer drops or picks the file; the pure verifier of
 * src/protocol runs in a Web Worker (verify/worker.ts, its own lazily loaded chunk), so the
 * verdict is the console's own, not the terminal's word, and a large bundle does not block the
 * page. The report is rendered as the CLI's: who sent what when, receipts, acknowledgements,
 * fingerprints to compare, and the failure code and message when it does not verify.
 * This whole view is loaded lazily (App.tsx) and needs no sign-in: an auditor may use it.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { SignedText } from './SignedText.js';
import { dtg, titleOf, utc } from './format.js';
import { T, tr, useLanguage } from './i18n.js';
import type {
  Officer,
  ProofFactsView,
  ReportErrorView,
  ReportView,
  VerifyRequest,
  VerifyResult,
} from './verify-types.js';

type State =
  { step: 'idle' } | { step: 'busy'; name: string } | { step: 'done'; name: string; result: VerifyResult };

/** Verifies the bytes in a fresh worker (one per file: a huge bundle's memory goes with it). */
export function verifyInWorker(name: string, bytes: ArrayBuffer): Promise<VerifyResult> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./verify/worker.ts', import.meta.url), {
      type: 'module',
      name: 'hotline-verifier',
    });
    worker.onmessage = (e: MessageEvent<VerifyResult>) => {
      resolve(e.data);
      worker.terminate();
    };
    worker.onerror = (e) => {
      resolve({ kind: 'failed', message: e.message || 'the verifier could not run' });
      worker.terminate();
    };
    const request: VerifyRequest = { name, bytes };
    worker.postMessage(request, [bytes]);
  });
}

export default function VerifyView({ onClose }: { onClose?: () => void }): ReactNode {
  const [state, setState] = useState<State>({ step: 'idle' });
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const run = useCallback(async (file: File | undefined) => {
    if (!file) return;
    setState({ step: 'busy', name: file.name });
    const result = await verifyInWorker(file.name, await file.arrayBuffer());
    setState({ step: 'done', name: file.name, result });
  }, []);
  useEffect(() => heading.current?.focus(), []);
  return (
    <main className="verify-view" aria-labelledby="verify-heading">
      <header className="verify-head">
        <h1 id="verify-heading" ref={heading} tabIndex={-1}>
          <T k="verifyTitle" />
        </h1>
        {onClose ? (
          <button type="button" onClick={onClose} data-testid="verify-back">
            <T k="verifyBack" />
          </button>
        ) : null}
      </header>
      <div
        className={`drop-zone${over ? ' over' : ''}`}
        data-testid="verify-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          void run(e.dataTransfer.files[0]);
        }}
      >
        <p>
          <T k="verifyDrop" />
        </p>
        <label className="button-like">
          <T k="verifyChoose" />
          <input
            ref={input}
            type="file"
            className="sr-only"
            accept=".jsonl,.json,.bundle,application/json,text/plain"
            data-testid="verify-file"
            onChange={(e) => {
              void run(e.target.files?.[0]);
              e.target.value = '';
            }}
          />
        </label>
        <p className="muted">
          <T k="verifyLocal" />
        </p>
      </div>
      <div aria-live="polite">
        {state.step === 'busy' ? (
          <p className="muted" data-testid="verify-busy">
            <T k="verifying" name={state.name} />
          </p>
        ) : null}
        {state.step === 'done' ? <Result name={state.name} result={state.result} /> : null}
      </div>
    </main>
  );
}

function Verdict({
  valid,
  error,
  name,
  ms,
}: {
  valid: boolean;
  error?: ReportErrorView | null;
  name: string;
  ms?: number;
}): ReactNode {
  return (
    <section
      className={`verdict ${valid ? 'valid' : 'invalid'}`}
      data-testid="verify-verdict"
      data-valid={String(valid)}
      data-code={error?.code ?? ''}
      role={valid ? 'status' : 'alert'}
    >
      <h2>{valid ? <T k="verifyValid" /> : <T k="verifyInvalid" />}</h2>
      <p className="muted">
        {name}
        {ms !== undefined ? (
          <>
            {' '}
            · <T k="verifyTook" ms={ms} />
          </>
        ) : null}
      </p>
      {error ? (
        <p data-testid="verify-error">
          <code>{error.code}</code>: <SignedText text={error.message} />
          {error.line !== undefined ? (
            <>
              {' '}
              (<T k="verifyLine" line={error.line} />)
            </>
          ) : null}
        </p>
      ) : null}
    </section>
  );
}

function Result({ name, result }: { name: string; result: VerifyResult }): ReactNode {
  if (result.kind === 'failed')
    return (
      <p className="error" role="alert" data-testid="verify-verdict" data-valid="false" data-code="">
        {result.message}
      </p>
    );
  return (
    <>
      {result.kind === 'bundle' ? (
        <>
          <Verdict valid={result.report.valid} error={result.report.firstError} name={name} ms={result.ms} />
          <BundleReport report={result.report} />
        </>
      ) : (
        <>
          <Verdict
            valid={result.verdict.valid}
            error={result.verdict.valid ? null : result.verdict.error}
            name={name}
            ms={result.ms}
          />
          {result.verdict.valid ? (
            <ProofReport facts={result.verdict.facts} fingerprints={result.fingerprints} />
          ) : null}
        </>
      )}
      <details className="cli-text">
        <summary>
          <T k="verifyCliText" />
        </summary>
        <pre data-testid="verify-text">{result.text}</pre>
      </details>
    </>
  );
}

const officer = (o?: Officer) => (o ? `${o.name}, ${o.title} (${o.role})` : '');
const Time = ({ t }: { t: number }) => (
  <time dateTime={utc(t)} title={utc(t)}>
    {dtg(t)}
  </time>
);

function Fingerprints({
  parties,
}: {
  parties: ReadonlyArray<{
    code: string;
    party: string;
    names: Readonly<Record<string, string>>;
    fingerprint: string;
    entries?: number;
  }>;
}): ReactNode {
  return (
    <section>
      <h3>
        <T k="verifyFingerprints" />
      </h3>
      <ul className="fingerprints">
        {parties.map((p) => (
          <li key={p.party}>
            <strong>{p.code}</strong> <SignedText text={Object.values(p.names).join(' / ')} />
            <code className="fingerprint-large" data-testid="verify-fingerprint">
              {p.fingerprint}
            </code>
            {p.entries !== undefined ? (
              <span className="muted">
                {' '}
                <T k="verifyEntries" count={p.entries} />
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function BundleReport({ report: r }: { report: ReportView }): ReactNode {
  const lang = useLanguage();
  const code = (party: string) => r.parties.find((p) => p.party === party)?.code ?? party.slice(0, 8);
  return (
    <div className="verify-report" data-testid="verify-report">
      {r.channel ? (
        <p>
          <T k="verifyChannel" /> <strong>{r.title ? titleOf(r.title, lang) : ''}</strong>{' '}
          <code className="muted">{r.channel}</code>
          {r.state ? (
            <>
              {' '}
              · <T k="verifyState" state={r.state} />
            </>
          ) : null}
        </p>
      ) : null}
      {r.charterHash ? (
        <p>
          <T k="verifyCharterHash" /> <code>{r.charterHash}</code>
        </p>
      ) : null}
      <p>
        <T
          k="verifyIntegrity"
          verified={r.integrity.verified}
          entries={r.integrity.entries}
          chains={r.integrity.chains}
          signatures={r.integrity.signatures}
        />
      </p>
      {r.parties.length ? <Fingerprints parties={r.parties} /> : null}
      {r.messages.length ? (
        <section>
          <h3>
            <T k="verifyMessages" count={r.messages.length} />
          </h3>
          <table className="verify-table">
            <thead>
              <tr>
                <th>{tr('verifySent')}</th>
                <th>{tr('verifyFrom')}</th>
                <th>{tr('precedence')}</th>
                <th>{tr('message')}</th>
                <th>{tr('verifyReceivedBy')}</th>
                <th>{tr('verifyAckedBy')}</th>
              </tr>
            </thead>
            <tbody>
              {r.messages.slice(0, 500).map((m) => (
                <tr key={m.hash} data-testid="verify-message">
                  <td>
                    <Time t={m.time} />
                  </td>
                  <td>
                    {code(m.author)} <SignedText text={officer(m.from)} />
                  </td>
                  <td>
                    <span className={`badge prec-${m.precedence}`}>{m.precedence}</span>
                    {m.drill ? <span className="badge drill">{tr('drill')}</span> : null}
                  </td>
                  <td lang={m.lang}>
                    <SignedText text={m.text} />
                  </td>
                  <td>
                    {m.receivedBy.map((x) => (
                      <div key={x.party}>
                        {code(x.party)} <Time t={x.at} />
                      </div>
                    ))}
                  </td>
                  <td>
                    {m.acks.length === 0 ? <span className="muted">{tr('verifyNone')}</span> : null}
                    {m.acks.map((a, i) => (
                      <div key={i}>
                        {code(a.party)} <SignedText text={officer(a.officer)} /> <Time t={a.at} />
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {r.receipts.length ? (
        <section>
          <h3>
            <T k="verifyReceipts" />
          </h3>
          <ul>
            {r.receipts.map((x, i) => (
              <li key={i}>
                <T
                  k="verifyReceipt"
                  holder={code(x.holder)}
                  author={code(x.author)}
                  upTo={x.upTo}
                  of={x.of}
                />{' '}
                <Time t={x.at} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {r.errors.length > 1 ? (
        <section>
          <h3>
            <T k="verifyErrors" count={r.errors.length} />
          </h3>
          <ul>
            {r.errors.slice(0, 50).map((e, i) => (
              <li key={i}>
                <code>{e.code}</code> <SignedText text={e.message} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

function ProofReport({
  facts: f,
  fingerprints,
}: {
  facts: ProofFactsView;
  fingerprints: Readonly<Record<string, string>>;
}): ReactNode {
  const lang = useLanguage();
  const code = (party: string) => f.parties.find((p) => p.party === party)?.code ?? party.slice(0, 8);
  const b = f.message.body;
  return (
    <div className="verify-report" data-testid="verify-report">
      <p>
        <T k="verifyChannel" /> <strong>{titleOf(f.title, lang)}</strong>{' '}
        <code className="muted">{f.channel}</code>
      </p>
      <section>
        <h3>
          <T k="verifyTheMessage" />
        </h3>
        <p>
          <T k="verifySentByAt" party={code(f.message.author)} seq={f.message.seq} />{' '}
          <Time t={f.message.time} /> <span className={`badge prec-${b.precedence}`}>{b.precedence}</span>{' '}
          <SignedText text={officer(b.from)} />
        </p>
        <blockquote lang={b.lang}>
          <SignedText text={b.text} />
        </blockquote>
        <p>
          <code>{f.message.hash}</code>
        </p>
      </section>
      <section>
        <h3>
          <T k="verifyReceipts" />
        </h3>
        <ul>
          {f.receipts.map((x, i) => (
            <li key={i}>
              {code(x.party)} <Time t={x.time} /> (#{x.upTo})
            </li>
          ))}
        </ul>
        <h3>
          <T k="verifyAckedBy" />
        </h3>
        <ul>
          {f.acks.length === 0 ? <li className="muted">{tr('verifyNone')}</li> : null}
          {f.acks.map((a, i) => (
            <li key={i}>
              {code(a.party)} <SignedText text={officer(a.officer)} /> <Time t={a.time} />
              {a.note ? (
                <>
                  {' '}
                  — <SignedText text={a.note} />
                </>
              ) : null}
            </li>
          ))}
        </ul>
      </section>
      <Fingerprints parties={f.parties.map((p) => ({ ...p, fingerprint: fingerprints[p.party] ?? '' }))} />
    </div>
  );
}

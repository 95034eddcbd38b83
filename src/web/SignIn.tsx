/** Sign-in: name, password and the 6-digit code of the officer's authenticator. */
import { errorText } from './errors.js';
import { useEffect, useState, type FormEvent } from 'react';
import { api } from './api.js';
import { LanguageSwitch, T } from './i18n.js';
import { unlockAudio } from './sound.js';
import { askNotifications } from './notify.js';

export function SignIn({ onSignedIn, notice }: { onSignedIn: () => void; notice?: string }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // Which terminal this is, so that an officer with several consoles open signs in to the right one.
  const [party, setParty] = useState<string | undefined>();
  useEffect(() => {
    void fetch('/healthz')
      .then((r) => r.json() as Promise<{ party?: string }>)
      .then((h) => setParty(h.party))
      .catch(() => {});
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    unlockAudio(); // a user gesture: the FLASH ring may play from now on
    askNotifications(); // and desktop notifications be asked for
    setBusy(true);
    setError(undefined);
    try {
      await api.login(name.trim(), password, code.replace(/\s+/g, ''));
      onSignedIn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <h1 id="signin-title">
          Hotline <span className="muted"><T k="consoleTitle" /></span>
        </h1>
        {party && (
          <p className="signin-party" data-testid="signin-party">
            <T k="signInTo" party={party} />
          </p>
        )}
        {notice && <p className="notice">{notice}</p>}
        <label>
          <span>
            <T k="name" />
          </span>
          <input name="name" autoComplete="username" autoFocus required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          <span>
            <T k="password" />
          </span>
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <label>
          <span>
            <T k="code" />
          </span>
          <input name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]{6,7}" maxLength={7} required value={code} onChange={(e) => setCode(e.target.value)} />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <LanguageSwitch />
        <button type="submit" disabled={busy}>
          <T k="signIn" />
        </button>
      </form>
      <p className="center">
        <a href="#verify">
          <T k="verifyOpen" />
        </a>
      </p>
    </main>
  );
}

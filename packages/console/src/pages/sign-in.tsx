import { startAuthentication } from '@simplewebauthn/browser';
import { useState } from 'preact/hooks';
import { call } from '../api.js';
import { ErrorNote, PageHeading, useAction } from '../components/common.js';

type RequestOptions = Parameters<typeof startAuthentication>[0]['optionsJSON'];

/**
 * Signing in: with a passkey (a discoverable credential, so no email is asked), or with the email and one of
 * the recovery codes shown at setup. `onSignedIn(true)` after a recovery code, so the console offers a new
 * passkey.
 */
export function SignInPage({
  notice,
  onSignedIn,
}: {
  notice?: string;
  onSignedIn: (recovered: boolean) => Promise<void>;
}) {
  const passkey = useAction();
  const recovery = useAction();
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');

  const signInWithPasskey = () =>
    passkey.run(async () => {
      const { options } = await call<{ options: RequestOptions }>('POST', '/sign-in/options', {});
      const response = await startAuthentication({ optionsJSON: options });
      await call('POST', '/sign-in', { response });
      await onSignedIn(false);
    });

  const signInWithCode = (event: Event) => {
    event.preventDefault();
    void recovery.run(async () => {
      await call('POST', '/sign-in/recovery', { email: email.trim(), code: code.trim() });
      await onSignedIn(true);
    });
  };

  return (
    <>
      <PageHeading>Sign in</PageHeading>
      {notice !== undefined && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <section class="panel" aria-labelledby="passkey-heading">
        <h2 id="passkey-heading">With your passkey</h2>
        <p>Your browser asks for the passkey you registered when you set up your account.</p>
        <button type="button" class="button" disabled={passkey.busy} onClick={signInWithPasskey}>
          Sign in with a passkey
        </button>
        <ErrorNote error={passkey.error} />
      </section>
      <section class="panel" aria-labelledby="recovery-heading">
        <h2 id="recovery-heading">With a recovery code</h2>
        <p>Lost your passkey? Each of the ten codes you saved at setup works once.</p>
        <form class="form" onSubmit={signInWithCode}>
          <label for="recovery-email">Email</label>
          <input
            id="recovery-email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onInput={(event) => setEmail(event.currentTarget.value)}
          />
          <label for="recovery-code">Recovery code</label>
          <input
            id="recovery-code"
            autoComplete="one-time-code"
            spellcheck={false}
            autoCapitalize="off"
            required
            value={code}
            onInput={(event) => setCode(event.currentTarget.value)}
          />
          <button type="submit" class="button-secondary" disabled={recovery.busy}>
            Use a recovery code
          </button>
          <ErrorNote error={recovery.error} />
        </form>
      </section>
    </>
  );
}

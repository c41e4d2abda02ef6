import { startRegistration } from '@simplewebauthn/browser';
import { useState } from 'preact/hooks';
import { call } from '../api.js';
import { ErrorNote, useAction } from './common.js';

type CreationOptions = Parameters<typeof startRegistration>[0]['optionsJSON'];

/**
 * Shown after a sign-in with a recovery code: the operator has lost a passkey (or this device has none), so
 * the console offers to register a new one at once, before the next sign-in needs it.
 */
export function NewPasskeyOffer({ onDone }: { onDone: () => void }) {
  const { busy, error, run } = useAction();
  const [done, setDone] = useState(false);
  const register = () =>
    run(async () => {
      const { options } = await call<{ options: CreationOptions }>('POST', '/passkeys/options', {});
      const response = await startRegistration({ optionsJSON: options });
      await call('POST', '/passkeys', { response });
      setDone(true);
    });
  return (
    <section class="panel notice" aria-labelledby="new-passkey-heading">
      <h2 id="new-passkey-heading">You signed in with a recovery code</h2>
      {done ? (
        <>
          <p role="status">Your new passkey is registered. Sign in with it next time.</p>
          <button type="button" class="button" onClick={onDone}>
            Continue
          </button>
        </>
      ) : (
        <>
          <p>
            That code is used up. Register a passkey on this device now, so that your next sign-in needs no
            code.
          </p>
          <div class="actions">
            <button type="button" class="button" disabled={busy} onClick={register}>
              Register a new passkey
            </button>
            <button type="button" class="button-quiet" onClick={onDone}>
              Not now
            </button>
          </div>
          <ErrorNote error={error} />
        </>
      )}
    </section>
  );
}

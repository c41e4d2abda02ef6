import { startRegistration } from '@simplewebauthn/browser';
import { useEffect, useState } from 'preact/hooks';
import { call, describeError } from '../api.js';
import { CopyButton, ErrorNote, LoadState, PageHeading, useAction } from '../components/common.js';
import { go } from '../router.js';
import type { OperatorRef } from '../types.js';

type CreationOptions = Parameters<typeof startRegistration>[0]['optionsJSON'];

/**
 * Opening a setup link (`#/setup/<token>`): registers the operator's passkey, then shows the ten recovery
 * codes once. The token leaves the address bar as soon as the page has read it, so it is not left in the
 * history or shown over a shoulder.
 */
export function SetupPage({ token, onSignedIn }: { token: string; onSignedIn: () => Promise<void> }) {
  const [invite, setInvite] = useState<{ email: string; options: CreationOptions } | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [codes, setCodes] = useState<readonly string[] | undefined>();
  const { busy, error, run } = useAction();

  useEffect(() => {
    history.replaceState(null, '', '#/setup/…');
    call<{ email: string; options: CreationOptions }>('POST', '/setup/options', { token }).then(
      setInvite,
      (caught: unknown) => setLoadError(describeError(caught)),
    );
  }, [token]);

  const register = () =>
    run(async () => {
      if (invite === undefined) return;
      const response = await startRegistration({ optionsJSON: invite.options });
      const done = await call<{ operator: OperatorRef; recovery_codes: string[] }>('POST', '/setup', {
        token,
        response,
      });
      setCodes(done.recovery_codes);
    });

  if (codes !== undefined) {
    return (
      <>
        <PageHeading>Save your recovery codes</PageHeading>
        <p>
          Your passkey is registered. If you lose it, each of these codes signs you in once. They are shown
          only now: keep them somewhere safe, away from this device.
        </p>
        <ol class="codes" aria-label="Recovery codes">
          {codes.map((code) => (
            <li key={code}>
              <code>{code}</code>
            </li>
          ))}
        </ol>
        <div class="actions">
          <CopyButton text={codes.join('\n')} label="Copy the codes" />
          <button
            type="button"
            class="button"
            onClick={async () => {
              await onSignedIn();
              go('#/overview');
            }}
          >
            I have saved them
          </button>
        </div>
      </>
    );
  }
  return (
    <>
      <PageHeading>Set up your console account</PageHeading>
      <LoadState loading={invite === undefined && loadError === undefined} error={loadError} />
      {invite !== undefined && (
        <>
          <p>
            You were invited as{' '}
            <strong>
              <bdi>{invite.email}</bdi>
            </strong>
            . Register a passkey on this device: it is how you sign in to the console.
          </p>
          <button type="button" class="button" disabled={busy} onClick={register}>
            Register a passkey
          </button>
          <ErrorNote error={error} />
        </>
      )}
    </>
  );
}

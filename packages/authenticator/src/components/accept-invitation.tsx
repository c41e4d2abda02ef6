import { DeviceError, type Invitation, type Wallet } from '@countersign/device';
import { revealInvisible } from '@countersign/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../describe-error.js';
import { t } from '../i18n/i18n.js';

type Stage =
  | { readonly stage: 'opening' }
  | { readonly stage: 'shown'; readonly invitation: Invitation; readonly busy: boolean }
  | { readonly stage: 'code'; readonly invitation: Invitation; readonly busy: boolean }
  | { readonly stage: 'failed'; readonly problem: string };

/** Why an invitation failed, in the user's words: an unknown, expired or used link, a wrong code, or else. */
function problemOf(caught: unknown): string {
  if (caught instanceof DeviceError) {
    if (caught.code === 'not_found' || caught.code === 'invalid_link') return t('invitation:refused');
    if (caught.code === 'unauthorized') return t('invitation:wrongCode');
  }
  return t('invitation:failed', { problem: describeError(caught, 'enroll') });
}

/**
 * An app's invitation opened here (`#invite=…`, D15): says which app invites and where the code goes, texts
 * the code on request, and enrolls this device with it for that app.
 */
export function AcceptInvitation({
  wallet,
  link,
  onEnrolled,
  announce,
}: {
  wallet: Wallet;
  link: string;
  onEnrolled: () => void;
  announce: (text: string) => void;
}) {
  const [stage, setStage] = useState<Stage>({ stage: 'opening' });
  const [code, setCode] = useState('');
  /** Hands the typed code to the enrollment waiting for it. */
  const submitCode = useRef<((code: string) => void) | null>(null);

  useEffect(() => {
    const url = new URL(link);
    if (url.origin !== window.location.origin) {
      setStage({ stage: 'failed', problem: t('invitation:elsewhere', { host: url.host }) });
      return;
    }
    wallet
      .openInvitation(link)
      .then((invitation) => setStage({ stage: 'shown', invitation, busy: false }))
      .catch((caught: unknown) => setStage({ stage: 'failed', problem: problemOf(caught) }));
  }, [wallet, link]);

  const sendCode = (invitation: Invitation) => {
    setStage({ stage: 'shown', invitation, busy: true });
    wallet
      .enrollWithInvitation(
        link,
        () =>
          new Promise<string>((resolve) => {
            submitCode.current = resolve;
            setStage({ stage: 'code', invitation, busy: false });
          }),
      )
      .then(() => {
        announce(t('invitation:done', { app: revealInvisible(invitation.app_name) }));
        onEnrolled();
      })
      .catch((caught: unknown) => setStage({ stage: 'failed', problem: problemOf(caught) }));
  };

  return (
    <section class="panel" aria-labelledby="invitation-title">
      <h2 id="invitation-title" tabIndex={-1}>
        {t('invitation:title')}
      </h2>
      {stage.stage === 'opening' && <p class="muted">{t('invitation:opening')}</p>}
      {(stage.stage === 'shown' || stage.stage === 'code') && (
        <p data-invitation>
          {t('invitation:invited', {
            app: revealInvisible(stage.invitation.app_name),
            phone: revealInvisible(stage.invitation.phone),
          })}
        </p>
      )}
      {stage.stage === 'shown' && (
        <button
          type="button"
          class="button button-approve"
          aria-disabled={stage.busy ? 'true' : undefined}
          onClick={() => {
            if (!stage.busy) sendCode(stage.invitation);
          }}
        >
          {stage.busy ? t('invitation:sending') : t('invitation:sendCode')}
        </button>
      )}
      {stage.stage === 'code' && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (stage.busy || code.trim() === '') return;
            setStage({ ...stage, busy: true });
            submitCode.current?.(code.trim());
          }}
        >
          <label for="invitation-code">{t('invitation:codeLabel')}</label>
          <div class="field-row">
            <input
              id="invitation-code"
              type="text"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              value={code}
              onInput={(event) => setCode(event.currentTarget.value)}
            />
            <button
              type="submit"
              class="button button-approve"
              aria-disabled={stage.busy ? 'true' : undefined}
            >
              {stage.busy ? t('invitation:enrolling') : t('invitation:enroll')}
            </button>
          </div>
        </form>
      )}
      {stage.stage === 'failed' && (
        <p class="error" role="alert">
          {stage.problem}
        </p>
      )}
    </section>
  );
}

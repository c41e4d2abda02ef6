import { type AdmissionClaim, DeviceError, type Wallet } from '@countersign/device';
import { revealInvisible } from '@countersign/protocol';
import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../describe-error.js';
import { t } from '../i18n/i18n.js';

type Stage =
  | { readonly stage: 'claiming' }
  | { readonly stage: 'waiting'; readonly claim: AdmissionClaim }
  | { readonly stage: 'failed'; readonly problem: string };

/** How often this device asks whether the other one approved it. */
const POLL_MS = 1000;

/** Why a claim or a wait failed, in the user's words. */
function problemOf(caught: unknown): string {
  if (caught instanceof DeviceError && (caught.code === 'bad_request' || caught.code === 'invalid_link')) {
    return t('admission:linkRefused');
  }
  return t('admission:joinFailed', { problem: describeError(caught, 'enroll') });
}

/**
 * This device joining the accounts of another of the user's devices through its link (`#admit=…`): it
 * claims the link with a new key of its own, shows the comparison code, and waits for the other device's
 * approval; then it is an account of this authenticator like an enrollment.
 */
export function JoinDevice({
  wallet,
  link,
  onJoined,
  announce,
}: {
  wallet: Wallet;
  link: string;
  onJoined: () => void;
  announce: (text: string) => void;
}) {
  const [stage, setStage] = useState<Stage>({ stage: 'claiming' });

  useEffect(() => {
    const abort = new AbortController();
    const join = async () => {
      const url = new URL(link);
      if (url.origin !== window.location.origin) {
        setStage({ stage: 'failed', problem: t('admission:joinElsewhere', { host: url.host }) });
        return;
      }
      const { id, claim } = await wallet.claimAdmission(link);
      if (abort.signal.aborted) return;
      setStage({ stage: 'waiting', claim });
      const { outcome, account } = await wallet.waitForAdmission(id, {
        intervalMs: POLL_MS,
        signal: abort.signal,
      });
      if (abort.signal.aborted) return;
      if (outcome.status === 'approved') {
        const apps =
          account?.kind === 'countersign'
            ? [...new Set(account.apps.map((app) => revealInvisible(app.app_name)))].join(', ')
            : '';
        announce(t('admission:joined', { apps }));
        onJoined();
      } else {
        setStage({
          stage: 'failed',
          problem: outcome.status === 'denied' ? t('admission:joinDenied') : t('admission:joinExpired'),
        });
      }
    };
    join().catch((caught: unknown) => {
      if (!abort.signal.aborted) setStage({ stage: 'failed', problem: problemOf(caught) });
    });
    return () => abort.abort();
  }, [wallet, link, onJoined, announce]);

  return (
    <section class="panel" aria-labelledby="join-title">
      <h2 id="join-title" tabIndex={-1}>
        {t('admission:joinTitle')}
      </h2>
      {stage.stage === 'claiming' && <p class="muted">{t('admission:joining')}</p>}
      {stage.stage === 'waiting' && (
        <>
          <p>{t('admission:joinCompare')}</p>
          <p class="admission-code" data-admission-code>
            {stage.claim.code}
          </p>
          <p class="muted" role="status">
            {t('admission:joinWaiting')}
          </p>
        </>
      )}
      {stage.stage === 'failed' && (
        <p class="error" role="alert">
          {stage.problem}
        </p>
      )}
    </section>
  );
}

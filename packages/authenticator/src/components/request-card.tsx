import type { PendingRequest } from '@countersign/device';
import { useRef, useState } from 'preact/hooks';
import { numberNeeded } from '../describe-error.js';
import { clockDuration, spokenDuration, timeOfDay } from '../format-time.js';
import { t } from '../i18n/i18n.js';
import { needsMarkers, ShownDetails, ShownText } from './shown-text.js';

/** What the user chose. A denial says whether it was a plain no or "this wasn't me". */
export type Choice =
  | { decision: 'approved'; numberMatch?: string }
  | { decision: 'denied'; reason: 'denied' | 'not_me' };

/** Sends the answer; resolves to an error sentence to show on the card, or `null` when the card is done. */
export type AnswerHandler = (request: PendingRequest, choice: Choice) => Promise<string | null>;

interface RequestCardProps {
  request: PendingRequest;
  /** The name of the account it is for, when the authenticator holds several that could be asked. */
  account?: string | undefined;
  now: number;
  /** The service dropped it because its time ran out: it stays a moment, saying so, then goes. */
  over?: boolean;
  onAnswer: AnswerHandler;
}

/**
 * One request, exactly as the service sent it (app name, message, visible details; hidden details never
 * reach a device), each value isolated and any character that could hide or reorder text shown as a
 * marker (D11), with its time left and the three answers. Number matching asks the user to type the
 * code the app shows: typed, never picked from options.
 */
export function RequestCard({ request, account, now, over = false, onAnswer }: RequestCardProps) {
  const [number, setNumber] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const numberRef = useRef<HTMLInputElement>(null);
  const id = `request-${request.uuid}`;

  const expiresAt = request.expires_at === null ? null : Date.parse(request.expires_at);
  const createdAt = Date.parse(request.created_at);
  const secondsLeft = expiresAt === null ? null : Math.ceil((expiresAt - now) / 1000);
  const expired = over || (secondsLeft !== null && secondsLeft <= 0);
  const lifeLeft = expiresAt === null ? 1 : (expiresAt - now) / Math.max(1, expiresAt - createdAt);
  const details = Object.entries(request.details);
  const marked = needsMarkers([request.app_name, request.message, ...details.flat()]);

  const send = async (choice: Choice) => {
    if (busy || expired) return;
    setBusy(true);
    setError(null);
    const problem = await onAnswer(request, choice);
    // On success the card is gone; on a problem it stays, says why, and can be tried again.
    if (problem !== null) {
      setError(problem);
      setBusy(false);
    }
  };

  const approve = (event: Event) => {
    event.preventDefault();
    if (!request.number_match_required) return void send({ decision: 'approved' });
    const typed = number.replace(/\s+/g, '');
    if (!/^\d+$/.test(typed)) {
      setError(numberNeeded());
      numberRef.current?.focus();
      return;
    }
    void send({ decision: 'approved', numberMatch: typed });
  };

  return (
    <article
      class={expired ? 'request request-expired' : 'request'}
      aria-labelledby={`${id}-title`}
      data-uuid={request.uuid}
    >
      <p class="request-app">
        <ShownText text={request.app_name} />
      </p>
      {account !== undefined && (
        <p class="request-account">
          {t('requests:account')} <ShownText text={account} />
        </p>
      )}
      <h3 id={`${id}-title`} class="request-message" tabIndex={-1}>
        <ShownText text={request.message} />
      </h3>
      <ShownDetails details={request.details} />
      {marked && <p class="request-marked">{t('requests:marked')}</p>}
      <p class="request-time">
        {expired ? (
          <strong>{t('requests:expired')}</strong>
        ) : secondsLeft === null ? (
          t('requests:noLimit')
        ) : (
          <>
            <span aria-hidden="true">{t('requests:expiresIn', { time: clockDuration(secondsLeft) })}</span>
            <span class="visually-hidden">
              {t('requests:expiresIn', { time: spokenDuration(secondsLeft) })}
            </span>
          </>
        )}
        <span aria-hidden="true"> · </span>
        <span class="visually-hidden">, </span>
        {t('requests:askedAt', { time: timeOfDay(request.created_at) })}
      </p>
      {expired && <p class="request-expired-text">{t('requests:expiredText')}</p>}
      {expiresAt !== null && (
        <div class="time-bar" aria-hidden="true">
          <span style={{ '--left': String(Math.min(1, Math.max(0, lifeLeft))) }} />
        </div>
      )}
      <form class="request-form" onSubmit={approve} noValidate>
        {request.number_match_required && (
          <div class="field">
            <label for={`${id}-number`}>
              {t('requests:numberLabel')} <ShownText text={request.app_name} />
            </label>
            <p id={`${id}-hint`} class="hint">
              {t('requests:numberHint')}
            </p>
            <input
              id={`${id}-number`}
              ref={numberRef}
              class="number-input"
              type="text"
              inputMode="numeric"
              autoComplete="off"
              enterKeyHint="done"
              maxLength={8}
              value={number}
              disabled={expired}
              aria-invalid={error !== null && number.trim() === '' ? 'true' : undefined}
              aria-describedby={error === null ? `${id}-hint` : `${id}-hint ${id}-error`}
              onInput={(event) => setNumber(event.currentTarget.value)}
            />
          </div>
        )}
        {error !== null && (
          <p id={`${id}-error`} class="error" role="alert">
            {error}
          </p>
        )}
        <div class="actions">
          <button
            type="submit"
            class="button button-approve"
            disabled={expired}
            aria-disabled={busy ? 'true' : undefined}
            aria-describedby={`${id}-title`}
          >
            {t('requests:approve')}
          </button>
          <button
            type="button"
            class="button button-deny"
            disabled={expired}
            aria-disabled={busy ? 'true' : undefined}
            aria-describedby={`${id}-title`}
            onClick={() => void send({ decision: 'denied', reason: 'denied' })}
          >
            {t('requests:deny')}
          </button>
        </div>
        <button
          type="button"
          class="button-link not-me"
          disabled={expired}
          aria-disabled={busy ? 'true' : undefined}
          aria-describedby={`${id}-title`}
          onClick={() => void send({ decision: 'denied', reason: 'not_me' })}
        >
          {t('requests:notMe')}
        </button>
      </form>
    </article>
  );
}

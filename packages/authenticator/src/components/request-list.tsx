import type { PendingRequest, Wallet } from '@countersign/device';
import { revealInvisible } from '@countersign/protocol';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { describeError, isOffline, requestIsOver } from '../describe-error.js';
import { type PendingState, ranOut } from '../hooks/use-pending-requests.js';
import { t } from '../i18n/i18n.js';
import { verifierFor } from '../passkey.js';
import { type AnswerHandler, type Choice, RequestCard } from './request-card.js';

interface RequestListProps {
  wallet: Wallet;
  pending: PendingState;
  /** Whether each card says which account it is for: when several enrollments could be asked. */
  labelled: boolean;
  now: number;
  /** Says something in the page's live region (and shows it). */
  announce: (text: string) => void;
}

function outcome(request: PendingRequest, choice: Choice, status: 'approved' | 'denied'): string {
  const message = revealInvisible(request.message);
  if (choice.decision === 'approved' && status === 'denied') return t('requests:numberMismatch', { message });
  if (status === 'approved') return t('requests:approved', { message });
  if (choice.decision === 'denied' && choice.reason === 'not_me')
    return t('requests:deniedNotMe', { message });
  return t('requests:denied', { message });
}

/**
 * The requests waiting for an answer, live. New ones are announced, and so is one that runs out of time;
 * its card stays a moment saying so before it goes. Focus never jumps on its own.
 */
export function RequestList({ wallet, pending, now, labelled, announce }: RequestListProps) {
  const { requests, expired, error } = pending;
  const headingRef = useRef<HTMLHeadingElement>(null);
  const sectionRef = useRef<HTMLElement>(null);
  const seen = useRef<Set<string> | null>(null);
  const lastFocused = useRef<Element | null>(null);
  const toldExpired = useRef<Set<string>>(new Set());

  // Announce requests that were not there before (not the ones present at first load: the count says those).
  useEffect(() => {
    if (requests === null) return;
    const previous = seen.current;
    seen.current = new Set(requests.map(({ request }) => request.uuid));
    if (previous === null) {
      if (requests.length > 0) announce(t('requests:waiting', { count: requests.length }));
      return;
    }
    const arrived = requests.filter(({ request }) => !previous.has(request.uuid));
    const newest = arrived.at(-1)?.request;
    if (newest === undefined) return;
    const what = { app: revealInvisible(newest.app_name), message: revealInvisible(newest.message) };
    announce(
      arrived.length === 1
        ? t('requests:arrived', what)
        : t('requests:arrivedMany', { count: arrived.length, ...what }),
    );
  }, [requests, announce]);

  // A card that ran out of time is said once, while it still shows "Expired".
  useEffect(() => {
    // By this device's clock, or because the service dropped it as expired (a clock a little behind).
    const over = [...(requests ?? []).filter(({ request }) => ranOut(request, now)), ...expired]
      .map(({ request }) => request)
      .filter((request) => !toldExpired.current.has(request.uuid));
    for (const request of over) toldExpired.current.add(request.uuid);
    const last = over.at(-1);
    if (last !== undefined) announce(t('requests:expiredNotice', { message: revealInvisible(last.message) }));
  }, [requests, expired, now, announce]);

  // A card that held focus went away (answered here or elsewhere, or withdrawn): focus the next card's
  // message, or the heading, rather than leave focus on the page body. Focus the user moved elsewhere,
  // even to nothing, is left alone: the element they left is still in the page.
  useLayoutEffect(() => {
    const left = lastFocused.current;
    if (left === null || left.isConnected || document.activeElement !== document.body) return;
    lastFocused.current = null;
    const next = sectionRef.current?.querySelector<HTMLElement>('.request-message');
    (next ?? headingRef.current)?.focus();
  }, [requests]);

  /** Answers with the enrollment the request came to: its own key signs. */
  const answerer =
    (accountId: string): AnswerHandler =>
    async (request, choice) => {
      try {
        const device = await wallet.device(accountId);
        // An approval proves the user where the app asks for it (D14); a denial never needs to.
        const verifyUser = choice.decision === 'approved' ? await verifierFor(device, request) : undefined;
        const result = await device.answer(request, choice.decision, {
          ...(choice.decision === 'approved'
            ? choice.numberMatch === undefined
              ? {}
              : { numberMatch: choice.numberMatch }
            : { reason: choice.reason }),
          ...(verifyUser !== undefined && { verifyUser }),
        });
        pending.remove(request.uuid);
        announce(outcome(request, choice, result.status));
        return null;
      } catch (caught) {
        if (requestIsOver(caught)) {
          pending.remove(request.uuid);
          announce(describeError(caught, 'answer'));
          return null;
        }
        return describeError(caught, 'answer');
      }
    };

  const count = requests?.length ?? 0;
  return (
    <section
      class="panel"
      aria-labelledby="requests-title"
      ref={sectionRef}
      onFocusIn={(event) => {
        lastFocused.current = event.target instanceof Element ? event.target : null;
      }}
      onFocusOut={(event) => {
        const to = event.relatedTarget;
        if (to instanceof Node && !sectionRef.current?.contains(to)) lastFocused.current = null;
      }}
    >
      <h2 id="requests-title" tabIndex={-1} ref={headingRef}>
        {t('requests:title')}
        {count > 0 && <span class="count"> ({count})</span>}
      </h2>
      {error !== null && (
        <p class={isOffline(error) ? 'warning' : 'error'} role="alert">
          {!isOffline(error)
            ? describeError(error, 'load')
            : requests === null
              ? t('requests:cannotFetch')
              : t('requests:cannotReach')}
        </p>
      )}
      {requests === null ? (
        error === null && <p class="muted">{t('requests:looking')}</p>
      ) : requests.length === 0 && expired.length === 0 ? (
        <div class="empty">
          <p>{t('requests:none')}</p>
          <p class="muted">{t('requests:noneHint')}</p>
        </div>
      ) : (
        <div class="requests">
          {[...requests, ...expired].map(({ account, request }, index) => (
            <RequestCard
              key={request.uuid}
              request={request}
              account={labelled ? account.label : undefined}
              now={now}
              over={index >= requests.length}
              onAnswer={answerer(account.id)}
            />
          ))}
        </div>
      )}
    </section>
  );
}

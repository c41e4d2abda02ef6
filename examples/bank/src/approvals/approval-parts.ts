import type { ApprovalStatus } from '../countersign/countersign.js';
import { html, type SafeHtml } from '../views/html.js';
import { csrfField } from '../views/layout.js';
import { liveElement } from '../views/live-element.js';
import { moment } from '../views/moment.js';
import type { Approval, ReceiptState } from './approval.js';

export const STATUS_LABELS: Readonly<Record<ApprovalStatus, string>> = {
  pending: 'Waiting for approval',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Expired',
};

export function statusBadge(status: ApprovalStatus): SafeHtml {
  return html`<span class="badge badge-${status}">${STATUS_LABELS[status]}</span>`;
}

/** Why a request ended as it did, in words. */
export function outcomeText(approval: Approval): string {
  switch (approval.status) {
    case 'pending':
      return 'Waiting for your answer in the authenticator.';
    case 'approved':
      return 'You approved it in your authenticator.';
    case 'expired':
      return approval.reason === 'unknown_to_service'
        ? 'The security service no longer knows this request, so it can never be approved.'
        : 'Nobody answered in time, so it expired. Nothing happened.';
    case 'denied':
      switch (approval.reason) {
        case 'not_me':
          return 'You reported that this wasn’t you. Nothing happened; if you did not start it, change your password.';
        case 'number_mismatch':
          return 'The number typed in the authenticator did not match the one shown here, so it was denied.';
        default:
          return 'You denied it in your authenticator. Nothing happened.';
      }
  }
}

export function receiptText(receipt: ReceiptState): SafeHtml {
  switch (receipt.kind) {
    case 'verified':
      return html`<p class="receipt receipt-verified"><strong>Receipt verified.</strong> Signed by the security service, and inside it by your device, over exactly what was shown.</p>`;
    case 'failed':
      return html`<p class="receipt receipt-failed"><strong>Receipt did not verify.</strong> ${receipt.problem}</p>`;
    case 'none':
      return html`<p class="receipt receipt-none"><strong>No receipt.</strong> The security service did not sign this answer.</p>`;
  }
}

/** The number the customer types in the authenticator (number matching). */
export function numberMatch(code: string): SafeHtml {
  return html`<div class="number-match">
  <p id="number-match-label">Enter this number in your authenticator:</p>
  <p class="number" aria-describedby="number-match-label" data-number-match>${code}</p>
</div>`;
}

/** The details the device showed, exactly as sent. */
export function detailsList(details: Readonly<Record<string, string>>, extra: SafeHtml = html``): SafeHtml {
  return html`<dl class="details">
  ${Object.entries(details).map(([name, value]) => html`<div><dt>${name}</dt><dd>${value}</dd></div>`)}
  ${extra}
</dl>`;
}

/** Requested, expires or decided: the times of a request. */
export function approvalTimes(approval: Approval): SafeHtml {
  return html`<div><dt>Requested</dt><dd>${moment(approval.createdAt)}</dd></div>
  ${
    approval.status === 'pending'
      ? html`<div><dt>Expires</dt><dd>${moment(approval.expiresAt, { countdown: true })}</dd></div>`
      : html`<div><dt>Decided</dt><dd>${moment(approval.decidedAt ?? approval.expiresAt)}</dd></div>`
  }`;
}

/** A note while the bank cannot reach the security service to learn the answer. */
export function troubleNote(trouble: boolean): SafeHtml {
  return trouble
    ? html`<p class="alert" role="alert">The bank cannot reach its security service right now. It keeps trying; nothing happens until your answer arrives.</p>`
    : html``;
}

/** Names a state of an approval as a page shows it: the status, and whether the service is out of reach. */
export function stateKey(approval: Approval, trouble: boolean): string {
  return trouble ? `${approval.status}-trouble` : approval.status;
}

/** The element the page script keeps up to date from `url`, an event stream of the approval's states. */
export function liveContainer(url: string, approval: Approval, trouble: boolean, inner: SafeHtml): SafeHtml {
  return liveElement(url, stateKey(approval, trouble), inner);
}

/** What a page that asks for a push (a login, a new device's confirmation) offers around it. */
export interface PushSteps {
  /** Where the page posts once the request is approved ("I approved it" posts there too). */
  readonly complete: string;
  /** Where "Send another push" posts, once denied or expired. */
  readonly again: string;
  /** What happens once approved, e.g. "Signing you in…". */
  readonly next: string;
  /** The heading of a denied request, e.g. "The login was denied". */
  readonly denied: string;
}

/** The part of a page that follows a push: sent to the page live. Approved, it submits itself. */
export function pushStatus(
  approval: Approval,
  trouble: boolean,
  csrfToken: string,
  steps: PushSteps,
): SafeHtml {
  switch (approval.status) {
    case 'pending':
      return html`<section class="push push-pending" aria-labelledby="push-title">
  <h2 id="push-title">Check your phone</h2>
  ${troubleNote(trouble)}
  ${approval.numberMatch !== null && numberMatch(approval.numberMatch)}
  <p>Approve “${approval.message}” in your authenticator. It expires ${moment(approval.expiresAt, { countdown: true })}.</p>
  <form method="post" action="${steps.complete}">${csrfField(csrfToken)}<button type="submit" class="secondary">I approved it</button></form>
</section>`;
    case 'approved':
      return html`<section class="push push-approved" aria-labelledby="push-title">
  <h2 id="push-title">Approved</h2>
  <p>${steps.next}</p>
  <form method="post" action="${steps.complete}" data-autosubmit>${csrfField(csrfToken)}<button type="submit">Continue</button></form>
</section>`;
    default:
      return html`<section class="push push-${approval.status}" aria-labelledby="push-title">
  <h2 id="push-title">${approval.status === 'expired' ? 'The request expired' : steps.denied}</h2>
  <p>${outcomeText(approval)}</p>
  <form method="post" action="${steps.again}">${csrfField(csrfToken)}<button type="submit">Send another push</button></form>
</section>`;
  }
}

/** What the live region says as a push changes. */
export function pushAnnouncement(approval: Approval, trouble: boolean, steps: PushSteps): string {
  if (trouble) return 'The bank cannot reach its security service right now. It keeps trying.';
  switch (approval.status) {
    case 'pending':
      return 'Waiting for your approval.';
    case 'approved':
      return `Approved. ${steps.next}`;
    case 'denied':
      return `${steps.denied}.`;
    case 'expired':
      return 'The request expired.';
  }
}

import type { ApprovalStatus } from '../countersign/countersign.js';
import { html, type SafeHtml } from '../views/html.js';
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

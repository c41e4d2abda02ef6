import {
  approvalTimes,
  detailsList,
  liveContainer,
  numberMatch,
  outcomeText,
  receiptText,
  STATUS_LABELS,
  statusBadge,
  troubleNote,
} from '../approvals/approval-parts.js';
import type { BankError } from '../lib/bank-error.js';
import { errorSummary, field } from '../views/form-parts.js';
import { html, type SafeHtml } from '../views/html.js';
import { csrfField, layout, type Visitor } from '../views/layout.js';
import { moment } from '../views/moment.js';
import { canSendAgain, formatUsd, type Transfer } from './transfer.js';

const LABELS = { payee_email: 'Payee email', account_number: 'Account number', amount: 'Amount' } as const;

const HEADINGS = {
  pending: 'Approve the transfer on your phone',
  approved: 'Transfer approved',
  denied: 'Transfer denied',
  expired: 'Transfer expired',
} as const;

function transferForm(
  csrfToken: string,
  values: Readonly<Record<string, string>>,
  error?: BankError,
): SafeHtml {
  return html`<section aria-labelledby="new-transfer">
  <h2 id="new-transfer">Transfer money</h2>
  ${errorSummary(error, LABELS)}
  <form method="post" action="/transfers" novalidate>
    ${csrfField(csrfToken)}
    ${field({ label: LABELS.payee_email, name: 'payee_email', type: 'email', value: values.payee_email, error: error?.fields.payee_email, autocomplete: 'off', maxlength: 254 })}
    ${field({ label: LABELS.account_number, name: 'account_number', value: values.account_number, error: error?.fields.account_number, inputmode: 'numeric', autocomplete: 'off', hint: '4 to 17 digits', maxlength: 40 })}
    ${field({ label: LABELS.amount, name: 'amount', value: values.amount, error: error?.fields.amount, inputmode: 'decimal', autocomplete: 'off', hint: 'In US dollars, like 125.50', maxlength: 20 })}
    <button type="submit">Send for approval</button>
  </form>
  <p class="hint">Your phone asks you to approve every transfer before the bank makes it.</p>
</section>`;
}

function historyList(history: readonly Transfer[]): SafeHtml {
  if (history.length === 0) return html`<p>No transfers yet.</p>`;
  return html`<ul class="history">
  ${history.map(
    (t) => html`<li>
    <a href="/transfers/${t.id}">
      <span class="history-main"><span class="history-payee">${t.payeeEmail}</span> <span class="history-amount">${formatUsd(t.amountCents)}</span></span>
      <span class="history-meta">${statusBadge(t.approval.status)} ${moment(t.approval.createdAt)}</span>
    </a>
  </li>`,
  )}
</ul>`;
}

/** The transfer form and the transaction history. */
export function transfersPage(
  visitor: Visitor & { csrfToken: string },
  history: readonly Transfer[],
  form: { values?: Readonly<Record<string, string>>; error?: BankError } = {},
): SafeHtml {
  return layout(
    'Transfers',
    visitor,
    html`<h1>Transfers</h1>
${transferForm(visitor.csrfToken, form.values ?? {}, form.error)}
<section aria-labelledby="history-title">
  <h2 id="history-title">Transaction history</h2>
  ${historyList(history)}
</section>`,
  );
}

/** "Send again" after a mistyped number: the same transfer, as a new request with a new number. */
function sendAgainForm(transfer: Transfer, csrfToken: string): SafeHtml {
  return html`<form method="post" action="/transfers/${transfer.id}/again" class="send-again">
  ${csrfField(csrfToken)}
  <button type="submit">Send again</button>
  <p class="hint">The same transfer goes to your phone as a new request, with a new number. Nothing to type again here.</p>
</form>`;
}

/** The part of a transfer's page that changes as its approval does: sent to the page live. */
export function transferStatus(transfer: Transfer, trouble: boolean, csrfToken: string): SafeHtml {
  const { approval } = transfer;
  return html`<section class="transfer transfer-${approval.status}" aria-labelledby="transfer-status">
  <h2 id="transfer-status">${HEADINGS[approval.status]}</h2>
  <p>${statusBadge(approval.status)}</p>
  ${troubleNote(trouble)}
  ${approval.status === 'pending' && approval.numberMatch !== null && numberMatch(approval.numberMatch)}
  ${transfer.attempt > 1 && approval.status === 'pending' && html`<p class="notice">Sent again: the number on your phone is a new one.</p>`}
  <p class="outcome">${outcomeText(approval)}</p>
  ${canSendAgain(transfer) && sendAgainForm(transfer, csrfToken)}
  ${detailsList(approval.details, approvalTimes(approval))}
  ${approval.status !== 'pending' && approval.status !== 'expired' && receiptText(approval.receipt)}
</section>`;
}

/** What the live region says when the status changes. */
export function transferAnnouncement(transfer: Transfer, trouble: boolean): string {
  if (trouble) return 'The bank cannot reach its security service right now. It keeps trying.';
  return `${STATUS_LABELS[transfer.approval.status]}: transfer of ${formatUsd(transfer.amountCents)} to ${transfer.payeeEmail}.`;
}

/** One transfer: its status live, and the way back. */
export function transferPage(
  visitor: Visitor & { csrfToken: string },
  transfer: Transfer,
  trouble: boolean,
): SafeHtml {
  return layout(
    `Transfer to ${transfer.payeeEmail}`,
    visitor,
    html`<h1>${formatUsd(transfer.amountCents)} to ${transfer.payeeEmail}</h1>
${liveContainer(`/transfers/${transfer.id}/events`, transfer.approval, trouble, transferStatus(transfer, trouble, visitor.csrfToken))}
<p><a class="button secondary" href="/transfers">Back to transfers</a></p>`,
  );
}

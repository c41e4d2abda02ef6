import { type FormBody, FormReader } from '../lib/form-fields.js';
import { formatUsd, type NewTransfer } from './transfer.js';

/** The largest single transfer the demo accepts, in cents. */
export const MAX_TRANSFER_CENTS = 1_000_000_00;

/** Reads the transfer form, or throws `invalid_input` naming each field to fix. */
export function readTransfer(body: FormBody): NewTransfer {
  const form = new FormReader(body);
  const payeeEmail = form.email('payee_email', 'the payee’s email');
  const accountNumber = form.raw('account_number').replace(/[\s-]/g, '');
  if (!/^\d{4,17}$/.test(accountNumber)) {
    form.problem('account_number', 'Enter the account number: 4 to 17 digits.', '');
  }
  const amount = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(form.raw('amount').replace(/^\$/, '').replace(/,/g, ''));
  const amountCents =
    amount === null ? 0 : Number(amount[1]) * 100 + Number((amount[2] ?? '').padEnd(2, '0'));
  if (amount === null || amountCents === 0) {
    form.problem('amount', 'Enter an amount in US dollars, like 125.50.', '');
  } else if (amountCents > MAX_TRANSFER_CENTS) {
    form.problem('amount', `Transfers are limited to ${formatUsd(MAX_TRANSFER_CENTS)}.`, '');
  }
  form.done();
  return { payeeEmail, accountNumber, amountCents };
}

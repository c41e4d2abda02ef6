import type { Account } from '../accounts/account.js';
import type { AccountService } from '../accounts/account.service.js';
import type { ApprovalTracker } from '../approvals/approval-tracker.js';
import { BankError } from '../lib/bank-error.js';
import { formatUsd, type NewTransfer, type Transfer } from './transfer.js';
import type { TransferRepository } from './transfer.repository.js';

/** How many past transfers the history shows. */
export const HISTORY_LENGTH = 50;

/** Transfers: each one is sent for approval on the customer's device, as the workshop did. */
export class TransferService {
  constructor(
    private readonly transfers: TransferRepository,
    private readonly accounts: AccountService,
    private readonly approvals: ApprovalTracker,
  ) {}

  /** Asks the customer's device to approve the transfer; the transfer waits for the answer. */
  async request(account: Account, input: NewTransfer): Promise<Transfer> {
    await this.accounts.requireEnrolled(account);
    const approval = await this.approvals.request(
      account,
      'transfer',
      `Transfer money to ${input.payeeEmail}`,
      {
        From: account.email,
        To: input.payeeEmail,
        'Account Number': input.accountNumber,
        'US Dollar Amount': formatUsd(input.amountCents),
      },
    );
    const id = this.transfers.insert(account.id, input, approval.uuid);
    return { id, accountId: account.id, ...input, approval };
  }

  find(account: Account, id: number): Transfer {
    const transfer = this.transfers.find(account.id, id);
    if (transfer === undefined) throw new BankError('not_found');
    return transfer;
  }

  history(account: Account): Transfer[] {
    return this.transfers.list(account.id, HISTORY_LENGTH);
  }
}

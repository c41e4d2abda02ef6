import type { Account } from '../accounts/account.js';
import type { AccountService } from '../accounts/account.service.js';
import type { ApprovalTracker } from '../approvals/approval-tracker.js';
import { BankError } from '../lib/bank-error.js';
import type { Clock } from '../lib/clock.js';
import { canSendAgain, formatUsd, type NewTransfer, type Transfer } from './transfer.js';
import type { TransferRepository } from './transfer.repository.js';

/** How many past transfers the history shows. */
export const HISTORY_LENGTH = 50;

/** A claim to send a transfer again lasts this long: longer than asking the service ever takes. */
const RESEND_CLAIM_MS = 2 * 60 * 1000;

/** Transfers: each one is sent for approval on the customer's device, as the workshop did. */
export class TransferService {
  constructor(
    private readonly transfers: TransferRepository,
    private readonly accounts: AccountService,
    private readonly approvals: ApprovalTracker,
    private readonly clock: Clock,
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
    return { id, accountId: account.id, ...input, attempt: 1, approval };
  }

  /**
   * Sends the transfer again as a new approval request, with the same message and details, after the
   * number was mistyped on the phone; the customer retypes nothing. Once per denial: a second click, or a
   * transfer that cannot be sent again, is refused with `cannot_resend`.
   */
  async sendAgain(account: Account, id: number): Promise<Transfer> {
    const transfer = this.find(account, id);
    const previous = transfer.approval;
    const now = this.clock.now();
    if (
      !canSendAgain(transfer) ||
      !this.transfers.claimResend(id, previous.uuid, now, now - RESEND_CLAIM_MS)
    ) {
      throw new BankError('cannot_resend');
    }
    try {
      await this.accounts.requireEnrolled(account);
      const approval = await this.approvals.request(account, 'transfer', previous.message, previous.details);
      this.transfers.resent(id, previous.uuid, approval.uuid);
      return { ...transfer, attempt: transfer.attempt + 1, approval };
    } catch (error) {
      this.transfers.releaseResend(id, previous.uuid);
      throw error;
    }
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

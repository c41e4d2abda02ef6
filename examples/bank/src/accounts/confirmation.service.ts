import type { Approval } from '../approvals/approval.js';
import type { ApprovalTracker } from '../approvals/approval-tracker.js';
import { originDetails, type RequestOrigin } from '../approvals/origin-details.js';
import type { Account } from './account.js';
import type { AccountService } from './account.service.js';

export const CONFIRM_MESSAGE = 'Add a device to your Countersign Bank account';

/**
 * Confirming it is the customer before a device is added, by an approval on a phone already set up: the
 * other way besides the password. The request says where it comes from, like a login's.
 */
export class ConfirmationService {
  constructor(
    private readonly accounts: AccountService,
    private readonly approvals: ApprovalTracker,
  ) {}

  /** Asks the customer's devices to approve adding another. */
  async request(account: Account, origin: RequestOrigin): Promise<Approval> {
    await this.accounts.requireEnrolled(account);
    return this.approvals.request(account, 'device', CONFIRM_MESSAGE, {
      Email: account.email,
      ...originDetails(origin),
    });
  }

  /** The session's confirmation request, if it is the account's own and one of this kind. */
  approvalOf(account: Account, uuid: string | null): Approval | undefined {
    const approval = uuid === null ? undefined : this.approvals.find(uuid);
    return approval?.accountId === account.id && approval.purpose === 'device' ? approval : undefined;
  }
}

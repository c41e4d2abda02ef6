import type { Account } from '../accounts/account.js';
import type { AccountService } from '../accounts/account.service.js';
import type { Approval } from '../approvals/approval.js';
import type { ApprovalTracker } from '../approvals/approval-tracker.js';
import { originDetails, type RequestOrigin } from '../approvals/origin-details.js';
import type { Countersign } from '../countersign/countersign.js';
import { askService, BankError } from '../lib/bank-error.js';

export const LOGIN_MESSAGE = 'Log in to Countersign Bank';

/** TOTP, SMS and voice codes: 6 to 8 digits as apps configure them, 7 in Authy's default. */
const CODE = /^\d{6,8}$/;

/** The second factor of a login: a push approval, or a TOTP or SMS code checked by the service. */
export class LoginService {
  constructor(
    private readonly accounts: AccountService,
    private readonly approvals: ApprovalTracker,
    private readonly countersign: Countersign,
  ) {}

  /** Sends "Log in to Countersign Bank" to the customer's devices, with where the login comes from. */
  async requestPush(account: Account, origin: RequestOrigin): Promise<Approval> {
    await this.accounts.requireEnrolled(account);
    return this.approvals.request(account, 'login', LOGIN_MESSAGE, {
      Email: account.email,
      ...originDetails(origin),
    });
  }

  /** The push of this login, if it is the account's own. */
  pushOf(account: Account, uuid: string | null): Approval | undefined {
    const approval = uuid === null ? undefined : this.approvals.find(uuid);
    return approval?.accountId === account.id && approval.purpose === 'login' ? approval : undefined;
  }

  /** Resolves when the code is valid for the account; `invalid_input` or `code_invalid` otherwise. */
  async verifyCode(account: Account, code: string): Promise<void> {
    const digits = code.replace(/\s/g, '');
    if (!CODE.test(digits)) {
      throw new BankError('invalid_input', { fields: { code: 'Enter the code: 6 to 8 digits.' } });
    }
    await askService(() => this.countersign.verifyToken(account.authyId, digits));
  }

  /** Texts a code to the account's phone; the masked number it went to. */
  async sendSms(account: Account): Promise<string> {
    const { cellphone } = await askService(() => this.countersign.sendSms(account.authyId));
    return cellphone;
  }
}

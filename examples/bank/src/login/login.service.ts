import type { Account } from '../accounts/account.js';
import type { AccountService } from '../accounts/account.service.js';
import type { Approval } from '../approvals/approval.js';
import type { ApprovalTracker } from '../approvals/approval-tracker.js';
import type { Countersign } from '../countersign/countersign.js';
import { askService, BankError } from '../lib/bank-error.js';
import { browserName } from './browser-name.js';

export const LOGIN_MESSAGE = 'Log in to Countersign Bank';

/**
 * Where a login comes from, as the bank sees it: the address the connection came from (the bank takes no
 * `X-Forwarded-For`; behind a proxy this is the proxy's), and the browser's `User-Agent` header.
 */
export interface LoginContext {
  readonly ip: string;
  readonly userAgent: string | undefined;
}

/**
 * The details a login request carries to the phone, so the customer can tell their own login from someone
 * else's: the email, the IP address, and the browser. No place: that needs a GeoIP database the bank would
 * have to download and keep current, so it is left out rather than guessed.
 */
export function loginDetails(email: string, context: LoginContext): Record<string, string> {
  return {
    Email: email,
    'IP address': context.ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''),
    Browser: browserName(context.userAgent),
  };
}

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
  async requestPush(account: Account, context: LoginContext): Promise<Approval> {
    await this.accounts.requireEnrolled(account);
    return this.approvals.request(account, 'login', LOGIN_MESSAGE, loginDetails(account.email, context));
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

import type { Countersign, Device } from '../countersign/countersign.js';
import { askService, BankError } from '../lib/bank-error.js';
import type { Account } from './account.js';
import type { AccountRepository } from './account.repository.js';
import type { PasswordHasher } from './password-hasher.js';
import { qrImage } from './qr-image.js';

/** What "Set up your authenticator" shows. */
export interface AuthenticatorSetup {
  /** Whether a device already answers this user's approval requests. */
  readonly registered: boolean;
  readonly enrollment: { readonly url: string; readonly qrCode: string; readonly expiresAt: number };
  /** For third-party authenticator apps; absent once the service stopped handing out the seed. */
  readonly otpauth: { readonly url: string; readonly qrCode: string } | undefined;
}

/** Accounts: passwords, authenticator setup, and the devices that answer for the customer. */
export class AccountService {
  /** Checked against when an email is unknown, so a login takes as long whether or not the account exists. */
  private decoy: Promise<string> | undefined;

  constructor(
    private readonly accounts: AccountRepository,
    private readonly countersign: Countersign,
    private readonly passwords: PasswordHasher,
  ) {}

  /** The account whose password this is, or `wrong_credentials` (the same answer for an unknown email). */
  async checkPassword(email: string, password: string): Promise<Account> {
    const found = this.accounts.findWithHash(email);
    if (found === undefined) {
      this.decoy ??= this.passwords.hash('decoy password, never valid');
      await this.passwords.verify(await this.decoy, password);
      throw new BankError('wrong_credentials');
    }
    if (!(await this.passwords.verify(found.passwordHash, password)))
      throw new BankError('wrong_credentials');
    return found.account;
  }

  /** Resolves when `password` is the signed-in customer's own; `wrong_password` otherwise. */
  async confirmPassword(account: Account, password: string): Promise<void> {
    const found = this.accounts.findWithHash(account.email);
    const right =
      found !== undefined &&
      found.account.id === account.id &&
      (await this.passwords.verify(found.passwordHash, password));
    if (!right) throw new BankError('wrong_password', { fields: { password: 'That is not your password.' } });
  }

  find(id: number): Account | undefined {
    return this.accounts.find(id);
  }

  /** A fresh enrollment link, the otpauth QR while the service still hands it out, and whether a device answers. */
  async authenticatorSetup(account: Account): Promise<AuthenticatorSetup> {
    const [status, enrollment, secret] = await askService(() =>
      Promise.all([
        this.countersign.userStatus(account.authyId),
        this.countersign.createEnrollment(account.authyId),
        this.countersign.authenticatorSecret(account.authyId, account.email),
      ]),
    );
    return {
      registered: status.registered,
      enrollment: { ...enrollment, qrCode: await qrImage(enrollment.qrCode, enrollment.url) },
      otpauth:
        secret === undefined
          ? undefined
          : { url: secret.otpauthUrl, qrCode: await qrImage(secret.qrCode, secret.otpauthUrl) },
    };
  }

  /** The devices that answer the customer's approval requests, as the service lists them. */
  async devices(account: Account): Promise<readonly Device[]> {
    return (await askService(() => this.countersign.userStatus(account.authyId))).devices;
  }

  /** Whether a device would see an approval request for this account. */
  async enrolled(account: Account): Promise<boolean> {
    return (await askService(() => this.countersign.userStatus(account.authyId))).registered;
  }

  /** Refuses with `not_enrolled` when no device would see an approval request for this account. */
  async requireEnrolled(account: Account): Promise<void> {
    if (!(await this.enrolled(account))) throw new BankError('not_enrolled');
  }
}

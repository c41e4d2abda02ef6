import type { Countersign } from '../countersign/countersign.js';
import { askService, BankError } from '../lib/bank-error.js';
import type { Clock } from '../lib/clock.js';
import type { Account, NewAccount } from './account.js';
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

/** Codes with which the service refuses a user's email or phone number at registration. */
const REFUSED_USER = new Set(['60027', '60033', '60004']);

/** The service's per-field refusal, on the bank's form: its email, or else its phone number. */
function refusedFields(fields: Readonly<Record<string, string>>): BankError {
  return new BankError('invalid_input', {
    fields:
      'email' in fields
        ? { email: 'The security service did not accept this email.' }
        : { cellphone: 'The security service did not accept this number for that country code.' },
  });
}

/** Accounts: registration with the security service, passwords, and authenticator setup. */
export class AccountService {
  /** Checked against when an email is unknown, so a login takes as long whether or not the account exists. */
  private decoy: Promise<string> | undefined;

  constructor(
    private readonly accounts: AccountRepository,
    private readonly countersign: Countersign,
    private readonly passwords: PasswordHasher,
    private readonly clock: Clock,
  ) {}

  /** Registers the user with the security service, then stores the account with the id it returned. */
  async register(input: NewAccount): Promise<Account> {
    if (this.accounts.emailTaken(input.email)) throw new BankError('email_taken');
    const passwordHash = await this.passwords.hash(input.password);
    const authyId = await askService(
      () =>
        this.countersign.registerUser({
          email: input.email,
          cellphone: input.cellphone,
          countryCode: input.countryCode,
        }),
      (error) => (REFUSED_USER.has(error.errorCode ?? '') ? refusedFields(error.fields) : undefined),
    );
    const account = this.accounts.insert({
      email: input.email,
      passwordHash,
      authyId,
      countryCode: input.countryCode,
      cellphone: input.cellphone,
      createdAt: this.clock.now(),
    });
    if (account === undefined) throw new BankError('email_taken');
    return account;
  }

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

  /** Refuses with `not_enrolled` when no device would see an approval request for this account. */
  async requireEnrolled(account: Account): Promise<void> {
    const { registered } = await askService(() => this.countersign.userStatus(account.authyId));
    if (!registered) throw new BankError('not_enrolled');
  }
}

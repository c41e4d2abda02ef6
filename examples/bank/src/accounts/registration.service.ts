import type { Countersign, PhoneNumber } from '../countersign/countersign.js';
import { askService, BankError } from '../lib/bank-error.js';
import type { Clock } from '../lib/clock.js';
import type { Account, NewAccount } from './account.js';
import type { AccountRepository } from './account.repository.js';
import type { PasswordHasher } from './password-hasher.js';
import { type PendingRegistration, PHONE_CODE_LENGTH } from './registration.js';
import type { RegistrationRepository } from './registration.repository.js';

/** The service's codes for a number it will not text or register, and for a refused email. */
const REFUSED_NUMBER = new Set(['60033', '60004', '60013']);
const REFUSED_USER = new Set(['60027', '60033', '60004']);

/** The service's per-field refusal, on the registration form: its email, or else its phone number. */
function refusedFields(fields: Readonly<Record<string, string>>): BankError {
  return new BankError('invalid_input', {
    fields:
      'email' in fields
        ? { email: 'The security service did not accept this email.' }
        : { cellphone: 'The security service did not accept this number for that country code.' },
  });
}

const refusedNumber = (errorCode: string | undefined): BankError | undefined =>
  REFUSED_NUMBER.has(errorCode ?? '')
    ? new BankError('invalid_input', {
        fields: {
          cellphone:
            errorCode === '60013'
              ? 'The bank cannot text numbers in that country.'
              : 'The security service did not accept this number for that country code.',
        },
      })
    : undefined;

/**
 * Registration in two steps, as a bank does it: the form, then the code texted to the cellphone (the phone
 * verification API). Only a checked code creates the account — at the security service (`users/new`) and
 * at the bank — so nobody registers a number that is not theirs. The form waits with the session meanwhile.
 */
export class RegistrationService {
  constructor(
    private readonly registrations: RegistrationRepository,
    private readonly accounts: AccountRepository,
    private readonly countersign: Countersign,
    private readonly passwords: PasswordHasher,
    private readonly clock: Clock,
  ) {}

  /** Texts a code to the number and keeps the form with the session until the code comes back. */
  async start(sessionKey: string, input: NewAccount): Promise<PendingRegistration> {
    if (this.accounts.emailTaken(input.email)) throw new BankError('email_taken');
    const passwordHash = await this.passwords.hash(input.password);
    await this.sendCode(input);
    const registration: PendingRegistration = {
      email: input.email,
      passwordHash,
      countryCode: input.countryCode,
      cellphone: input.cellphone,
      codeSentAt: this.clock.now(),
      verifiedAt: null,
    };
    this.registrations.save(sessionKey, registration);
    return registration;
  }

  /** The session's registration waiting for its code, if any. */
  find(sessionKey: string): PendingRegistration | undefined {
    return this.registrations.find(sessionKey);
  }

  /** Texts a new code ("Send the code again"). */
  async resend(sessionKey: string): Promise<PendingRegistration> {
    const registration = this.pending(sessionKey);
    if (registration.verifiedAt !== null) return registration;
    await this.sendCode(registration);
    const at = this.clock.now();
    this.registrations.codeSent(sessionKey, at);
    return { ...registration, codeSentAt: at };
  }

  /**
   * Checks the code, then creates the account. A wrong code is refused (`code_invalid`), one that can no
   * longer be checked too (`code_expired`: send another). Once the code was right it is not asked again,
   * even if creating the account then fails (the service was away): `code` is then ignored.
   */
  async complete(sessionKey: string, code: string): Promise<Account> {
    const registration = this.pending(sessionKey);
    if (registration.verifiedAt === null) {
      const digits = code.replace(/\s/g, '');
      if (!new RegExp(`^\\d{${PHONE_CODE_LENGTH}}$`).test(digits)) {
        throw new BankError('invalid_input', {
          fields: { code: `Enter the ${PHONE_CODE_LENGTH}-digit code from the text message.` },
        });
      }
      await askService(
        () => this.countersign.checkPhoneVerification(phoneOf(registration), digits),
        (error) => {
          if (error.errorCode === '60023') return new BankError('code_expired');
          if (error.errorCode === '60022') {
            return new BankError('code_invalid', {
              fields: { code: 'That code is not the one we texted. Check the message and try again.' },
            });
          }
          return undefined;
        },
      );
      this.registrations.verified(sessionKey, this.clock.now());
    }
    const authyId = await askService(
      () =>
        this.countersign.registerUser({
          email: registration.email,
          cellphone: registration.cellphone,
          countryCode: registration.countryCode,
        }),
      (error) => (REFUSED_USER.has(error.errorCode ?? '') ? refusedFields(error.fields) : undefined),
    );
    const account = this.accounts.insert({
      email: registration.email,
      passwordHash: registration.passwordHash,
      authyId,
      countryCode: registration.countryCode,
      cellphone: registration.cellphone,
      createdAt: this.clock.now(),
    });
    if (account === undefined) throw new BankError('email_taken');
    this.registrations.delete(sessionKey);
    return account;
  }

  private pending(sessionKey: string): PendingRegistration {
    const registration = this.registrations.find(sessionKey);
    if (registration === undefined) throw new BankError('registration_missing');
    return registration;
  }

  private async sendCode(phone: PhoneNumber): Promise<void> {
    await askService(
      () => this.countersign.startPhoneVerification(phoneOf(phone), { codeLength: PHONE_CODE_LENGTH }),
      (error) => refusedNumber(error.errorCode),
    );
  }
}

/** Only the number goes to the service's client, never the rest of the form (its password above all). */
const phoneOf = (phone: PhoneNumber): PhoneNumber => ({
  countryCode: phone.countryCode,
  cellphone: phone.cellphone,
});

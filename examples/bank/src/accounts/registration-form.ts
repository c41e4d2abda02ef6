import { type FormBody, FormReader } from '../lib/form-fields.js';
import type { NewAccount } from './account.js';

/** NIST SP 800-63B: at least 8 characters, and allow long passphrases. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/** Reads the registration form, or throws `invalid_input` naming each field to fix. */
export function readRegistration(body: FormBody): NewAccount {
  const form = new FormReader(body);
  const email = form.email('email', 'your email');
  const password = form.raw('password', { keepSpaces: true });
  if (password.length < PASSWORD_MIN)
    form.problem('password', `Use at least ${PASSWORD_MIN} characters.`, '');
  else if (password.length > PASSWORD_MAX)
    form.problem('password', `Use at most ${PASSWORD_MAX} characters.`, '');
  const cellphone = form.raw('cellphone').replace(/[\s().-]/g, '');
  if (!/^\d{6,15}$/.test(cellphone)) {
    form.problem('cellphone', 'Enter your cellphone number in digits (spaces and dashes are fine).', '');
  }
  const countryCode = form.raw('country_code').replace(/^\+/, '');
  if (!/^\d{1,4}$/.test(countryCode)) {
    form.problem('country_code', 'Enter the country code in digits, like 1 for the US or 44 for the UK.', '');
  }
  form.done();
  return { email, password, cellphone, countryCode };
}

/** Reads the login form's email and password (their rules are checked at registration, not here). */
export function readLogin(body: FormBody): { email: string; password: string } {
  const form = new FormReader(body);
  const email = form.email('email', 'your email');
  const password = form.raw('password', { keepSpaces: true });
  if (password === '') form.problem('password', 'Enter your password.', '');
  form.done();
  return { email, password };
}

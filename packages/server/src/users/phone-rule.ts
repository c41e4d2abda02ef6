import { type App, policyOf } from '../apps/app.js';
import { type PhoneNumber, parsePhone } from './phone-number.js';
import { parseSandboxPhone } from './sandbox-phone.js';

/**
 * Reads a phone number under the app's rule: a real number (libphonenumber) in production, any 8–15
 * digits in the sandbox. `undefined` when it cannot be a number; `valid` says whether it is a real one.
 */
export function readPhone(app: App, cellphone: string, countryCode: string): PhoneNumber | undefined {
  return policyOf(app).sandbox
    ? parseSandboxPhone(cellphone, countryCode)
    : parsePhone(cellphone, countryCode);
}

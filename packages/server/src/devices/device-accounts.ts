import { Secret } from 'otpauth';
import { TOTP_PERIOD_SECONDS } from '../crypto/totp.js';
import { type Device, serves } from './device.js';

/** An app a device answers for, with the TOTP secret that makes its codes. */
export interface Account {
  app_id: number;
  app_name: string;
  authy_id: number;
  totp: { secret: string; digits: number; period: number; algorithm: 'SHA1' };
}

/** What the accounts of a device are read from: the apps its user is registered with, and their seeds. */
export interface AccountSource {
  links(
    userId: number,
  ): Promise<Array<{ appId: number; appName: string; profile: string; tokenLength: number }>>;
  seed(user: { appId: number; userId: number }): Promise<string>;
}

/** The accounts a device holds: one per app it answers, with the TOTP secret for codes. */
export async function accountsOf(device: Device, users: AccountSource): Promise<Account[]> {
  const accounts: Account[] = [];
  for (const link of await users.links(device.userId)) {
    if (!serves(device, link.appId, link.profile)) continue;
    const seed = await users.seed({ appId: link.appId, userId: device.userId });
    accounts.push({
      app_id: link.appId,
      app_name: link.appName,
      authy_id: device.userId,
      totp: {
        secret: Secret.fromHex(seed).base32,
        digits: link.tokenLength,
        period: TOTP_PERIOD_SECONDS,
        algorithm: 'SHA1',
      },
    });
  }
  return accounts;
}

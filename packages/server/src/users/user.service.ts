import QRCode from 'qrcode';
import { type App, policyOf } from '../apps/app.js';
import type { UsageCounter } from '../apps/usage-counter.js';
import type { Random } from '../crypto/random.js';
import { sealedContext } from '../crypto/sealed-values.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { totpUri } from '../crypto/totp.js';
import { AuthyError, userNotFound } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import type { AppUser } from './app-user.js';
import { readEmail } from './email.js';
import { parseCallingCode } from './phone-number.js';
import { readPhone } from './phone-rule.js';
import type { Activity, AppLink, Identity, OperatorLink, UserRepository } from './user.repository.js';
import { readUserId } from './user-id.js';

export const ACTIVITY_TYPES = ['password_reset', 'banned', 'unbanned', 'cookie_login'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

const seedContext = sealedContext.appUserSeed;

/** The namespace an app's users live in: one shared identity space, but each sandbox app has its own. */
export function namespaceOf(app: App): string {
  return app.profile === 'sandbox' ? `sandbox:${app.id}` : 'live';
}

export interface Registration {
  email: string;
  cellphone: string;
  countryCode: string;
}

export interface UserServiceOptions {
  readonly repository: UserRepository;
  readonly box: SecretBox;
  readonly random: Random;
  readonly clock: Clock;
  readonly usage: UsageCounter;
}

/** Users: one identity per phone number, linked to each app that registers it (D8). */
export class UserService {
  private readonly repository: UserRepository;
  private readonly box: SecretBox;
  private readonly random: Random;
  private readonly clock: Clock;
  private readonly usage: UsageCounter;

  constructor(options: UserServiceOptions) {
    this.repository = options.repository;
    this.box = options.box;
    this.random = options.random;
    this.clock = options.clock;
    this.usage = options.usage;
  }

  /** Registers a user for an app; the same phone gives the same id. Throws 400 / 60027 naming each bad field. */
  async register(app: App, input: Registration): Promise<number> {
    const fields: Record<string, string> = {};
    const email = readEmail(input.email);
    if (email === undefined) fields.email = 'is invalid';
    const countryCode = parseCallingCode(input.countryCode);
    // Authy's sandbox called every bad field "is invalid" (docs/sandbox.md).
    if (countryCode === undefined)
      fields.country_code = policyOf(app).sandbox ? 'is invalid' : 'is not supported';
    const phone = countryCode === undefined ? undefined : readPhone(app, input.cellphone, countryCode);
    if (countryCode !== undefined && (phone === undefined || !phone.valid)) fields.cellphone = 'is invalid';
    if (Object.keys(fields).length > 0 || phone === undefined || email === undefined)
      throw new AuthyError('60027', { fields });

    const { userId, created } = await this.repository.register(
      {
        namespace: namespaceOf(app),
        countryCode: phone.countryCode,
        phone: phone.national,
        email,
        appId: app.id,
        now: this.clock.now(),
      },
      (id) => this.newSeed(app.id, id),
    );
    if (created) this.usage.count(app.id, 'users');
    return userId;
  }

  /**
   * The app's user behind a Verify v2 entity (its push factors' devices enroll for it): an identity of its
   * own, in the app's `verify:` namespace with the entity's SID where a phone would be, so that no phone
   * enrollment, import or other app ever reaches it (D8 names people by phone; an entity has none).
   */
  async linkVerifyEntity(app: App, entitySid: string): Promise<number> {
    const { userId, created } = await this.repository.register(
      {
        namespace: `verify:${app.id}`,
        countryCode: '',
        phone: entitySid,
        email: '',
        appId: app.id,
        now: this.clock.now(),
      },
      (id) => this.newSeed(app.id, id),
    );
    if (created) this.usage.count(app.id, 'users');
    return userId;
  }

  /** A new TOTP seed for the user's link to the app, sealed under the master key and bound to that link. */
  newSeed(appId: number, userId: number): string {
    return this.box.seal(this.random.bytes(20).toString('hex'), seedContext(appId, userId));
  }

  /** The app's user named by a path parameter; anything else is 404 / 60026, whoever owns it (R7). */
  async find(app: App, idParam: string | undefined): Promise<AppUser> {
    const user = await this.repository.find(app.id, this.idOf(idParam));
    if (user === undefined) throw userNotFound();
    return user;
  }

  /**
   * The user id a path names, without reading the store: an id that cannot exist reads as a user that does
   * not (404 60026), like an unknown one.
   */
  idOf(idParam: string | undefined): number {
    // Any larger id than the store holds is unknown, not an error.
    const id = idParam === undefined ? undefined : readUserId(idParam);
    if (id === undefined) throw userNotFound();
    return id;
  }

  /** The user's TOTP seed for the user's app, hex encoded. */
  async seed(user: Pick<AppUser, 'appId' | 'userId'>): Promise<string> {
    const sealed = await this.repository.seedCt(user.appId, user.userId);
    if (sealed === undefined) throw userNotFound();
    return this.openSeed(user, sealed);
  }

  /** Opens a seed read along with something else (the verify's attempt counter). */
  openSeed(user: Pick<AppUser, 'appId' | 'userId'>, sealed: string): string {
    return this.box.open(sealed, seedContext(user.appId, user.userId));
  }

  /** The id of a phone number registered by any production app (phone enrollment, D8). */
  findLiveIdentity(countryCode: string, national: string): Promise<number | undefined> {
    return this.repository.findIdentity('live', countryCode, national);
  }

  async remove(app: App, idParam: string | undefined): Promise<void> {
    const user = await this.find(app, idParam);
    await this.repository.remove(app.id, user.userId);
  }

  async registerActivity(
    app: App,
    idParam: string | undefined,
    activity: { type: ActivityType; data: Record<string, unknown>; userIp: string | undefined },
  ): Promise<void> {
    const user = await this.find(app, idParam);
    await this.repository.addActivity({
      appId: app.id,
      userId: user.userId,
      type: activity.type,
      data: JSON.stringify(activity.data),
      userIp: activity.userIp ?? null,
      now: this.clock.now(),
    });
  }

  /**
   * The otpauth URI and its QR code for a third-party authenticator. The seed is handed out only until the
   * user's first accepted TOTP code, so a leaked API key cannot read it back later (R71).
   */
  async authenticatorSecret(
    app: App,
    idParam: string | undefined,
    options: { label?: string | undefined; qrSize?: number | undefined },
  ): Promise<{ label: string; issuer: string; uri: string; qrCode: string }> {
    const user = await this.find(app, idParam);
    if (user.totpConfirmed)
      throw new AuthyError('60123', { message: 'The secret was already used and is no longer shown' });
    const label = options.label ?? user.email;
    const uri = totpUri({ seedHex: await this.seed(user), issuer: app.name, label, digits: app.tokenLength });
    const qrCode = await QRCode.toDataURL(uri, {
      width: options.qrSize ?? 300,
      margin: 1,
      errorCorrectionLevel: 'M',
    });
    return { label, issuer: app.name, uri, qrCode };
  }

  /** The apps the user is registered with (each device shows the accounts it answers for). */
  links(userId: number): Promise<AppLink[]> {
    return this.repository.appLinks(userId);
  }

  /** "This wasn't me": no pushes to the app's user until `until` (R42). */
  pausePushes(appId: number, userId: number, until: number): Promise<void> {
    return this.repository.pausePushes(appId, userId, until);
  }

  /** Until when pushes to the app's user are paused, if they ever were. */
  pushPausedUntil(appId: number, userId: number): Promise<number | null> {
    return this.repository.pushPausedUntil(appId, userId);
  }

  countForApp(app: App): Promise<number> {
    return this.repository.countForApp(app.id);
  }

  /** Users' links to apps for an operator (`countersign users list`): by Authy id, email or phone. */
  search(query: { appId?: number; text?: string; limit: number }): Promise<OperatorLink[]> {
    const { text } = query;
    // Only a number that can be a user id is looked up as one (a phone number's digits are not).
    const userId = text === undefined ? undefined : readUserId(text);
    return this.repository.search({ ...query, ...(userId !== undefined && { userId }) });
  }

  /** Every app link of a user for an operator (`countersign users show`); empty for an unknown user. */
  operatorLinksOf(userId: number): Promise<OperatorLink[]> {
    return this.repository.operatorLinksOf(userId);
  }

  /**
   * An operator lifts the user's TOTP lockout (in one app, or all) so it may verify again; gives the number
   * of app links changed, 0 when the user is not registered there.
   */
  unlock(userId: number, appId?: number): Promise<number> {
    return this.repository.unlock(userId, appId);
  }

  /** The identity with this Authy id (its phone in full), or `undefined`: for the person's own copy. */
  identity(userId: number): Promise<Identity | undefined> {
    return this.repository.identity(userId);
  }

  /** The activities apps registered for the user, oldest first, in one app or all. */
  activitiesOf(userId: number, appId?: number): Promise<Activity[]> {
    return this.repository.activitiesOf(userId, appId);
  }

  /**
   * Erases the person everywhere their data lives (`UserRepository.erase`); gives the rows deleted by kind,
   * and whether the database's files keep no copy of them. `undefined`: no such user.
   */
  erase(userId: number): Promise<{ counts: Record<string, number>; cleared: boolean } | undefined> {
    return this.repository.erase(userId);
  }
}

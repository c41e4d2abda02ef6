import { type App, policyOf } from '../apps/app.js';
import { hmacHex } from '../crypto/digest.js';
import type { ServiceKeys } from '../crypto/master-key.js';
import type { Random } from '../crypto/random.js';
import { AuthyError } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import type { EnqueueOptions, MessageQueue } from '../messaging/message-queue.js';
import type { SendOutcome } from '../messaging/message-worker.js';
import type { SendGuard } from '../messaging/send-guard.js';
import { maskForStatus, parsePhone } from '../users/phone-number.js';
import type { InvitationVia, SendState } from './invitation.js';
import type { InvitationCounts, InvitationRepository, Invitee } from './invitation.repository.js';

const DAY = 24 * 60 * 60_000;
/** How long an invitation lives at most (issue 20): the link alone enrolls nothing (D15). */
export const MAX_INVITATION_DAYS = 14;
/** How long the SMS that carries a link is worth sending: a message not sent by then is dropped. */
const SMS_SEND_WINDOW_MS = DAY;

/** What happened to one user's invitation. */
export interface InvitationOutcome {
  readonly authyId: number;
  /** `not_in_app`: the id names no user of the app, nothing was written for it. */
  readonly state: SendState | 'not_in_app';
  /** `+1 XXX-XXX-0123`: never the number in full. */
  readonly phone: string | null;
  readonly email: string | null;
  /** The link, for an export only (an SMS carries it; it is printed nowhere else). */
  readonly link: string | null;
  readonly expiresAt: number | null;
  /** Why a send failed, in one sentence without the number. */
  readonly reason: string | null;
}

export interface InvitationServiceOptions {
  readonly repository: InvitationRepository;
  readonly messages: MessageQueue;
  readonly guard: SendGuard;
  readonly keys: ServiceKeys;
  readonly random: Random;
  readonly clock: Clock;
  /** The service's public URL, which the links point to. */
  readonly publicUrl: string;
}

/** `+1 XXX-XXX-0123`, as `users list` and the import's report name a number. */
export const maskedPhone = (i: Pick<Invitee, 'countryCode' | 'phone'>) =>
  `+${i.countryCode} ${maskForStatus(i.phone)}`;

/**
 * Enrollment invitations (issue 20, part 3; D15): a link naming an app and one of its users, for a user
 * imported with their Authy id to bring a device over. The link does not enroll by itself: it lets the
 * device ask for a code sent to the user's phone, and that code (single use, ten minutes, R26) binds.
 */
export class InvitationService {
  constructor(private readonly options: InvitationServiceOptions) {}

  /** The digest a token is stored and found under: peppered, so the table alone gives no token away. */
  digest(token: string): string {
    return hmacHex(this.options.keys.pepper, `invitation:${token}`);
  }

  /** The link a token opens in the authenticator. */
  linkOf(token: string): string {
    return `${this.options.publicUrl}/authenticator/#invite=${token}`;
  }

  /**
   * Invites each user: a new token (256 bits from the CSPRNG) replaces any invitation before it, then the
   * link goes by SMS (within the app's SMS budgets: a refusal fails that user's send, not the run) or is
   * handed back for the app to send by its own e-mail.
   */
  async invite(
    app: App,
    authyIds: readonly number[],
    options: { via: InvitationVia; validDays: number },
  ): Promise<InvitationOutcome[]> {
    const { repository, random, clock } = this.options;
    if (
      !Number.isInteger(options.validDays) ||
      options.validDays < 1 ||
      options.validDays > MAX_INVITATION_DAYS
    )
      throw new RangeError(`validDays is 1 to ${MAX_INVITATION_DAYS}`);
    const found = new Map((await repository.invitees(app.id, authyIds)).map((i) => [i.userId, i] as const));
    const outcomes: InvitationOutcome[] = [];
    for (const authyId of authyIds) {
      const invitee = found.get(authyId);
      if (invitee === undefined) {
        outcomes.push({
          authyId,
          state: 'not_in_app',
          phone: null,
          email: null,
          link: null,
          expiresAt: null,
          reason: 'no user with this Authy id in the app',
        });
        continue;
      }
      const token = random.bytes(32).toString('base64url');
      const digest = this.digest(token);
      const now = clock.now();
      const expiresAt = now + options.validDays * DAY;
      const base = { authyId, phone: maskedPhone(invitee), email: invitee.email, expiresAt };
      if (options.via === 'export') {
        await repository.upsert({
          appId: app.id,
          userId: authyId,
          digest,
          now,
          expiresAt,
          via: 'export',
          sendState: 'exported',
          messageId: null,
        });
        outcomes.push({ ...base, state: 'exported', link: this.linkOf(token), reason: null });
        continue;
      }
      // Written first, so the link the SMS carries works as soon as it arrives, naming the message before it
      // exists, so the worker's outcome finds the invitation however soon it comes.
      const messageId = random.uuid();
      await repository.upsert({
        appId: app.id,
        userId: authyId,
        digest,
        now,
        expiresAt,
        via: 'sms',
        sendState: 'queued',
        messageId,
      });
      const reason = await this.sendLink(app, invitee, this.linkOf(token), {
        id: messageId,
        expiresAt: Math.min(expiresAt, now + SMS_SEND_WINDOW_MS),
        decoy: false,
      });
      if (reason !== null) await repository.setSendState(app.id, authyId, digest, 'failed');
      outcomes.push({ ...base, state: reason === null ? 'queued' : 'failed', link: null, reason });
    }
    return outcomes;
  }

  /** Queues the link's SMS within the app's budgets; the refusal's sentence when a budget or country refuses. */
  private async sendLink(
    app: App,
    invitee: Invitee,
    link: string,
    message: EnqueueOptions,
  ): Promise<string | null> {
    const e164 = `+${invitee.countryCode}${invitee.phone}`;
    try {
      await this.options.guard.admit(
        app,
        { e164, country: parsePhone(invitee.phone, invitee.countryCode)?.country },
        invitee.userId,
      );
    } catch (error) {
      if (error instanceof AuthyError) return error.message;
      throw error;
    }
    await this.options.messages.enqueue(
      {
        appId: app.id,
        channel: 'sms',
        to: e164,
        body: `${app.name} invites you to approve its sign-ins with Countersign: ${link}`,
        sandbox: policyOf(app).sandbox,
      },
      message,
    );
    return null;
  }

  /** The app's users with no live device answering it. */
  notEnrolled(app: App): Promise<number[]> {
    return this.options.repository.notEnrolled(app.id, policyOf(app).phoneDevicesAccepted);
  }

  /** Records how the worker's send of an invitation's SMS ended (`MessageWorker`'s `settled`). */
  settleSend(messageId: string, outcome: SendOutcome): Promise<void> {
    return this.options.repository.settleSend(messageId, outcome);
  }

  /** The app's invitations counted. */
  status(app: App): Promise<InvitationCounts> {
    return this.options.repository.counts(app.id, this.options.clock.now());
  }
}

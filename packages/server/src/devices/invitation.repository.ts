import type { Kysely } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { InvitationVia, SendState } from './invitation.js';

/** One of the app's users as an invitation needs them: the identity's phone and the link's email. */
export interface Invitee {
  readonly userId: number;
  readonly countryCode: string;
  readonly phone: string;
  readonly email: string;
}

/** A live invitation as the device sees it: its app and user. */
export interface LiveInvitation {
  readonly appId: number;
  readonly userId: number;
  readonly expiresAt: number;
}

/** A live invitation with what the device shows of it, and the phone its code goes to. */
export interface InvitationDetail extends LiveInvitation {
  readonly appName: string;
  readonly countryCode: string;
  readonly phone: string;
}

/** The counts `enrollments status` prints. */
export interface InvitationCounts {
  readonly invited: number;
  readonly enrolled: number;
  readonly expired: number;
  readonly failed: number;
}

/** The only code that reads and writes enrollment invitations. */
export class InvitationRepository {
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
  }

  /** The app's users among `userIds`, with their phone and email; ids not linked to the app are left out. */
  async invitees(appId: number, userIds: readonly number[]): Promise<Invitee[]> {
    const found: Invitee[] = [];
    // In slices, under every database's limit on bound parameters.
    for (let i = 0; i < userIds.length; i += 500) {
      const slice = userIds.slice(i, i + 500);
      const rows = await this.db
        .selectFrom('app_users')
        .innerJoin('users', 'users.id', 'app_users.user_id')
        .select(['users.id', 'users.country_code', 'users.phone', 'app_users.email'])
        .where('app_users.app_id', '=', appId)
        .where('app_users.user_id', 'in', slice)
        .execute();
      for (const r of rows)
        found.push({ userId: Number(r.id), countryCode: r.country_code, phone: r.phone, email: r.email });
    }
    return found;
  }

  /**
   * The app's users with no live device answering it (D8: one it enrolled, or one enrolled by phone when
   * the app accepts those), by id.
   */
  async notEnrolled(appId: number, phoneDevicesAccepted: boolean): Promise<number[]> {
    const rows = await this.db
      .selectFrom('app_users')
      .select('app_users.user_id')
      .where('app_users.app_id', '=', appId)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('devices')
              .select('devices.id')
              .whereRef('devices.user_id', '=', 'app_users.user_id')
              .where('devices.revoked_at', 'is', null)
              .where((eb) =>
                phoneDevicesAccepted
                  ? eb.or([
                      eb('devices.enrolled_app_id', '=', appId),
                      eb('devices.enrolled_app_id', 'is', null),
                    ])
                  : eb('devices.enrolled_app_id', '=', appId),
              ),
          ),
        ),
      )
      .orderBy('app_users.user_id')
      .execute();
    return rows.map((r) => Number(r.user_id));
  }

  /** Writes the user's invitation, replacing the one before it (its token stops working): one statement. */
  async upsert(row: {
    appId: number;
    userId: number;
    digest: string;
    now: number;
    expiresAt: number;
    via: InvitationVia;
    sendState: SendState;
    /** The queued message that carries the link (an SMS invitation). */
    messageId: string | null;
  }): Promise<void> {
    const values = {
      token_digest: row.digest,
      created_at: row.now,
      expires_at: row.expiresAt,
      via: row.via,
      send_state: row.sendState,
      message_id: row.messageId,
      enrolled_at: null,
    };
    await this.db
      .insertInto('enrollment_invitations')
      .values({ app_id: row.appId, user_id: row.userId, ...values })
      .onConflict((oc) => oc.columns(['app_id', 'user_id']).doUpdateSet(values))
      .execute();
  }

  /** Sets how the invitation's sending went. */
  async setSendState(appId: number, userId: number, digest: string, state: SendState): Promise<void> {
    await this.db
      .updateTable('enrollment_invitations')
      .set({ send_state: state, message_id: null })
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .where('token_digest', '=', digest)
      .execute();
  }

  /**
   * Records how the message carrying an invitation's link ended, once: an invitation replaced since names
   * another message (or none), and is left alone.
   */
  async settleSend(messageId: string, outcome: Extract<SendState, 'sent' | 'failed'>): Promise<void> {
    await this.db
      .updateTable('enrollment_invitations')
      .set({ send_state: outcome, message_id: null })
      .where('message_id', '=', messageId)
      .where('send_state', '=', 'queued')
      .execute();
  }

  /** The invitation a token's digest names, while it is live (not expired, not used), with its app and phone. */
  async findLive(digest: string, now: number): Promise<InvitationDetail | undefined> {
    const row = await this.db
      .selectFrom('enrollment_invitations')
      .innerJoin('apps', 'apps.id', 'enrollment_invitations.app_id')
      .innerJoin('users', 'users.id', 'enrollment_invitations.user_id')
      .select([
        'enrollment_invitations.app_id',
        'enrollment_invitations.user_id',
        'enrollment_invitations.expires_at',
        'apps.name',
        'users.country_code',
        'users.phone',
      ])
      .where('enrollment_invitations.token_digest', '=', digest)
      .where('enrollment_invitations.enrolled_at', 'is', null)
      .where('enrollment_invitations.expires_at', '>', now)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          appId: Number(row.app_id),
          userId: Number(row.user_id),
          expiresAt: Number(row.expires_at),
          appName: row.name,
          countryCode: row.country_code,
          phone: row.phone,
        };
  }

  /** Uses an invitation once: one conditional statement, so that only one caller ever gets it. */
  async use(digest: string, now: number): Promise<LiveInvitation | undefined> {
    const row = await this.db
      .updateTable('enrollment_invitations')
      .set({ enrolled_at: now })
      .where('token_digest', '=', digest)
      .where('enrolled_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['app_id', 'user_id', 'expires_at'])
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { appId: Number(row.app_id), userId: Number(row.user_id), expiresAt: Number(row.expires_at) };
  }

  /**
   * The app's invitations counted: enrolled; of the rest, failed sends; of the rest, expired unused; the rest
   * live. Counted by the database, however many users the app has.
   */
  async counts(appId: number, now: number): Promise<InvitationCounts> {
    const row = await this.db
      .selectFrom('enrollment_invitations')
      .where('app_id', '=', appId)
      .select((eb) => {
        const count = (when: Parameters<typeof eb.case>[0]) =>
          eb.fn.coalesce(eb.fn.sum<number>(eb.case().when(when).then(1).else(0).end()), eb.lit(0));
        const notEnrolled = eb('enrolled_at', 'is', null);
        const notFailed = eb('send_state', '!=', 'failed');
        return [
          count(eb('enrolled_at', 'is not', null)).as('enrolled'),
          count(eb.and([notEnrolled, eb('send_state', '=', 'failed')])).as('failed'),
          count(eb.and([notEnrolled, notFailed, eb('expires_at', '<=', now)])).as('expired'),
          count(eb.and([notEnrolled, notFailed, eb('expires_at', '>', now)])).as('invited'),
        ];
      })
      .executeTakeFirstOrThrow();
    return {
      invited: Number(row.invited),
      enrolled: Number(row.enrolled),
      expired: Number(row.expired),
      failed: Number(row.failed),
    };
  }
}

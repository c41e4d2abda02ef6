import type { Kysely, Transaction } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Operator, OperatorRole } from './operator.js';

/** An operator's passkey, as the WebAuthn checks need it. */
export interface OperatorPasskey {
  readonly operatorId: string;
  /** The WebAuthn credential id, B64U. */
  readonly credentialId: string;
  /** The credential's COSE public key, B64U. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
}

/** An operator as `operators list` and the console show them. */
export interface OperatorSummary extends Operator {
  readonly passkeys: number;
  readonly signedInAt: number | null;
  /** Whether the setup link is still unused (and so the operator has no passkey yet). */
  readonly setupPending: boolean;
}

/** A session as kept: the operator it is for and its times. */
export interface StoredSession {
  readonly operator: Operator;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  readonly freshUntil: number;
}

/** What a completed setup writes: its passkey and the digests of its recovery codes. */
export interface SetupRecord {
  readonly passkey: OperatorPasskey;
  readonly recoveryCodeDigests: readonly string[];
}

const operatorOf = (row: { id: string; email: string; role: string; created_at: number }): Operator => ({
  id: row.id,
  email: row.email,
  role: row.role as OperatorRole,
  createdAt: row.created_at,
});

/** The only code that reads and writes the operators' tables. */
export class OperatorRepository {
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
  }

  /** Adds an operator with its setup link; `false` when the email belongs to an operator already. */
  async insert(operator: Operator, setup: { digest: string; expiresAt: number }): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('operators')
        .values({
          id: operator.id,
          email: operator.email,
          role: operator.role,
          created_at: operator.createdAt,
          signed_in_at: null,
        })
        .onConflict((oc) => oc.column('email').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted === undefined) return false;
      await tx
        .insertInto('operator_setup_links')
        .values({
          token_digest: setup.digest,
          operator_id: operator.id,
          expires_at: setup.expiresAt,
          used_at: null,
        })
        .execute();
      return true;
    });
  }

  async find(id: string): Promise<Operator | undefined> {
    const row = await this.db.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : operatorOf(row);
  }

  async findByEmail(email: string): Promise<Operator | undefined> {
    const row = await this.db
      .selectFrom('operators')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirst();
    return row === undefined ? undefined : operatorOf(row);
  }

  /** Every operator, oldest first, with how many passkeys each has and whether its setup is pending. */
  async list(now: number): Promise<OperatorSummary[]> {
    const rows = await this.db
      .selectFrom('operators as o')
      .select((eb) => [
        'o.id',
        'o.email',
        'o.role',
        'o.created_at',
        'o.signed_in_at',
        eb
          .selectFrom('operator_passkeys as p')
          .select((c) => c.fn.countAll<number>().as('n'))
          .whereRef('p.operator_id', '=', 'o.id')
          .as('passkeys'),
        eb
          .selectFrom('operator_setup_links as l')
          .select((c) => c.fn.countAll<number>().as('n'))
          .whereRef('l.operator_id', '=', 'o.id')
          .where('l.used_at', 'is', null)
          .where('l.expires_at', '>', now)
          .as('pending'),
      ])
      .orderBy('o.created_at')
      .orderBy('o.id')
      .execute();
    return rows.map((row) => ({
      ...operatorOf(row),
      passkeys: Number(row.passkeys ?? 0),
      signedInAt: row.signed_in_at,
      setupPending: Number(row.pending ?? 0) > 0,
    }));
  }

  /** Removes an operator and everything that lets it in (links, passkeys, codes, sessions), at once. */
  async remove(id: string): Promise<Operator | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.deleteFrom('operators').where('id', '=', id).returningAll().executeTakeFirst();
      if (row === undefined) return undefined;
      for (const table of [
        'operator_setup_links',
        'operator_passkeys',
        'operator_recovery_codes',
        'operator_sessions',
        'operator_challenges',
      ] as const) {
        await tx.deleteFrom(table).where('operator_id', '=', id).execute();
      }
      return operatorOf(row);
    });
  }

  /** The operator of an unused, unexpired setup link. */
  async setupOperator(digest: string, now: number): Promise<Operator | undefined> {
    const row = await this.db
      .selectFrom('operator_setup_links as l')
      .innerJoin('operators as o', 'o.id', 'l.operator_id')
      .select(['o.id', 'o.email', 'o.role', 'o.created_at'])
      .where('l.token_digest', '=', digest)
      .where('l.used_at', 'is', null)
      .where('l.expires_at', '>', now)
      .executeTakeFirst();
    return row === undefined ? undefined : operatorOf(row);
  }

  /**
   * Uses the setup link once and keeps what its setup made, in one transaction: of two completions of one
   * link, only the one that marks it used writes anything. `false` when the link was used or has expired.
   */
  async completeSetup(digest: string, record: SetupRecord, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const used = await tx
        .updateTable('operator_setup_links')
        .set({ used_at: now })
        .where('token_digest', '=', digest)
        .where('operator_id', '=', record.passkey.operatorId)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) return false;
      await this.insertPasskey(tx, record.passkey, now);
      await tx
        .deleteFrom('operator_recovery_codes')
        .where('operator_id', '=', record.passkey.operatorId)
        .execute();
      await tx
        .insertInto('operator_recovery_codes')
        .values(
          record.recoveryCodeDigests.map((digest) => ({
            code_digest: digest,
            operator_id: record.passkey.operatorId,
            used_at: null,
          })),
        )
        .execute();
      return true;
    });
  }

  /** Keeps another passkey of an operator. */
  async addPasskey(passkey: OperatorPasskey, now: number): Promise<void> {
    await this.insertPasskey(this.db, passkey, now);
  }

  private async insertPasskey(
    db: Kysely<Database> | Transaction<Database>,
    passkey: OperatorPasskey,
    now: number,
  ): Promise<void> {
    await db
      .insertInto('operator_passkeys')
      .values({
        credential_id: passkey.credentialId,
        operator_id: passkey.operatorId,
        public_key: passkey.publicKey,
        counter: passkey.counter,
        transports: JSON.stringify(passkey.transports),
        created_at: now,
        last_used_at: null,
      })
      .execute();
  }

  async findPasskey(credentialId: string): Promise<OperatorPasskey | undefined> {
    const row = await this.db
      .selectFrom('operator_passkeys')
      .selectAll()
      .where('credential_id', '=', credentialId)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          operatorId: row.operator_id,
          credentialId: row.credential_id,
          publicKey: row.public_key,
          counter: row.counter,
          transports: JSON.parse(row.transports) as string[],
        };
  }

  async passkeyIdsOf(operatorId: string): Promise<{ id: string; transports: string[] }[]> {
    const rows = await this.db
      .selectFrom('operator_passkeys')
      .select(['credential_id', 'transports'])
      .where('operator_id', '=', operatorId)
      .execute();
    return rows.map((row) => ({ id: row.credential_id, transports: JSON.parse(row.transports) as string[] }));
  }

  /**
   * Records an accepted assertion's counter, once: it must exceed the stored one, so of two assertions with
   * one counter (a replay, or a cloned authenticator) only the first is accepted. An authenticator that keeps
   * its counter at 0 relies on the single-use challenge alone.
   */
  async advanceCounter(credentialId: string, counter: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('operator_passkeys')
      .set({ counter, last_used_at: now })
      .where('credential_id', '=', credentialId)
      .where((eb) => (counter === 0 ? eb('counter', '=', 0) : eb('counter', '<', counter)))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Uses one of the operator's recovery codes, once. */
  async useRecoveryCode(operatorId: string, digest: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('operator_recovery_codes')
      .set({ used_at: now })
      .where('code_digest', '=', digest)
      .where('operator_id', '=', operatorId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async insertChallenge(challenge: {
    challenge: string;
    purpose: string;
    operatorId: string | null;
    expiresAt: number;
  }): Promise<void> {
    await this.db
      .insertInto('operator_challenges')
      .values({
        challenge: challenge.challenge,
        purpose: challenge.purpose,
        operator_id: challenge.operatorId,
        expires_at: challenge.expiresAt,
      })
      .execute();
  }

  /**
   * Takes a challenge handed out for `purpose`, once: the statement that deletes it is the one use. Gives the
   * operator it was for (`null` for a sign-in, which names nobody), or `undefined` when there is no such
   * unexpired challenge.
   */
  async takeChallenge(
    challenge: string,
    purpose: string,
    now: number,
  ): Promise<{ operatorId: string | null } | undefined> {
    const row = await this.db
      .deleteFrom('operator_challenges')
      .where('challenge', '=', challenge)
      .where('purpose', '=', purpose)
      .where('expires_at', '>', now)
      .returning('operator_id')
      .executeTakeFirst();
    return row === undefined ? undefined : { operatorId: row.operator_id };
  }

  /** Forgets challenges that expired unused. */
  async forgetExpiredChallenges(now: number): Promise<void> {
    await this.db.deleteFrom('operator_challenges').where('expires_at', '<=', now).execute();
  }

  async insertSession(session: {
    digest: string;
    operatorId: string;
    now: number;
    expiresAt: number;
    freshUntil: number;
  }): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('operator_sessions')
        .values({
          id_digest: session.digest,
          operator_id: session.operatorId,
          created_at: session.now,
          last_seen_at: session.now,
          expires_at: session.expiresAt,
          fresh_until: session.freshUntil,
        })
        .execute();
      await tx
        .updateTable('operators')
        .set({ signed_in_at: session.now })
        .where('id', '=', session.operatorId)
        .execute();
      // A sign-in sweeps the operator's sessions that ended, so they do not pile up.
      await tx
        .deleteFrom('operator_sessions')
        .where('operator_id', '=', session.operatorId)
        .where('expires_at', '<=', session.now)
        .execute();
    });
  }

  async findSession(digest: string): Promise<StoredSession | undefined> {
    const row = await this.db
      .selectFrom('operator_sessions as s')
      .innerJoin('operators as o', 'o.id', 's.operator_id')
      .select([
        'o.id',
        'o.email',
        'o.role',
        'o.created_at as operator_created_at',
        's.created_at',
        's.last_seen_at',
        's.expires_at',
        's.fresh_until',
      ])
      .where('s.id_digest', '=', digest)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          operator: operatorOf({ ...row, created_at: row.operator_created_at }),
          createdAt: row.created_at,
          lastSeenAt: row.last_seen_at,
          expiresAt: row.expires_at,
          freshUntil: row.fresh_until,
        };
  }

  async touchSession(digest: string, now: number): Promise<void> {
    await this.db
      .updateTable('operator_sessions')
      .set({ last_seen_at: now })
      .where('id_digest', '=', digest)
      .where('last_seen_at', '<', now)
      .execute();
  }

  async freshenSession(digest: string, until: number): Promise<void> {
    await this.db
      .updateTable('operator_sessions')
      .set({ fresh_until: until })
      .where('id_digest', '=', digest)
      .execute();
  }

  async deleteSession(digest: string): Promise<void> {
    await this.db.deleteFrom('operator_sessions').where('id_digest', '=', digest).execute();
  }
}

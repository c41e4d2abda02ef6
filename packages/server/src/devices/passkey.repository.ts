import type { Kysely } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';

/** The passkey a device registered for user verification (D14). */
export interface Passkey {
  readonly deviceId: string;
  /** The WebAuthn credential id, B64U. */
  readonly credentialId: string;
  /** The credential's COSE public key, B64U. */
  readonly publicKey: string;
  /** The signature counter of its last accepted assertion. */
  readonly counter: number;
}

/** The only code that reads and writes devices' passkeys. */
export class PasskeyRepository {
  private readonly db: Kysely<Database>;

  constructor(store: Store) {
    this.db = store.db;
  }

  /** Keeps a device's passkey; `false` when the device has one already (a device registers once). */
  async insert(passkey: Passkey, now: number): Promise<boolean> {
    const inserted = await this.db
      .insertInto('device_passkeys')
      .values({
        device_id: passkey.deviceId,
        credential_id: passkey.credentialId,
        public_key: passkey.publicKey,
        counter: passkey.counter,
        created_at: now,
        last_used_at: null,
      })
      .onConflict((oc) => oc.column('device_id').doNothing())
      .returning('device_id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async find(deviceId: string): Promise<Passkey | undefined> {
    const row = await this.db
      .selectFrom('device_passkeys')
      .selectAll()
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          deviceId: row.device_id,
          credentialId: row.credential_id,
          publicKey: row.public_key,
          counter: Number(row.counter),
        };
  }

  /**
   * Records an accepted assertion's counter, once: it must exceed the stored one, so of two assertions
   * with one counter (a replay, or a cloned authenticator) only the first is accepted. An authenticator
   * that keeps its counter at 0 (it has none) is recorded as used and relies on the challenge alone.
   */
  async advanceCounter(deviceId: string, counter: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('device_passkeys')
      .set({ counter, last_used_at: now })
      .where('device_id', '=', deviceId)
      .where((eb) => (counter === 0 ? eb('counter', '=', 0) : eb('counter', '<', counter)))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

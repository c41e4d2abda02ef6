import type { Kysely, Selectable } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database, SigningKeyTable } from '../db/schema.js';
import type { Publication } from '../events/event-bus.js';
import { topics } from '../events/service-events.js';

export type SigningKeyRow = Selectable<SigningKeyTable>;

/** What a rotation writes: the signing key's successor, and what becomes of the signing key. */
export interface Rotation {
  /** The generation that signs now: the rotation happens only if it still does. */
  readonly from: number;
  /** When the key of `from` leaves the key set. */
  readonly retireAt: number;
  /** The key of `from` sealed again without its private half: it never signs again. */
  readonly retiredKeyCt: string;
  readonly next: Omit<SigningKeyRow, 'retire_at'>;
}

/** The only code that reads and writes the receipt signing keys (`signing_keys`). */
export class SigningKeyRepository {
  private readonly db: Kysely<Database>;

  constructor(private readonly store: Store<Publication>) {
    this.db = store.db;
  }

  /** Every key ever kept, the signing one (highest generation) first. */
  async all(): Promise<SigningKeyRow[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().orderBy('generation', 'desc').execute();
    // PostgreSQL's bigint arrives as a number already (open-postgres.ts); SQLite's integers too.
    return rows.map((row) => ({
      ...row,
      generation: Number(row.generation),
      created_at: Number(row.created_at),
      retire_at: row.retire_at === null ? null : Number(row.retire_at),
    }));
  }

  /**
   * Keeps `row` as the first key (generation 1) unless there is one: instances starting at once agree on the
   * first one kept.
   */
  async keepFirst(row: Omit<SigningKeyRow, 'generation' | 'retire_at'>): Promise<void> {
    await this.db
      .insertInto('signing_keys')
      .values({ ...row, generation: 1, retire_at: null })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  /**
   * Makes `rotation.next` the signing key if generation `rotation.from` still is: one conditional update of
   * that key (it stops signing, loses its private half and gets its retire time) and the insert of the next,
   * in one transaction, announced to every instance. `false`: another rotation came first, nothing changed.
   */
  rotate(rotation: Rotation): Promise<boolean> {
    return this.store.change(async (tx) => {
      const { numUpdatedRows } = await tx
        .updateTable('signing_keys')
        .set({ retire_at: rotation.retireAt, key_ct: rotation.retiredKeyCt })
        .where('generation', '=', rotation.from)
        .where('retire_at', 'is', null)
        .executeTakeFirst();
      if (Number(numUpdatedRows) !== 1) return { value: false, events: [] };
      await tx
        .insertInto('signing_keys')
        .values({ ...rotation.next, retire_at: null })
        .execute();
      return {
        value: true,
        events: [{ topic: topics.signingKeys, event: { type: 'rotated' } }],
      };
    });
  }

  /** Moves when another process commits to the database (`Store.dataVersion`): the signer's check. */
  dataVersion(): number | undefined {
    return this.store.dataVersion();
  }
}

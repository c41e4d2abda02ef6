import type { CompiledQuery, Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundOnce, compiledOnce } from '../../src/db/compiled-once.js';
import type { Store } from '../../src/db/database.js';
import type { Database } from '../../src/db/schema.js';
import { openTestStore, type TestStore } from '../support/test-database.js';

let store: TestStore;
let db: Kysely<Database>;
let units: Store;

beforeAll(async () => {
  store = await openTestStore();
  db = store.db;
  units = store.store;
});
afterAll(() => store.close());

const metaRows = (prefix: string) =>
  db.selectFrom('meta').select(['key', 'value']).where('key', 'like', prefix).orderBy('key').execute();

describe('a unit of statements (Store.unit): one transaction, its statements straight to the connection', () => {
  it('commits what its statements wrote, and each statement sees the ones before it', async () => {
    const insert = boundOnce((key: string, value: string) => db.insertInto('meta').values({ key, value }));
    const rename = boundOnce((key: string, value: string) =>
      db.updateTable('meta').set({ value }).where('key', '=', key),
    );
    const renamedTo = boundOnce((key: string) =>
      db.selectFrom('meta').select('value').where('key', '=', key),
    );
    const read = boundOnce((prefix: string) =>
      db.selectFrom('meta').select('key').where('key', 'like', prefix).orderBy('key'),
    );
    const seen = await units.unit(async (tx) => {
      await tx.executeQuery(insert('unit:a', 'one'));
      await tx.executeQuery(insert('unit:b', 'two'));
      const renamed = await tx.executeQuery(rename('unit:a', 'uno'));
      const missed = await tx.executeQuery(rename('unit:none', 'x'));
      return {
        renamed: (await tx.executeQuery(renamedTo('unit:a'))).rows,
        changed: [Number(renamed.numAffectedRows), Number(missed.numAffectedRows)],
        keys: (await tx.executeQuery(read('unit:%'))).rows,
      };
    });
    expect(seen).toEqual({
      renamed: [{ value: 'uno' }],
      changed: [1, 0],
      keys: [{ key: 'unit:a' }, { key: 'unit:b' }],
    });
    expect(await metaRows('unit:%')).toEqual([
      { key: 'unit:a', value: 'uno' },
      { key: 'unit:b', value: 'two' },
    ]);
  });

  it('a unit that throws leaves nothing of what it wrote, and the store serves the next unit and call', async () => {
    const insert = boundOnce((key: string, value: string) => db.insertInto('meta').values({ key, value }));
    const failed = await units
      .unit(async (tx) => {
        await tx.executeQuery(insert('undone:a', 'one'));
        throw new Error('changed its mind');
      })
      .catch((error: Error) => error.message);
    expect(failed).toBe('changed its mind');
    // A statement the database refuses (the key exists) rolls back the statements before it alike.
    const refused = await units
      .unit(async (tx) => {
        await tx.executeQuery(insert('undone:b', 'one'));
        await tx.executeQuery(insert('undone:b', 'again'));
      })
      .then(
        () => 'committed',
        () => 'refused',
      );
    expect(refused).toBe('refused');
    expect(await metaRows('undone:%')).toEqual([]);
    await units.unit(async (tx) => {
      await tx.executeQuery(insert('undone:c', 'after'));
    });
    expect(await metaRows('undone:%')).toEqual([{ key: 'undone:c', value: 'after' }]);
  });

  it('no other statement lands inside a unit: one asked while it waits neither reads nor joins what it rolls back', async () => {
    const insert = boundOnce((key: string, value: string) => db.insertInto('meta').values({ key, value }));
    const count = compiledOnce(units, (prefix: string) =>
      db
        .selectFrom('meta')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('key', 'like', prefix),
    );
    const write = compiledOnce(units, (key: string, value: string) =>
      db.insertInto('meta').values({ key, value }),
    );
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted: () => void = () => undefined;
    const insertedInside = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const rolledBack = units
      .unit(async (tx) => {
        await tx.executeQuery(insert('held:inside', 'uncommitted'));
        inserted();
        await gate;
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    await insertedInside;
    // Asked while the unit is open (and, on SQLite, holds the one connection), through the hot paths' way
    // (a query compiled once) and Kysely's.
    const read = count('held:inside');
    const written = write('held:outside', 'committed');
    const kyselyRead = metaRows('held:%');
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    expect(await rolledBack).toBe('roll back');
    expect(Number((await read).rows[0]?.n)).toBe(0);
    await written;
    expect(await kyselyRead).not.toContainEqual({ key: 'held:inside', value: 'uncommitted' });
    expect(await metaRows('held:%')).toEqual([{ key: 'held:outside', value: 'committed' }]);
  });

  it('20 units at once on one row take turns: each increment is kept', async () => {
    await db.insertInto('meta').values({ key: 'turns', value: '0' }).execute();
    const read = boundOnce((key: string) => db.selectFrom('meta').select('value').where('key', '=', key));
    const write = boundOnce((key: string, value: string) =>
      db.updateTable('meta').set({ value }).where('key', '=', key),
    );
    const lock = boundOnce((key: string) =>
      db.updateTable('meta').set({ value: sql`value` }).where('key', '=', key),
    );
    await Promise.all(
      Array.from({ length: 20 }, () =>
        units.unit(async (tx) => {
          // Take the row first (PostgreSQL's row lock; SQLite's one writer), then read and write it back.
          await tx.executeQuery(lock('turns'));
          const [row] = (await tx.executeQuery(read('turns'))).rows;
          await tx.executeQuery(write('turns', String(Number(row?.value) + 1)));
        }),
      ),
    );
    expect(await metaRows('turns')).toEqual([{ key: 'turns', value: '20' }]);
  });

  // Last: it changes the table the others read.
  it('keeps working when a migration changes a table under a statement its connections prepared before', async () => {
    await db.insertInto('meta').values({ key: 'plan', value: 'kept' }).execute();
    const byKey = boundOnce((key: string) => db.selectFrom('meta').selectAll().where('key', '=', key));
    const readInUnit = () => units.unit(async (tx) => (await tx.executeQuery(byKey('plan'))).rows);
    // Prepared on as many pooled connections as concurrent units reach.
    await Promise.all(Array.from({ length: 20 }, readInUnit));
    await sql`alter table meta add column note text`.execute(db);
    const after = await Promise.all(Array.from({ length: 20 }, readInUnit));
    for (const rows of after) expect(rows).toEqual([{ key: 'plan', value: 'kept', note: null }]);
  });
});

describe('a unit run at once (Store.unitNow): where statements run synchronously and the connection is free', () => {
  let insert: (key: string, value: string) => CompiledQuery;
  beforeAll(() => {
    insert = boundOnce((key: string, value: string) => db.insertInto('meta').values({ key, value }));
  });

  it('SQLite runs it at once and keeps what it wrote; PostgreSQL, whose statements are round trips, never', async () => {
    const now = units.unitNow((run) => {
      run(insert('now:a', 'one'));
      return run(
        boundOnce((key: string) => db.selectFrom('meta').select('value').where('key', '=', key))('now:a'),
      ).rows;
    });
    if (units.shared) {
      expect(now).toBeUndefined();
      expect(await metaRows('now:%')).toEqual([]);
    } else {
      expect(now).toEqual({ value: [{ value: 'one' }] });
      expect(await metaRows('now:%')).toEqual([{ key: 'now:a', value: 'one' }]);
    }
  });

  it.skipIf(process.env.COUNTERSIGN_TEST_DIALECT === 'postgres')(
    'one that throws leaves nothing; none runs while a transaction holds the connection',
    async () => {
      expect(() =>
        units.unitNow((run) => {
          run(insert('now:b', 'one'));
          run(insert('now:b', 'again')); // the key is taken: the unit fails here
        }),
      ).toThrow();
      expect(await metaRows('now:b%')).toEqual([]);

      let inside: unknown = 'not asked';
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('meta').values({ key: 'now:c', value: 'tx' }).execute();
        inside = units.unitNow((run) => run(insert('now:d', 'landed inside')));
      });
      expect(inside).toBeUndefined();
      expect(await metaRows('now:%')).toEqual([
        { key: 'now:a', value: 'one' },
        { key: 'now:c', value: 'tx' },
      ]);
    },
  );

  it('a followed change waits for the transaction that holds the connection, then runs as one unit', async () => {
    const renamed = units.followedChange((key: string, value: string, note: string) => ({
      change: db.updateTable('meta').set({ value }).where('key', '=', key).returning(['key']),
      next: (after) =>
        after
          .insertInto('meta')
          .columns(['key', 'value'])
          .expression((eb) =>
            eb
              .selectFrom('changed')
              .select([
                sql<string>`${sql.ref('changed.key')} || ':next'`.as('key'),
                eb.val(note).as('value'),
              ]),
          )
          .returning('key'),
    }));
    await db.insertInto('meta').values({ key: 'follow', value: 'first' }).execute();
    let during: Promise<boolean> | undefined;
    await db.transaction().execute(async (tx) => {
      await tx.updateTable('meta').set({ value: 'held' }).where('key', '=', 'follow').execute();
      during = renamed(['follow', 'second', 'noted'], []);
      // Its statements wait for this transaction: they neither see nor change its row yet.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await tx.selectFrom('meta').select('value').where('key', '=', 'follow').execute())[0]).toEqual({
        value: 'held',
      });
    });
    expect(await during).toBe(true);
    expect(await renamed(['missing', 'x', 'y'], [])).toBe(false);
    expect(await metaRows('follow%')).toEqual([
      { key: 'follow', value: 'second' },
      { key: 'follow:next', value: 'noted' },
    ]);
  });
});

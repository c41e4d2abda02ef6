import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledOnce } from '../../src/db/compiled-once.js';
import type { Store } from '../../src/db/database.js';
import type { Database } from '../../src/db/schema.js';
import { openTestStore, type TestStore } from '../support/test-database.js';

let store: TestStore;
let db: Kysely<Database>;
let compiler: Store;

beforeAll(async () => {
  store = await openTestStore();
  db = store.db;
  compiler = store.store;
  await db
    .insertInto('meta')
    .values([
      { key: 'bench:a', value: 'one' },
      { key: 'bench:b', value: 'two' },
      { key: 'bench:c', value: 'one' },
    ])
    .execute();
});
afterAll(() => store.close());

describe('queries compiled once', () => {
  it("binds each run's own values, keeping the constants the query was built with", async () => {
    const byValue = compiledOnce(compiler, (value: string) =>
      db
        .selectFrom('meta')
        .select('key')
        .where('value', '=', value)
        .where('key', 'like', 'bench:%')
        .orderBy('key'),
    );
    expect((await byValue('one')).rows).toEqual([{ key: 'bench:a' }, { key: 'bench:c' }]);
    expect((await byValue('two')).rows).toEqual([{ key: 'bench:b' }]);
    expect((await byValue('three')).rows).toEqual([]);
  });

  it('binds a value used twice, and values in any order, in every place it appears', async () => {
    const either = compiledOnce(compiler, (first: string, second: string) =>
      db
        .selectFrom('meta')
        .select('key')
        .where((eb) => eb.or([eb('key', '=', second), eb('key', '=', first), eb('value', '=', first)]))
        .orderBy('key'),
    );
    expect((await either('bench:b', 'bench:a')).rows).toEqual([{ key: 'bench:a' }, { key: 'bench:b' }]);
    expect((await either('one', 'bench:b')).rows).toEqual([
      { key: 'bench:a' },
      { key: 'bench:b' },
      { key: 'bench:c' },
    ]);
  });

  it('reports how many rows an update changed, so a conditional update still tells its winner', async () => {
    const rename = compiledOnce(compiler, (key: string, from: string, to: string) =>
      db.updateTable('meta').set({ value: to }).where('key', '=', key).where('value', '=', from),
    );
    expect(Number((await rename('bench:a', 'one', 'uno')).numAffectedRows)).toBe(1);
    expect(Number((await rename('bench:a', 'one', 'eins')).numAffectedRows)).toBe(0);
  });

  // Last: it changes the table the others read.
  it('keeps answering when a migration changes a table under a statement prepared before it', async () => {
    const byKey = compiledOnce(compiler, (key: string) =>
      db.selectFrom('meta').selectAll().where('key', '=', key),
    );
    // Prepared on as many pooled connections as concurrent runs reach.
    await Promise.all(Array.from({ length: 20 }, () => byKey('bench:b')));
    await sql`alter table meta add column note text`.execute(db);
    const after = await Promise.all(Array.from({ length: 20 }, () => byKey('bench:b')));
    for (const { rows } of after) expect(rows).toEqual([{ key: 'bench:b', value: 'two', note: null }]);
  });
});

describe('a query compiled once holds its build function to the contract when it is compiled', () => {
  it('refuses a build function that drops one of its values', () => {
    expect(() =>
      compiledOnce(compiler, (key: string, _value: string) =>
        db.selectFrom('meta').select('key').where('key', '=', key),
      ),
    ).toThrow(
      new TypeError(
        'compiledOnce: value 2 of 2 never reaches the query: the build function dropped it, or used another value in its place',
      ),
    );
  });

  it('refuses a build function that uses one value twice in the place of another', () => {
    expect(() =>
      compiledOnce(compiler, (key: string, value: string) =>
        db
          .selectFrom('meta')
          .select('key')
          .where('key', '=', key)
          .where('value', '=', key)
          .where('key', '!=', value),
      ),
    ).not.toThrow();
    expect(() =>
      compiledOnce(compiler, (key: string, _value: string) =>
        db.selectFrom('meta').select('key').where('key', '=', key).where('value', '=', key),
      ),
    ).toThrow(/^compiledOnce: value 2 of 2 never reaches the query/);
  });

  it('refuses a value turned into text or a number in JavaScript while the query is built', () => {
    const refused = /^compiledOnce: value 1 was used in a JavaScript expression while the query was built/;
    expect(() =>
      compiledOnce(compiler, (key: string) =>
        db.selectFrom('meta').select('key').where('key', '=', `bench:${key}`),
      ),
    ).toThrow(refused);
    expect(() =>
      compiledOnce(compiler, (now: number) =>
        db
          .selectFrom('meta')
          .select('key')
          .where('value', '=', String(now + 1)),
      ),
    ).toThrow(refused);
  });

  it('refuses a value bound inside a list', () => {
    expect(() =>
      compiledOnce(compiler, (key: string) =>
        db
          .selectFrom('meta')
          .select('key')
          .where(sql<boolean>`${[key]}`),
      ),
    ).toThrow(
      new TypeError(
        'compiledOnce: a value was passed inside a list or an object: bind each value on its own',
      ),
    );
  });

  it('refuses a run with another number of values than the query takes', async () => {
    const byKey = compiledOnce(compiler, (key: string) =>
      db.selectFrom('meta').select('key').where('key', '=', key),
    );
    const run = byKey as (...values: string[]) => Promise<unknown>;
    await expect(run('bench:a', 'bench:b')).rejects.toThrow(
      new TypeError('compiledOnce: the query takes 1 values, got 2'),
    );
  });

  it('checks a change followed by its record alike, on every database', () => {
    expect(() =>
      compiler.followedChange((key: string, _value: string) => ({
        change: db.updateTable('meta').set({ value: 'changed' }).where('key', '=', key).returning('key'),
        next: (after) =>
          after
            .insertInto('meta')
            .columns(['key', 'value'])
            .expression((eb) => eb.selectFrom('changed').select(['changed.key', eb.val('copy').as('value')]))
            .returning('key'),
      })),
    ).toThrow(/^compiledOnce: value 2 of 2 never reaches the query/);
  });

  it('a query compiled once never runs inside another caller’s open transaction: it waits its turn, and neither reads nor joins what that transaction rolls back', async () => {
    const count = compiledOnce(compiler, (prefix: string) =>
      db
        .selectFrom('meta')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('key', 'like', prefix),
    );
    const insert = compiledOnce(compiler, (key: string, value: string) =>
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
    const rolledBack = db
      .transaction()
      .execute(async (tx) => {
        await tx.insertInto('meta').values({ key: 'tx:inside', value: 'uncommitted' }).execute();
        inserted();
        await gate;
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    await insertedInside;
    // Asked while the transaction is open (and, on SQLite, holds the one connection). It counts the row the
    // transaction wrote only: on PostgreSQL the insert below runs on another connection and may commit first.
    const read = count('tx:inside');
    const written = insert('tx:outside', 'committed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    expect(await rolledBack).toBe('roll back');
    expect(Number((await read).rows[0]?.n)).toBe(0);
    await written;
    const rows = await db.selectFrom('meta').select(['key', 'value']).where('key', 'like', 'tx:%').execute();
    expect(rows).toEqual([{ key: 'tx:outside', value: 'committed' }]);
  });
});

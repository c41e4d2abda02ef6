import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEALED_COLUMNS } from '../../src/crypto/sealed-values.js';
import { openTestStore, type TestStore } from '../support/test-database.js';

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(async () => {
  await t.close();
});

describe('the catalogue of sealed values (issue 21)', () => {
  it('lists every column of the migrated schema that ends in _ct, and nothing else', async () => {
    const tables = await t.db.introspection.getTables();
    const inSchema = tables
      .flatMap((table) =>
        table.columns.filter((c) => c.name.endsWith('_ct')).map((c) => `${table.name}.${c.name}`),
      )
      .sort();
    const listed = SEALED_COLUMNS.map((c) => `${c.table}.${c.column}`).sort();
    expect(listed).toEqual(inSchema);
  });

  it("names, for each sealed column, key columns that exist in that column's table", async () => {
    const tables = new Map((await t.db.introspection.getTables()).map((table) => [table.name, table]));
    for (const sealed of SEALED_COLUMNS) {
      const columns = tables.get(sealed.table)?.columns.map((c) => c.name) ?? [];
      expect(columns, sealed.table).toEqual(expect.arrayContaining([...sealed.key]));
    }
  });

  it('gives every sealed column contexts that tell its rows apart', () => {
    for (const sealed of SEALED_COLUMNS) {
      const one = Object.fromEntries(sealed.key.map((k) => [k, 1]));
      const two = Object.fromEntries(sealed.key.map((k) => [k, 2]));
      expect(sealed.context(one)).not.toBe(sealed.context(two));
    }
  });
});

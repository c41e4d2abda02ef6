/**
 * R4: rotation and immediate revocation on every instance. Three instances share one database (on SQLite,
 * one file; on PostgreSQL, one database). Each keeps the keys it used (R4′): on SQLite another instance's
 * commit moves the data version, and on PostgreSQL the rotation returns only once every cache's bound has
 * passed, so the next call after a revocation is refused by each of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { P } from '../api/helpers.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
const instances: TestServer[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  for (let i = 0; i < 3; i++) instances.push(await startTestServer({ database }));
});
afterAll(async () => {
  for (const instance of instances) await instance.close();
  await database.drop();
});

const detailsStatus = async (instance: TestServer, key: string) =>
  (await call(instance, 'GET', `${P}/app/details`, { key })).status;

describe('R4: a revoked key is refused at once by every instance', () => {
  it('two keys work side by side during a rotation; once the old one is revoked, all three instances refuse it on the next call', async () => {
    const [first] = instances as [TestServer];
    const app = await first.createApp({ name: 'Rotating Bank' });
    for (const instance of instances) expect(await detailsStatus(instance, app.apiKey)).toBe(200);

    const rotated = await first.app.services.apps.rotateKey(app.id, 3600);
    const newKey = rotated?.apiKey ?? '';
    for (const instance of instances) {
      expect(await detailsStatus(instance, app.apiKey)).toBe(200);
      expect(await detailsStatus(instance, newKey)).toBe(200);
    }

    const newest = (await first.app.services.apps.rotateKey(app.id, 0))?.apiKey ?? '';
    for (const instance of instances) {
      expect(await detailsStatus(instance, app.apiKey)).toBe(401);
      expect(await detailsStatus(instance, newKey)).toBe(401);
      expect(await detailsStatus(instance, newest)).toBe(200);
    }
  });
});

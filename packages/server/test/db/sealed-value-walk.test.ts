import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEALED_COLUMNS } from '../../src/crypto/sealed-values.js';
import { type SealedBatch, walkSealedValues } from '../../src/db/sealed-value-walk.js';
import { checkSealedValues } from '../../src/db/sealed-values-check.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  for (const name of ['Walk One', 'Walk Two', 'Walk Three']) {
    const { apiKey } = await server.createApp({ name });
    for (let i = 0; i < 4; i += 1) {
      const registered = await call(server, 'POST', '/protected/json/users/new', {
        key: apiKey,
        json: { user: { email: `w${i}@example.com`, cellphone: `20155560${i}0`, country_code: 1 } },
      });
      expect(registered.status).toBe(200);
    }
  }
}, 60_000);
afterAll(() => server?.close());

async function walked(options: Parameters<typeof walkSealedValues>[1]): Promise<SealedBatch[]> {
  const batches: SealedBatch[] = [];
  for await (const batch of walkSealedValues(server.store, options)) batches.push(batch);
  return batches;
}

const ids = (batches: readonly SealedBatch[]) =>
  batches.flatMap((b) => b.values.map((v) => `${v.place}:${v.key.join('/')}`));

describe('walking every sealed value of a store (issue 21)', () => {
  it('visits each sealed row once, in batches of at most the batch size, whatever the size', async () => {
    const [seeds, keys, secrets] = await Promise.all([
      server.db
        .selectFrom('app_users')
        .select(['app_id', 'user_id'])
        .orderBy('app_id')
        .orderBy('user_id')
        .execute(),
      server.db.selectFrom('api_keys').select('digest').execute(),
      server.db.selectFrom('apps').select('id').execute(),
    ]);
    expect(seeds).toHaveLength(12);
    const whole = ids(await walked({ batchSize: 1000 }));
    expect(whole.filter((id) => id.startsWith('app_users.totp_seed_ct:'))).toEqual(
      seeds.map((s) => `app_users.totp_seed_ct:${s.app_id}/${s.user_id}`),
    );
    expect(whole.filter((id) => id.startsWith('api_keys.key_ct:'))).toHaveLength(keys.length);
    expect(whole.filter((id) => id.startsWith('apps.webhook_secret_ct:'))).toHaveLength(secrets.length);
    expect(whole.filter((id) => id.startsWith('meta:'))).toEqual([
      'meta:master_key_check',
      'meta:pepper',
      'meta:vapid_keys',
    ]);
    // The receipt signing key lives in its own table since 0019 (one key until a rotation).
    expect(whole.filter((id) => id.startsWith('signing_keys.key_ct:'))).toHaveLength(1);
    for (const size of [1, 2, 5]) {
      const batches = await walked({ batchSize: size });
      expect(ids(batches), `batch size ${size}`).toEqual(whole);
      for (const batch of batches.filter((b) => b.place !== 'meta'))
        expect(batch.values.length).toBeLessThanOrEqual(size);
    }
  });

  it('goes on after the last key of a batch, as a resumed walk must', async () => {
    const batches = await walked({ batchSize: 5 });
    const cut = batches.findIndex((b) => b.place === 'app_users.totp_seed_ct');
    const stopped = batches[cut] as SealedBatch;
    const resumed = await walked({ batchSize: 5, from: { place: stopped.place, after: stopped.last } });
    expect(ids(resumed)).toEqual(ids(batches.slice(cut + 1)));
    expect(SEALED_COLUMNS.some((c) => `${c.table}.${c.column}` === stopped.place)).toBe(true);
  });

  it('opens every value under the right key, and names the place of one moved to another row', async () => {
    const masterKey = server.config.masterKey;
    expect((await checkSealedValues(server.store, masterKey, { batchSize: 3 })).unopened).toBe(0);
    // A seed copied onto another user's row: sealed under the right key, but bound to the first row.
    const [first, second] = await server.db
      .selectFrom('app_users')
      .selectAll()
      .orderBy('user_id')
      .limit(2)
      .execute();
    await server.db
      .updateTable('app_users')
      .set({ totp_seed_ct: first?.totp_seed_ct as string })
      .where('app_id', '=', second?.app_id as number)
      .where('user_id', '=', second?.user_id as number)
      .execute();
    const check = await checkSealedValues(server.store, masterKey, { batchSize: 3 });
    expect(check.unopened).toBe(1);
    expect(check.places.find((p) => p.place === 'app_users.totp_seed_ct')).toEqual({
      place: 'app_users.totp_seed_ct',
      values: 12,
      unopened: 1,
    });
  });
});

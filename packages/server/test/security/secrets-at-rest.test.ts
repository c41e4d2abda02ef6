/**
 * Secrets at rest in the real store (R2, R24, R65, R74, R89): keys are strong and kept only as a peppered
 * HMAC and a sealed copy; seeds are strong and unique; and a sealed value moved to another row — what an
 * attacker with write access to the database would try — never opens: the service fails closed, with the
 * generic envelope.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBoxError } from '../../src/crypto/secret-box.js';
import { OT, P, registerUser, secretOf, totpNow } from '../api/helpers.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { base32Bytes } from './support.js';

let server: TestServer;
let phone = 6175550100;
const nextPhone = () => {
  phone += 1;
  return String(phone);
};

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const INTERNAL_ERROR = {
  message: 'Internal server error',
  success: false,
  errors: { message: 'Internal server error' },
  error_code: '60000',
};

async function seededUser(key: string) {
  const id = await registerUser(server, key, nextPhone(), 'rest@example.com');
  const secret = await call(server, 'POST', `${P}/users/${id}/secret`, { key });
  expect(secret.status, secret.text).toBe(200);
  return { id, uri: secret.body.otpauth_url as string };
}

describe('R2: API keys are strong, stored as a peppered HMAC and a sealed copy only', () => {
  it('each key carries 192 random bits; the row holds neither the key nor its plain SHA-256', async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const { apiKey, id } = await server.createApp({ name: `Key Bank ${i}` });
      expect(apiKey).toMatch(/^[0-9a-f]{48}$/);
      keys.add(apiKey);
      const row = await server.db
        .selectFrom('api_keys')
        .selectAll()
        .where('app_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(row.digest).not.toBe(createHash('sha256').update(apiKey).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(apiKey);
      expect(row.key_ct).toMatch(/^v2\.[\w-]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    }
    expect(keys.size).toBe(20);
  });
});

describe('R24: TOTP seeds are strong and unique', () => {
  it('every seed is at least 160 bits, and no two users (nor one phone in two apps) share one', async () => {
    const a = await server.createApp({ name: 'Seed Bank A' });
    const b = await server.createApp({ name: 'Seed Bank B' });
    const seeds = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const { uri } = await seededUser(a.apiKey);
      expect(base32Bytes(secretOf(uri)).length).toBeGreaterThanOrEqual(20);
      seeds.add(secretOf(uri));
    }
    const shared = nextPhone();
    for (const key of [a.apiKey, b.apiKey]) {
      const id = await registerUser(server, key, shared, 'shared@example.com');
      const secret = await call(server, 'POST', `${P}/users/${id}/secret`, { key });
      seeds.add(secretOf(secret.body.otpauth_url as string));
    }
    expect(seeds.size).toBe(12);
  });
});

describe('R65: a sealed secret moved to another row never opens (AAD binds it to its row)', () => {
  it('TOTP seeds swapped between two users: neither user’s code verifies, the answer is a generic 500', async () => {
    const { apiKey, id: appId } = await server.createApp({ name: 'Swap Bank' });
    const one = await seededUser(apiKey);
    const two = await seededUser(apiKey);
    const rows = await server.db
      .selectFrom('app_users')
      .select(['user_id', 'totp_seed_ct'])
      .where('app_id', '=', appId)
      .execute();
    const ct = (id: number) => rows.find((r) => Number(r.user_id) === id)?.totp_seed_ct ?? '';
    const [ctOne, ctTwo] = [ct(one.id), ct(two.id)];
    await server.db
      .updateTable('app_users')
      .set({ totp_seed_ct: ctTwo })
      .where('app_id', '=', appId)
      .where('user_id', '=', one.id)
      .execute();
    await server.db
      .updateTable('app_users')
      .set({ totp_seed_ct: ctOne })
      .where('app_id', '=', appId)
      .where('user_id', '=', two.id)
      .execute();
    const now = Date.now();
    for (const [user, code] of [
      [one, totpNow(one.uri, now)],
      [one, totpNow(two.uri, now)],
      [two, totpNow(two.uri, now)],
      [two, totpNow(one.uri, now)],
    ] as const) {
      const response = await call(server, 'GET', `${P}/verify/${code}/${user.id}`, { key: apiKey });
      expect(response.status).toBe(500);
      expect(response.body).toStrictEqual(INTERNAL_ERROR);
    }
    // The seed is not handed out either, and the service keeps serving.
    const secret = await call(server, 'POST', `${P}/users/${one.id}/secret`, { key: apiKey });
    expect(secret.status).toBe(500);
    expect(secret.text).not.toMatch(/otpauth|SecretBox|at .*\.ts/);
    expect((await call(server, 'GET', `${P}/app/details`, { key: apiKey })).status).toBe(200);
  });

  it('hidden details swapped between two requests: neither status shows the other’s, the answer is a generic 500', async () => {
    const { apiKey } = await server.createApp({ name: 'Hidden Swap Bank' });
    const { id } = await seededUser(apiKey);
    const uuids: string[] = [];
    for (const secret of ['alpha-hidden', 'beta-hidden']) {
      const created = await call(server, 'POST', `${OT}/users/${id}/approval_requests`, {
        key: apiKey,
        json: { message: 'Pay', hidden_details: { secret } },
      });
      uuids.push((created.body.approval_request as { uuid: string }).uuid);
    }
    const [first = '', second = ''] = uuids;
    const read = (uuid: string) =>
      server.db
        .selectFrom('approval_requests')
        .select('hidden_details_ct')
        .where('uuid', '=', uuid)
        .executeTakeFirstOrThrow();
    const [a, b] = [await read(first), await read(second)];
    await server.db
      .updateTable('approval_requests')
      .set({ hidden_details_ct: b.hidden_details_ct })
      .where('uuid', '=', first)
      .execute();
    await server.db
      .updateTable('approval_requests')
      .set({ hidden_details_ct: a.hidden_details_ct })
      .where('uuid', '=', second)
      .execute();
    for (const uuid of uuids) {
      const status = await call(server, 'GET', `${OT}/approval_requests/${uuid}`, { key: apiKey });
      expect(status.status).toBe(500);
      expect(status.body).toStrictEqual(INTERNAL_ERROR);
      expect(status.text).not.toContain('hidden');
    }
  });

  it('webhook secrets and API-key copies swapped between apps do not open', async () => {
    const one = await server.createApp({ name: 'Secret Swap A' });
    const two = await server.createApp({ name: 'Secret Swap B' });
    const apps = await server.db
      .selectFrom('apps')
      .select(['id', 'webhook_secret_ct'])
      .where('id', 'in', [one.id, two.id])
      .execute();
    for (const app of apps) {
      const other = apps.find((a) => a.id !== app.id);
      await server.db
        .updateTable('apps')
        .set({ webhook_secret_ct: other?.webhook_secret_ct ?? '' })
        .where('id', '=', app.id)
        .execute();
    }
    await expect(server.app.services.apps.revealWebhookSecret(one.id)).rejects.toBeInstanceOf(SecretBoxError);
    await expect(server.app.services.apps.revealWebhookSecret(two.id)).rejects.toBeInstanceOf(SecretBoxError);

    const keys = await server.db
      .selectFrom('api_keys')
      .select(['app_id', 'key_ct'])
      .where('app_id', 'in', [one.id, two.id])
      .execute();
    for (const key of keys) {
      const other = keys.find((k) => k.app_id !== key.app_id);
      await server.db
        .updateTable('api_keys')
        .set({ key_ct: other?.key_ct ?? '' })
        .where('app_id', '=', key.app_id)
        .execute();
    }
    await expect(server.app.services.apps.revealKey(one.id)).rejects.toBeInstanceOf(SecretBoxError);
    // The lookup digest is untouched: the keys themselves still authenticate their own app only.
    const details = await call(server, 'GET', `${P}/app/details`, { key: one.apiKey });
    expect((details.body.app as { name: string }).name).toBe('Secret Swap A');
  });
});

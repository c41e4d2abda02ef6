import { type CountersignClient, createClient } from '@countersign/client';
import { Secret, TOTP } from 'otpauth';
import type { TestServer } from '../support/harness.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  type PendingRequest,
  type TestDevice,
} from '../support/test-device.js';

let phone = 2015550300;

/** A fresh, valid US number for each user, so tests do not share users. */
export function nextPhone(): string {
  phone += 1;
  return String(phone);
}

/** An app of the real service, a client for it, and a user with an enrolled test device. */
export interface SdkSetup {
  readonly appId: number;
  readonly apiKey: string;
  readonly client: CountersignClient;
  readonly userId: number;
  readonly email: string;
  readonly device: TestDevice;
}

/** Creates an app (with `appInput`) and enrolls a test device for a new user through the SDK. */
export async function setUp(
  server: TestServer,
  appInput: Parameters<TestServer['createApp']>[0] = {},
  fetchImpl?: typeof fetch,
): Promise<SdkSetup> {
  const { id: appId, apiKey } = await server.createApp({ name: 'SDK Bank', ...appInput });
  const client = createClient({ baseUrl: server.url, apiKey, fetch: fetchImpl });
  const email = `sdk${phone + 1}@example.com`;
  const { id: userId } = await client.users.register({ email, cellphone: nextPhone(), countryCode: 1 });
  const enrollment = await client.createEnrollment(userId);
  const device = await enrollWithLink(server, enrollment.url);
  return { appId, apiKey, client, userId, email, device };
}

/** The request `uuid` as the device sees it. */
export async function pendingFor(
  server: TestServer,
  device: TestDevice,
  uuid: string,
): Promise<PendingRequest> {
  const listed = await deviceCall(server, device, 'GET', '/device/v1/requests');
  const found = (listed.body.requests as PendingRequest[]).find((r) => r.uuid === uuid);
  if (found === undefined) throw new Error(`the device does not see ${uuid}`);
  return found;
}

/** The device answers request `uuid`. */
export async function answer(
  server: TestServer,
  device: TestDevice,
  uuid: string,
  decision: 'approved' | 'denied',
  overrides: Record<string, unknown> = {},
): Promise<void> {
  const pending = await pendingFor(server, device, uuid);
  const response = await deviceCall(
    server,
    device,
    'POST',
    `/device/v1/requests/${uuid}/answer`,
    answerFor(device, pending, decision, overrides),
  );
  if (response.status !== 200) throw new Error(`the answer was refused: ${response.text}`);
}

/** The device's current TOTP code for `appId`, computed from its account as an authenticator would. */
export function currentCode(device: TestDevice, appId: number): string {
  const account = device.accounts.find((a) => a.app_id === appId);
  if (account === undefined) throw new Error(`the device has no account for app ${appId}`);
  const totp = account.totp as { secret: string; digits: number; period?: number };
  return TOTP.generate({
    secret: Secret.fromBase32(totp.secret),
    digits: totp.digits,
    period: totp.period ?? 30,
  });
}

/** The code in the newest outbox message: what the user's phone would show. */
export async function lastOutboxCode(server: TestServer): Promise<string> {
  const [entry] = (await server.app.services.outbox.list(1)).slice(-1);
  const code = entry === undefined ? undefined : /(\d{4,})\.?$/.exec(entry.body)?.[1];
  if (code === undefined) throw new Error('no code in the outbox');
  return code;
}

/** The error a call failed with (resolving is a test failure). */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

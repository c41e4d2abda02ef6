import { randomUUID } from 'node:crypto';
import type { Operator, OperatorRole } from '../../src/operators/operator.js';
import { call, type TestServer } from './harness.js';
import { SoftwarePasskey } from './software-passkey.js';

/** An operator signed in to the console over HTTP, with what its requests carry. */
export interface SignedInOperator {
  readonly operator: Operator;
  readonly passkey: SoftwarePasskey;
  readonly recoveryCodes: string[];
  /** The session cookie (`name=value`). */
  readonly cookie: string;
  readonly csrf: string;
  /** Cookie, CSRF token and the console's `Origin`: what the console page sends with a change. */
  readonly headers: Record<string, string>;
}

/** The session cookie a sign-in answer set, as a request sends it back. */
export function cookieOf(response: { headers: Headers }): string {
  const set = response.headers.get('set-cookie');
  if (set === null) throw new Error('the answer set no cookie');
  return set.split(';')[0] as string;
}

/**
 * Adds an operator and signs it in the way a person does, over HTTP: the setup link's passkey registration
 * (a software passkey) and, unless `fresh`, a second sign-in with a recovery code — a session that has not
 * just made a passkey assertion, so dangerous changes need a step-up. `fresh` keeps the setup's session.
 */
export async function signedInOperator(
  server: TestServer,
  role: OperatorRole,
  {
    fresh = false,
    email = `${role}-${randomUUID().slice(0, 8)}@example.com`,
  }: { fresh?: boolean; email?: string } = {},
): Promise<SignedInOperator> {
  const origin = new URL(server.config.publicUrl).origin;
  const added = await server.app.services.operators.add(email, role);
  const token = added.setupUrl.split('#/setup/')[1] as string;
  const options = await call(server, 'POST', '/console/api/setup/options', { json: { token } });
  if (options.status !== 200) throw new Error(`setup options answered ${options.status}: ${options.text}`);
  const passkey = new SoftwarePasskey(origin);
  const registration = passkey.register(
    (options.body as { options: { challenge: string; rp: { id: string } } }).options,
  );
  const setup = await call(server, 'POST', '/console/api/setup', { json: { token, response: registration } });
  if (setup.status !== 200) throw new Error(`setup answered ${setup.status}: ${setup.text}`);
  const recoveryCodes = (setup.body as { recovery_codes: string[] }).recovery_codes;
  let cookie = cookieOf(setup);
  if (!fresh) {
    const code = recoveryCodes.pop() as string;
    const recovered = await call(server, 'POST', '/console/api/sign-in/recovery', { json: { email, code } });
    if (recovered.status !== 200) throw new Error(`recovery sign-in answered ${recovered.status}`);
    cookie = cookieOf(recovered);
  }
  const session = await call(server, 'GET', '/console/api/session', { headers: { cookie } });
  if (session.status !== 200) throw new Error(`session answered ${session.status}: ${session.text}`);
  const csrf = (session.body as { csrf_token: string }).csrf_token;
  return {
    operator: added.operator,
    passkey,
    recoveryCodes,
    cookie,
    csrf,
    headers: { cookie, 'x-csrf-token': csrf, origin },
  };
}

/** Makes `signedIn`'s session fresh with a passkey assertion (`POST /console/api/step-up`). */
export async function stepUp(server: TestServer, signedIn: SignedInOperator): Promise<void> {
  const options = await call(server, 'POST', '/console/api/step-up/options', { headers: signedIn.headers });
  if (options.status !== 200) throw new Error(`step-up options answered ${options.status}: ${options.text}`);
  const { challenge, rpId } = (options.body as { options: { challenge: string; rpId: string } }).options;
  const response = signedIn.passkey.assert(challenge, rpId);
  const done = await call(server, 'POST', '/console/api/step-up', {
    headers: signedIn.headers,
    json: { response },
  });
  if (done.status !== 200) throw new Error(`step-up answered ${done.status}: ${done.text}`);
}

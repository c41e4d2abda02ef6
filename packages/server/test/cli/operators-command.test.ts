// `countersign operators add|list|remove` (issue 17, items 1 and 4) against the store a running service
// uses: the link the command prints sets up a passkey over HTTP, and removing the operator ends its session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/cli.js';
import { cookieOf } from '../support/console-session.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';
import { SoftwarePasskey } from '../support/software-passkey.js';

let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  env = {
    DATABASE_URL: server.config.databaseUrl,
    COUNTERSIGN_MASTER_KEY: 'a'.repeat(32) + 'b'.repeat(32),
    PUBLIC_URL: 'https://countersign.example.com',
  };
});

afterAll(async () => {
  await server?.close();
});

const cli = (args: string[]): Promise<CliResult> => runCli(args, env);

async function json<T>(args: string[]): Promise<T> {
  const result = await cli([...args, '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe('countersign operators', () => {
  it('adds an operator whose printed link sets up a passkey once; list shows it; remove ends its session', async () => {
    const added = await json<{
      id: string;
      email: string;
      role: string;
      setup_url: string;
      expires_at: string;
    }>(['operators', 'add', 'Grace@Example.com', '--role', 'viewer']);
    expect(added).toMatchObject({ email: 'grace@example.com', role: 'viewer' });
    expect(added.setup_url).toMatch(
      /^https:\/\/countersign\.example\.com\/console\/#\/setup\/[A-Za-z0-9_-]{43}$/,
    );
    expect(Date.parse(added.expires_at) - Date.now()).toBeGreaterThan(23.9 * 3600_000);

    const before = await json<{ email: string; passkeys: number; setup_pending: boolean }[]>([
      'operators',
      'list',
    ]);
    expect(before).toEqual([
      expect.objectContaining({ email: 'grace@example.com', passkeys: 0, setup_pending: true }),
    ]);

    const token = added.setup_url.split('#/setup/')[1] as string;
    const options = await call(server, 'POST', '/console/api/setup/options', { json: { token } });
    expect(options.status).toBe(200);
    const passkey = new SoftwarePasskey(new URL(server.config.publicUrl).origin);
    const setup = await call(server, 'POST', '/console/api/setup', {
      json: { token, response: passkey.register((options.body as { options: never }).options) },
    });
    expect(setup.status).toBe(200);
    const cookie = cookieOf(setup);

    const after = await json<
      { email: string; passkeys: number; setup_pending: boolean; signed_in_at: string }[]
    >(['operators', 'list']);
    expect(after).toEqual([
      expect.objectContaining({ email: 'grace@example.com', passkeys: 1, setup_pending: false }),
    ]);
    expect(after[0]?.signed_in_at).not.toBeNull();

    const human = await cli(['operators', 'list']);
    expect(human.stdout).toContain('grace@example.com  viewer  1 passkey  last sign-in ');

    expect(await json(['operators', 'remove', 'GRACE@example.com'])).toEqual({
      id: added.id,
      email: 'grace@example.com',
      removed: true,
    });
    expect((await call(server, 'GET', '/console/api/session', { headers: { cookie } })).status).toBe(401);

    const audited = await server.app.services.audit.list({ limit: 50 });
    const actions = audited
      .filter((e) => e.target_id === added.id)
      .map((e) => [e.action, e.actor.slice(0, 4)]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['operator.add', 'cli:'],
        ['operator.remove', 'cli:'],
      ]),
    );
  });

  it('refuses a malformed email, an unknown role and an operator twice (exit 2); an unknown one is exit 1', async () => {
    const bad = await cli(['operators', 'add', 'not-an-email', '--role', 'admin']);
    expect(bad).toMatchObject({ code: 2, stderr: 'countersign: "not-an-email" is not an email address\n' });
    const role = await cli(['operators', 'add', 'ops@example.com', '--role', 'root']);
    expect(role).toMatchObject({ code: 2, stderr: 'countersign: the role is admin or viewer, not "root"\n' });
    expect((await cli(['operators', 'add', 'ops@example.com', '--role', 'admin'])).code).toBe(0);
    const twice = await cli(['operators', 'add', 'ops@example.com', '--role', 'viewer']);
    expect(twice).toMatchObject({ code: 2, stderr: 'countersign: ops@example.com is an operator already\n' });
    const unknown = await cli(['operators', 'remove', 'nobody@example.com']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'countersign: no operator nobody@example.com\n' });
  });
});

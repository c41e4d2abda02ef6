/**
 * Three instances on one PostgreSQL database appending to the audit log at once keep one chain (issue 17,
 * item 3): appends are serialised across instances (`Store.serially`, an advisory lock), so every entry has
 * its own seq and links to the one before, and heads signed meanwhile by any instance verify.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type Cluster, startCluster } from './cluster.js';

const PER_INSTANCE = 50;

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster(3, { expirySweepMs: 0 });
});

afterAll(async () => {
  await cluster.close();
});

it('3 × 50 concurrent appends from three instances form one chain that verifies, with its signed heads', async () => {
  await Promise.all(
    cluster.instances.flatMap((instance, i) => [
      ...Array.from({ length: PER_INSTANCE }, (_, n) =>
        instance.app.services.audit.record({
          actor: `cli:instance-${i}`,
          from: 'cli',
          action: 'app.update',
          target: { type: 'app', id: String(n) },
          after: { n },
        }),
      ),
      instance.app.services.audit.signHead(),
    ]),
  );
  const [first] = cluster.instances;
  if (first === undefined) throw new Error('no instance');
  const rows = await first.db.selectFrom('audit_log').select(['seq', 'actor']).orderBy('seq').execute();
  expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 3 * PER_INSTANCE }, (_, i) => i + 1));
  for (const i of [0, 1, 2])
    expect(rows.filter((r) => r.actor === `cli:instance-${i}`)).toHaveLength(PER_INSTANCE);

  expect((await runCli(['audit', 'sign'], envOf(first))).code).toBe(0);
  const verified = await runCli(['audit', 'verify', '--json'], envOf(first));
  expect(verified.code, verified.stderr).toBe(0);
  expect(JSON.parse(verified.stdout)).toMatchObject({
    ok: true,
    entries: 3 * PER_INSTANCE,
    lastSeq: 3 * PER_INSTANCE,
  });
});

function envOf(instance: Cluster['instances'][number]): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: instance.config.databaseUrl,
    COUNTERSIGN_MASTER_KEY: 'a'.repeat(32) + 'b'.repeat(32),
    HOST: '127.0.0.1',
  };
}

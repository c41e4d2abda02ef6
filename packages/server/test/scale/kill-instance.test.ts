// Issue 6, R72, R76: three `countersign serve` processes share one PostgreSQL database under a steady load
// of approvals (create on one instance, answer through another). One is killed with SIGKILL mid-run:
// everything any instance acknowledged is still there, and the two others carry on.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/harness.js';
import { countersign, freePort, type ServeProcess, serve, stop } from '../support/processes.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { answerFor, deviceCall, type PendingRequest, type TestDevice } from '../support/test-device.js';
import { sleep } from './cluster.js';
import { enrollDevice, registerUser } from './support.js';

const WORKERS = 4;
const LOAD_BEFORE_KILL_MS = 1_500;
const LOAD_AFTER_KILL_MS = 2_500;
/** A bound on each worker's loop, whatever the timing. */
const MAX_ROUNDS = 400;

interface Outcome {
  /** Requests whose creation an instance acknowledged (2xx), and by which. */
  created: Map<string, number>;
  /** Requests whose answer an instance acknowledged (2xx). */
  approved: Set<string>;
  /** Acknowledged creations per instance after the kill. */
  createdAfterKill: number[];
  /** Answers other than 2xx (or a refused connection) from instances that were never killed. */
  survivorErrors: string[];
}

describe('SIGKILL of one instance under a steady load of approvals', () => {
  let database: TestDatabase;
  const instances: ServeProcess[] = [];
  let key: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const env = {
      PATH: process.env.PATH,
      DATABASE_URL: database.url,
      COUNTERSIGN_MASTER_KEY: randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    // Migrates the database and makes the app before any instance starts.
    key = (
      JSON.parse(await countersign(['apps', 'create', '--name', 'Kill Bank', '--json'], env)) as {
        api_key: string;
      }
    ).api_key;
    for (let i = 0; i < 3; i++) instances.push(await serve(env, await freePort()));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(instances.map((instance) => stop(instance)));
    await database?.drop();
  });

  it('loses no acknowledged approval or answer, and the other two carry on', async () => {
    const servers = instances.map((instance) => ({ url: instance.url }));
    const devices: Array<{ userId: number; device: TestDevice }> = [];
    for (let w = 0; w < WORKERS; w++) {
      const userId = await registerUser(servers[w % 3] as { url: string }, key, `20155550${10 + w}`);
      devices.push({
        userId,
        device: await enrollDevice(servers[0] as { url: string }, servers[1] as { url: string }, key, userId),
      });
    }

    const killed = 0;
    let killedAt: number | undefined;
    let stopAt = Number.POSITIVE_INFINITY;
    const outcome: Outcome = {
      created: new Map(),
      approved: new Set(),
      createdAfterKill: [0, 0, 0],
      survivorErrors: [],
    };
    const dead = new Set<number>();
    /** The next instance after `from` that is not known to be dead (as a load balancer would pick). */
    const live = (from: number) => {
      for (let k = 0; k < 3; k++) if (!dead.has((from + k) % 3)) return (from + k) % 3;
      throw new Error('no instance left');
    };
    /** One call; a refused connection marks the instance dead (a balancer's health check would). */
    const attempt = async <T>(i: number, what: string, fn: (server: { url: string }) => Promise<T>) => {
      try {
        return await fn(servers[i] as { url: string });
      } catch (error) {
        if (i !== killed) outcome.survivorErrors.push(`${what} on ${i}: ${(error as Error).message}`);
        dead.add(i);
        return undefined;
      }
    };

    const worker = async (w: number) => {
      const { userId, device } = devices[w] as { userId: number; device: TestDevice };
      for (let round = 0; round < MAX_ROUNDS && Date.now() < stopAt; round++) {
        const creator = live(w + round);
        const created = await attempt(creator, 'create', (server) =>
          call(server, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
            key,
            json: { message: `Pay ${w}.${round}` },
          }),
        );
        if (created === undefined) continue;
        if (created.status !== 200) {
          if (creator !== killed)
            outcome.survivorErrors.push(`create on ${creator}: ${created.status} ${created.text}`);
          continue;
        }
        const uuid = (created.body.approval_request as { uuid: string }).uuid;
        outcome.created.set(uuid, creator);
        if (killedAt !== undefined)
          outcome.createdAfterKill[creator] = (outcome.createdAfterKill[creator] ?? 0) + 1;

        const answerer = live(creator + 1);
        const listed = await attempt(answerer, 'pending', (server) =>
          deviceCall(server, device, 'GET', '/device/v1/requests'),
        );
        const pending = (listed?.body.requests as PendingRequest[] | undefined)?.find((r) => r.uuid === uuid);
        if (pending === undefined) continue;
        const answered = await attempt(answerer, 'answer', (server) =>
          deviceCall(
            server,
            device,
            'POST',
            `/device/v1/requests/${uuid}/answer`,
            answerFor(device, pending, 'approved'),
          ),
        );
        if (answered?.status === 200) outcome.approved.add(uuid);
        else if (answered !== undefined && answerer !== killed)
          outcome.survivorErrors.push(`answer on ${answerer}: ${answered.status} ${answered.text}`);
      }
    };

    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    await sleep(LOAD_BEFORE_KILL_MS);
    (instances[killed] as ServeProcess).child.kill('SIGKILL');
    killedAt = Date.now();
    await (instances[killed] as ServeProcess).exited;
    await sleep(LOAD_AFTER_KILL_MS);
    stopAt = Date.now();
    await load;

    expect(outcome.survivorErrors).toEqual([]);
    // The others carried on: both acknowledged new requests after the kill.
    expect(outcome.createdAfterKill[1]).toBeGreaterThan(0);
    expect(outcome.createdAfterKill[2]).toBeGreaterThan(0);
    expect(outcome.approved.size).toBeGreaterThan(0);

    // Nothing acknowledged was lost: every request is there, every acknowledged answer stands.
    const reader = servers[1] as { url: string };
    const lost: string[] = [];
    for (const [uuid, creator] of outcome.created) {
      const status = await call(reader, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key });
      const state = (status.body.approval_request as { status?: string } | undefined)?.status;
      if (status.status !== 200) lost.push(`${uuid} (created on ${creator}): ${status.status}`);
      else if (outcome.approved.has(uuid) && state !== 'approved')
        lost.push(`${uuid}: answered, reads ${state}`);
    }
    expect(lost).toEqual([]);
    expect(outcome.created.size).toBeGreaterThan(WORKERS * 2);
  }, 60_000);
});

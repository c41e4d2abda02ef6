/**
 * Crash safety (R50, R72, R73): the real service, as a child process, is SIGKILLed in the middle of a load
 * of approval requests, device answers, TOTP verifications and callbacks, then started again on the same
 * database. What it acknowledged before the kill must all be there, no code may pass twice, every final
 * request has exactly one callback event, and a receiver that answered 2xx to a delivery the service had
 * recorded never gets it again.
 */
import type { ChildProcess } from 'node:child_process';
import { createPublicKey, randomBytes, randomInt, verify } from 'node:crypto';
import { canonicalJson } from '@countersign/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { stepAt, totpCode } from '../../src/crypto/totp.js';
import { openDatabase } from '../../src/db/database.js';
import { call } from '../support/harness.js';
import { countersign, freePort, serve as serveProcess } from '../support/processes.js';
import { createTestDatabase } from '../support/test-database.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  type PendingRequest,
  type TestDevice,
} from '../support/test-device.js';
import { startReceiver } from '../webhooks/receiver.js';
import { base32Bytes } from './support.js';

const USERS = 4;
/** How long the load may take to get going on a slow machine before the kill comes anyway. */
const LOAD_MS_MAX = 15_000;
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** `countersign serve` on the URL's port, killed after the tests whatever happens to them. */
async function serve(env: NodeJS.ProcessEnv, url: string): Promise<ChildProcess> {
  const { child } = await serveProcess(env, Number(new URL(url).port));
  children.add(child);
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  children.delete(child);
}

interface User {
  id: number;
  device: TestDevice;
  seedHex: string;
}

/** What the service answered 2xx to before the kill. */
interface Acknowledged {
  created: Set<string>;
  answered: Map<string, 'approved' | 'denied'>;
  /** `user:step` of every accepted TOTP code. */
  codes: string[];
}

/** Runs `step` until `until` passes or the service stops answering (the kill). */
async function loop(until: () => boolean, step: () => Promise<void>): Promise<void> {
  while (!until()) {
    try {
      await step();
    } catch {
      return;
    }
  }
}

describe('crash safety under load (R50, R72, R73)', () => {
  it('a SIGKILL during approvals, answers, verifies and callbacks loses nothing acknowledged, accepts no code twice, resends nothing delivered', async () => {
    const database = await createTestDatabase();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = { url };
    const receiver = await startReceiver();
    const env = {
      PATH: process.env.PATH,
      DATABASE_URL: database.url,
      COUNTERSIGN_MASTER_KEY: randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      COUNTERSIGN_WEBHOOK_ALLOW: '127.0.0.1/32',
      // A short delivery timeout keeps the claim of an interrupted delivery short (timeout + 5 s).
      COUNTERSIGN_WEBHOOK_TIMEOUT: '2',
    };
    let child: ChildProcess | undefined;
    try {
      const { api_key: key } = JSON.parse(
        await countersign(
          ['apps', 'create', '--name', 'Crash Bank', '--callback-url', `${receiver.url}/hook`, '--json'],
          env,
        ),
      ) as { api_key: string };
      child = await serve(env, url);

      const users: User[] = [];
      for (let i = 0; i < USERS; i++) {
        const created = await call(server, 'POST', '/protected/json/users/new', {
          key,
          json: { user: { email: `crash${i}@example.com`, cellphone: `20255501${20 + i}`, country_code: 1 } },
        });
        const id = (created.body.user as { id: number }).id;
        const link = await call(server, 'POST', `/protected/json/users/${id}/enrollments`, { key });
        const device = await enrollWithLink(server, (link.body.enrollment as { url: string }).url);
        const secret = device.accounts[0]?.totp.secret ?? '';
        users.push({ id, device, seedHex: base32Bytes(secret).toString('hex') });
      }

      // ——— The load, and the kill somewhere in its middle ———
      const acknowledged: Acknowledged = { created: new Set(), answered: new Map(), codes: [] };
      // The kill comes once every kind of work was acknowledged a few times (however slow the machine),
      // at a random moment after that, while all of it is still going on.
      const busyEnough = () =>
        acknowledged.created.size >= 10 && acknowledged.answered.size >= 5 && acknowledged.codes.length > 0;
      const giveUp = Date.now() + LOAD_MS_MAX;
      let killed = false;
      const over = () => killed || Date.now() > giveUp;
      let turn = 0;
      const running = child;
      const killer = (async () => {
        while (!busyEnough() && Date.now() < giveUp) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, randomInt(0, 750)));
        await kill(running);
        killed = true;
      })();
      await Promise.all([
        ...Array.from({ length: 4 }, () =>
          loop(over, async () => {
            turn += 1;
            const user = users[turn % USERS] as User;
            const created = await call(server, 'POST', `/onetouch/json/users/${user.id}/approval_requests`, {
              key,
              json: { message: `Pay ${turn}`, details: { n: String(turn) } },
            });
            if (created.status === 200)
              acknowledged.created.add((created.body.approval_request as { uuid: string }).uuid);
          }),
        ),
        ...users.map((user, index) =>
          loop(over, async () => {
            const listed = await deviceCall(server, user.device, 'GET', '/device/v1/requests');
            const pending = (listed.body.requests ?? []) as PendingRequest[];
            if (pending.length === 0) await new Promise((r) => setTimeout(r, 5));
            for (const request of pending) {
              const decision = (index + request.uuid.charCodeAt(0)) % 2 === 0 ? 'approved' : 'denied';
              const answered = await deviceCall(
                server,
                user.device,
                'POST',
                `/device/v1/requests/${request.uuid}/answer`,
                answerFor(user.device, request, decision),
              );
              if (answered.status === 200) acknowledged.answered.set(request.uuid, decision);
            }
          }),
        ),
        loop(over, async () => {
          const step = stepAt(Date.now());
          await Promise.all(
            users.flatMap((user) => {
              const code = totpCode(user.seedHex, step, 7);
              // Five at once: the step must pass once, whatever the interleaving.
              return Array.from({ length: 5 }, async () => {
                const verified = await call(server, 'GET', `/protected/json/verify/${code}/${user.id}`, {
                  key,
                });
                if (verified.status === 200) acknowledged.codes.push(`${user.id}:${step}`);
              });
            }),
          );
        }),
      ]);
      await killer;
      console.info(
        `crash: killed after ${acknowledged.created.size} requests created, ${acknowledged.answered.size} answered, ` +
          `${acknowledged.codes.length} codes accepted, ${receiver.deliveries.length} callbacks received`,
      );
      expect(busyEnough(), 'the load got going before the kill').toBe(true);

      // What the service had recorded as delivered when it died.
      const store = openDatabase(database.url).db;
      const deliveredBefore = new Set(
        (
          await store.selectFrom('webhook_events').select('id').where('state', '=', 'delivered').execute()
        ).map((r) => r.id),
      );
      await store.destroy();

      child = await serve(env, url);

      // R72: everything acknowledged is there, as acknowledged.
      for (const uuid of acknowledged.created) {
        const status = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key });
        expect(status.status, uuid).toBe(200);
        const request = status.body.approval_request as { status: string; receipt?: string };
        const answer = acknowledged.answered.get(uuid);
        if (answer !== undefined) {
          expect(request.status, uuid).toBe(answer);
          expect(request.receipt, uuid).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
        }
      }
      for (const uuid of acknowledged.answered.keys()) expect(acknowledged.created.has(uuid)).toBe(true);

      // R15, R73(c): each step was accepted at most once before the crash, and none is accepted again after it.
      expect(new Set(acknowledged.codes).size).toBe(acknowledged.codes.length);
      for (const entry of new Set(acknowledged.codes)) {
        const [id, step] = entry.split(':').map(Number) as [number, number];
        const user = users.find((u) => u.id === id) as User;
        const again = await call(
          server,
          'GET',
          `/protected/json/verify/${totpCode(user.seedHex, step, 7)}/${id}`,
          { key },
        );
        expect(again.status, entry).not.toBe(200);
      }

      // Callbacks: wait until every event is settled (an interrupted claim runs out after timeout + 5 s).
      const check = openDatabase(database.url).db;
      try {
        const deadline = Date.now() + 20_000;
        for (;;) {
          const open = await check
            .selectFrom('webhook_events')
            .select('id')
            .where('state', 'not in', ['delivered', 'skipped'])
            .execute();
          if (open.length === 0) break;
          if (Date.now() > deadline) throw new Error(`${open.length} callbacks never delivered`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const final = await check
          .selectFrom('approval_requests')
          .select(['uuid', 'status', 'answer', 'device_signature', 'device_id'])
          .where('status', 'in', ['approved', 'denied'])
          .execute();
        const events = await check.selectFrom('webhook_events').select(['id', 'uuid', 'state']).execute();

        // R73(b): every final state has exactly one outbox event.
        for (const request of final) {
          expect(
            events.filter((e) => e.uuid === request.uuid),
            request.uuid,
          ).toHaveLength(1);
        }
        // R73(a): nothing is approved without a stored device signature that verifies.
        const devices = await check.selectFrom('devices').select(['id', 'public_key']).execute();
        for (const request of final) {
          const device = devices.find((d) => d.id === request.device_id);
          expect(device, request.uuid).toBeDefined();
          const document = JSON.parse(request.answer ?? 'null') as Record<string, unknown>;
          expect(document.uuid).toBe(request.uuid);
          const key = createPublicKey({ key: JSON.parse(device?.public_key ?? '{}'), format: 'jwk' });
          const valid = verify(
            'sha256',
            Buffer.from(canonicalJson(document), 'utf8'),
            { key, dsaEncoding: 'ieee-p1363' },
            Buffer.from(request.device_signature ?? '', 'base64url'),
          );
          expect(valid, request.uuid).toBe(true);
        }

        // R50: every acknowledged answer reached the receiver, with one webhook-id per event.
        const byId = new Map<string, string[]>();
        for (const delivery of receiver.deliveries) {
          const id = String(delivery.headers['webhook-id']);
          byId.set(id, [...(byId.get(id) ?? []), delivery.raw]);
        }
        const deliveredUuids = new Set(receiver.deliveries.map((d) => String(d.body.uuid)));
        for (const uuid of acknowledged.answered.keys()) expect(deliveredUuids.has(uuid), uuid).toBe(true);
        for (const event of events.filter((e) => e.state === 'delivered')) {
          expect(byId.has(event.id), event.id).toBe(true);
        }
        // A delivery the service had recorded is never sent again; a duplicate can only be of a delivery
        // cut by the kill, and carries the same webhook-id and body.
        for (const [id, bodies] of byId) {
          if (deliveredBefore.has(id)) expect(bodies, id).toHaveLength(1);
          expect(new Set(bodies).size, id).toBe(1);
        }
      } finally {
        await check.destroy();
      }
    } finally {
      if (child !== undefined) await kill(child);
      await receiver.close();
      await database.drop();
    }
  }, 90_000);
});

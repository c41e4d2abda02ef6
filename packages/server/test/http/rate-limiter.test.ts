// The database-backed rate limiter reserves calls in blocks. These tests run several limiters (instances)
// over one real store and check that together they never allow more than the limit, that they ask the
// database once per block rather than once per call, and that a store that cannot count refuses calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.js';
import { RateLimitRepository } from '../../src/http/rate-limit.repository.js';
import { blockSize, createDatabaseRateLimiter } from '../../src/http/rate-limiter.js';
import { openTestStore, type TestStore } from '../support/test-database.js';

let store: TestStore;
let db: Store;

beforeAll(async () => {
  store = await openTestStore();
  db = store.store;
});
afterAll(() => store.close());

const MINUTE = Date.UTC(2026, 10, 26, 12, 0, 0);

/** A repository over the shared store that counts its trips to the database. */
function countingRepository(): RateLimitRepository & { trips: number } {
  const repository = new RateLimitRepository(db) as RateLimitRepository & { trips: number };
  repository.trips = 0;
  const count = repository.count.bind(repository);
  repository.count = (...args) => {
    repository.trips += 1;
    return count(...args);
  };
  return repository;
}

async function hits(
  limiter: ReturnType<typeof createDatabaseRateLimiter>,
  key: string,
  n: number,
  now: number,
) {
  return Promise.all(Array.from({ length: n }, () => limiter.hit(key, now)));
}

describe('the database rate limiter', () => {
  it('takes a thousandth of the limit per trip, between 1 and 100', () => {
    expect(blockSize(30)).toBe(1);
    expect(blockSize(1_999)).toBe(1);
    expect(blockSize(5_000)).toBe(5);
    expect(blockSize(120_000)).toBe(100);
    expect(blockSize(100_000_000)).toBe(100);
  });

  it('three instances with blocks of 5 allow exactly the limit between them, and ask once per block', async () => {
    const repositories = [countingRepository(), countingRepository(), countingRepository()];
    const instances = repositories.map((r) => createDatabaseRateLimiter(r, 5_000));
    const now = MINUTE + 1_000;
    // 6 000 calls in one window, concurrent within each instance, interleaved between them.
    const waits = (
      await Promise.all(instances.map((limiter) => hits(limiter, 'app:blocks', 2_000, now)))
    ).flat();
    const allowed = waits.filter((w) => w === 0).length;
    // Blocks reserved and not used still count: up to (block − 1) per instance may be refused early.
    expect(allowed).toBeLessThanOrEqual(5_000);
    expect(allowed).toBeGreaterThanOrEqual(5_000 - 3 * 4);
    // Refused calls are told to wait until the window ends (59 s from here).
    expect(new Set(waits.filter((w) => w !== 0))).toEqual(new Set([59]));
    const trips = repositories.reduce((sum, r) => sum + r.trips, 0);
    expect(trips).toBeLessThanOrEqual(Math.ceil(5_000 / 5) + 3);
    // Once an instance saw the limit reached, the rest of its window costs no trip at all.
    const before = repositories[0]?.trips;
    await hits(instances[0] as ReturnType<typeof createDatabaseRateLimiter>, 'app:blocks', 100, now);
    expect(repositories[0]?.trips).toBe(before);
  });

  it('a small limit is kept exactly: 45 calls over three instances with a limit of 30 allow 30', async () => {
    const instances = [0, 1, 2].map(() => createDatabaseRateLimiter(new RateLimitRepository(db), 30));
    const now = MINUTE + 2_000;
    const waits = await Promise.all(
      Array.from({ length: 45 }, (_, i) => instances[i % 3]?.hit('app:small', now) ?? Promise.reject()),
    );
    expect(waits.filter((w) => w === 0)).toHaveLength(30);
  });

  it('a new minute starts a new count', async () => {
    const limiter = createDatabaseRateLimiter(new RateLimitRepository(db), 10);
    expect((await hits(limiter, 'app:minutes', 12, MINUTE + 3_000)).filter((w) => w === 0)).toHaveLength(10);
    expect((await hits(limiter, 'app:minutes', 12, MINUTE + 61_000)).filter((w) => w === 0)).toHaveLength(10);
  });

  it('refuses the call when the count cannot be kept (R74), and counts again once it can', async () => {
    const repository = new RateLimitRepository(db);
    const limiter = createDatabaseRateLimiter(repository, 5_000);
    const count = repository.count.bind(repository);
    repository.count = () => Promise.reject(new Error('database down'));
    await expect(limiter.hit('app:down', MINUTE + 4_000)).rejects.toThrow('database down');
    repository.count = count;
    expect(await limiter.hit('app:down', MINUTE + 4_000)).toBe(0);
  });
});

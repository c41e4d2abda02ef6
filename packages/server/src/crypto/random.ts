import { randomFillSync, randomInt, randomUUID } from 'node:crypto';

/** Cryptographic randomness. Everything a user or attacker can see comes from here. */
export interface Random {
  /** A string of `length` decimal digits, each uniform. */
  digits(length: number): string;
  /** `size` random bytes. */
  bytes(size: number): Buffer;
  /** A random UUID v4. */
  uuid(): string;
}

/** Bytes drawn from the CSPRNG at once; small requests are served from them (as Node does for UUIDs). */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let used = POOL_SIZE;

/**
 * `size` bytes from the operating system's CSPRNG (through OpenSSL). Requests of up to 256 bytes are cut
 * from a pool refilled 4 KB at a time, since each call to the generator costs microseconds; every byte is
 * handed out once and copied, never shared with a later caller.
 */
export function randomBytes(size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  if (size > 256) return randomFillSync(out);
  if (used + size > POOL_SIZE) {
    randomFillSync(pool);
    used = 0;
  }
  pool.copy(out, 0, used, used + size);
  // What was handed out does not stay behind in the pool.
  pool.fill(0, used, used + size);
  used += size;
  return out;
}

export const cryptoRandom: Random = {
  digits(length) {
    let out = '';
    for (let i = 0; i < length; i++) out += String(randomInt(10));
    return out;
  },
  bytes: (size) => randomBytes(size),
  uuid: () => randomUUID(),
};

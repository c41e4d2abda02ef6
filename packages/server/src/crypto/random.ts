import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/** Cryptographic randomness. Everything a user or attacker can see comes from here. */
export interface Random {
  /** A string of `length` decimal digits, each uniform. */
  digits(length: number): string;
  /** `size` random bytes. */
  bytes(size: number): Buffer;
  /** A random UUID v4. */
  uuid(): string;
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

import argon2 from 'argon2';

/** Turns passwords into slow, salted hashes and checks them. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** `false` for a wrong password and for a hash it cannot read. */
  verify(hash: string, password: string): Promise<boolean>;
}

/** Argon2id with the library's defaults (64 MiB, 3 passes, parallelism 4), which meet OWASP's minimum. */
export const argon2Hasher: PasswordHasher = {
  hash: (password) => argon2.hash(password, { type: argon2.argon2id }),
  async verify(hash, password) {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  },
};

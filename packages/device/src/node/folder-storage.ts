import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importPublicJwk } from '../crypto/key-pair.js';
import { type DeviceStorage, type JsonValue, storageName } from '../storage/device-storage.js';

const KEY_FILE = 'device-key.jwk';
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

/**
 * A storage in a state folder (mode 0700): each value is `NAME.json`, the private key is the JWK file
 * `device-key.jwk`, all mode 0600; a scope is the same layout in `scopes/NAME/`. Files cannot hold a `CryptoKey`, so the key pair must be made
 * extractable to be written; read back, it is imported non-extractable.
 */
export function folderStorage(folder: string): DeviceStorage {
  let ready: Promise<void> | undefined;

  function ensureFolder(): Promise<void> {
    ready ??= (async () => {
      // An existing folder keeps its mode: it may be one the user chose (a home folder) on purpose.
      const created = await mkdir(folder, { recursive: true, mode: 0o700 });
      if (created !== undefined) await chmod(folder, 0o700); // the umask may have narrowed the mode
    })();
    return ready;
  }

  function fileOf(name: string): string {
    return join(folder, `${storageName(name)}.json`);
  }

  /** Writes a whole file or nothing: a crash mid-write never leaves half a key or a torn record. */
  async function writeAtomically(file: string, text: string): Promise<void> {
    await ensureFolder();
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
      await rename(temporary, file);
    } finally {
      await rm(temporary, { force: true });
    }
  }

  async function readText(file: string): Promise<string | undefined> {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  return {
    holdsCryptoKeys: false,
    async get(name) {
      const text = await readText(fileOf(name));
      return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
    },
    async set(name, value) {
      const file = fileOf(name);
      if (value === undefined) await rm(file, { force: true });
      else await writeAtomically(file, `${JSON.stringify(value, null, 2)}\n`);
    },
    async getKeyPair() {
      const text = await readText(join(folder, KEY_FILE));
      if (text === undefined) return undefined;
      const jwk = JSON.parse(text) as JsonWebKey;
      if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || jwk.x === undefined || jwk.y === undefined) {
        throw new TypeError(`${KEY_FILE} does not hold a P-256 key`);
      }
      return {
        privateKey: await globalThis.crypto.subtle.importKey('jwk', jwk, ALGORITHM, false, ['sign']),
        publicKey: await importPublicJwk({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }),
      };
    },
    async setKeyPair(pair) {
      const file = join(folder, KEY_FILE);
      if (pair === undefined) {
        await rm(file, { force: true });
        return;
      }
      if (!pair.privateKey.extractable)
        throw new TypeError('a folder storage needs an extractable private key');
      const jwk = await globalThis.crypto.subtle.exportKey('jwk', pair.privateKey);
      await writeAtomically(file, `${JSON.stringify(jwk)}\n`);
    },
    scope(name) {
      // A scope is a folder of its own under `scopes/`, laid out as this one; no value file is a folder.
      return folderStorage(join(folder, 'scopes', storageName(name)));
    },
  };
}

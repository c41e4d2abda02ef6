import { type DeviceStorage, type JsonValue, storageName } from '../storage/device-storage.js';

const STORE = 'device';

/** Settles with an IndexedDB request's result. */
function settled<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function openDatabase(name: string): Promise<IDBDatabase> {
  const request = globalThis.indexedDB.open(name, 1);
  request.onupgradeneeded = () => {
    request.result.createObjectStore(STORE);
  };
  return settled(request);
}

/**
 * A browser storage in IndexedDB, which keeps `CryptoKey` objects by structured clone: the private key
 * stays non-extractable, so no script — not even the authenticator's own — can read it out.
 */
export function indexedDbStorage(databaseName = 'countersign-device'): DeviceStorage {
  let database: Promise<IDBDatabase> | undefined;

  async function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    database ??= openDatabase(databaseName);
    const store = (await database).transaction(STORE, mode).objectStore(STORE);
    return settled(act(store));
  }

  return scopedIn(run, '');
}

/**
 * The storage under `prefix` in the one object store: values under `PREFIXvalue:NAME`, the key pair under
 * `PREFIXkey-pair`, a scope's entries under `PREFIXscope:NAME/`. No name can collide with another's entry,
 * and the root's entries are where a storage written before scopes existed put them.
 */
function scopedIn(
  run: <T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>) => Promise<T>,
  prefix: string,
): DeviceStorage {
  const valueKey = (name: string) => `${prefix}value:${name}`;
  const KEY_PAIR = `${prefix}key-pair`;
  return {
    holdsCryptoKeys: true,
    async get(name) {
      const value: unknown = await run('readonly', (store) => store.get(valueKey(name)));
      // Only this storage writes here, and only JSON values.
      return value as JsonValue | undefined;
    },
    async set(name, value) {
      if (value === undefined) await run('readwrite', (store) => store.delete(valueKey(name)));
      else await run('readwrite', (store) => store.put(value, valueKey(name)));
    },
    async getKeyPair() {
      const pair: unknown = await run('readonly', (store) => store.get(KEY_PAIR));
      return pair as CryptoKeyPair | undefined;
    },
    async setKeyPair(pair) {
      if (pair === undefined) await run('readwrite', (store) => store.delete(KEY_PAIR));
      else await run('readwrite', (store) => store.put(pair, KEY_PAIR));
    },
    scope(name) {
      return scopedIn(run, `${prefix}scope:${storageName(name)}/`);
    },
  };
}

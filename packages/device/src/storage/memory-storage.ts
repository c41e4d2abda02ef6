import { type DeviceStorage, type JsonValue, storageName } from './device-storage.js';

/**
 * A storage that lives as long as the object: for tests and for a device that must leave no trace.
 * Values are cloned in and out, as a real storage would serialize them.
 */
export function memoryStorage(): DeviceStorage {
  const values = new Map<string, JsonValue>();
  const scopes = new Map<string, DeviceStorage>();
  let keyPair: CryptoKeyPair | undefined;
  return {
    holdsCryptoKeys: true,
    async get(name) {
      const value = values.get(name);
      return value === undefined ? undefined : structuredClone(value);
    },
    async set(name, value) {
      if (value === undefined) values.delete(name);
      else values.set(name, structuredClone(value));
    },
    async getKeyPair() {
      return keyPair;
    },
    async setKeyPair(pair) {
      keyPair = pair;
    },
    scope(name) {
      let scoped = scopes.get(storageName(name));
      if (scoped === undefined) {
        scoped = memoryStorage();
        scopes.set(name, scoped);
      }
      return scoped;
    },
  };
}

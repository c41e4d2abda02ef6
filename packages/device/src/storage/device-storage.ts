/** A value a storage can keep: anything `JSON.stringify` writes and `JSON.parse` reads back the same. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Where a device keeps its state between runs: a few named JSON values and its key pair. Deliberately
 * narrow, so a browser (IndexedDB), a folder on disk or a test map can hold a device.
 */
export interface DeviceStorage {
  /**
   * Whether the storage keeps `CryptoKey` objects themselves (IndexedDB does). If so, the device makes its
   * private key non-extractable; if not, the storage must serialize the key and needs it extractable.
   */
  readonly holdsCryptoKeys: boolean;
  /** The value stored under `name`, or `undefined`. */
  get(name: string): Promise<JsonValue | undefined>;
  /** Stores `value` under `name`; `undefined` removes it. */
  set(name: string, value: JsonValue | undefined): Promise<void>;
  /** The device's key pair, or `undefined` before the first enrollment. */
  getKeyPair(): Promise<CryptoKeyPair | undefined>;
  /** Stores the key pair; `undefined` destroys it. */
  setKeyPair(pair: CryptoKeyPair | undefined): Promise<void>;
  /**
   * A storage of its own inside this one, named `name` (`[a-z][a-z0-9-]*`): its values and key pair never
   * meet this storage's or another scope's, so each enrollment of an authenticator has its own key.
   */
  scope(name: string): DeviceStorage;
}

/** Whether `name` may name a value or a scope: lowercase, so it is also a safe file name. */
export function isStorageName(name: string): boolean {
  return /^[a-z][a-z0-9-]{0,63}$/.test(name);
}

/** `name` if it may name a value or a scope; a `TypeError` otherwise. */
export function storageName(name: string): string {
  if (!isStorageName(name)) throw new TypeError(`not a storage name: "${name}"`);
  return name;
}

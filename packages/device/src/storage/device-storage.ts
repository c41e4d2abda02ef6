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
}

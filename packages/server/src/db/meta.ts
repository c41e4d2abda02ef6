/** Values the service makes once and keeps in the store, by key: its own keys, and checks of them. */
export interface KeptValues {
  /**
   * The value kept under `key`, made by `make` and kept first if there is none yet. Instances starting at
   * once agree on one value: the first one kept wins, and the others read it.
   */
  valueOrKeep(key: string, make: () => string | Promise<string>): Promise<string>;
  /** The value kept under `key`, or `undefined`. */
  value(key: string): Promise<string | undefined>;
  /** Removes the value kept under `key`, if any: a value moved elsewhere. */
  forget(key: string): Promise<void>;
}

import { deriveServiceKeys } from '../crypto/master-key.js';
import { createSecretBox, SecretBoxError } from '../crypto/secret-box.js';
import { SEALED_PLACES, type SealedValue, walkSealedValues } from './sealed-value-walk.js';
import type { Store } from './store.js';

/** How many sealed values one place holds, and how many of them did not open. */
export interface SealedPlaceCheck {
  readonly place: string;
  readonly values: number;
  readonly unopened: number;
}

/** The outcome of opening every sealed value of a store under one master key. */
export interface SealedValuesCheck {
  /** Every place of the catalogue that holds rows in the store, in walk order, with its counts. */
  readonly places: readonly SealedPlaceCheck[];
  /** All values, and those that did not open, over every place. */
  readonly values: number;
  readonly unopened: number;
}

/**
 * Opens every sealed value of the store under `masterKey`, with the associated data of its row (`walkSealedValues`,
 * a batch at a time): a value that does not open was sealed under another key, or copied from another row, or
 * damaged. Opened values are dropped at once; nothing is written or logged.
 */
export async function checkSealedValues(
  store: Pick<Store, 'db'>,
  masterKey: Buffer,
  { batchSize = 500 }: { batchSize?: number } = {},
): Promise<SealedValuesCheck> {
  const box = createSecretBox(deriveServiceKeys(masterKey).encryption);
  const opens = (value: SealedValue) => {
    try {
      box.open(value.sealed, value.context);
      return true;
    } catch (error) {
      if (error instanceof SecretBoxError) return false;
      throw error;
    }
  };
  const counts = new Map<string, { values: number; unopened: number }>();
  for await (const batch of walkSealedValues(store, { batchSize })) {
    const count = counts.get(batch.place) ?? { values: 0, unopened: 0 };
    for (const value of batch.values) {
      count.values += 1;
      if (!opens(value)) count.unopened += 1;
    }
    counts.set(batch.place, count);
  }
  const places = SEALED_PLACES.flatMap((place) => {
    const count = counts.get(place);
    return count === undefined ? [] : [{ place, ...count }];
  });
  return {
    places,
    values: places.reduce((sum, p) => sum + p.values, 0),
    unopened: places.reduce((sum, p) => sum + p.unopened, 0),
  };
}

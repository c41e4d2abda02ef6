import { deriveServiceKeys } from '../crypto/master-key.js';
import { metaContext } from '../crypto/sealed-values.js';
import { createSecretBox, SecretBoxError } from '../crypto/secret-box.js';
import { OperatorError } from '../lib/operator-error.js';
import type { Store } from './database.js';
import { MetaRepository } from './meta.repository.js';
import { SealedValuesRepository } from './sealed-values.repository.js';

const CHECK_KEY = 'master_key_check';
const CHECK_CONTEXT = metaContext(CHECK_KEY);

export class WrongMasterKeyError extends OperatorError {
  override readonly name = 'WrongMasterKeyError';
}

/**
 * Makes sure the master key is the one this database was written with: the first start seals a known
 * value, every later start opens it. A wrong key stops the service before it serves anything.
 */
export async function checkMasterKey(store: Store, masterKey: Buffer): Promise<void> {
  const box = createSecretBox(deriveServiceKeys(masterKey).encryption);
  const sealed = await new MetaRepository(store).valueOrKeep(CHECK_KEY, () =>
    box.seal('countersign', CHECK_CONTEXT),
  );
  try {
    box.open(sealed, CHECK_CONTEXT);
  } catch (error) {
    if (error instanceof SecretBoxError) {
      throw new WrongMasterKeyError('COUNTERSIGN_MASTER_KEY is not the key this database was created with');
    }
    throw error;
  }
}

/**
 * Whether `masterKey` opens the store's sealed check value, reading only: `undefined` when the store has none
 * yet (no instance has started on it). For a copy of a store (a backup), which must not be written.
 */
export async function masterKeyOpens(
  store: Pick<Store, 'db'>,
  masterKey: Buffer,
): Promise<boolean | undefined> {
  const sealed = await new SealedValuesRepository(store).metaValue(CHECK_KEY);
  if (sealed === undefined) return undefined;
  try {
    createSecretBox(deriveServiceKeys(masterKey).encryption).open(sealed, CHECK_CONTEXT);
    return true;
  } catch (error) {
    if (error instanceof SecretBoxError) return false;
    throw error;
  }
}

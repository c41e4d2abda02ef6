import { deriveServiceKeys } from '../crypto/master-key.js';
import { createSecretBox, SecretBoxError } from '../crypto/secret-box.js';
import type { Store } from './database.js';

const CHECK_KEY = 'master_key_check';
const CHECK_CONTEXT = 'meta.master_key_check';

export class WrongMasterKeyError extends Error {
  override readonly name = 'WrongMasterKeyError';
}

/**
 * Makes sure the master key is the one this database was written with: the first start seals a known
 * value, every later start opens it. A wrong key stops the service before it serves anything.
 */
export async function checkMasterKey(store: Store, masterKey: Buffer): Promise<void> {
  const { db } = store;
  const box = createSecretBox(deriveServiceKeys(masterKey).encryption);
  const row = await db.selectFrom('meta').select('value').where('key', '=', CHECK_KEY).executeTakeFirst();
  if (row === undefined) {
    await db
      .insertInto('meta')
      .values({ key: CHECK_KEY, value: box.seal('countersign', CHECK_CONTEXT) })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return checkMasterKey(store, masterKey);
  }
  try {
    box.open(row.value, CHECK_CONTEXT);
  } catch (error) {
    if (error instanceof SecretBoxError) {
      throw new WrongMasterKeyError('COUNTERSIGN_MASTER_KEY is not the key this database was created with');
    }
    throw error;
  }
}

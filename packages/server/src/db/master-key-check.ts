import { deriveServiceKeys, masterKeyBox, masterKeyId, type ServiceKeys } from '../crypto/master-key.js';
import { metaContext } from '../crypto/sealed-values.js';
import { type SecretBox, SecretBoxError } from '../crypto/secret-box.js';
import { OperatorError } from '../lib/operator-error.js';
import type { Store } from './database.js';
import { MetaRepository } from './meta.repository.js';
import { SealedValuesRepository } from './sealed-values.repository.js';

const CHECK_KEY = 'master_key_check';
const CHECK_CONTEXT = metaContext(CHECK_KEY);
const PEPPER_KEY = 'pepper';

/** `meta` keys of a master-key rotation's state (D16): plain JSON, key ids only. */
export const ROTATION_META = {
  /** `{"from": id, "to": id}` while a rotation runs. */
  rotation: 'master_key_rotation',
  /** The ids of master keys a finished rotation retired, as a JSON array. */
  retired: 'master_key_retired',
} as const;

/** A rotation in progress: the ids of the key being retired and of the key replacing it. */
export interface RotationState {
  readonly from: string;
  readonly to: string;
}

export class WrongMasterKeyError extends OperatorError {
  override readonly name = 'WrongMasterKeyError';
}

/** What the store says of master keys: a rotation in progress, and the keys retired. */
export async function masterKeyState(
  meta: MetaRepository,
): Promise<{ rotation: RotationState | undefined; retired: readonly string[] }> {
  const rotation = await meta.value(ROTATION_META.rotation);
  const retired = await meta.value(ROTATION_META.retired);
  return {
    rotation: rotation === undefined ? undefined : (JSON.parse(rotation) as RotationState),
    retired: retired === undefined ? [] : (JSON.parse(retired) as string[]),
  };
}

/** Whether `master` alone opens the store's check value (the store's current key, or the one a rotation retires). */
export function opensCheck(sealedCheck: string, master: Buffer): boolean {
  try {
    masterKeyBox(master).open(sealedCheck, CHECK_CONTEXT);
    return true;
  } catch {
    return false;
  }
}

/** The store's check value, sealed and kept under `box`'s key when the store has none yet (its first start). */
export function checkValue(meta: MetaRepository, box: SecretBox): Promise<string> {
  return meta.valueOrKeep(CHECK_KEY, () => box.seal('countersign', CHECK_CONTEXT));
}

/**
 * Makes sure the master key is the one this database was written with: the first start seals a known
 * value, every later start opens it. A wrong key stops the service before it serves anything; so does a key a
 * finished rotation retired, and a configuration that would break a rotation in progress (D16): the key being
 * retired as the only or sealing key, or the new key without the previous one beside it.
 */
export async function checkMasterKey(
  store: Store,
  masterKey: Buffer,
  previousMasterKey?: Buffer,
): Promise<void> {
  const meta = new MetaRepository(store);
  const id = masterKeyId(masterKey);
  const { rotation, retired } = await masterKeyState(meta);
  if (retired.includes(id)) {
    throw new WrongMasterKeyError(
      `COUNTERSIGN_MASTER_KEY is a retired master key (key id ${id}): \`countersign master-key rotate\` re-sealed ` +
        'this database under a new key, and only that key starts the service now',
    );
  }
  if (rotation !== undefined && rotation.from === id) {
    throw new WrongMasterKeyError(
      `a master key rotation from this key (key id ${id}) to key id ${rotation.to} is in progress: start with the ` +
        'new key as COUNTERSIGN_MASTER_KEY and this one as COUNTERSIGN_PREVIOUS_MASTER_KEY',
    );
  }
  if (rotation !== undefined && rotation.to === id && previousMasterKey === undefined) {
    throw new WrongMasterKeyError(
      `a master key rotation to this key (key id ${id}) is in progress: until it finishes, also set ` +
        `COUNTERSIGN_PREVIOUS_MASTER_KEY to the key being retired (key id ${rotation.from})`,
    );
  }
  const box = masterKeyBox(masterKey, previousMasterKey);
  const sealed = await checkValue(meta, box);
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
  return sealed === undefined ? undefined : opensCheck(sealed, masterKey);
}

/**
 * The service's secret box and keys over a store. The pepper of verify-only values (API key digests, one-time
 * code HMACs) belongs to the store, not to a master key (D16): it is derived from the store's first master key,
 * kept sealed in `meta`, and re-sealed, never changed, when the master key rotates, so every digest stays valid.
 */
export async function loadServiceKeys(
  store: Store,
  masterKey: Buffer,
  previousMasterKey?: Buffer,
): Promise<{ box: SecretBox; keys: ServiceKeys }> {
  const meta = new MetaRepository(store);
  const box = masterKeyBox(masterKey, previousMasterKey);
  const context = metaContext(PEPPER_KEY);
  const sealed = await meta.valueOrKeep(PEPPER_KEY, async () => {
    // The pepper the store's digests were made with: the one of the key its check value was sealed under.
    const check = await meta.value(CHECK_KEY);
    const first =
      check !== undefined && previousMasterKey !== undefined && !opensCheck(check, masterKey)
        ? previousMasterKey
        : masterKey;
    return box.seal(deriveServiceKeys(first).pepper.toString('hex'), context);
  });
  const pepper = Buffer.from(box.open(sealed, context), 'hex');
  return { box, keys: Object.freeze({ encryption: deriveServiceKeys(masterKey).encryption, pepper }) };
}

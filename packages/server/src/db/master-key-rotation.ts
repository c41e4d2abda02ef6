import { deriveServiceKeys, masterKeyBox, masterKeyId } from '../crypto/master-key.js';
import { metaContext, SEALED_COLUMNS, SEALED_META } from '../crypto/sealed-values.js';
import { createSecretBox, type SecretBox, SecretBoxError } from '../crypto/secret-box.js';
import { OperatorError } from '../lib/operator-error.js';
import type { Store } from './database.js';
import {
  checkValue,
  loadServiceKeys,
  masterKeyState,
  opensCheck,
  ROTATION_META,
  type RotationState,
  WrongMasterKeyError,
} from './master-key-check.js';
import { MetaRepository } from './meta.repository.js';
import { type KeyValue, SealedValuesRepository } from './sealed-values.repository.js';

/** A rotation that cannot go on: another one runs, a value opens under no key given, values keep coming back. */
export class RotationError extends OperatorError {
  override readonly name = 'RotationError';
}

export interface RotationOptions {
  /** `COUNTERSIGN_MASTER_KEY`: the store's key, or already the new one (then `previous` is the store's). */
  readonly masterKey: Buffer;
  readonly previousMasterKey?: Buffer | undefined;
  /** The key every value is re-sealed under. */
  readonly newKey: Buffer;
  /** Values re-sealed per transaction. */
  readonly batch: number;
  /** Told after each batch, for progress. */
  readonly onBatch?: (where: string, changed: number) => void;
}

export interface RotationResult {
  /** The id of the key retired, `undefined` when the store was under the new key already. */
  readonly from: string | undefined;
  readonly to: string;
  /** Values re-sealed, by `table.column` (and `meta.<key>`), in this run. */
  readonly resealed: Readonly<Record<string, number>>;
}

/** Passes over one column before values still under another key are an error: something keeps writing them. */
const MAX_PASSES = 20;
const PASS_PAUSE_MS = 100;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Re-seals every sealed value of the store under `newKey` (D16), in batches of one transaction each, while
 * instances serve with the new key and the previous one. Resumable: which values are done is read from the
 * key id each value carries, and the rotation's state is kept in `meta`, so running it again after a crash
 * carries on where it stopped. When every value is under the new key, the old key is recorded as retired in
 * the same transaction that ends the rotation: from then on it no longer starts the service.
 */
export async function rotateMasterKey(store: Store, options: RotationOptions): Promise<RotationResult> {
  const meta = new MetaRepository(store);
  const to = masterKeyId(options.newKey);
  const { rotation, retired } = await masterKeyState(meta);
  if (retired.includes(to)) {
    throw new RotationError(`the new key (key id ${to}) was retired by an earlier rotation: make a new key`);
  }
  if (rotation !== undefined && rotation.to !== to) {
    throw new RotationError(
      `a rotation to key id ${rotation.to} is in progress: run the command again with that key's file to finish it`,
    );
  }
  const olds = [options.masterKey, options.previousMasterKey].filter(
    (key): key is Buffer => key !== undefined && !key.equals(options.newKey),
  );
  const check = await checkValue(meta, masterKeyBox(olds[0] ?? options.newKey));
  const storeKey = olds.find((key) => opensCheck(check, key));
  if (storeKey === undefined && !opensCheck(check, options.newKey)) {
    throw new WrongMasterKeyError(
      'neither COUNTERSIGN_MASTER_KEY nor COUNTERSIGN_PREVIOUS_MASTER_KEY is the key this database was created with',
    );
  }
  const from = rotation?.from ?? (storeKey === undefined ? undefined : masterKeyId(storeKey));
  if (storeKey !== undefined && rotation === undefined) {
    // The pepper is kept before the first value moves: it stays the store's, whatever key seals it.
    await loadServiceKeys(store, storeKey);
    const kept = await meta.valueOrKeep(ROTATION_META.rotation, () => JSON.stringify({ from, to }));
    if ((JSON.parse(kept) as RotationState).to !== to) {
      throw new RotationError(
        'another rotation started at the same time: let it finish, then run this one again',
      );
    }
  }
  const box = createSecretBox(
    deriveServiceKeys(options.newKey).encryption,
    olds.map((key) => deriveServiceKeys(key).encryption),
  );
  const resealed = await resealAll(new SealedValuesRepository(store), meta, box, options);
  await meta.write(
    from === undefined || from === to || retired.includes(from)
      ? {}
      : { [ROTATION_META.retired]: JSON.stringify([...retired, from]) },
    [ROTATION_META.rotation],
  );
  return { from, to, resealed };
}

async function resealAll(
  repository: SealedValuesRepository<Store>,
  meta: MetaRepository,
  box: SecretBox,
  options: RotationOptions,
): Promise<Record<string, number>> {
  const prefix = `v2.${box.keyId}.`;
  const resealed: Record<string, number> = {};
  for (const column of SEALED_COLUMNS) {
    const where = `${column.table}.${column.column}`;
    const reseal = (row: { key: readonly KeyValue[]; sealed: string }) => {
      const context = column.context(Object.fromEntries(column.key.map((k, i) => [k, row.key[i]])));
      return box.seal(opened(box, row.sealed, context, where), context);
    };
    let changed = 0;
    for (let pass = 1; ; pass++) {
      let after: readonly KeyValue[] | undefined;
      do {
        const batch = await repository.resealBatch(column, prefix, after, options.batch, reseal);
        changed += batch.changed;
        options.onBatch?.(where, batch.changed);
        after = batch.last;
      } while (after !== undefined);
      if ((await repository.countNotSealed(column, prefix)) === 0) break;
      if (pass === MAX_PASSES) {
        throw new RotationError(
          `${where}: values sealed under another key keep appearing; is an instance still running with only the old key?`,
        );
      }
      // Rows another transaction held were skipped: give it a moment to commit.
      await wait(PASS_PAUSE_MS);
    }
    resealed[where] = changed;
  }
  for (const key of SEALED_META) {
    const where = `meta.${key}`;
    const context = metaContext(key);
    let changed = 0;
    for (let pass = 1; ; pass++) {
      const sealed = await meta.value(key);
      if (sealed === undefined || sealed.startsWith(prefix)) break;
      if (pass > MAX_PASSES) throw new RotationError(`${where} keeps changing under the rotation`);
      const next = box.seal(opened(box, sealed, context, where), context);
      if (await meta.replaceIf(key, sealed, next)) changed++;
    }
    options.onBatch?.(where, changed);
    resealed[where] = changed;
  }
  return resealed;
}

function opened(box: SecretBox, sealed: string, context: string, where: string): string {
  try {
    return box.open(sealed, context);
  } catch (error) {
    if (error instanceof SecretBoxError) {
      throw new RotationError(`a value of ${where} opens under none of the keys given: ${error.message}`);
    }
    throw error;
  }
}

import { authyCanonical } from '@countersign/protocol';
import qs from 'qs';

/**
 * What authy-client's `verifyCallback` signs over (`dist/src/asserts/signature-assert.js`): qs with sibling
 * keys sorted by `localeCompare`, where the service and authy-python sort in byte order (spec 6.4).
 */
function authyClientCanonical(params: Readonly<Record<string, unknown>>): string {
  return qs
    .stringify(params, { arrayFormat: 'brackets', sort: (a: string, b: string) => a.localeCompare(b) })
    .replace(/%20/g, '+');
}

/** Whether authy-client orders these keys as the signature does. */
function agreesWithAuthyClient(record: Readonly<Record<string, string>>): boolean {
  const nested = { record };
  return authyClientCanonical(nested) === authyCanonical(nested);
}

/** Lower case, accents dropped, every run of other characters one space: `Montant (€)` → `montant`. */
function foldKey(key: string): string {
  const folded = key
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  return folded === '' ? 'key' : folded;
}

/**
 * `record` with every key passed through `normalise`. A key already in normal form keeps its name; the others
 * take theirs in byte order of the original keys, and one whose name is taken gets ` 2`, ` 3`, … appended.
 * Values and the original member order are kept.
 */
function renameKeys(
  record: Readonly<Record<string, string>>,
  normalise: (key: string) => string,
): Record<string, string> {
  const keys = Object.keys(record);
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const key of keys) {
    if (normalise(key) === key) {
      names.set(key, key);
      taken.add(key);
    }
  }
  for (const key of keys.filter((candidate) => !names.has(candidate)).sort()) {
    const base = normalise(key);
    let name = base;
    for (let suffix = 2; taken.has(name); suffix += 1) name = `${base} ${suffix}`;
    names.set(key, name);
    taken.add(name);
  }
  return Object.fromEntries(keys.map((key) => [names.get(key) ?? key, record[key] ?? '']));
}

const TRIED_FIRST: readonly ((key: string) => string)[] = [(key) => key, (key) => key.toLowerCase()];

/**
 * The keys of a string map (`details`, `hidden_details`) made safe for authy-client's `verifyCallback`.
 *
 * authy-client sorts sibling keys with `localeCompare`; the signature (spec 6.3, and authy-python) sorts them
 * in byte order. Where the two orders differ, authy-client computes another string and refuses a correct
 * signature — e.g. `Zip` sorts before `amount` in byte order (`Z` < `a`) but after it in `localeCompare`.
 * So, taking the first step whose result both orders agree on:
 *
 * 1. keys as they are — the usual case: all lower case, or all sharing the case of their initials;
 * 2. keys lower-cased (`Zip` → `zip`, `Account Number` → `account number`);
 * 3. keys folded to lower-case letters, digits and single spaces (`a_b` and `a1`, `é` and `f`, and `~` also
 *    sort differently once lower-cased), a key with nothing left becoming `key`.
 *
 * Two keys that normalise alike both stay: the one already in normal form keeps the name, the others take
 * ` 2`, ` 3`, … in byte order of their original keys (`{Zip, zip}` → `{zip 2, zip}`). Values never change.
 * Step 3 always agrees under the root and English collations; the check runs `localeCompare` in this
 * process's default locale, as authy-client does in the receiver's.
 */
export function authyCompatibleKeys(record: Readonly<Record<string, string>>): Record<string, string> {
  for (const normalise of TRIED_FIRST) {
    const candidate = renameKeys(record, normalise);
    if (agreesWithAuthyClient(candidate)) return candidate;
  }
  return renameKeys(record, foldKey);
}

import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JCS) canonical JSON: the exact text that is signed and hashed (an answer, an enrollment proof,
 * the display hash). Members sorted by UTF-16 code units, numbers written the ECMAScript way, strings
 * escaped only where JSON must.
 *
 * Throws for what JSON cannot write, instead of signing something else: a `TypeError` for `undefined` or a
 * function, an `Error` for `NaN` and ±Infinity.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be written as canonical JSON');
  return text;
}

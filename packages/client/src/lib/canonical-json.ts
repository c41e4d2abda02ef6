import canonicalize from 'canonicalize';

/** RFC 8785 (JCS) canonical JSON: the exact text the device signs and hashes. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be written as canonical JSON');
  return text;
}

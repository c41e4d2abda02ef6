import qs from 'qs';

const ARRAY_OF_HASHES = /^(.+?)\[\]\[([^\]]*)\](.*)$/;

/**
 * Percent-decodes one key or value as UTF-8. In a run of escapes that is not UTF-8 (`%ED%A0%80`, the form
 * a lone surrogate takes, or `%FF`) each byte above 0x7F becomes a lone surrogate U+DC80–U+DCFF, as in
 * Python's `surrogateescape`, so that the text rules refuse the parameter by name (D11) instead of it
 * being stored as U+FFFD or as its escapes. A `%` that starts no escape stays as it is.
 */
function decodeFormComponent(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced.replace(/(?:%[0-9A-Fa-f]{2})+/g, decodeEscapes);
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A run of `%XX` escapes: its UTF-8 text, or, if it is not UTF-8, each byte escaped as above. */
function decodeEscapes(run: string): string {
  const bytes = Uint8Array.from(run.slice(1).split('%'), (pair) => Number.parseInt(pair, 16));
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return Array.from(bytes, (byte) => String.fromCharCode(byte < 0x80 ? byte : 0xdc00 + byte)).join('');
  }
}

/**
 * The inverse of {@link decodeFormComponent}: percent-encodes a decoded key again, each escaped byte
 * (U+DC80–U+DCFF) back to its `%XX`, so that the key decodes to the same text a second time.
 */
function encodeFormComponent(text: string): string {
  return text
    .split(/([\uDC80-\uDCFF])/)
    .map((part) =>
      /^[\uDC80-\uDCFF]$/.test(part)
        ? `%${(part.charCodeAt(0) - 0xdc00).toString(16).toUpperCase()}`
        : encodeURIComponent(part),
    )
    .join('');
}

/**
 * Gives `a[][k]` keys Rack's meaning before qs reads them: each repeated `k` starts a new element, so
 * `logos[][res]=a&logos[][url]=b&logos[][res]=c` is two logos, as authy-ruby and curl samples expect.
 */
function indexArraysOfHashes(text: string): string {
  const elements = new Map<string, { index: number; keys: Set<string> }>();
  return text
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawKey = equals === -1 ? pair : pair.slice(0, equals);
      const match = ARRAY_OF_HASHES.exec(decodeFormComponent(rawKey));
      if (match === null) return pair;
      const [, prefix = '', child = '', rest = ''] = match;
      let element = elements.get(prefix);
      if (element === undefined) {
        element = { index: 0, keys: new Set() };
        elements.set(prefix, element);
      } else if (element.keys.has(child)) {
        element = { index: element.index + 1, keys: new Set() };
        elements.set(prefix, element);
      }
      element.keys.add(child);
      const key = encodeFormComponent(`${prefix}[${element.index}][${child}]${rest}`);
      return equals === -1 ? key : `${key}${pair.slice(equals)}`;
    })
    .join('&');
}

/**
 * Rack-style bracket parsing for query strings and form bodies: `a[b]=1`, `a[][c]=1`, `a[0][c]=1`.
 * Brackets always make a hash, as Rack makes `details[0]=x` the hash `{"0": "x"}`: a form cannot tell a
 * list from a hash with number keys, so the route's schema does (`normalise` in `input.ts` turns a hash
 * with keys 0, 1, … into a list where the schema asks for one). Repeated keys make a hash too. Keys that
 * would reach `Object.prototype` are dropped; depth and sizes are bounded.
 */
export function parseForm(text: string): Record<string, unknown> {
  return qs.parse(indexArraysOfHashes(text), {
    allowPrototypes: false,
    depth: 4,
    // No index is small enough to make a list.
    arrayLimit: -1,
    parameterLimit: 500,
    parseArrays: true,
    allowDots: false,
    charset: 'utf-8',
    decoder: (text) => decodeFormComponent(text),
  }) as Record<string, unknown>;
}

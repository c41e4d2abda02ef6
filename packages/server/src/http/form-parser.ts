import qs from 'qs';

const ARRAY_OF_HASHES = /^(.+?)\[\]\[([^\]]*)\](.*)$/;

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
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
      const match = ARRAY_OF_HASHES.exec(decode(rawKey));
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
      const key = encodeURIComponent(`${prefix}[${element.index}][${child}]${rest}`);
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
  }) as Record<string, unknown>;
}

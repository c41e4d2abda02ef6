const utf8 = new TextEncoder();

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    byte === 0x2d || // -
    byte === 0x2e || // .
    byte === 0x5f || // _
    byte === 0x7e // ~
  );
}

/**
 * Ruby's `CGI.escape`: UTF-8 bytes, only `A-Za-z0-9-_.~` kept, space as `+`. `TextEncoder` turns a lone
 * surrogate into U+FFFD, so any JavaScript string encodes instead of throwing.
 */
function encode(text: string): string {
  let out = '';
  for (const byte of utf8.encode(text)) {
    if (isUnreserved(byte)) out += String.fromCharCode(byte);
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function isPlainObject(value: object): value is Readonly<Record<string, unknown>> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function scalarText(value: unknown): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // JSON sends NaN and ±Infinity as null, and the receiver signs what it parsed.
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  throw new TypeError(`authyCanonical: ${typeof value} is not JSON data`);
}

/** The sorted, `&`-joined pairs of an object's members; `prefix` is absent at the top level. */
function objectPairs(object: object, prefix: string | undefined): string {
  if (!isPlainObject(object)) {
    throw new TypeError('authyCanonical: only plain objects and arrays are JSON data');
  }
  return Object.keys(object)
    .map((child) => pairs(object[child], prefix === undefined ? child : `${prefix}[${child}]`))
    .filter((text) => text !== '')
    .sort() // the strings are ASCII, so UTF-16 order is byte order
    .join('&');
}

/** The `&`-joined pairs of `value` under `key`, or '' when it yields none. */
function pairs(value: unknown, key: string): string {
  // Absent, as after a JSON round trip: the receiver never sees it.
  if (value === undefined) return '';
  if (Array.isArray(value)) {
    // Elements keep their order and get no index: `key[]`, `key[][child]`.
    return value
      .map((element) => pairs(element, `${key}[]`))
      .filter((text) => text !== '')
      .join('&');
  }
  if (typeof value === 'object' && value !== null) return objectPairs(value, key);
  return `${encode(key)}=${encode(scalarText(value))}`;
}

/**
 * The string an Authy callback signature covers (spec `authy-api.md` 6.3): Rails `Hash#to_query`.
 *
 * - Nested objects become `parent[child]`; arrays become `parent[]` repeated, without an index, elements in
 *   their original order (`logos[][res]`, `logos[][url]`, `logos[][res]`, …).
 * - `null` gives `key=`; booleans `true`/`false`; numbers their decimal text; strings as they are.
 *   Empty objects and empty arrays give nothing (`device_details: {}` vanishes); `undefined` members are
 *   skipped, as `JSON.stringify` skips them.
 * - Keys and values are percent-encoded as UTF-8 keeping only `A-Za-z0-9-_.~`, with space as `+`.
 * - At each object level the children's encoded `key=value` strings are sorted in byte order and joined
 *   with `&`.
 *
 * @param params The JSON body of a POST callback, or the parsed (nested) query of a GET callback.
 * @throws TypeError when `params` holds something that is not JSON data.
 */
export function authyCanonical(params: Readonly<Record<string, unknown>>): string {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new TypeError('authyCanonical: params must be an object');
  }
  return objectPairs(params, undefined);
}

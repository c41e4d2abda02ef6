import qs from 'qs';

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
  return (
    text
      // By code point (`u`): the low half of a pair is not an escaped byte.
      .split(/([\uDC80-\uDCFF])/u)
      .map((part) =>
        /^[\uDC80-\uDCFF]$/u.test(part)
          ? `%${(part.charCodeAt(0) - 0xdc00).toString(16).toUpperCase()}`
          : encodeURIComponent(part),
      )
      .join('')
  );
}

/**
 * Marks the position an empty bracket gives an element of a Rack list. No index in a key the client writes
 * makes a list (`details[0]=x` is the hash `{"0": "x"}`, as in Rack), so list positions are written with
 * this mark before qs reads the text, and the lists made again from it afterwards ({@link listsFromMarks}).
 */
const LIST_MARK = '\uE000';
const MARKED = /^\uE000(\d+)$/;
const EMPTY_BRACKET = /^(.+?)\[\](.*)$/;

/**
 * Gives empty brackets Rack's meaning before qs reads them: `a[]=x&a[]=y` is the list `["x", "y"]`, and in
 * `a[][k]` each repeated `k` starts a new element, so `logos[][res]=a&logos[][url]=b&logos[][res]=c` is
 * two logos, as authy-ruby and curl samples send them.
 */
function markListPositions(text: string): string {
  const elements = new Map<string, { index: number; keys: Set<string> }>();
  return text
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawKey = equals === -1 ? pair : pair.slice(0, equals);
      const match = EMPTY_BRACKET.exec(decodeFormComponent(rawKey));
      if (match === null) return pair;
      const [, prefix = '', rest = ''] = match;
      // `a[]` is one more element each time; `a[][k]…` starts a new one when `k` comes again.
      const child = rest.startsWith('[') ? rest.slice(1, rest.indexOf(']')) : undefined;
      let element = elements.get(prefix);
      if (element === undefined) {
        element = { index: 0, keys: new Set() };
        elements.set(prefix, element);
      } else if (child === undefined || element.keys.has(child)) {
        element = { index: element.index + 1, keys: new Set() };
        elements.set(prefix, element);
      }
      if (child !== undefined) element.keys.add(child);
      const key = encodeFormComponent(`${prefix}[${LIST_MARK}${element.index}]${rest}`);
      return equals === -1 ? key : `${key}${pair.slice(equals)}`;
    })
    .join('&');
}

/** Turns each hash whose keys are all list marks into the list it stands for; a stray mark becomes its index. */
function listsFromMarks(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 0 && entries.every(([key]) => MARKED.test(key))) {
    return entries
      .map(([key, item]) => [Number(MARKED.exec(key)?.[1]), listsFromMarks(item)] as const)
      .sort(([a], [b]) => a - b)
      .map(([, item]) => item);
  }
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, item] of entries) out[MARKED.exec(key)?.[1] ?? key] = listsFromMarks(item);
  return out;
}

/**
 * Rack-style bracket parsing for query strings and form bodies: `a[b]=1` and `a[0]=1` are hashes (`{"0": …}`,
 * as Rack makes `details[0]=x`), `a[]=1` and `a[][c]=1` are lists. A client that writes list indices
 * (`logos[0][url]`, as qs does) sends a hash with keys 0, 1, …: the route's schema reads it as the list it
 * is (`normalise` in `input.ts`). Repeated keys make a hash too. Keys that would reach `Object.prototype`
 * are dropped; depth and sizes are bounded.
 */
export function parseForm(text: string): Record<string, unknown> {
  const parsed = qs.parse(markListPositions(text), {
    allowPrototypes: false,
    depth: 4,
    // No index is small enough to make a list.
    arrayLimit: -1,
    parameterLimit: 500,
    parseArrays: true,
    allowDots: false,
    charset: 'utf-8',
    decoder: (text) => decodeFormComponent(text),
  });
  return listsFromMarks(parsed) as Record<string, unknown>;
}

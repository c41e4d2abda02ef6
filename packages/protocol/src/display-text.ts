// What you see is what you sign (D11): the one definition of text a device may show, used by the service
// to refuse such text and by every device (the authenticator, `countersign device`) to show what was
// stored before the rule. The Unicode classes come from the JavaScript engine's Unicode property escapes,
// which V8 takes from ICU's data: the maintained Unicode library, updated with the engine. Nothing here is
// a hand-kept list of ranges where a Unicode property says the same.

/**
 * A character display text may not hold:
 * - `\p{Cc}`: C0 and C1 controls (U+0000–001F, U+007F–009F), which act rather than show;
 * - `\p{Cf}`: format characters, invisible by definition; they include every bidirectional control
 *   (`\p{Bidi_Control}`: U+061C, U+200E–200F, U+202A–202E, U+2066–2069), the zero-width characters
 *   (U+200B–200D, U+2060–2064, U+FEFF), U+180E and U+00AD;
 * - `\p{Cs}`: a surrogate, which under the `u`/`v` flag matches only an unpaired one;
 * - `\p{Zl}`, `\p{Zp}`: U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR;
 * - the rest of `\p{Default_Ignorable_Code_Point}` (Hangul fillers, U+034F, Mongolian variation
 *   selectors, …), except the variation selectors U+FE00–FE0F and U+E0100–E01EF, which choose a glyph's
 *   form (❤️ is U+2764 U+FE0F) and hide nothing.
 */
const REFUSED =
  '[\\p{Cc}\\p{Cf}\\p{Cs}\\p{Zl}\\p{Zp}]|(?![\\u{FE00}-\\u{FE0F}\\u{E0100}-\\u{E01EF}])\\p{Default_Ignorable_Code_Point}';

/**
 * Finds refused characters, left to right. Where the engine knows the `v` flag (Node 20, current
 * browsers), a whole emoji sequence of Unicode's recommended set (`\p{RGI_Emoji}`) is passed over first,
 * so the U+200D ZERO WIDTH JOINER inside 👩‍💻 and the tag characters of 🏴󠁧󠁢󠁳󠁣󠁴󠁿 are allowed there and
 * nowhere else. An older browser marks those joiners: it shows more markers, never fewer.
 */
function scanner(): RegExp {
  try {
    return new RegExp(`(?<emoji>\\p{RGI_Emoji})|(?<refused>${REFUSED})`, 'gv');
  } catch {
    return new RegExp(`(?<refused>${REFUSED})`, 'gu');
  }
}
const SCANNER = scanner();

/** Names of the refused characters a person is most likely to meet; others are named by their class. */
const NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'NULL'],
  [0x09, 'CHARACTER TABULATION'],
  [0x0a, 'LINE FEED'],
  [0x0d, 'CARRIAGE RETURN'],
  [0x1b, 'ESCAPE'],
  [0x7f, 'DELETE'],
  [0x85, 'NEXT LINE'],
  [0xad, 'SOFT HYPHEN'],
  [0x034f, 'COMBINING GRAPHEME JOINER'],
  [0x061c, 'ARABIC LETTER MARK'],
  [0x115f, 'HANGUL CHOSEONG FILLER'],
  [0x1160, 'HANGUL JUNGSEONG FILLER'],
  [0x180e, 'MONGOLIAN VOWEL SEPARATOR'],
  [0x200b, 'ZERO WIDTH SPACE'],
  [0x200c, 'ZERO WIDTH NON-JOINER'],
  [0x200d, 'ZERO WIDTH JOINER'],
  [0x200e, 'LEFT-TO-RIGHT MARK'],
  [0x200f, 'RIGHT-TO-LEFT MARK'],
  [0x2028, 'LINE SEPARATOR'],
  [0x2029, 'PARAGRAPH SEPARATOR'],
  [0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
  [0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
  [0x202c, 'POP DIRECTIONAL FORMATTING'],
  [0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
  [0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
  [0x2060, 'WORD JOINER'],
  [0x2061, 'FUNCTION APPLICATION'],
  [0x2062, 'INVISIBLE TIMES'],
  [0x2063, 'INVISIBLE SEPARATOR'],
  [0x2064, 'INVISIBLE PLUS'],
  [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
  [0x2067, 'RIGHT-TO-LEFT ISOLATE'],
  [0x2068, 'FIRST STRONG ISOLATE'],
  [0x2069, 'POP DIRECTIONAL ISOLATE'],
  [0x3164, 'HANGUL FILLER'],
  [0xfeff, 'ZERO WIDTH NO-BREAK SPACE'],
  [0xffa0, 'HALFWIDTH HANGUL FILLER'],
]);

const BIDI_CONTROL = /^\p{Bidi_Control}$/u;
const CONTROL = /^\p{Cc}$/u;
const SEPARATOR = /^[\p{Zl}\p{Zp}]$/u;
const SURROGATE = /^\p{Cs}$/u;

/** A character that display text may not hold, as a device shows it instead. */
export interface RefusedCharacter {
  readonly codePoint: number;
  /** `U+202E`, or `U+0085 NEXT LINE` where the name is known. */
  readonly label: string;
  /** What kind of character it is: "a bidirectional control", "an invisible character", … */
  readonly kind: string;
  /** What a device shows in its place: `⟨U+202E⟩`. */
  readonly marker: string;
}

function refusedCharacter(char: string): RefusedCharacter {
  const codePoint = char.codePointAt(0) ?? 0;
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES.get(codePoint);
  const kind = SURROGATE.test(char)
    ? 'an unpaired surrogate'
    : BIDI_CONTROL.test(char)
      ? 'a bidirectional control'
      : CONTROL.test(char)
        ? 'a control character'
        : SEPARATOR.test(char)
          ? 'a line or paragraph separator'
          : 'an invisible character';
  return { codePoint, label: name === undefined ? hex : `${hex} ${name}`, kind, marker: `⟨${hex}⟩` };
}

/** Each refused character of `text` and its UTF-16 offset, left to right. */
function* refusedIn(text: string): Generator<{ index: number; char: string }> {
  for (const match of text.matchAll(SCANNER)) {
    const char = match.groups?.refused;
    if (char !== undefined) yield { index: match.index, char };
  }
}

/** A piece of text as a device shows it: text to show as it is, or one refused character's marker. */
export type DisplaySegment = { readonly text: string } | { readonly refused: RefusedCharacter };

/**
 * Cuts `text` into the runs a device shows as they are and the refused characters between them, in order.
 * Joining the runs and the refused characters gives `text` back.
 */
export function displaySegments(text: string): DisplaySegment[] {
  const segments: DisplaySegment[] = [];
  let shown = 0;
  for (const { index, char } of refusedIn(text)) {
    if (index > shown) segments.push({ text: text.slice(shown, index) });
    segments.push({ refused: refusedCharacter(char) });
    shown = index + char.length;
  }
  if (shown < text.length) segments.push({ text: text.slice(shown) });
  return segments;
}

/**
 * `text` with every refused character replaced by a visible marker (`⟨U+202E⟩`, `⟨U+D800⟩` for an unpaired
 * surrogate), for showing text stored before the rule. Text that passes {@link displayTextProblem} comes
 * back unchanged. Only for showing: a device still signs the text as the service sent it.
 */
export function revealInvisible(text: string): string {
  return displaySegments(text)
    .map((segment) => ('text' in segment ? segment.text : segment.refused.marker))
    .join('');
}

/** Why a text may not be shown, as the end of a sentence about it ("details[Payee] - …"). */
export interface DisplayTextProblem {
  /** "U+202E RIGHT-TO-LEFT OVERRIDE (a bidirectional control) is not allowed", "is not in Unicode NFC". */
  readonly problem: string;
  /** The first refused character; absent when the text is refused as a whole (not in NFC). */
  readonly refused?: RefusedCharacter;
}

/**
 * Checks that `text` reads the same to a person as to a machine (D11): no refused character (the list is
 * at the top of this file), and in Unicode NFC, so that the bytes signed are the bytes stored and shown.
 * Text that is not in NFC is refused, never normalised: the caller sends the form it means. Returns the
 * first problem, or `undefined` for display-safe text.
 */
export function displayTextProblem(text: string): DisplayTextProblem | undefined {
  for (const { char } of refusedIn(text)) {
    const refused = refusedCharacter(char);
    const problem =
      refused.kind === 'an unpaired surrogate'
        ? `holds an unpaired surrogate (${refused.label})`
        : `${refused.label} (${refused.kind}) is not allowed`;
    return { problem, refused };
  }
  if (text.normalize('NFC') !== text) return { problem: 'is not in Unicode NFC' };
  return undefined;
}

/** True when `text` may be shown by a device: {@link displayTextProblem} finds nothing. */
export function isDisplayText(text: string): boolean {
  return displayTextProblem(text) === undefined;
}

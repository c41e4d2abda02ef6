import { describe, expect, it } from 'vitest';
import { displaySegments, displayTextProblem, isDisplayText, revealInvisible } from '../src/index.js';

/** Every code point the issue names (D11), written out here rather than taken from the code under test. */
const NAMED_BY_D11 = [
  0x061c,
  0x200e,
  0x200f,
  ...range(0x202a, 0x202e),
  ...range(0x2066, 0x2069),
  ...range(0x200b, 0x200d),
  ...range(0x2060, 0x2064),
  0xfeff,
  0x180e,
  0x00ad,
  ...range(0x0000, 0x001f),
  ...range(0x007f, 0x009f),
  0x2028,
  0x2029,
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const hex = (cp: number) => cp.toString(16).toUpperCase().padStart(4, '0');

describe('display text (D11)', () => {
  it('refuses every character the rule names, alone and between letters, naming it', () => {
    for (const cp of NAMED_BY_D11) {
      const char = String.fromCodePoint(cp);
      for (const text of [char, `a${char}b`]) {
        const found = displayTextProblem(text);
        expect(found?.refused?.codePoint, `U+${hex(cp)} in ${JSON.stringify(text)}`).toBe(cp);
        expect(found?.problem).toMatch(new RegExp(`^U\\+${hex(cp)}\\b.* is not allowed$`));
      }
    }
  });

  it('says what the character is, by name where a person would know it', () => {
    const problem = (text: string) => displayTextProblem(text)?.problem;
    expect(problem('mallory \u202e00.000,9$ :tnuomA\u202c')).toBe(
      'U+202E RIGHT-TO-LEFT OVERRIDE (a bidirectional control) is not allowed',
    );
    expect(problem('pay\u200bpal')).toBe('U+200B ZERO WIDTH SPACE (an invisible character) is not allowed');
    expect(problem('a\u00adb')).toBe('U+00AD SOFT HYPHEN (an invisible character) is not allowed');
    expect(problem('line\nbreak')).toBe('U+000A LINE FEED (a control character) is not allowed');
    expect(problem('c1\u0090')).toBe('U+0090 (a control character) is not allowed');
    expect(problem('a\u2029b')).toBe(
      'U+2029 PARAGRAPH SEPARATOR (a line or paragraph separator) is not allowed',
    );
    expect(problem('x\u3164y')).toBe('U+3164 HANGUL FILLER (an invisible character) is not allowed');
    expect(problem('tag\u{e0041}')).toBe('U+E0041 (an invisible character) is not allowed');
  });

  it('refuses unpaired surrogates, high or low, and names them', () => {
    expect(displayTextProblem('x\ud800y')?.problem).toBe('holds an unpaired surrogate (U+D800)');
    expect(displayTextProblem('x\udc00')?.problem).toBe('holds an unpaired surrogate (U+DC00)');
    expect(displayTextProblem('\udc00\ud800')?.refused?.codePoint).toBe(0xdc00);
    // A pair is one character: 😀 is U+D83D U+DE00.
    expect(displayTextProblem('\ud83d\ude00')).toBeUndefined();
  });

  it('reports the first refused character', () => {
    expect(displayTextProblem('a\u200fb\u202ec\u0000')?.refused?.codePoint).toBe(0x200f);
  });

  it('refuses text not in Unicode NFC, and accepts its NFC form: nothing is normalised silently', () => {
    expect(displayTextProblem('Cafe\u0301')).toEqual({ problem: 'is not in Unicode NFC' });
    expect(displayTextProblem('e\u0301')).toEqual({ problem: 'is not in Unicode NFC' });
    expect(displayTextProblem('Caf\u00e9')).toBeUndefined();
    // Hangul typed as separate jamo composes under NFC.
    expect(isDisplayText('\u1100\u1161')).toBe(false);
    expect(isDisplayText('\uac00')).toBe(true);
  });

  it('accepts ordinary text of every script, and emoji with their variation selectors, skin tones and joiners', () => {
    for (const text of [
      'Transfer $500.00 to bob@example.com',
      'تحويل ٥٠٠ دولار إلى أحمد',
      'העברה של 500 ש״ח לדוד',
      '向李明转账 500 元',
      '山田さんへ送金',
      'Überweisung an Zoë Müller, São Paulo — 10 €',
      'Ελληνικά, русский, हिन्दी, ไทย',
      '❤️ ✔️ ☺️',
      '👍🏽 🇳🇱 #️⃣',
      '👩‍💻 👨‍👩‍👧 🏳️‍🌈',
      '🏴󠁧󠁢󠁳󠁣󠁴󠁿',
      'tabs\u00a0and\u3000spaces',
    ]) {
      expect(displayTextProblem(text), JSON.stringify(text)).toBeUndefined();
      expect(revealInvisible(text)).toBe(text);
    }
  });

  it('allows the zero width joiner only inside an emoji sequence', () => {
    expect(displayTextProblem('bo\u200db')?.refused?.codePoint).toBe(0x200d);
    expect(displayTextProblem('👩\u200db')?.refused?.codePoint).toBe(0x200d);
    expect(displayTextProblem('\u200d💻')?.refused?.codePoint).toBe(0x200d);
    // Variation selectors are allowed anywhere; they choose a glyph's form and hide nothing.
    expect(isDisplayText('a\ufe0fb\u{e0100}')).toBe(true);
  });

  it('shows each refused character as a marker, so stored text cannot reorder or hide what it says', () => {
    expect(revealInvisible('mallory \u202e00.000,9$ :tnuomA\u202c')).toBe(
      'mallory ⟨U+202E⟩00.000,9$ :tnuomA⟨U+202C⟩',
    );
    expect(revealInvisible('x\ud800y\u200b\u{e0041}\u001b[31m')).toBe(
      'x⟨U+D800⟩y⟨U+200B⟩⟨U+E0041⟩⟨U+001B⟩[31m',
    );
    // The marked text holds nothing refused any more.
    expect(displayTextProblem(revealInvisible('a\u2066b\u0085\ud800'))).toBeUndefined();
  });

  it('cuts text into shown runs and refused characters that join back into the text', () => {
    const text = 'Pay \u202eBob\u202c now\u200d';
    const segments = displaySegments(text);
    expect(segments).toEqual([
      { text: 'Pay ' },
      {
        refused: {
          codePoint: 0x202e,
          label: 'U+202E RIGHT-TO-LEFT OVERRIDE',
          kind: 'a bidirectional control',
          marker: '⟨U+202E⟩',
        },
      },
      { text: 'Bob' },
      {
        refused: {
          codePoint: 0x202c,
          label: 'U+202C POP DIRECTIONAL FORMATTING',
          kind: 'a bidirectional control',
          marker: '⟨U+202C⟩',
        },
      },
      { text: ' now' },
      {
        refused: {
          codePoint: 0x200d,
          label: 'U+200D ZERO WIDTH JOINER',
          kind: 'an invisible character',
          marker: '⟨U+200D⟩',
        },
      },
    ]);
    const joined = segments
      .map((s) => ('text' in s ? s.text : String.fromCodePoint(s.refused.codePoint)))
      .join('');
    expect(joined).toBe(text);
    expect(displaySegments('')).toEqual([]);
  });
});

import { revealInvisible } from '@countersign/protocol';

/**
 * The service's text for a person at a terminal (D11): every character that could act (controls, so
 * escape sequences), reorder (bidirectional controls) or hide (invisible characters) becomes a visible
 * marker such as ⟨U+202E⟩. The service refuses such text now; this shows what was stored before.
 */
export class TerminalText {
  private marked = false;

  show(text: string): string {
    const shown = revealInvisible(text);
    if (shown !== text) this.marked = true;
    return shown;
  }

  /** The human output, with a last line saying where markers stand for characters, if any did. */
  output(lines: readonly string[]): string {
    if (!this.marked) return lines.join('\n');
    return [
      ...lines,
      'Marked ⟨U+…⟩: characters that could hide or reorder text, shown as their code points. --json gives the text as stored.',
    ].join('\n');
  }
}

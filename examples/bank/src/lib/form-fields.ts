import { BankError } from './bank-error.js';

/** A submitted form: every field a string (missing fields read as ''). */
export type FormBody = Readonly<Record<string, string>>;

/** Reads fields with their rules, collecting every problem so the page can show them all at once. */
export class FormReader {
  private readonly problems: Record<string, string> = {};

  constructor(private readonly body: FormBody) {}

  /** The field's text, trimmed unless `keepSpaces`. */
  raw(name: string, { keepSpaces = false } = {}): string {
    const value = this.body[name] ?? '';
    return keepSpaces ? value : value.trim();
  }

  /** Records a problem with a field (the first one per field wins) and returns `fallback`. */
  problem<T>(name: string, message: string, fallback: T): T {
    this.problems[name] ??= message;
    return fallback;
  }

  email(name: string, label: string): string {
    const value = this.raw(name).toLowerCase();
    if (value === '') return this.problem(name, `Enter ${label}.`, '');
    // Deliberately loose: one @, something on both sides, a dot in the domain, no spaces.
    if (value.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
      return this.problem(name, `Enter ${label} like name@example.com.`, '');
    }
    return value;
  }

  /** Throws `invalid_input` naming every field with a problem; call once all fields are read. */
  done(): void {
    if (Object.keys(this.problems).length > 0)
      throw new BankError('invalid_input', { fields: this.problems });
  }
}

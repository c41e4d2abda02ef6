import { OperatorError } from '../lib/operator-error.js';

/** The columns an import reads; any other column of the file is ignored. */
export const IMPORT_COLUMNS = ['authy_id', 'email', 'cellphone', 'country_code'] as const;

export type ImportFormat = 'csv' | 'jsonl';

/** One user of an import file as written, before any check: `line` is where its record starts (1-based). */
export interface ImportRow {
  readonly line: number;
  readonly authyId: string;
  readonly email: string;
  readonly cellphone: string;
  readonly countryCode: string;
}

/** The file itself cannot be read as an import (no header, a column missing, a broken quote or line of JSON). */
export class ImportFileError extends OperatorError {
  override readonly name = 'ImportFileError';
}

/** `users.jsonl` and `users.ndjson` are JSON lines; anything else is read as CSV unless told. */
export function formatOfFile(path: string): ImportFormat {
  return /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'csv';
}

/** Reads an import file's rows: CSV with a header row naming the columns (RFC 4180 quoting), or JSON lines. */
export function readImportFile(text: string, format: ImportFormat): ImportRow[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return format === 'csv' ? readCsv(body) : readJsonLines(body);
}

function rowOf(line: number, value: (column: (typeof IMPORT_COLUMNS)[number]) => string): ImportRow {
  return {
    line,
    authyId: value('authy_id').trim(),
    email: value('email'),
    cellphone: value('cellphone'),
    countryCode: value('country_code').trim(),
  };
}

function missingColumns(present: ReadonlySet<string>): void {
  const missing = IMPORT_COLUMNS.filter((column) => !present.has(column));
  if (missing.length > 0)
    throw new ImportFileError(
      `the file has no column ${missing.join(', ')} (it needs ${IMPORT_COLUMNS.join(', ')})`,
    );
}

function readJsonLines(text: string): ImportRow[] {
  const rows: ImportRow[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((source, index) => {
    if (source.trim() === '') return;
    const line = index + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch {
      throw new ImportFileError(`line ${line} is not JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ImportFileError(`line ${line} is not a JSON object`);
    const record = parsed as Record<string, unknown>;
    missingColumns(new Set(Object.keys(record)));
    // Numbers (an id, a calling code) are read as they are written; anything else that is not text is empty,
    // which the checks then refuse as malformed.
    rows.push(
      rowOf(line, (column) => {
        const value = record[column];
        return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
      }),
    );
  });
  return rows;
}

/** CSV records with the line each starts on: fields split on commas, `"…"` quoting with `""` for a quote. */
function* csvRecords(text: string): Generator<{ line: number; fields: string[] }> {
  let line = 1;
  let start = 1;
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const end = () => {
    fields.push(field);
    const record = { line: start, fields };
    fields = [];
    field = '';
    return record;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else {
        if (c === '\n') line += 1;
        field += c;
      }
      i += 1;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      yield end();
      line += 1;
      start = line;
    } else field += c;
    i += 1;
  }
  if (quoted) throw new ImportFileError(`the quoted field that starts on line ${start} never ends`);
  if (field !== '' || fields.length > 0) yield end();
}

function readCsv(text: string): ImportRow[] {
  const [header, ...records] = [...csvRecords(text)].filter((r) => r.fields.join('').trim() !== '');
  if (header === undefined) throw new ImportFileError('the file is empty: it needs a header row');
  const names = header.fields.map((name) => name.trim().toLowerCase());
  missingColumns(new Set(names));
  const at = new Map(IMPORT_COLUMNS.map((column) => [column, names.indexOf(column)]));
  return records.map(({ line, fields }) => rowOf(line, (column) => fields[at.get(column) ?? -1] ?? ''));
}

/** An Authy id as a list names it, with its line, unchecked. */
export interface ListedId {
  readonly line: number;
  readonly authyId: string;
}

/**
 * Reads a list of Authy ids: the `authy_id` column of a CSV file with a header row (an import file, say),
 * or else one id a line.
 */
export function readIdList(text: string): ListedId[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records = [...csvRecords(body)].filter((r) => r.fields.join('').trim() !== '');
  const header = records[0]?.fields.map((name) => name.trim().toLowerCase());
  const column = header?.indexOf('authy_id') ?? -1;
  if (column >= 0)
    return records.slice(1).map(({ line, fields }) => ({ line, authyId: (fields[column] ?? '').trim() }));
  return records.map(({ line, fields }) => ({ line, authyId: fields.join(',').trim() }));
}

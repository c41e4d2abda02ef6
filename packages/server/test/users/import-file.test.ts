// Reading an import file (issue 20): CSV as spreadsheets and `psql \copy` write it, and JSON lines.
import { describe, expect, it } from 'vitest';
import { formatOfFile, ImportFileError, readImportFile } from '../../src/users/import-file.js';

const row = (line: number, authyId: string, email: string, cellphone: string, countryCode: string) => ({
  line,
  authyId,
  email,
  cellphone,
  countryCode,
});

describe('CSV import files', () => {
  it('a header row names the columns in any order and case; other columns are ignored', () => {
    const text = 'Country_Code, EMAIL ,plan,authy_id,cellphone\n1,a@example.com,gold,42,509-555-0101\n';
    expect(readImportFile(text, 'csv')).toEqual([row(2, '42', 'a@example.com', '509-555-0101', '1')]);
  });

  it('quoted fields keep commas, doubled quotes and line breaks; each row keeps the line it starts on', () => {
    const text =
      'authy_id,email,cellphone,country_code\r\n' +
      '"7","a,""b""@example.com","(509) 555-0101",1\r\n' +
      '8,"two\nlines@example.com",509-555-0102,1\r\n' +
      '9,c@example.com,509-555-0103,1';
    expect(readImportFile(text, 'csv')).toEqual([
      row(2, '7', 'a,"b"@example.com', '(509) 555-0101', '1'),
      row(3, '8', 'two\nlines@example.com', '509-555-0102', '1'),
      row(5, '9', 'c@example.com', '509-555-0103', '1'),
    ]);
  });

  it('a byte-order mark and blank lines are skipped; a short row reads its missing fields as empty', () => {
    const text = '\uFEFFauthy_id,email,cellphone,country_code\n\n5,e@example.com\n\n';
    expect(readImportFile(text, 'csv')).toEqual([row(3, '5', 'e@example.com', '', '')]);
  });

  it('a file without a header, without one of the columns, or with a quote that never ends is refused', () => {
    expect(() => readImportFile('\n\n', 'csv')).toThrow(
      new ImportFileError('the file is empty: it needs a header row'),
    );
    expect(() => readImportFile('authy_id,email,phone,country_code\n', 'csv')).toThrow(
      new ImportFileError(
        'the file has no column cellphone (it needs authy_id, email, cellphone, country_code)',
      ),
    );
    expect(() =>
      readImportFile('authy_id,email,cellphone,country_code\n1,"a@example.com,2,1\n', 'csv'),
    ).toThrow(new ImportFileError('the quoted field that starts on line 2 never ends'));
  });
});

describe('JSON lines import files', () => {
  it('each line is an object; numbers read as written, extra keys ignored, blank lines skipped', () => {
    const text =
      '{"authy_id":42,"email":"a@example.com","cellphone":"509-555-0101","country_code":1,"plan":"gold"}\n\n' +
      '{"authy_id":"43","email":"b@example.com","cellphone":"509-555-0102","country_code":"+1"}\n';
    expect(readImportFile(text, 'jsonl')).toEqual([
      row(1, '42', 'a@example.com', '509-555-0101', '1'),
      row(3, '43', 'b@example.com', '509-555-0102', '+1'),
    ]);
  });

  it('a value that is neither text nor a number reads as empty, for the checks to refuse', () => {
    const text = '{"authy_id":null,"email":["a"],"cellphone":{"n":1},"country_code":true}\n';
    expect(readImportFile(text, 'jsonl')).toEqual([row(1, '', '', '', '')]);
  });

  it('a line that is not a JSON object, or lacks a column, is refused by its line number', () => {
    expect(() => readImportFile('{"authy_id":1}\n', 'jsonl')).toThrow(
      new ImportFileError(
        'the file has no column email, cellphone, country_code (it needs authy_id, email, cellphone, country_code)',
      ),
    );
    expect(() => readImportFile('\n{nope\n', 'jsonl')).toThrow(new ImportFileError('line 2 is not JSON'));
    expect(() => readImportFile('[1,2]\n', 'jsonl')).toThrow(
      new ImportFileError('line 1 is not a JSON object'),
    );
  });

  it('the format follows the file name unless told: .jsonl and .ndjson are JSON lines, anything else CSV', () => {
    expect(['u.jsonl', 'U.NDJSON', 'u.csv', 'u.txt', 'users'].map(formatOfFile)).toEqual([
      'jsonl',
      'jsonl',
      'csv',
      'csv',
      'csv',
    ]);
  });
});

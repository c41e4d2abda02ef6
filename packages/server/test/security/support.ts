/**
 * Shared tools of the security suite: what the store holds (row counts, every byte or every row as text),
 * and the spellings a leaked secret could take.
 */
import { existsSync, readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/schema.js';

/** The names of every table of the store, migrations' bookkeeping included. */
export async function tableNames(db: Kysely<Database>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  return tables.map((t) => t.name).sort();
}

/**
 * Tables a refused request may still change, each for a reason: a valid device signature spends its nonce
 * before the body is read; usage counters are written in the background; rate-limit windows count every call;
 * ended send-budget windows are swept in the background.
 */
const BOOKKEEPING = new Set(['device_nonces', 'usage_monthly', 'rate_limits', 'send_budgets']);

/** The tables that hold data: a refused request must not add or remove a row in any of them. */
export async function dataTables(db: Kysely<Database>): Promise<string[]> {
  return (await tableNames(db)).filter((t) => !BOOKKEEPING.has(t) && !t.startsWith('kysely_'));
}

/** Rows per table, in one statement: two equal counts around a refused request prove it added or removed no row. */
export async function rowCounts(
  db: Kysely<Database>,
  tables?: readonly string[],
): Promise<Record<string, number>> {
  const names = tables ?? (await tableNames(db));
  const columns = names.map((t) => sql`(select count(*) from ${sql.table(t)}) as ${sql.ref(t)}`);
  const { rows } = await sql<Record<string, number | string>>`select ${sql.join(columns)}`.execute(db);
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = Number(rows[0]?.[name] ?? 0);
  return counts;
}

/**
 * Everything the store holds, as bytes to search. SQLite: the database file, its write-ahead log and its
 * shared memory, read before and after a checkpoint (a value could sit in either). PostgreSQL, whose files
 * are the server's: every row of every table as text, which is what a dump would hold.
 */
export async function storeBytes(db: Kysely<Database>, databaseUrl: string): Promise<Buffer> {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    const read = () =>
      [file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f));
    const before = read();
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
    return Buffer.concat([...before, ...read()]);
  }
  const parts: Buffer[] = [];
  for (const table of await tableNames(db)) {
    const { rows } = await sql<{
      row: string;
    }>`select row_to_json(t)::text as row from ${sql.table(table)} t`.execute(db);
    for (const { row } of rows) parts.push(Buffer.from(row, 'utf8'));
  }
  return Buffer.concat(parts);
}

/** A planted secret and the spellings it could leak in. */
export interface Canary {
  readonly what: string;
  readonly forms: readonly string[];
  /** Short numeric codes could occur by chance inside longer numbers: they count only standing alone. */
  readonly standalone?: boolean;
}

const RFC4648_BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The bytes of an RFC 4648 base32 text (a TOTP secret as otpauth URIs carry it). */
export function base32Bytes(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const index = RFC4648_BASE32.indexOf(char);
    if (index === -1) throw new TypeError(`not base32: ${text}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The textual spellings of some bytes: hex (both cases), base64 and base64url. */
export function byteForms(bytes: Buffer): string[] {
  const hex = bytes.toString('hex');
  return [hex, hex.toUpperCase(), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url')];
}

/**
 * A canary for a text secret: the text itself, and the text's UTF-8 bytes in hex and base64 (what a column
 * or a log line holding its encoding would show). `raw` adds the spellings of the bytes the text stands for
 * (a hex key, a base32 seed, a base64 secret).
 */
export function canary(what: string, text: string, raw?: Buffer, standalone = false): Canary {
  const forms = new Set([
    text,
    ...byteForms(Buffer.from(text, 'utf8')),
    ...(raw === undefined ? [] : byteForms(raw)),
  ]);
  return { what, forms: [...forms].filter((f) => f.length >= 4), standalone };
}

function standaloneIndex(haystack: string, needle: string): boolean {
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at === -1) return false;
    const before = haystack[at - 1] ?? '';
    const after = haystack[at + needle.length] ?? '';
    if (!/[0-9A-Za-z]/.test(before) && !/[0-9A-Za-z]/.test(after)) return true;
    from = at + 1;
  }
}

/** The spellings of the canaries found in `haystack`, as `what: form` (none: nothing leaked). */
export function leaks(haystack: string | Buffer, canaries: readonly Canary[]): string[] {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  const found: string[] = [];
  for (const c of canaries) {
    for (const form of c.forms) {
      const needle = typeof haystack === 'string' ? form : Buffer.from(form, 'utf8').toString('latin1');
      if (c.standalone === true ? standaloneIndex(text, needle) : text.includes(needle)) {
        found.push(`${c.what}: ${form}`);
      }
    }
  }
  return found;
}

/**
 * The source rules of `npm run lint` (`scripts/check-rules.mjs`) hold in the repository, and each one trips on
 * a line planted in a copy of it: the rule reports exactly the planted lines, and no other rule reports
 * anything. Planted text that the rules would find in this file is assembled from pieces, so this file itself
 * keeps every rule.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSTANT_TIME_HELPERS, checkTree, RULES, VERIFIERS } from '../check-rules.mjs';

const ROOT = join(import.meta.dirname, '../..');
/** What the rules read: code, the docs, the configuration files that cite them. */
const COPIED = [
  'packages',
  'examples',
  'scripts',
  'bench',
  'docs',
  'README.md',
  'SECURITY.md',
  'vitest.config.ts',
  '.dependency-cruiser.cjs',
];
const NOT_COPIED = new Set(['node_modules', 'dist', 'data', 'test-results', 'results']);
const run = promisify(execFile);

/** Pieces of what the rules look for, joined only in the planted copy. */
const join2 = (...parts: string[]) => parts.join('');
const MATH_RANDOM = join2('Math', '.random');
const ONLY = join2('it', '.only');
/** A template literal's placeholder, as text. */
const hole = (name: string) => join2('$', '{', name, '}');

interface Plant {
  rule: string;
  /** What is planted, in words. */
  what: string;
  /** Files written into the copy: whole new files, or an existing file changed. */
  files: (copy: string) => Record<string, string>;
  /** The problems the rule must report: file and line (0 for a problem with the whole file). */
  expected: Array<{ file: string; number: number }>;
}

const read = (copy: string, file: string) => readFileSync(join(copy, file), 'utf8');
const lastVerifier = VERIFIERS.at(-1) ?? '';
const lastHelper = CONSTANT_TIME_HELPERS.at(-1) ?? '';

const PLANTS: Plant[] = [
  {
    rule: 'no-math-random',
    what: `a device helper rolls with ${MATH_RANDOM}`,
    files: () => ({ 'packages/device/src/planted.ts': `export const roll = () => ${MATH_RANDOM}();\n` }),
    expected: [{ file: 'packages/device/src/planted.ts', number: 1 }],
  },
  {
    rule: 'no-focused-or-skipped-tests',
    what: 'a client test runs alone',
    files: () => ({
      'packages/client/test/planted.test.ts': `import { it } from 'vitest';\n\n${ONLY}('runs alone', () => {});\n`,
    }),
    expected: [{ file: 'packages/client/test/planted.test.ts', number: 3 }],
  },
  {
    rule: 'secrets-compared-in-constant-time',
    what: 'the service compares a token with ===',
    files: () => ({
      'packages/server/src/planted.ts': [
        '/** Whether the code matches. */',
        'export function matches(token: string, expected: string): boolean {',
        '  return token === expected;',
        '}',
        '',
      ].join('\n'),
    }),
    expected: [{ file: 'packages/server/src/planted.ts', number: 3 }],
  },
  {
    rule: 'verifiers-use-constant-time-equal',
    what: `${basename(lastVerifier)} compares without constantTimeEqual`,
    files: (copy) => ({
      [lastVerifier]: read(copy, lastVerifier).replaceAll('constantTimeEqual', 'looselyEqual'),
    }),
    expected: [{ file: lastVerifier, number: 0 }],
  },
  {
    rule: 'constant-time-equal-is-timing-safe-equal',
    what: `${basename(lastHelper)} stops calling timingSafeEqual`,
    files: (copy) => ({ [lastHelper]: read(copy, lastHelper).replaceAll('timingSafeEqual', 'bytesEqual') }),
    expected: [{ file: lastHelper, number: 0 }],
  },
  {
    rule: 'randomness-from-node-crypto',
    what: 'the device core draws a nonce from a module of its own',
    files: () => ({
      'packages/device/src/planted.ts': [
        "import { randomBytes } from './pool.js';",
        '',
        'export const nonce = () => randomBytes(16);',
        '',
      ].join('\n'),
    }),
    expected: [{ file: 'packages/device/src/planted.ts', number: 3 }],
  },
  {
    rule: 'queries-are-parameterized',
    what: 'a repository builds SQL from its input',
    files: () => ({
      'packages/server/src/planted.repository.ts': [
        "import { sql } from 'kysely';",
        '',
        `export const remove = (id: string) => sql.raw(\`DELETE FROM app_users WHERE id = ${hole('id')}\`);`,
        `export const find = (db: { query(q: string): unknown }, name: string) => db.query(\`SELECT * FROM apps WHERE name = '${hole('name')}'\`);`,
        '',
      ].join('\n'),
    }),
    expected: [
      { file: 'packages/server/src/planted.repository.ts', number: 3 },
      { file: 'packages/server/src/planted.repository.ts', number: 4 },
    ],
  },
  {
    rule: 'requirement-citations-resolve',
    what: 'a comment and a doc cite numbers the requirement list does not define',
    files: (copy) => ({
      'packages/server/src/planted.ts': `// What ${join2('R', '91')} and ${join2('D', '99')} ask.\nexport const planted = 1;\n`,
      'docs/security.md': `${read(copy, 'docs/security.md')}\n| ${join2('R', '0')} | ✅ | nothing |\n`,
    }),
    expected: [
      { file: 'docs/security.md', number: read(ROOT, 'docs/security.md').split('\n').length + 1 },
      { file: 'packages/server/src/planted.ts', number: 1 },
      { file: 'packages/server/src/planted.ts', number: 1 },
    ],
  },
  {
    rule: 'document-references-resolve',
    what: 'comments cite a missing spec section, a missing document, a missing house rule and files outside',
    files: () => ({
      'packages/client/src/planted.ts': [
        `/** The answer (${join2('spec ', '4.99')}). */`,
        `// Shaped as ${join2('docs/', 'nowhere.md')} says.`,
        `// One owner (${join2('house rule', ' 11')}).`,
        `// See ${join2('DES', 'IGN')}, "Flows", and ${join2('spec/', 'security.md')}.`,
        'export const planted = 1;',
        '',
      ].join('\n'),
    }),
    expected: [
      { file: 'packages/client/src/planted.ts', number: 1 },
      { file: 'packages/client/src/planted.ts', number: 2 },
      { file: 'packages/client/src/planted.ts', number: 3 },
      { file: 'packages/client/src/planted.ts', number: 4 },
      { file: 'packages/client/src/planted.ts', number: 4 },
    ],
  },
];

let copy = '';
beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'countersign-rules-'));
  for (const entry of COPIED) {
    cpSync(join(ROOT, entry), join(copy, entry), {
      recursive: true,
      filter: (source) => !NOT_COPIED.has(basename(source)),
    });
  }
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

/** Writes the plant's files into the copy, checks it, and puts the copy back as it was. */
function checkPlanted(plant: Plant) {
  const files = plant.files(copy);
  const before = new Map(
    Object.keys(files).map((file) => {
      try {
        return [file, read(copy, file)] as const;
      } catch {
        return [file, undefined] as const;
      }
    }),
  );
  try {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      writeFileSync(join(copy, file), text);
    }
    return checkTree(copy);
  } finally {
    for (const [file, text] of before) {
      if (text === undefined) rmSync(join(copy, file));
      else writeFileSync(join(copy, file), text);
    }
  }
}

const where = (p: { rule: string; file: string; number: number; message: string; text: string }) =>
  `${p.rule} ${p.file}:${p.number}: ${p.message}: ${p.text.trim()}`;

describe('the source rules of npm run lint hold, and each trips on a planted line', () => {
  it('the repository breaks no rule', () => {
    expect(checkTree(ROOT).map(where)).toEqual([]);
  });

  it('npm run lint runs the rules, and every rule has a plant below', () => {
    const { scripts } = JSON.parse(read(ROOT, 'package.json')) as { scripts: Record<string, string> };
    expect(scripts.lint).toContain('node scripts/check-rules.mjs');
    expect(PLANTS.map((p) => p.rule)).toEqual(RULES.map((r: { name: string }) => r.name));
  });

  it('the copy breaks no rule before anything is planted', () => {
    expect(checkTree(copy).map(where)).toEqual([]);
  });

  it.each(PLANTS)('$rule: trips when $what', (plant) => {
    const problems = checkPlanted(plant);
    expect(problems.filter((p) => p.rule !== plant.rule).map(where)).toEqual([]);
    const found = problems.map((p) => ({ file: p.file, number: p.number }));
    const order = (a: { file: string; number: number }, b: { file: string; number: number }) =>
      a.file.localeCompare(b.file) || a.number - b.number;
    expect(found.sort(order), problems.map(where).join('\n')).toEqual([...plant.expected].sort(order));
  });

  it('the script fails (exit 1) naming the rule and the line, and passes the copy once the line is gone', async () => {
    const script = join(ROOT, 'scripts/check-rules.mjs');
    const file = join(copy, 'packages/server/src/planted.ts');
    writeFileSync(file, `export const roll = () => ${MATH_RANDOM}();\n`);
    try {
      await run(process.execPath, [script, copy]);
      expect.unreachable('the script passed a planted line');
    } catch (error) {
      const { code, stderr } = error as { code?: unknown; stderr?: string };
      expect(code).toBe(1);
      expect(stderr).toContain(join('packages', 'server', 'src', 'planted.ts:1: no-math-random'));
    } finally {
      rmSync(file);
    }
    const { stdout } = await run(process.execPath, [script, copy]);
    expect(stdout).toMatch(/^\d+ rules hold in /);
  });
});

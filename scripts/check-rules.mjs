#!/usr/bin/env node
/**
 * The house rules about the text of the source, in one place, run by `npm run lint` (the rules about who may
 * import what are `.dependency-cruiser.cjs`). Each rule names the requirement it protects
 * (`docs/requirements.md`); `scripts/test/check-rules.test.ts` plants a line that breaks each rule in a copy of
 * the tree and checks that the rule, and only it, reports that line. A new exception is added below with its
 * reason, never by skipping a file.
 *
 * `node scripts/check-rules.mjs [ROOT]` checks the tree at ROOT (default: this repository) and exits 1 if any
 * rule is broken.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where code lives; tests and scripts included. */
const CODE_ROOTS = [
  'packages',
  'examples',
  'scripts',
  'bench',
  'vitest.config.ts',
  '.dependency-cruiser.cjs',
];
const SKIP = new Set(['node_modules', 'dist', 'data', 'test-results', 'results']);
const CODE_FILE = /\.(?:[cm]?[jt]sx?)$/;
/** The packages that are browser UIs (Vite apps), not libraries or the service. */
const WEB_APPS = new Set(['authenticator', 'console']);
/** This file: it spells out the patterns it bans. */
const SELF = 'scripts/check-rules.mjs';
/** Prose that cites requirements and the Authy spec, besides code. */
const DOCS = ['README.md', 'SECURITY.md', 'docs'];
export const REQUIREMENTS = 'docs/requirements.md';
export const AUTHY_API = 'docs/authy-api.md';
export const ARCHITECTURE = 'docs/architecture.md';
/** Documents brought in from research notes: they quote other repositories' paths (`spec/…`) on purpose. */
const QUOTING_SOURCES = new Set([REQUIREMENTS, AUTHY_API]);

/** Read access to one tree: its files by folder, and their lines, read once. */
class Tree {
  /** @param {string} root */
  constructor(root) {
    this.root = root;
    /** @type {Map<string, string>} */
    this.texts = new Map();
  }

  /** Files under `dirs` (relative to the root, `/`-separated) whose name matches `pattern`. */
  files(dirs, pattern = CODE_FILE) {
    const found = [];
    const walk = (dir) => {
      let entries;
      try {
        entries = readdirSync(join(this.root, dir));
      } catch {
        return;
      }
      for (const name of entries.sort()) {
        if (SKIP.has(name)) continue;
        const path = dir === '' ? name : `${dir}/${name}`;
        if (statSync(join(this.root, path)).isDirectory()) walk(path);
        else if (pattern.test(name)) found.push(path);
      }
    };
    for (const dir of dirs) {
      if (existsSync(join(this.root, dir)) && statSync(join(this.root, dir)).isFile()) found.push(dir);
      else walk(dir);
    }
    return found.filter((path) => path !== SELF);
  }

  /**
   * The sources of every library and service (`packages/<name>/src`), not the web apps' UIs (the
   * authenticator, the console), which run in a browser and compare no secrets.
   */
  librarySources() {
    const packages = existsSync(join(this.root, 'packages')) ? readdirSync(join(this.root, 'packages')) : [];
    return this.files(
      packages
        .filter((name) => !WEB_APPS.has(name))
        .sort()
        .map((name) => `packages/${name}/src`),
      /\.ts$/,
    );
  }

  exists(path) {
    return existsSync(join(this.root, path));
  }

  text(path) {
    let text = this.texts.get(path);
    if (text === undefined) {
      text = readFileSync(join(this.root, path), 'utf8');
      this.texts.set(path, text);
    }
    return text;
  }

  /** Every line of `path`, numbered from 1. */
  lines(path) {
    return this.text(path)
      .split('\n')
      .map((text, index) => ({ file: path, number: index + 1, text }));
  }

  /** The code lines of `path`: comments dropped, trimmed, blank lines left out. */
  codeLines(path) {
    return this.lines(path).flatMap((line) => {
      const code = line.text.replace(/\/\/.*$/, '');
      if (/^\s*(?:\*|\/\*\*?)/.test(code) || code.trim() === '') return [];
      return [{ ...line, text: code.trim() }];
    });
  }
}

// R20: names that hold a secret or something compared to one, and how an equality reads.
const SECRET_NAME = /(?:digest|signature|hmac|secret|nonce|otp|token|code|hash|mac|api_?key)/i;
const OPERAND = '[A-Za-z_$][\\w$.?]*(?:\\([^)]*\\))?';
const EQUALITY = new RegExp(`(${OPERAND})\\s*[!=]==?\\s*(${OPERAND}|'[^']*'|"[^"]*")`, 'g');

/** Comparisons with `===` that look like secrets but are not, each with the reason it is safe. */
const NOT_SECRET = [
  {
    pattern: /\bSANDBOX_(?:TOKEN|CODE)\b/,
    reason: 'the sandbox magic values are published (docs/sandbox.md)',
  },
  { pattern: /\btoken !== 'is valid'/, reason: 'the client reads a fixed word of the service’s answer' },
  { pattern: /\bcode === 'SQLITE_BUSY'/, reason: 'an error code of the database driver' },
  { pattern: /\.code !== STALE_PLAN\b/, reason: 'an error code (SQLSTATE) of PostgreSQL' },
  { pattern: /totp_confirmed === 1/, reason: 'a flag' },
  { pattern: /\bencoded === ''/, reason: 'an emptiness check before decoding' },
  { pattern: /\burl\.hash !== ''/, reason: 'a URL fragment, not a digest' },
  {
    pattern: /query\.api_key === key/,
    reason:
      'tells where the caller put its key (both sides are the request’s own); the key is then looked up by its HMAC',
  },
  {
    pattern: /answer\.display_hash !== displayHash\(/,
    reason: 'a receipt’s display hash is a public digest of what the device showed, not a secret',
  },
];

/** The files that verify a secret a caller sent: each must compare it with `constantTimeEqual`. */
export const VERIFIERS = [
  'packages/server/src/tokens/token.service.ts',
  'packages/server/src/phones/phone.service.ts',
  'packages/server/src/devices/enrollment.service.ts',
  'packages/server/src/devices/answering.service.ts',
  'packages/server/src/verify/verification.service.ts',
  'packages/client/src/authy/verify-authy-callback.ts',
  'packages/client/src/standard-webhooks/verify-standard-webhook.ts',
];
/** The constant-time helpers: each must be `timingSafeEqual` underneath. */
export const CONSTANT_TIME_HELPERS = [
  'packages/server/src/crypto/digest.ts',
  'packages/client/src/lib/constant-time-equal.ts',
];

/** The one driver call with a template in it: it names a constant channel, never input. */
const TEMPLATED_DRIVER_CALLS = [/^await connection\.query\(`LISTEN \$\{EVENTS_CHANNEL\}`\);$/];

/**
 * A citation of a requirement or decision: `R12`, `D8`, `R4′`, `R73(a)`. Not a code point (`U+D800`), a hex
 * colour, a word part or a version.
 */
const CITATION = /(?<![\w+#.\-/])([RD])(\d+)(?![\w.])/g;
/** A definition in `docs/requirements.md`: a paragraph that starts with the bold number. */
const DEFINITION = /^(?:[-*] )?\*\*([RD]\d+)\b/gm;
/**
 * A reference to a section of the Authy API reference: `spec 4.12`, `spec 4.6–4.8`, `spec 2.3(1)`,
 * `spec (6.4)`, `spec authy-api §2, §5`, ``spec `authy-api.md` 6.3``.
 */
const SPEC_REFERENCE =
  /\bspec\s+(?:`?authy-api(?:\.md)?`?\s+)?((?:[\s,–(-]*§?\d+(?:\.\d+)?(?:\(\d+\))?\)?)+)/g;
const SECTION_NUMBER = /\d+(?:\.\d+)?/g;
/** A heading of the reference: `## 6. OneTouch callback …`, `### 4.12 Approval request status …`. */
const SECTION_HEADING = /^#{2,4} (\d+(?:\.\d+)?)\.? /gm;
/** Documents a comment may name. */
const DOC_PATH = /(?<![\w/])docs\/([\w-]+\.md)/g;
/** A house rule of `docs/architecture.md`, cited by number: "house rule 4", "house rules 1 and 3". */
const HOUSE_RULE = /\bhouse rules? (\d+)(?:(?:,| and) (\d+))*/g;
/** The numbered house rules: the items of the list under "How the code is cut". */
const HOUSE_RULES_SECTION = /^## How the code is cut\n([\s\S]*?)(?=^## )/m;
/** Places outside the repository that older comments cited. */
const OUTSIDE =
  /(?<![\w/])(?:\.\.\/)*(?:shared\/[\w./-]+|spec\/[\w-]+\.md)|\bDESIGN(?:\.md)?\b|\bSTYLE(?:\.md| \d)/g;

/**
 * The rules. `check(tree)` returns what breaks the rule, as `{ file, number, text, message }`; `text` is the
 * line (or what is missing) and `message` says what is wrong.
 */
export const RULES = [
  {
    name: 'no-math-random',
    requirement: 'R68',
    description: 'Math.random is used nowhere: randomness comes from node:crypto or crypto.getRandomValues',
    check(tree) {
      return tree
        .files(CODE_ROOTS)
        .flatMap((file) => tree.lines(file))
        .filter((line) => /Math\.random\s*\(/.test(line.text))
        .map((line) => ({
          ...line,
          message: 'Math.random is banned: use node:crypto or crypto.getRandomValues',
        }));
    },
  },
  {
    name: 'no-focused-or-skipped-tests',
    requirement: null,
    description: 'no test is focused (.only) or skipped (.skip): the whole suite runs every time',
    check(tree) {
      return tree
        .files(CODE_ROOTS)
        .flatMap((file) => tree.lines(file))
        .filter((line) => /\b(?:it|test|describe)\.(?:only|skip)\(/.test(line.text))
        .map((line) => ({ ...line, message: 'focused or skipped test' }));
    },
  },
  {
    name: 'secrets-compared-in-constant-time',
    requirement: 'R20',
    description:
      'no code, digest, signature, nonce or key is compared with === or !==, anywhere in the service or its libraries',
    check(tree) {
      const found = [];
      for (const line of tree.librarySources().flatMap((file) => tree.codeLines(file))) {
        for (const match of line.text.matchAll(EQUALITY)) {
          const [, left = '', right = ''] = match;
          if (/typeof\s+$/.test(line.text.slice(0, match.index))) continue;
          const operands = [left, right];
          const looksSecret = operands.some(
            (o) =>
              SECRET_NAME.test(o.replace(/\.length$/, '')) && !/\.length$|\.code$|Code$|statusCode/.test(o),
          );
          // A literal is a constant, never a stored secret (the sandbox's published values are named constants).
          const harmless = operands.some((o) =>
            /^(?:undefined|null|true|false|\d+)$|^['"]|\.length$|\.size$/.test(o),
          );
          if (!looksSecret || harmless) continue;
          if (NOT_SECRET.some((n) => n.pattern.test(line.text))) continue;
          found.push({ ...line, message: 'a secret compared with ===: use constantTimeEqual' });
        }
      }
      return found;
    },
  },
  {
    name: 'verifiers-use-constant-time-equal',
    requirement: 'R20',
    description: 'every verifier of a secret calls constantTimeEqual',
    check(tree) {
      return VERIFIERS.filter(
        (file) => !tree.exists(file) || !tree.codeLines(file).some((l) => /constantTimeEqual\(/.test(l.text)),
      ).map((file) => ({
        file,
        number: 0,
        text: '',
        message: tree.exists(file)
          ? 'verifies a secret without constantTimeEqual'
          : 'a verifier listed in scripts/check-rules.mjs is gone: list the file that verifies now',
      }));
    },
  },
  {
    name: 'constant-time-equal-is-timing-safe-equal',
    requirement: 'R20',
    description: 'constantTimeEqual is timingSafeEqual underneath, in the service and in the SDK',
    check(tree) {
      return CONSTANT_TIME_HELPERS.filter(
        (file) => !tree.exists(file) || !tree.codeLines(file).some((l) => /timingSafeEqual\(/.test(l.text)),
      ).map((file) => ({
        file,
        number: 0,
        text: '',
        message: tree.exists(file)
          ? 'a constant-time helper that does not call timingSafeEqual'
          : 'a constant-time helper listed in scripts/check-rules.mjs is gone: list the file that has it now',
      }));
    },
  },
  {
    name: 'randomness-from-node-crypto',
    requirement: 'R68',
    description: 'every source of randomness is node:crypto or crypto.getRandomValues',
    check(tree) {
      const found = [];
      for (const file of tree.librarySources()) {
        const lines = tree.codeLines(file);
        const fromCrypto = lines.some((l) =>
          /from 'node:crypto'|globalThis\.crypto\.getRandomValues\(/.test(l.text),
        );
        for (const line of lines) {
          if (
            /\b(?:randomBytes|randomInt|randomUUID|getRandomValues)\(/.test(line.text) &&
            !/^['"`]/.test(line.text)
          ) {
            if (!fromCrypto)
              found.push({ ...line, message: 'randomness that does not come from node:crypto' });
          }
        }
      }
      return found;
    },
  },
  {
    name: 'queries-are-parameterized',
    requirement: 'R61',
    description:
      'no raw SQL is built from strings: no sql.raw, sql.lit or sql.id, no driver query with an interpolated string',
    check(tree) {
      const lines = tree.librarySources().flatMap((file) => tree.codeLines(file));
      return [
        ...lines
          .filter((l) => /\bsql\.(?:raw|lit|id)\(/.test(l.text))
          .map((l) => ({ ...l, message: 'SQL built from a string: use a parameter' })),
        ...lines
          .filter((l) => /\.(?:query|prepare|exec)\(\s*`[^`]*\$\{/.test(l.text))
          .filter((l) => !TEMPLATED_DRIVER_CALLS.some((allowed) => allowed.test(l.text)))
          .map((l) => ({ ...l, message: 'a driver call with an interpolated string: use a parameter' })),
      ];
    },
  },
  {
    name: 'requirement-citations-resolve',
    requirement: null,
    description: `every R and D number cited in code or docs is defined in ${REQUIREMENTS}`,
    check(tree) {
      if (!tree.exists(REQUIREMENTS)) {
        return [{ file: REQUIREMENTS, number: 0, text: '', message: 'the requirement list is missing' }];
      }
      const defined = new Set([...tree.text(REQUIREMENTS).matchAll(DEFINITION)].map((m) => m[1]));
      const found = [];
      for (const file of [...tree.files(CODE_ROOTS), ...tree.files(DOCS, /\.md$/)]) {
        if (file === REQUIREMENTS) continue;
        for (const line of tree.lines(file)) {
          for (const [, letter, number] of line.text.matchAll(CITATION)) {
            const id = `${letter}${Number(number)}`;
            if (!defined.has(id)) found.push({ ...line, message: `${id} is not in ${REQUIREMENTS}` });
          }
        }
      }
      return found;
    },
  },
  {
    name: 'document-references-resolve',
    requirement: null,
    description: `every "spec x.y" is a section of ${AUTHY_API}, every house rule and docs/ file named exists, and nothing cites a file outside the repository`,
    check(tree) {
      const sections = tree.exists(AUTHY_API)
        ? new Set([...tree.text(AUTHY_API).matchAll(SECTION_HEADING)].map((m) => m[1]))
        : new Set();
      const houseRules = new Set(
        [
          ...((tree.exists(ARCHITECTURE) ? tree.text(ARCHITECTURE) : '')
            .match(HOUSE_RULES_SECTION)?.[1]
            ?.matchAll(/^(\d+)\. /gm) ?? []),
        ].map((m) => m[1]),
      );
      const found = [];
      for (const file of [...tree.files(CODE_ROOTS), ...tree.files(DOCS, /\.md$/)]) {
        if (file === AUTHY_API) continue;
        for (const line of tree.lines(file)) {
          for (const match of line.text.matchAll(HOUSE_RULE)) {
            for (const [number] of match[0].matchAll(/\d+/g)) {
              if (!houseRules.has(number))
                found.push({ ...line, message: `house rule ${number} is not in ${ARCHITECTURE}` });
            }
          }
          for (const [, numbers = ''] of line.text.matchAll(SPEC_REFERENCE)) {
            for (const [section] of numbers.replace(/\(\d+\)/g, '').matchAll(SECTION_NUMBER)) {
              if (!sections.has(section))
                found.push({ ...line, message: `spec ${section} is not a section of ${AUTHY_API}` });
            }
          }
          for (const [, name] of line.text.matchAll(DOC_PATH)) {
            if (!tree.exists(`docs/${name}`)) found.push({ ...line, message: `docs/${name} does not exist` });
          }
          if (QUOTING_SOURCES.has(file)) continue;
          for (const [outside] of line.text.matchAll(OUTSIDE)) {
            found.push({
              ...line,
              message: `"${outside}" is outside the repository: cite the document under docs/`,
            });
          }
        }
      }
      return found;
    },
  },
];

/** Checks the tree at `root` against every rule: what breaks each, with the rule's name. */
export function checkTree(root) {
  const tree = new Tree(root);
  return RULES.flatMap((rule) => rule.check(tree).map((problem) => ({ rule: rule.name, ...problem })));
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const problems = checkTree(root);
  for (const p of problems) {
    const where = p.number > 0 ? `${p.file}:${p.number}` : p.file;
    const text = p.text.trim() === '' ? '' : `: ${p.text.trim()}`;
    console.error(`${where.split('/').join(sep)}: ${p.rule}: ${p.message}${text}`);
  }
  if (problems.length > 0) process.exit(1);
  console.log(`${RULES.length} rules hold in ${relative(process.cwd(), root) || '.'}`);
}

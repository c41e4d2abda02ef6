/**
 * Properties of the source itself (R20, R61, R68): read every TypeScript file of the service and its two
 * libraries and hold each line to the rule. A new exception must be added below with its reason.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/crypto/digest.js';
import { cryptoRandom } from '../../src/crypto/random.js';

const ROOT = join(import.meta.dirname, '../../../..');
const SOURCES = [
  'packages/server/src',
  'packages/client/src',
  'packages/device/src',
  'packages/protocol/src',
];

interface Line {
  file: string;
  number: number;
  text: string;
}

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.ts$/.test(name)) yield path;
  }
}

/** Every code line (comments dropped) of the service and its libraries: client, device and protocol. */
function sourceLines(): Line[] {
  const lines: Line[] = [];
  for (const root of SOURCES) {
    for (const path of files(join(ROOT, root))) {
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((text, index) => {
          const code = text.replace(/\/\/.*$/, '');
          if (/^\s*(?:\*|\/\*\*?)/.test(code) || code.trim() === '') return;
          lines.push({ file: relative(ROOT, path), number: index + 1, text: code.trim() });
        });
    }
  }
  return lines;
}

const LINES = sourceLines();
const where = (line: Line) => `${line.file}:${line.number}: ${line.text}`;

/** Names that hold a secret or something compared to one. */
const SECRET_NAME = /(?:digest|signature|hmac|secret|nonce|otp|token|code|hash|mac|api_?key)/i;
const OPERAND = '[A-Za-z_$][\\w$.?]*(?:\\([^)]*\\))?';
const EQUALITY = new RegExp(`(${OPERAND})\\s*[!=]==?\\s*(${OPERAND}|'[^']*'|"[^"]*")`, 'g');

/** Comparisons with `===` that look like secrets but are not, each with the reason it is safe. */
const NOT_SECRET: ReadonlyArray<{ pattern: RegExp; reason: string }> = [
  {
    pattern: /\bSANDBOX_(?:TOKEN|CODE)\b/,
    reason: 'the sandbox magic values are published (spec/sandbox.md)',
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

describe('R20: secrets are compared in constant time', () => {
  it('no code, digest, signature, nonce or key is compared with === or !==, anywhere in the service or its libraries', () => {
    const offending: string[] = [];
    for (const line of LINES) {
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
        offending.push(where(line));
      }
    }
    expect(offending).toEqual([]);
  });

  it('every verifier of a secret calls constantTimeEqual', () => {
    const verifiers = [
      'packages/server/src/tokens/token.service.ts',
      'packages/server/src/phones/phone.service.ts',
      'packages/server/src/devices/device.service.ts',
      'packages/client/src/authy/verify-authy-callback.ts',
      'packages/client/src/standard-webhooks/verify-standard-webhook.ts',
    ];
    for (const file of verifiers) {
      expect(
        LINES.some((l) => l.file === file && /constantTimeEqual\(/.test(l.text)),
        file,
      ).toBe(true);
    }
  });

  it('constantTimeEqual is timingSafeEqual underneath: both helpers call it, and it answers like ===', () => {
    for (const file of [
      'packages/server/src/crypto/digest.ts',
      'packages/client/src/lib/constant-time-equal.ts',
    ]) {
      expect(
        LINES.some((l) => l.file === file && /timingSafeEqual\(/.test(l.text)),
        file,
      ).toBe(true);
    }
    for (const [a, b] of [
      ['123456', '123456'],
      ['123456', '123457'],
      ['123456', '1234567'],
      ['', ''],
      ['é', 'e'],
    ] as const) {
      expect(constantTimeEqual(a, b)).toBe(a === b);
    }
  });
});

describe('R68: randomness comes from a CSPRNG only', () => {
  it('Math.random appears nowhere in the service or its libraries, and the lint rule that bans it exists', () => {
    expect(LINES.filter((l) => /Math\.random/.test(l.text)).map(where)).toEqual([]);
    const rules = readFileSync(join(ROOT, 'scripts/check-rules.mjs'), 'utf8');
    expect(rules).toContain('Math\\.random');
    expect(readFileSync(join(ROOT, 'package.json'), 'utf8')).toContain('node scripts/check-rules.mjs');
  });

  it('every source of randomness is node:crypto or crypto.getRandomValues', () => {
    const random = LINES.filter(
      (l) =>
        /\b(?:randomBytes|randomInt|randomUUID|getRandomValues)\(/.test(l.text) && !/^['"`]/.test(l.text),
    );
    expect(random.length).toBeGreaterThan(0);
    for (const line of random) {
      const file = LINES.filter((l) => l.file === line.file).map((l) => l.text);
      const fromCrypto = file.some((t) => /from 'node:crypto'|globalThis\.crypto\.getRandomValues\(/.test(t));
      expect(fromCrypto, where(line)).toBe(true);
    }
  });

  it('the service’s Random gives uniform digits, 16-byte-plus values and v4 UUIDs', () => {
    const counts = new Array<number>(10).fill(0);
    const digits = cryptoRandom.digits(20_000);
    for (const d of digits) counts[Number(d)] = (counts[Number(d)] ?? 0) + 1;
    // 20 000 draws, 2 000 expected per digit: ±300 is over six standard deviations.
    for (const n of counts) expect(Math.abs(n - 2000)).toBeLessThan(300);
    expect(cryptoRandom.uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(cryptoRandom.bytes(32).equals(cryptoRandom.bytes(32))).toBe(false);
  });
});

describe('R61: every query is parameterized', () => {
  it('no raw SQL is built from strings: no sql.raw or sql.lit, no driver query with an interpolated string', () => {
    const server = LINES.filter((l) => l.file.startsWith('packages/server/src/'));
    expect(server.filter((l) => /\bsql\.(?:raw|lit|id)\(/.test(l.text)).map(where)).toEqual([]);
    const driverCalls = server.filter((l) => /\.(?:query|prepare|exec)\(\s*`[^`]*\$\{/.test(l.text));
    // The one driver call with a template names a constant channel, never input.
    expect(driverCalls.map((l) => l.text)).toEqual([
      expect.stringMatching(/^await connection\.query\(`LISTEN \$\{EVENTS_CHANNEL\}`\);$/),
    ]);
  });
});

#!/usr/bin/env node
// House rules the linter cannot express: no Math.random anywhere (R68), no focused or skipped tests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOTS = ['packages', 'examples', 'scripts', 'bench'];
const SKIP = new Set(['node_modules', 'dist', 'data', 'test-results', 'results']);
const RULES = [
  {
    pattern: /Math\.random\s*\(/,
    message: 'Math.random is banned: use node:crypto or crypto.getRandomValues',
  },
  { pattern: /\b(?:it|test|describe)\.(?:only|skip)\(/, message: 'focused or skipped test' },
];

function* files(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(?:[cm]?[jt]sx?)$/.test(name)) yield path;
  }
}

let failures = 0;
for (const root of ROOTS) {
  for (const file of files(root)) {
    if (file === join('scripts', 'check-rules.mjs')) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      for (const rule of RULES) {
        if (rule.pattern.test(line)) {
          console.error(`${file}:${index + 1}: ${rule.message}`);
          failures += 1;
        }
      }
    });
  }
}
if (failures > 0) process.exit(1);

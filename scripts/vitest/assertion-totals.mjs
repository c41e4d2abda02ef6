#!/usr/bin/env node
// Sums an assertion log (scripts/vitest/assertion-log.ts): tests and assertions per vitest project, and in all.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: node scripts/vitest/assertion-totals.mjs FILE\n');
  process.exit(2);
}
const totals = new Map();
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (line === '') continue;
  const [project, , , assertions] = JSON.parse(line);
  const total = totals.get(project) ?? { tests: 0, assertions: 0 };
  total.tests += 1;
  total.assertions += assertions;
  totals.set(project, total);
}
let tests = 0;
let assertions = 0;
for (const [project, total] of [...totals].sort()) {
  process.stdout.write(`${project}: ${total.tests} tests, ${total.assertions} assertions\n`);
  tests += total.tests;
  assertions += total.assertions;
}
process.stdout.write(`in all: ${tests} tests, ${assertions} assertions\n`);

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

describe('the browser entry point', () => {
  it('uses nothing from Node: no node: imports, Buffer or process outside src/node/', () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const name = relative(SRC, file);
      if (name.startsWith('node/')) continue;
      const text = readFileSync(file, 'utf8');
      if (/from '(?:node:|fs|path|crypto|os)/.test(text) || /\b(?:Buffer|process)\./.test(text))
        offenders.push(name);
    }
    expect(offenders).toEqual([]);
  });

  it('does not reach into src/node/', () => {
    for (const file of sources(SRC)) {
      if (relative(SRC, file).startsWith('node/')) continue;
      expect(readFileSync(file, 'utf8')).not.toMatch(/from '\.{1,2}\/(?:\.\.\/)*node\//);
    }
  });
});

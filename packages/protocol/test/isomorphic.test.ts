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

describe('the protocol package runs in browsers and in Node alike', () => {
  it('uses nothing from Node: no node: imports, Buffer or process', () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      if (/from '(?:node:|fs|path|crypto|os)/.test(text) || /\b(?:Buffer|process)\./.test(text))
        offenders.push(relative(SRC, file));
    }
    expect(offenders).toEqual([]);
  });

  it('imports only its two libraries and its own files', () => {
    const imported = new Set<string>();
    for (const file of sources(SRC)) {
      for (const [, from = ''] of readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)) {
        if (!from.startsWith('.')) imported.add(from);
      }
    }
    expect([...imported].sort()).toEqual(['@noble/hashes/hmac.js', '@noble/hashes/sha2.js', 'canonicalize']);
  });
});

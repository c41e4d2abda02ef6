import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';

/** Where the service serves the app; the service worker's scope. */
const BASE = '/authenticator/';
const SHELL_PLACEHOLDER = '__SHELL_FILES__';
const VERSION_PLACEHOLDER = '__SHELL_VERSION__';

/**
 * Writes the app shell's file list, and a version hashed from every file's content, into `sw.js`. Any
 * change to the app (a hashed asset, the page, an icon, the manifest) changes the worker's bytes, so the
 * browser installs the new worker, which replaces the cached shell.
 */
function precacheShell(): Plugin {
  let publicDir = '';
  return {
    name: 'countersign:precache-shell',
    apply: 'build',
    configResolved(config) {
      publicDir = config.publicDir;
    },
    generateBundle(_options, bundle) {
      const worker = bundle['sw.js'];
      if (worker === undefined || worker.type !== 'chunk') this.error('the build made no sw.js chunk');
      if (!worker.code.includes(SHELL_PLACEHOLDER) || !worker.code.includes(VERSION_PLACEHOLDER)) {
        this.error('sw.js lost its placeholders');
      }
      const contents = new Map<string, string | Uint8Array>();
      for (const [name, output] of Object.entries(bundle)) {
        if (name !== 'sw.js' && !name.endsWith('.map')) {
          contents.set(name, output.type === 'chunk' ? output.code : output.source);
        }
      }
      for (const name of publicDir === '' ? [] : readdirSync(publicDir)) {
        contents.set(name, readFileSync(join(publicDir, name)));
      }
      const version = createHash('sha256');
      for (const name of [...contents.keys()].sort())
        version
          .update(name)
          .update('\0')
          .update(contents.get(name) ?? '');
      // The page is cached under the scope's own URL, which is how it is navigated to.
      const files = ['./', ...[...contents.keys()].filter((name) => name !== 'index.html').sort()];
      worker.code = worker.code
        .replace(SHELL_PLACEHOLDER, JSON.stringify(files))
        .replace(VERSION_PLACEHOLDER, JSON.stringify(version.digest('hex').slice(0, 16)));
    },
  };
}

export default defineConfig({
  base: BASE,
  plugins: [preact(), precacheShell()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      input: { index: 'index.html', sw: 'src/sw/sw.ts' },
      output: {
        // The worker keeps a fixed name at the root of the scope; everything else is content-hashed.
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});

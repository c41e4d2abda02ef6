import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * The console is served at `/console/` with content-hashed assets. It has no service worker: it shows live
 * data (requests, callbacks, the audit log) that is useless offline or stale, and signing in needs the
 * service, so a cached shell would only offer an empty page.
 */
export default defineConfig({
  base: '/console/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Vite inlines small assets as data: URLs, which the CSP's `img-src 'self'` refuses.
    assetsInlineLimit: 0,
  },
});

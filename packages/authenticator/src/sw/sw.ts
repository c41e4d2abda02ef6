// The authenticator's service worker. It keeps the app shell for offline use (codes work offline) and turns
// a push into a neutral notification: the payload carries only opaque ids, and the request itself is
// fetched by the app over the device's signed channel, never shown from the push.

import type { FetchEvent, ServiceWorkerScope } from './worker-types.js';

declare const self: ServiceWorkerScope;
/** Filled in by the build (`vite.config.ts`): the shell's files relative to the scope, and their version. */
declare const __SHELL_FILES__: readonly string[];
declare const __SHELL_VERSION__: string;

const CACHE_PREFIX = 'countersign-shell-';
const CACHE = `${CACHE_PREFIX}${__SHELL_VERSION__}`;
const SCOPE = self.registration.scope;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(__SHELL_FILES__.map((file) => new URL(file, SCOPE).href));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  // Only the shell: API calls, the event stream and the worker itself always go to the network.
  if (request.method !== 'GET' || !request.url.startsWith(SCOPE) || request.url === `${SCOPE}sw.js`) return;
  event.respondWith(request.mode === 'navigate' ? networkFirst(event) : cacheFirst(event));
});

/** Pages come from the network when it answers, so a new version shows at once; else from the cache. */
async function networkFirst(event: FetchEvent): Promise<Response> {
  try {
    return await fetch(event.request);
  } catch (error) {
    const shell = await caches.match(SCOPE, { cacheName: CACHE });
    if (shell === undefined) throw error;
    return shell;
  }
}

/** The shell is versioned with the worker (hashed names, content version): a cached copy is the right one. */
async function cacheFirst(event: FetchEvent): Promise<Response> {
  return (await caches.match(event.request, { cacheName: CACHE })) ?? fetch(event.request);
}

/** The request id of a push, if the payload is the protocol's `{"type":"request","uuid":…}`. */
function requestIdOf(text: string | undefined): string | null {
  if (text === undefined) return null;
  try {
    const payload: unknown = JSON.parse(text);
    if (typeof payload !== 'object' || payload === null) return null;
    const { type, uuid } = payload as Record<string, unknown>;
    return type === 'request' && typeof uuid === 'string' ? uuid : null;
  } catch {
    return null;
  }
}

self.addEventListener('push', (event) => {
  const uuid = requestIdOf(event.data?.text());
  event.waitUntil(
    (async () => {
      // Always the same words, whatever the payload: a notification must never show request content.
      await self.registration.showNotification('New request to review', {
        body: 'Open Countersign to approve or deny it.',
        tag: 'countersign-request',
        icon: new URL('icon-192.png', SCOPE).href,
        data: { uuid },
      });
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      // Open windows fetch their pending requests at once (they treat any message from here that way).
      for (const client of windows) client.postMessage({ type: 'push', uuid });
    })(),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => client.url.startsWith(SCOPE));
      if (open !== undefined) await open.focus();
      else await self.clients.openWindow(SCOPE);
    })(),
  );
});

import { useEffect, useState } from 'preact/hooks';

/** A screen of the console and its parameter, read from the URL's hash (`#/apps/7`). */
export type Route =
  | { readonly page: 'overview' }
  | { readonly page: 'apps' }
  | { readonly page: 'app'; readonly id: string }
  | { readonly page: 'users' }
  | { readonly page: 'user'; readonly id: string }
  | { readonly page: 'requests' }
  | { readonly page: 'request'; readonly id: string }
  | { readonly page: 'callbacks' }
  | { readonly page: 'callback'; readonly id: string }
  | { readonly page: 'outbox' }
  | { readonly page: 'security' }
  | { readonly page: 'audit' }
  | { readonly page: 'operators' }
  | { readonly page: 'setup'; readonly id: string }
  | { readonly page: 'sign-in' }
  | { readonly page: 'not-found' };

const LISTS = [
  'overview',
  'apps',
  'users',
  'requests',
  'callbacks',
  'outbox',
  'security',
  'audit',
  'operators',
];
const DETAILS: Record<string, Route['page']> = {
  apps: 'app',
  users: 'user',
  requests: 'request',
  callbacks: 'callback',
  setup: 'setup',
};

/** The route a hash names; an empty hash is the overview. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const [first = '', second, ...rest] = parts;
  if (first === '') return { page: 'overview' };
  if (rest.length > 0) return { page: 'not-found' };
  if (second === undefined || second === '') {
    if (first === 'sign-in') return { page: 'sign-in' };
    return LISTS.includes(first) ? ({ page: first } as Route) : { page: 'not-found' };
  }
  const page = DETAILS[first];
  if (page === undefined) return { page: 'not-found' };
  let id: string;
  try {
    id = decodeURIComponent(second);
  } catch {
    return { page: 'not-found' };
  }
  return { page, id } as Route;
}

/** The hash of a detail page: `#/apps/7`, its id encoded. */
export const href = (list: string, id?: string | number): string =>
  id === undefined ? `#/${list}` : `#/${list}/${encodeURIComponent(String(id))}`;

/** Goes to `hash` (a `#/…` link) as if followed. */
export function go(hash: string): void {
  window.location.hash = hash;
}

/** The current route, following the hash. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return route;
}

/**
 * Takes an admission link (`#admit=…`, another device of the user adding this one) out of the address bar,
 * as `takeEnrollmentLink` does for enrollment links: the single-use token is not left in history.
 */
export function takeAdmissionLink(): string | null {
  const { href, hash, pathname, search } = window.location;
  if (!new URLSearchParams(hash.slice(1)).has('admit')) return null;
  window.history.replaceState(null, '', `${pathname}${search}`);
  return href;
}

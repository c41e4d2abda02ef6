/**
 * Takes an enrollment link out of the address bar: returns the full URL if its fragment carries
 * `enroll=…`, and removes the fragment from the address and the history entry, so the single-use token is
 * not left in history, bookmarks or a shared screenshot.
 */
export function takeEnrollmentLink(): string | null {
  const { href, hash, pathname, search } = window.location;
  if (!new URLSearchParams(hash.slice(1)).has('enroll')) return null;
  window.history.replaceState(null, '', `${pathname}${search}`);
  return href;
}

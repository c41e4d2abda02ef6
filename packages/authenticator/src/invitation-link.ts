/**
 * Takes an invitation link (`#invite=…`, an app inviting its user to enroll this device, D15) out of the
 * address bar, as `takeEnrollmentLink` does for enrollment links.
 */
export function takeInvitationLink(): string | null {
  const { href, hash, pathname, search } = window.location;
  if (!new URLSearchParams(hash.slice(1)).has('invite')) return null;
  window.history.replaceState(null, '', `${pathname}${search}`);
  return href;
}

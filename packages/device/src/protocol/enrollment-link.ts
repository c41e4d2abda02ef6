import { DeviceError } from '../device-error.js';

/** What an enrollment link names: the service to talk to and the single-use token. */
export interface EnrollmentLink {
  /** The link's origin, e.g. `https://countersign.example.com`. */
  server: string;
  /** B64U of 32 random bytes. */
  token: string;
}

/**
 * Reads `{PUBLIC_URL}/authenticator/#enroll={TOKEN}`. The token travels in the fragment so that it never
 * reaches a server log; the service is the link's origin.
 */
export function parseEnrollmentLink(url: string): EnrollmentLink {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DeviceError('invalid_link', 'the enrollment link is not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new DeviceError('invalid_link', 'the enrollment link is not an http(s) URL');
  }
  if (!/^\/authenticator\/?$/.test(parsed.pathname)) {
    throw new DeviceError('invalid_link', 'the enrollment link does not point at /authenticator/');
  }
  const token = new URLSearchParams(parsed.hash.slice(1)).get('enroll');
  // 32 bytes are 43 base64url characters without padding.
  if (token === null || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
    throw new DeviceError('invalid_link', 'the enrollment link carries no enrollment token (#enroll=…)');
  }
  return { server: parsed.origin, token };
}

/** What an invitation link names (D15): the service, and the invitation's token (which enrolls nothing alone). */
export interface InvitationLink {
  /** The link's origin. */
  server: string;
  /** B64U of 32 random bytes. */
  invitation: string;
}

/** Whether a URL is an invitation link (`#invite=…`) rather than an enrollment link. */
export function isInvitationLink(url: string): boolean {
  try {
    return new URLSearchParams(new URL(url).hash.slice(1)).has('invite');
  } catch {
    return false;
  }
}

/** Reads `{PUBLIC_URL}/authenticator/#invite={TOKEN}`, an app's invitation to enroll a device. */
export function parseInvitationLink(url: string): InvitationLink {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DeviceError('invalid_link', 'the invitation link is not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new DeviceError('invalid_link', 'the invitation link is not an http(s) URL');
  }
  if (!/^\/authenticator\/?$/.test(parsed.pathname)) {
    throw new DeviceError('invalid_link', 'the invitation link does not point at /authenticator/');
  }
  const invitation = new URLSearchParams(parsed.hash.slice(1)).get('invite');
  if (invitation === null || !/^[A-Za-z0-9_-]{43}$/.test(invitation)) {
    throw new DeviceError('invalid_link', 'the invitation link carries no invitation (#invite=…)');
  }
  return { server: parsed.origin, invitation };
}

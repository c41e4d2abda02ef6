import { canonicalJson } from './canonical-json.js';
import { base64url } from './lib/base64url.js';
import { sha256 } from './lib/sha256.js';

/** Exactly what a device shows for a request, and so what its answer vouches for. */
export interface DisplayedContent {
  readonly app_name: string;
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
}

/**
 * DISPLAY_HASH = B64U(SHA256(JCS({app_name, message, details}))): the digest of exactly what a device
 * displays. Only those three members count, so a whole request may be passed. The service recomputes it
 * from its own record, so an answer signed over anything else than what the service stored is refused.
 */
export function displayHash(content: DisplayedContent): string {
  const { app_name, message, details } = content;
  return base64url(sha256(canonicalJson({ app_name, message, details })));
}

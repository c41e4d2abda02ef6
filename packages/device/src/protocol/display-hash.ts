import { canonicalJson } from '../canonical-json.js';
import { sha256Base64url } from '../crypto/sha256.js';
import { utf8 } from '../encoding/base64url.js';

/** Exactly what a device shows for a request, and so what its answer vouches for. */
export interface DisplayedContent {
  app_name: string;
  message: string;
  details: Readonly<Record<string, string>>;
}

/**
 * DISPLAY_HASH = B64U(SHA256(JCS({app_name, message, details}))). The service recomputes it from its own
 * record, so an answer signed over anything else than what the service stored is refused.
 */
export function displayHash(content: DisplayedContent): Promise<string> {
  const { app_name, message, details } = content;
  return sha256Base64url(utf8(canonicalJson({ app_name, message, details })));
}

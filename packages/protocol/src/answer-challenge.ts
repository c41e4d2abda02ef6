import type { AnswerDocument } from './answer-document.js';
import { canonicalJson } from './canonical-json.js';
import { base64url } from './lib/base64url.js';
import { sha256 } from './lib/sha256.js';

/**
 * CHALLENGE = B64U(SHA256(JCS(DOCUMENT))): the WebAuthn challenge of a user-verified answer (D14). The
 * passkey's assertion over it vouches for this answer document and no other, so it cannot be moved to
 * another request, decision or signing time.
 */
export function answerChallenge(document: AnswerDocument): string {
  return base64url(sha256(canonicalJson(document)));
}

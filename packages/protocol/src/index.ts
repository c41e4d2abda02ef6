export {
  ADMISSION_DOCUMENT_KEYS,
  type AdmissionDocument,
  type AdmissionPlatform,
  admissionChallenge,
  admissionClaimDocument,
  admissionCode,
  readAdmissionDocument,
} from './admission.js';
export { answerChallenge } from './answer-challenge.js';
export {
  ANSWER_DOCUMENT_KEYS,
  type AnswerDocument,
  type Decision,
  type DenyReason,
  readAnswerDocument,
} from './answer-document.js';
export { authyCanonical } from './callbacks/authy-canonical.js';
export { type AuthyCallbackToSign, signAuthyCallback } from './callbacks/authy-signature.js';
export {
  type StandardWebhookToSign,
  signStandardWebhook,
  standardWebhookSignature,
  standardWebhookSignatures,
} from './callbacks/standard-webhook-signature.js';
export { secretList, webhookSecretKey } from './callbacks/webhook-secret.js';
export { canonicalJson } from './canonical-json.js';
export { type DisplayedContent, displayHash } from './display-hash.js';
export {
  type DisplaySegment,
  type DisplayTextProblem,
  displaySegments,
  displayTextProblem,
  isDisplayText,
  type RefusedCharacter,
  revealInvisible,
} from './display-text.js';
export {
  invitationEnrollmentDocument,
  linkEnrollmentDocument,
  phoneEnrollmentDocument,
} from './enrollment-proof.js';
export { readEventStream, type ServerSentEvent } from './event-stream.js';
export { base64url, decodeBase64url, utf8 } from './lib/base64url.js';
export type { PublicJwk } from './public-jwk.js';
export { type RequestToSign, requestSigningString } from './signed-request.js';

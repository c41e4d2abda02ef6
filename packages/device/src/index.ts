export { indexedDbStorage } from './browser/indexeddb-storage.js';
export { canonicalJson } from './canonical-json.js';
export { type Clock, systemClock } from './clock.js';
export { exportPublicJwk, generateDeviceKeyPair, type PublicJwk } from './crypto/key-pair.js';
export { sign } from './crypto/sign.js';
export { Device, type DeviceOptions } from './device.js';
export { DeviceError, type DeviceErrorCode } from './device-error.js';
export { decodeBase64url } from './encoding/base64url.js';
export { readEventStream, type ServerSentEvent } from './http/event-stream.js';
export {
  type AnswerChoice,
  type AnswerDocument,
  answerDocument,
  type Decision,
  type DenyReason,
  signAnswer,
} from './protocol/answer-document.js';
export { type DisplayedContent, displayHash } from './protocol/display-hash.js';
export {
  type DisplaySegment,
  type DisplayTextProblem,
  displaySegments,
  displayTextProblem,
  isDisplayText,
  type RefusedCharacter,
  revealInvisible,
} from './protocol/display-text.js';
export { type EnrollmentLink, parseEnrollmentLink } from './protocol/enrollment-link.js';
export { linkEnrollmentProof, phoneEnrollmentProof } from './protocol/enrollment-proof.js';
export { type RequestToSign, requestSigningString, signedRequestHeaders } from './protocol/signed-request.js';
export type {
  Account,
  AnswerResult,
  DeviceEvent,
  DeviceInfo,
  Enrollment,
  PendingRequest,
  PhoneEnrollment,
  PushSubscriptionJson,
  TotpParameters,
} from './protocol/wire.js';
export type { DeviceStorage, JsonValue } from './storage/device-storage.js';
export { memoryStorage } from './storage/memory-storage.js';
export { type TotpCode, totpCodes } from './totp/totp-codes.js';

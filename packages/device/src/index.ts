export { indexedDbStorage } from './browser/indexeddb-storage.js';
export { type Clock, systemClock } from './clock.js';
export { exportPublicJwk, generateDeviceKeyPair } from './crypto/key-pair.js';
export { sign } from './crypto/sign.js';
export {
  type AnswerOptions,
  Device,
  type DeviceOptions,
  type UserVerifier,
  type WaitOptions,
} from './device.js';
export { DeviceError, type DeviceErrorCode } from './device-error.js';
export { parseAdmissionLink } from './protocol/admission-link.js';
export { type AnswerChoice, answerDocument, signAnswer } from './protocol/answer-document.js';
export { type EnrollmentLink, parseEnrollmentLink } from './protocol/enrollment-link.js';
export { linkEnrollmentProof, phoneEnrollmentProof } from './protocol/enrollment-proof.js';
export { signedRequestHeaders } from './protocol/signed-request.js';
export type {
  Account,
  AdmissionClaim,
  AdmissionLink,
  AdmissionOutcome,
  AdmissionStatus,
  AdmissionView,
  AnswerResult,
  ClaimingDevice,
  DeviceEvent,
  DeviceInfo,
  Enrollment,
  PendingRequest,
  PhoneEnrollment,
  PushSubscriptionJson,
  TotpParameters,
  UserVerificationSetting,
} from './protocol/wire.js';
export type { DeviceStorage, JsonValue } from './storage/device-storage.js';
export { memoryStorage } from './storage/memory-storage.js';
export {
  normalizeBase32Secret,
  parseOtpauthUri,
  type TotpAccount,
  type TypedTotpAccount,
  typedTotpAccount,
} from './totp/otpauth-uri.js';
export { type TotpCode, totpCode, totpCodes } from './totp/totp-codes.js';
export {
  type AccountCode,
  type AccountFailure,
  type AccountRequest,
  type EnrolledApp,
  Wallet,
  type WalletAccount,
  type WalletOptions,
} from './wallet.js';

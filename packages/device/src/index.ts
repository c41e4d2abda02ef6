export { type AppOnlyHere, appsOnlyHere } from './backup/apps-only-here.js';
export {
  BACKUP_PASSPHRASE_MAX,
  BACKUP_PASSPHRASE_MIN,
  backupPassphraseProblem,
  createBackup,
  readBackup,
} from './backup/backup.js';
export type {
  BackupAccount,
  BackupContents,
  BackupEnrollment,
  BackupTotpAccount,
} from './backup/backup-contents.js';
export { BACKUP_KDF, KDF_BOUNDS } from './backup/backup-file.js';
export { indexedDbStorage } from './browser/indexeddb-storage.js';
export { type Clock, systemClock } from './clock.js';
export { exportPublicJwk, generateDeviceKeyPair } from './crypto/key-pair.js';
export { sign } from './crypto/sign.js';
export {
  type AnswerOptions,
  Device,
  type DeviceOptions,
  type HistoryOptions,
  type UserVerifier,
  type WaitOptions,
} from './device.js';
export { DeviceError, type DeviceErrorCode } from './device-error.js';
export { parseAdmissionLink } from './protocol/admission-link.js';
export { type AnswerChoice, answerDocument, signAnswer } from './protocol/answer-document.js';
export {
  type EnrollmentLink,
  type InvitationLink,
  isInvitationLink,
  parseEnrollmentLink,
  parseInvitationLink,
} from './protocol/enrollment-link.js';
export {
  invitationEnrollmentProof,
  linkEnrollmentProof,
  phoneEnrollmentProof,
} from './protocol/enrollment-proof.js';
export { signedRequestHeaders } from './protocol/signed-request.js';
export type {
  Account,
  AdmissionClaim,
  AdmissionLink,
  AdmissionOutcome,
  AdmissionStatus,
  AdmissionView,
  AnsweringDevice,
  AnswerResult,
  ClaimingDevice,
  DeviceEvent,
  DeviceInfo,
  Enrollment,
  HistoryEntry,
  HistoryPage,
  Invitation,
  PendingRequest,
  PhoneEnrollment,
  PushSubscriptionJson,
  ReceiptKeySet,
  TotpParameters,
  UserVerificationSetting,
} from './protocol/wire.js';
export {
  type ReceiptClaims,
  type ReceiptExpectation,
  type ReceiptProblem,
  type ReceiptVerification,
  verifyReceipt,
} from './receipts/verify-receipt.js';
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
  type AccountHistoryEntry,
  type AccountRequest,
  type EnrolledApp,
  type HistoryCursors,
  type HistoryListing,
  mergeHistory,
  type RestoreResult,
  Wallet,
  type WalletAccount,
  type WalletOptions,
} from './wallet.js';

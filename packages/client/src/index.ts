// The answer document a receipt carries is the protocol's own type.
export type { AnswerDocument } from '@countersign/protocol';
export type { AppApi } from './app/app-api.js';
export type { AppDetails, AppStats, MonthlyStats } from './app/app-types.js';
export type { ApprovalRequest, ApprovalStatus } from './approvals/approval-request.js';
export type {
  ApprovalLogo,
  CreatedApprovalRequest,
  DetailValue,
  NewApprovalRequest,
} from './approvals/create-approval-request.js';
export type { GetApprovalRequestOptions } from './approvals/get-approval-request.js';
export {
  type ApprovalSource,
  POLL_INTERVAL_MS,
  type WaitForApprovalOptions,
  waitForApproval,
} from './approvals/wait-for-approval.js';
export type { AuthyCallbackRequest, VerifiedAuthyCallback } from './authy/verify-authy-callback.js';
export {
  CallbackVerificationError,
  type CallbackVerificationErrorCode,
} from './callback-verification-error.js';
export type { CountersignClient } from './client/countersign-client.js';
export { type ClientOptions, createClient, DEFAULT_TIMEOUT_MS } from './client/create-client.js';
export {
  CountersignError,
  type CountersignErrorCode,
  type CountersignErrorDetails,
} from './countersign-error.js';
export type { Enrollment } from './enrollments/create-enrollment.js';
export type { ApiMessage } from './http/api-message.js';
export type { AuthyId, RequestOptions, UserIpOptions } from './http/request-options.js';
export type { JsonObject } from './http/wire.js';
export type { FreshnessOptions } from './lib/freshness.js';
export type { HeaderSource } from './lib/header-source.js';
export type {
  PhoneInfo,
  PhoneNumber,
  StartedVerification,
  StartVerificationOptions,
  VerificationStatus,
} from './phones/phone-types.js';
export type { PhonesApi } from './phones/phones-api.js';
export { type DisplayedContent, displayHash } from './receipts/display-hash.js';
export type { ReceiptKeys } from './receipts/receipt-key-set.js';
export type { DevicePublicKey, ReceiptPayload } from './receipts/receipt-payload.js';
export { type ReceiptChecks, type VerifyReceiptOptions, verifyReceipt } from './receipts/verify-receipt.js';
export type { RegistrationStatus, RegistrationsApi } from './registrations/registrations-api.js';
export type {
  StandardWebhookRequest,
  VerifiedStandardWebhook,
} from './standard-webhooks/verify-standard-webhook.js';
export type { SendTokenOptions, SentToken, VerifiedToken, VerifyTokenOptions } from './tokens/token-types.js';
export type { TokensApi } from './tokens/tokens-api.js';
export type {
  Activity,
  ActivityType,
  AuthenticatorSecret,
  AuthenticatorSecretOptions,
  NewUser,
  RegisteredUser,
  UserStatus,
} from './users/user-types.js';
export type { UsersApi } from './users/users-api.js';
export { type CallbackRequest, type VerifiedCallback, verifyCallback } from './verify-callback.js';

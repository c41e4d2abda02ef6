export { authyCanonical } from './authy/authy-canonical.js';
export { type AuthyCallbackToSign, signAuthyCallback } from './authy/sign-authy-callback.js';
export type { AuthyCallbackRequest, VerifiedAuthyCallback } from './authy/verify-authy-callback.js';
export {
  CallbackVerificationError,
  type CallbackVerificationErrorCode,
} from './callback-verification-error.js';
export type { FreshnessOptions } from './lib/freshness.js';
export type { HeaderSource } from './lib/header-source.js';
export {
  type StandardWebhookToSign,
  signStandardWebhook,
} from './standard-webhooks/sign-standard-webhook.js';
export type {
  StandardWebhookRequest,
  VerifiedStandardWebhook,
} from './standard-webhooks/verify-standard-webhook.js';
export { type CallbackRequest, type VerifiedCallback, verifyCallback } from './verify-callback.js';

// Signed with the SDK's code, so what the service sends and what `verifyCallback` checks cannot drift (R45, R49).
export { type StandardWebhookToSign, signStandardWebhook } from '@countersign/client';

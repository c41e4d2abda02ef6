// The canonicalisation and signature are written once, in the SDK that receivers verify with; the service
// signs with the very same code (spec `authy-api.md` 6.3).
export { type AuthyCallbackToSign, authyCanonical, signAuthyCallback } from '@countersign/client';

import { compactVerify, createRemoteJWKSet, errors } from 'jose';

/** What a receipt's service signature covers, as the page checks it against the request shown. */
export interface ReceiptPayload {
  readonly sub: string;
  readonly status: string;
  readonly device_id?: string;
  readonly uv?: boolean;
  readonly iat?: number;
}

/** The outcome of checking a receipt: verified (with what it says), or why not. */
export type ReceiptCheck =
  | { readonly ok: true; readonly payload: ReceiptPayload; readonly kid: string | undefined }
  | { readonly ok: false; readonly reason: string };

const TYP = 'countersign-receipt+jwt';

// One key set for the page's life: jose fetches `/.well-known/jwks.json` when needed and caches it.
const keys = createRemoteJWKSet(new URL('/.well-known/jwks.json', window.location.origin));

/**
 * Checks `jws` in the page, with jose, against the service's published keys: an ES256 compact JWS of
 * `typ` countersign-receipt+jwt, signed by a key of the key set, about request `uuid` with answer
 * `status`. Never throws: every failure is a reason to show.
 */
export async function checkReceipt(jws: string, uuid: string, status: string): Promise<ReceiptCheck> {
  let verified: Awaited<ReturnType<typeof compactVerify>>;
  try {
    verified = await compactVerify(jws, keys, { algorithms: ['ES256'] });
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return { ok: false, reason: 'The signature does not verify with the service’s published key.' };
    }
    if (error instanceof errors.JWKSNoMatchingKey) {
      return { ok: false, reason: 'No key the service publishes matches the receipt’s key id.' };
    }
    if (error instanceof errors.JOSEError) {
      return { ok: false, reason: `The receipt is not a valid signed receipt (${error.code}).` };
    }
    return { ok: false, reason: 'The service’s key set could not be read.' };
  }
  if (verified.protectedHeader.typ !== TYP) {
    return {
      ok: false,
      reason: `The signed document is not a receipt (typ ${String(verified.protectedHeader.typ)}).`,
    };
  }
  let payload: ReceiptPayload;
  try {
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as ReceiptPayload;
  } catch {
    return { ok: false, reason: 'The receipt’s payload is not JSON.' };
  }
  if (payload.sub !== uuid) return { ok: false, reason: 'The receipt is about another request.' };
  if (payload.status !== status) {
    return { ok: false, reason: `The receipt says ${String(payload.status)}, the request says ${status}.` };
  }
  return { ok: true, payload, kid: verified.protectedHeader.kid };
}

import type { JWK } from 'jose';

/** Signs receipts with the service's ES256 key; publishes the public halves as a JWKS (R28, receipts). */
export interface ReceiptSigner {
  /**
   * A compact JWS of `payload` under the signing key, its `kid` in the header. `typ` names what it is
   * (RFC 8725 §3.11), so that one signed thing cannot pass for another: a receipt by default, an audit head
   * (`countersign-audit-head+jwt`).
   */
  sign(payload: Record<string, unknown>, typ?: string): Promise<string>;
  /** The keys a receipt is verified with (`/.well-known/jwks.json`): the signing key, and older ones until they retire. */
  jwks(): Promise<{ keys: JWK[] }>;
  /**
   * Every public key the service ever signed with, retired ones included: what the audit log's signed heads
   * are verified with, since a head stays signed by the key of its time.
   */
  verificationKeys(): Promise<{ keys: JWK[] }>;
}

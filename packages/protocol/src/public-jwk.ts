/** A device's P-256 public key as the protocol sends it: exactly these four members, nothing else. */
export interface PublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

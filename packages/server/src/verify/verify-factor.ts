/** A Verify v2 entity (`YE…`): the app's identity for one of its users, under one service. */
export interface VerifyEntity {
  readonly sid: string;
  readonly serviceSid: string;
  readonly identity: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type TotpAlg = 'sha1' | 'sha256' | 'sha512';

/** A TOTP factor (`YF…`) of an entity; its sealed seed never leaves the repository and the factor service. */
export interface VerifyFactor {
  readonly sid: string;
  readonly entitySid: string;
  readonly serviceSid: string;
  readonly identity: string;
  readonly friendlyName: string;
  readonly factorType: 'totp';
  readonly status: 'unverified' | 'verified';
  readonly config: {
    readonly alg: TotpAlg;
    readonly codeLength: number;
    readonly timeStep: number;
    readonly skew: number;
  };
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A challenge (`YC…`) of a TOTP factor: one code checked, `approved`, or left `pending` until it expires. */
export interface VerifyChallenge {
  readonly sid: string;
  readonly entitySid: string;
  readonly serviceSid: string;
  readonly identity: string;
  readonly factorSid: string;
  readonly status: 'pending' | 'approved' | 'expired';
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly respondedAt: number | null;
  readonly expiresAt: number;
}

/** One page of a list, and where the next one starts (`undefined`: it was the last). */
export interface SeqPage<T> {
  readonly items: readonly T[];
  readonly nextAfter: number | undefined;
}

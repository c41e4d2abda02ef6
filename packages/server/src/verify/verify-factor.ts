/** A Verify v2 entity (`YE…`): the app's identity for one of its users, under one service. */
export interface VerifyEntity {
  readonly sid: string;
  readonly serviceSid: string;
  readonly identity: string;
  /** The app's user its devices enroll for (push factors), once one was asked for. */
  readonly userId: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type TotpAlg = 'sha1' | 'sha256' | 'sha512';

interface FactorBase {
  readonly sid: string;
  readonly entitySid: string;
  readonly serviceSid: string;
  readonly identity: string;
  readonly friendlyName: string;
  readonly status: 'unverified' | 'verified';
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A TOTP factor (`YF…`) of an entity; its sealed seed never leaves the repository and the factor service. */
export interface TotpFactor extends FactorBase {
  readonly factorType: 'totp';
  readonly config: {
    readonly alg: TotpAlg;
    readonly codeLength: number;
    readonly timeStep: number;
    readonly skew: number;
  };
}

/** A push factor (`YF…`): a device enrolled with an access token's link; `verified` from the start. */
export interface PushFactor extends FactorBase {
  readonly factorType: 'push';
  readonly deviceId: string;
}

export type VerifyFactor = TotpFactor | PushFactor;

export type ChallengeStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** A field of a push challenge's details: what the device shows under the message. */
export interface ChallengeField {
  readonly label: string;
  readonly value: string;
}

/**
 * A challenge (`YC…`): of a TOTP factor, one code checked (`approved`, or `pending` until it expires); of a
 * push factor, an approval request, whose status it reports.
 */
export interface VerifyChallenge {
  readonly sid: string;
  readonly entitySid: string;
  readonly serviceSid: string;
  readonly identity: string;
  readonly factorSid: string;
  readonly factorType: 'totp' | 'push';
  readonly status: ChallengeStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly respondedAt: number | null;
  readonly expiresAt: number;
  /** A push challenge's approval request. */
  readonly approvalUuid: string | null;
  /** A push challenge's message and fields, as the device shows them; `null` for TOTP. */
  readonly details: { readonly message: string; readonly fields: readonly ChallengeField[] } | null;
  /** A push challenge's hidden details (never shown to the device); `null` for TOTP. */
  readonly hiddenDetails: Readonly<Record<string, string>> | null;
}

/** A Verify v2 access token (`YK…`) for a push factor; its link is shown once, when it is made. */
export interface VerifyAccessToken {
  readonly sid: string;
  readonly serviceSid: string;
  readonly identity: string;
  readonly factorFriendlyName: string | null;
  readonly ttl: number;
  readonly createdAt: number;
}

/** A notification (`NT…`) of a push challenge: its push sent again. */
export interface VerifyNotification {
  readonly sid: string;
  readonly challenge: VerifyChallenge;
  readonly ttl: number;
  readonly createdAt: number;
}

/** One page of a list, and where the next one starts (`undefined`: it was the last). */
export interface SeqPage<T> {
  readonly items: readonly T[];
  readonly nextAfter: number | undefined;
}

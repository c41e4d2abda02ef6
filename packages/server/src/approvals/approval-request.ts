export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const LOGO_RESOLUTIONS = ['default', 'low', 'med', 'high'] as const;

export interface Logo {
  readonly res: (typeof LOGO_RESOLUTIONS)[number];
  readonly url: string;
}

/** An approval request as its app sees it. */
export interface ApprovalRequest {
  readonly uuid: string;
  readonly appId: number;
  readonly userId: number;
  readonly userEmail: string;
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
  readonly hiddenDetails: Readonly<Record<string, string>>;
  readonly logos: readonly Logo[] | null;
  readonly secondsToExpire: number;
  /** `null`: never expires (`seconds_to_expire` 0, compat profile only). */
  readonly expiresAt: number | null;
  readonly status: ApprovalStatus;
  readonly numberMatch: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly processedAt: number | null;
  readonly reason: string | null;
  /** The device that answered, once final. */
  readonly deviceId: string | null;
  /** The service's signed receipt of the answer (docs/device-protocol.md, "Receipts"). */
  readonly receipt: string | null;
  /** When the device signed its answer (ms), once answered. */
  readonly signedAt: number | null;
  readonly deviceSignature: string | null;
}

/** A Twilio Verify v2 service (`VA…`) of one app: the settings its verifications follow. */
export interface VerifyService {
  readonly sid: string;
  readonly appId: number;
  readonly friendlyName: string;
  /** Digits of the codes it sends, 4 to 10. */
  readonly codeLength: number;
  readonly lookupEnabled: boolean;
  readonly skipSmsToLandlines: boolean;
  readonly doNotShareWarningEnabled: boolean;
  readonly customCodeEnabled: boolean;
  readonly push: {
    readonly includeDate: boolean;
    readonly apnCredentialSid: string | null;
    readonly fcmCredentialSid: string | null;
  };
  readonly totp: {
    readonly issuer: string | null;
    readonly timeStep: number;
    readonly codeLength: number;
    readonly skew: number;
  };
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What a create or an update may set; absent: unchanged (or the default, on create). */
export interface VerifyServiceChanges {
  readonly friendlyName?: string | undefined;
  readonly codeLength?: number | undefined;
  readonly lookupEnabled?: boolean | undefined;
  readonly skipSmsToLandlines?: boolean | undefined;
  readonly doNotShareWarningEnabled?: boolean | undefined;
  readonly customCodeEnabled?: boolean | undefined;
  readonly pushIncludeDate?: boolean | undefined;
  readonly pushApnCredentialSid?: string | undefined;
  readonly pushFcmCredentialSid?: string | undefined;
  readonly totpIssuer?: string | undefined;
  readonly totpTimeStep?: number | undefined;
  readonly totpCodeLength?: number | undefined;
  readonly totpSkew?: number | undefined;
}

/** Twilio's defaults for a new service. */
export const SERVICE_DEFAULTS = {
  codeLength: 6,
  lookupEnabled: false,
  skipSmsToLandlines: false,
  doNotShareWarningEnabled: false,
  customCodeEnabled: false,
  pushIncludeDate: true,
  totpTimeStep: 30,
  totpCodeLength: 6,
  totpSkew: 1,
} as const;

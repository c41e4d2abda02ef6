import type { PublicJwk } from '@countersign/protocol';
import type { AnswerableRequest, HistoryScope } from '../approvals/approval-request.js';
import { type App, PROFILES, policyOf } from '../apps/app.js';

export const PLATFORMS = ['web', 'cli'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** An enrolled device: a public key that answers for one user, in one app or in every app of its phone. */
export interface Device {
  readonly id: string;
  readonly userId: number;
  /** The app whose link enrolled it; `null` when it proved the phone and answers every app that allows it (D8). */
  readonly enrolledAppId: number | null;
  readonly publicKey: PublicJwk;
  readonly name: string;
  readonly platform: Platform;
  readonly createdAt: number;
  readonly lastSeenAt: number | null;
  readonly revokedAt: number | null;
  /** Whether it registered a passkey for user verification (D14), as read with the device. */
  readonly hasPasskey: boolean;
}

/** A request as a device sees it: never the hidden details, never the number-match code. */
export type DeviceRequest = Pick<
  AnswerableRequest,
  | 'uuid'
  | 'appId'
  | 'appName'
  | 'message'
  | 'details'
  | 'createdAt'
  | 'expiresAt'
  | 'numberMatchRequired'
  | 'nonce'
  | 'userVerification'
>;

/**
 * Whether a device may answer an app's requests: those of the app whose link enrolled it, or, when it proved
 * the phone, those of every app that accepts phone-enrolled devices (D8).
 */
export function serves(device: Pick<Device, 'enrolledAppId'>, appId: number, profile: string): boolean {
  if (device.enrolledAppId !== null) return device.enrolledAppId === appId;
  return policyOf({ profile: profile as App['profile'] }).phoneDevicesAccepted;
}

/** The profiles of the apps whose requests a phone-enrolled device answers (D8). */
const PHONE_PROFILES = PROFILES.filter((profile) => policyOf({ profile }).phoneDevicesAccepted);

/** The apps a device answers, as a query names them: `serves` for a whole list of requests. */
export function servedScope(device: Pick<Device, 'enrolledAppId'>): HistoryScope {
  return device.enrolledAppId !== null ? { appId: device.enrolledAppId } : { profiles: PHONE_PROFILES };
}

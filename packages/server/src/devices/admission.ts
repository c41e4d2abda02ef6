import type { PublicJwk } from '@countersign/protocol';
import type { Platform } from './device.js';

/** Where an admission stands in the store; past its expiry an undecided one reads as expired. */
export type AdmissionStatus = 'pending' | 'claimed' | 'approved' | 'denied';

/** The device that claimed an admission: its own new key, and how it names itself. */
export interface AdmissionClaim {
  readonly deviceId: string;
  readonly publicKey: PublicJwk;
  readonly name: string;
  readonly platform: Platform;
}

/**
 * A device being added from one the user holds: opened by the holding device, claimed by the new one with
 * its own key, then approved or denied by the holding device. The new device gets exactly the holding
 * device's scope: its user and the app that enrolled it (`null`: every app its phone answers, D8).
 */
export interface Admission {
  readonly id: string;
  readonly holderDeviceId: string;
  readonly userId: number;
  readonly enrolledAppId: number | null;
  readonly status: AdmissionStatus;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly claim: AdmissionClaim | null;
}

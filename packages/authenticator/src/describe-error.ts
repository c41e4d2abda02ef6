import { DeviceError } from '@countersign/device';
import { t } from './i18n/i18n.js';
import { PasskeyCancelled } from './passkey.js';

/** What the user was doing when something failed; the same code means different things in each. */
export type Activity =
  | 'enroll'
  | 'add'
  | 'load'
  | 'answer'
  | 'devices'
  | 'notifications'
  | 'screen_lock'
  | 'codes';

/** Approving a number-matching request without the number. */
export const numberNeeded = (): string => t('errors:numberNeeded');

/** A sentence for the user about an error: what happened and what to do, never a stack or a status code. */
export function describeError(error: unknown, activity: Activity): string {
  if (error instanceof PasskeyCancelled) {
    if (activity === 'answer') return t('errors:passkeyCancelledAnswer');
    if (activity === 'codes') return t('errors:passkeyCancelledCodes');
    return t('errors:passkeyCancelled');
  }
  if (!(error instanceof DeviceError)) return t('errors:unknown');
  switch (error.code) {
    case 'network_error':
      return t('errors:offline');
    case 'invalid_link':
      return t('errors:invalidLink');
    case 'invalid_totp':
      // The library's reason is English; the sentence around it is the user's language.
      return t('errors:invalidTotp', { reason: error.message });
    case 'not_enrolled':
      return t('errors:notEnrolled');
    case 'number_match_required':
      return numberNeeded();
    case 'unauthorized':
      return activity === 'enroll' ? t('errors:enrollUnauthorized') : t('errors:unauthorized');
    case 'bad_request':
    case 'not_found':
    case 'gone':
    case 'conflict':
      // The service refuses an unknown, used or expired enrollment token as a bad request (400).
      if (activity === 'enroll') return t('errors:linkUsed');
      if (error.code === 'bad_request' && activity === 'notifications') return t('errors:pushRefused');
      if (error.code === 'bad_request') return t('errors:badRequest');
      if (activity === 'answer') return answerRefusal(error.code);
      return t('errors:gone');
    case 'forbidden':
      // The app requires user verification (D14) and this device sent no passkey assertion.
      if (activity === 'answer') return t('errors:screenLockRequired');
      return t('errors:forbidden');
    case 'rate_limited':
      return t('errors:rateLimited');
    default:
      return t('errors:server');
  }
}

function answerRefusal(code: 'not_found' | 'gone' | 'conflict'): string {
  if (code === 'gone') return t('errors:answerExpired');
  if (code === 'conflict') return t('errors:answerConflict');
  return t('errors:answerNotFound');
}

/** Whether an answer failure means the request is over (so its card should go) rather than worth a retry. */
export function requestIsOver(error: unknown): boolean {
  return error instanceof DeviceError && ['not_found', 'gone', 'conflict'].includes(error.code);
}

/** Whether the failure is only the network. */
export function isOffline(error: unknown): boolean {
  return error instanceof DeviceError && error.code === 'network_error';
}

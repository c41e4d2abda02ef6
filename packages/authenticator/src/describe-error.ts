import { DeviceError } from '@countersign/device';
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

const OFFLINE = 'Countersign could not be reached. Check your connection and try again.';

/** Approving a number-matching request without the number. */
export const NUMBER_NEEDED = 'Type the number shown where you started this, then approve.';

/** A sentence for the user about an error: what happened and what to do, never a stack or a status code. */
export function describeError(error: unknown, activity: Activity): string {
  if (error instanceof PasskeyCancelled) {
    if (activity === 'answer')
      return 'Not approved: the screen lock check was cancelled. Approve again to retry.';
    if (activity === 'codes') return 'The codes stay locked: the screen lock check was cancelled. Try again.';
    return 'Nothing changed: the screen lock check was cancelled. Try again.';
  }
  if (!(error instanceof DeviceError))
    return 'Something went wrong on this device. Reload the page and try again.';
  switch (error.code) {
    case 'network_error':
      return OFFLINE;
    case 'invalid_link':
      return 'That is not an enrollment link. It looks like https://…/authenticator/#enroll=… — ask the app for one.';
    case 'invalid_totp':
      return `This account cannot be added: ${error.message}.`;
    case 'not_enrolled':
      return 'This authenticator is not set up yet.';
    case 'number_match_required':
      return NUMBER_NEEDED;
    case 'unauthorized':
      return activity === 'enroll'
        ? 'The service did not accept this enrollment. Ask the app for a new link.'
        : 'The service no longer recognises this device: it may have been removed, or this device’s clock is wrong.';
    case 'bad_request':
    case 'not_found':
    case 'gone':
    case 'conflict':
      // The service refuses an unknown, used or expired enrollment token as a bad request (400).
      if (activity === 'enroll')
        return 'This link has expired or was already used. Ask the app for a new one.';
      if (error.code === 'bad_request' && activity === 'notifications') {
        return 'Countersign does not accept this browser’s push service, so notifications cannot be turned on here.';
      }
      if (error.code === 'bad_request') return 'The service refused this. Reload the page and try again.';
      if (activity === 'answer') return answerRefusal(error.code);
      return 'That is no longer there.';
    case 'forbidden':
      // The app requires user verification (D14) and this device sent no passkey assertion.
      if (activity === 'answer')
        return 'This app asks you to approve with your screen lock. Turn it on under Screen lock, then approve again.';
      return 'The service refused this.';
    case 'rate_limited':
      return 'Too many attempts. Wait a minute, then try again.';
    default:
      return 'The service had a problem. Try again in a moment.';
  }
}

function answerRefusal(code: 'not_found' | 'gone' | 'conflict'): string {
  if (code === 'gone') return 'This request expired before your answer arrived.';
  if (code === 'conflict') return 'This request was already answered, perhaps on another device.';
  return 'This request no longer exists.';
}

/** Whether an answer failure means the request is over (so its card should go) rather than worth a retry. */
export function requestIsOver(error: unknown): boolean {
  return error instanceof DeviceError && ['not_found', 'gone', 'conflict'].includes(error.code);
}

/** Whether the failure is only the network. */
export function isOffline(error: unknown): boolean {
  return error instanceof DeviceError && error.code === 'network_error';
}

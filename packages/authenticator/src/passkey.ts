import type { Device, PendingRequest, UserVerifier } from '@countersign/device';
import { base64url, decodeBase64url } from '@countersign/protocol';
import {
  type PublicKeyCredentialCreationOptionsJSON,
  platformAuthenticatorIsAvailable,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';

/**
 * Where this device stands on user verification (D14): a passkey registered (`on`), one that can be
 * (`off`), or none possible here (`unavailable`: no platform authenticator, or an enrollment with a
 * service at another origin, whose passkeys this page cannot make).
 */
export type PasskeyStatus = 'on' | 'off' | 'unavailable';

/** The user closed or refused the browser's screen lock prompt (or it timed out). */
export class PasskeyCancelled extends Error {
  override readonly name = 'PasskeyCancelled';
}

async function sameOrigin(device: Device): Promise<boolean> {
  const enrollment = await device.enrollment();
  return enrollment !== undefined && new URL(enrollment.server).origin === window.location.origin;
}

export async function passkeyStatus(device: Device): Promise<PasskeyStatus> {
  if (!(await sameOrigin(device))) return 'unavailable';
  if ((await device.passkey()) !== undefined) return 'on';
  return (await platformAuthenticatorIsAvailable()) ? 'off' : 'unavailable';
}

/** The browser's WebAuthn prompt, with its refusals (cancelled, timed out, not allowed) as `PasskeyCancelled`. */
async function prompt<T>(ceremony: () => Promise<T>): Promise<T> {
  try {
    return await ceremony();
  } catch (caught) {
    const name = caught instanceof Error ? ((caught.cause as Error | undefined)?.name ?? caught.name) : '';
    if (name === 'NotAllowedError' || name === 'AbortError') throw new PasskeyCancelled(String(caught));
    throw caught;
  }
}

/** Registers a platform passkey (biometrics or the device PIN) for this device's enrollment. */
export async function setUpPasskey(device: Device): Promise<void> {
  // The service's creation options, in WebAuthn's JSON form, as @simplewebauthn/browser takes them.
  const optionsJSON = (await device.passkeyOptions()) as unknown as PublicKeyCredentialCreationOptionsJSON;
  const credential = await prompt(() => startRegistration({ optionsJSON }));
  await device.registerPasskey(credential);
}

/**
 * How an answer to `request` verifies its user: with the device's passkey when the app asks for user
 * verification and the device has one; otherwise none, and the service decides (`preferred` accepts the
 * device key alone from a device without a passkey; `required` refuses).
 */
export async function verifierFor(
  device: Device,
  request: PendingRequest,
): Promise<UserVerifier | undefined> {
  if (request.user_verification === 'off') return undefined;
  return passkeyVerifier(device);
}

/**
 * The device's passkey as a `UserVerifier`, for any act its service may ask the user verified for (an
 * answer's approval, letting another device in); `undefined` without a passkey usable here.
 */
export async function passkeyVerifier(device: Device): Promise<UserVerifier | undefined> {
  const credentialId = await device.passkey();
  if (credentialId === undefined || !(await sameOrigin(device))) return undefined;
  return (challenge) =>
    prompt(() =>
      startAuthentication({
        optionsJSON: {
          challenge,
          rpId: window.location.hostname,
          allowCredentials: [{ id: credentialId, type: 'public-key' }],
          userVerification: 'required',
          timeout: 60_000,
        },
      }),
    );
}

/**
 * Checks the user with this device's passkey here, with no service involved: for what stays on the device,
 * such as showing codes. Resolves when the authenticator reports the user verified (the UV flag of its
 * authenticator data); throws `PasskeyCancelled` when the user closed the prompt.
 */
export async function verifyUserHere(device: Device): Promise<void> {
  const credentialId = await device.passkey();
  if (credentialId === undefined) throw new Error('this device has no passkey');
  const challenge = new Uint8Array(32);
  crypto.getRandomValues(challenge);
  const assertion = await prompt(() =>
    startAuthentication({
      optionsJSON: {
        challenge: base64url(challenge),
        rpId: window.location.hostname,
        allowCredentials: [{ id: credentialId, type: 'public-key' }],
        userVerification: 'required',
        timeout: 60_000,
      },
    }),
  );
  const flags = decodeBase64url(assertion.response.authenticatorData)[32] ?? 0;
  if ((flags & 0x04) === 0) throw new PasskeyCancelled('the authenticator did not verify the user');
}

import { type AnswerDocument, answerChallenge } from '@countersign/protocol';
import {
  type AuthenticationResponseJSON,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { UserVerification } from '../apps/app.js';
import { constantTimeEqual, hmacHex } from '../crypto/digest.js';
import type { ServiceKeys } from '../crypto/master-key.js';
import { AuthyError } from '../errors/authy-error.js';
import type { Clock } from '../lib/clock.js';
import type { Device } from './device.js';
import type { PasskeyRepository } from './passkey.repository.js';

/** How long a passkey registration's challenge lives. */
const REGISTRATION_TTL_MS = 5 * 60_000;

/** Why an answer's receipt says the user was not verified. */
export type UvMissing =
  /** The app asks for user verification where the device can give it, and this device registered no passkey (WebAuthn is missing): its key alone answered. */
  | 'no_passkey'
  /** The app does not ask for user verification. */
  | 'not_requested'
  /** A denial needs no user verification. */
  | 'denial';

/** What an answer proved about its user, as its receipt records it (D14). */
export type UvOutcome =
  | {
      readonly uv: true;
      /** The passkey's assertion and public key: with the answer document, anyone can check it again. */
      readonly passkey: {
        readonly credential_id: string;
        readonly public_key: string;
        readonly authenticator_data: string;
        readonly client_data_json: string;
        readonly signature: string;
      };
    }
  | { readonly uv: false; readonly uv_missing: UvMissing };

/** An approval that needs the user and carries no assertion: refused before anything is recorded. */
const uvRequired = () =>
  new AuthyError('60031', {
    status: 403,
    message: 'This approval needs user verification: approve with this device’s passkey',
    event: 'authz_fail',
  });

/** An assertion that does not verify: forged, for another answer, without the user verified, or replayed. */
const uvFailed = (reason: string) =>
  new AuthyError('60031', {
    status: 401,
    message: 'Could not verify the user verification assertion',
    event: 'authn_login_fail',
    reason,
  });

const registrationRefused = (message: string) => new AuthyError('60034', { message });

export interface UserVerificationServiceOptions {
  readonly repository: PasskeyRepository;
  readonly keys: ServiceKeys;
  readonly clock: Clock;
  /**
   * The service's public URL: the passkeys' relying party is its host name and their origin its origin,
   * never a request's `Host` or forwarded headers (docs/device-protocol.md, "User verification").
   */
  readonly publicUrl: string;
}

/**
 * User verification with passkeys (D14): a device registers a platform WebAuthn credential once, and an
 * approval carries its assertion over the answer document's hash (`answerChallenge`), checked with
 * `@simplewebauthn/server`: signature, origin, relying party, the UV flag and the signature counter.
 */
export class UserVerificationService {
  private readonly rpId: string;
  private readonly origin: string;

  constructor(private readonly options: UserVerificationServiceOptions) {
    const url = new URL(options.publicUrl);
    this.rpId = url.hostname;
    this.origin = url.origin;
  }

  /**
   * The options of a passkey registration for the device. The challenge needs no state: its expiry and
   * an HMAC binding it to the device under the server's pepper.
   */
  async registrationOptions(device: Device): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const expiresAt = this.options.clock.now() + REGISTRATION_TTL_MS;
    return generateRegistrationOptions({
      rpName: 'Countersign',
      rpID: this.rpId,
      userID: new TextEncoder().encode(device.id),
      userName: `Countersign · ${device.name}`,
      userDisplayName: device.name,
      challenge: new TextEncoder().encode(`${expiresAt}.${this.registrationMac(device.id, expiresAt)}`),
      timeout: 60_000,
      attestationType: 'none',
      authenticatorSelection: {
        authenticatorAttachment: 'platform',
        residentKey: 'preferred',
        userVerification: 'required',
      },
      // ES256 and EdDSA: what platform authenticators make.
      supportedAlgorithmIDs: [-7, -8],
    });
  }

  /** Keeps the device's passkey once its registration verifies with the user verified; a device registers once. */
  async register(device: Device, response: RegistrationResponseJSON): Promise<{ credentialId: string }> {
    const now = this.options.clock.now();
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: (challenge) => this.registrationChallengeValid(device.id, challenge, now),
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        requireUserVerification: true,
      });
    } catch {
      throw registrationRefused('The passkey registration does not verify');
    }
    if (!verified.verified) throw registrationRefused('The passkey registration does not verify');
    const { credential } = verified.registrationInfo;
    const kept = await this.options.repository.insert(
      {
        deviceId: device.id,
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
      },
      now,
    );
    if (!kept) throw registrationRefused('This device has a passkey already');
    return { credentialId: credential.id };
  }

  /**
   * Checks an answer's user verification against its app's setting, before the answer is recorded. An
   * assertion, when there is one, must verify whatever the setting; an approval needs one where the app
   * requires it, and where it prefers it from a device that registered a passkey. Accepting an assertion
   * advances the passkey's counter once, so the same assertion, or one of a cloned authenticator, is
   * refused afterwards.
   */
  check(
    device: Device,
    setting: UserVerification,
    document: AnswerDocument,
    assertion: AuthenticationResponseJSON | undefined,
  ): Promise<UvOutcome> {
    return this.checkChallenge(
      device,
      setting,
      { approval: document.decision === 'approved', challenge: answerChallenge(document) },
      assertion,
    );
  }

  /**
   * The same check for any signed act of a device: an approval (`approval: true`) needs the user as an
   * answer's approval does; `challenge` is the hash of the document the device signed (B64U), which the
   * assertion must be over (an admission's approval: `admissionChallenge`).
   */
  async checkChallenge(
    device: Device,
    setting: UserVerification,
    act: { readonly approval: boolean; readonly challenge: string },
    assertion: AuthenticationResponseJSON | undefined,
  ): Promise<UvOutcome> {
    if (assertion === undefined) {
      if (!act.approval) return { uv: false, uv_missing: 'denial' };
      if (setting === 'off') return { uv: false, uv_missing: 'not_requested' };
      if (setting === 'required') throw uvRequired();
      // Preferred: needed only from a device that registered a passkey (read with the device).
      if (device.hasPasskey) throw uvRequired();
      return { uv: false, uv_missing: 'no_passkey' };
    }
    const passkey = await this.options.repository.find(device.id);
    if (passkey === undefined) throw uvFailed('the device registered no passkey');
    if (assertion.id !== passkey.credentialId) throw uvFailed('not the device’s passkey');
    let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verified = await verifyAuthenticationResponse({
        response: assertion,
        expectedChallenge: act.challenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        credential: {
          id: passkey.credentialId,
          publicKey: Buffer.from(passkey.publicKey, 'base64url'),
          counter: passkey.counter,
        },
        requireUserVerification: true,
      });
    } catch (caught) {
      throw uvFailed(caught instanceof Error ? caught.message : 'the assertion does not verify');
    }
    const { verified: ok, authenticationInfo } = verified;
    if (!ok) throw uvFailed('the assertion’s signature does not verify');
    if (!authenticationInfo.userVerified) throw uvFailed('the user was not verified');
    const now = this.options.clock.now();
    if (!(await this.options.repository.advanceCounter(device.id, authenticationInfo.newCounter, now))) {
      throw uvFailed('the signature counter did not increase');
    }
    return {
      uv: true,
      passkey: {
        credential_id: passkey.credentialId,
        public_key: passkey.publicKey,
        authenticator_data: assertion.response.authenticatorData,
        client_data_json: assertion.response.clientDataJSON,
        signature: assertion.response.signature,
      },
    };
  }

  private registrationMac(deviceId: string, expiresAt: number): string {
    return hmacHex(this.options.keys.pepper, `passkey-registration:${deviceId}:${expiresAt}`);
  }

  /** Whether a registration's challenge (B64U, as the client data carries it) is this device's and unexpired. */
  private registrationChallengeValid(deviceId: string, challenge: string, now: number): boolean {
    const text = Buffer.from(challenge, 'base64url').toString('utf8');
    const match = /^(\d{1,15})\.([0-9a-f]{64})$/.exec(text);
    if (match === null) return false;
    const expiresAt = Number(match[1]);
    return expiresAt > now && constantTimeEqual(match[2] ?? '', this.registrationMac(deviceId, expiresAt));
  }
}

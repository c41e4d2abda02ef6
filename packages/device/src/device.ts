import {
  type AdmissionDocument,
  admissionChallenge,
  admissionClaimDocument,
  admissionCode,
  answerChallenge,
  canonicalJson,
  type Decision,
  readEventStream,
} from '@countersign/protocol';
import { type Clock, systemClock } from './clock.js';
import { exportPublicJwk, generateDeviceKeyPair } from './crypto/key-pair.js';
import { sign } from './crypto/sign.js';
import { DeviceError } from './device-error.js';
import { type ServiceCall, type Signer, send, sendJson } from './http/service-call.js';
import { parseAdmissionLink } from './protocol/admission-link.js';
import { type AnswerChoice, answerDocument, signAnswer } from './protocol/answer-document.js';
import { parseEnrollmentLink, parseInvitationLink } from './protocol/enrollment-link.js';
import {
  invitationEnrollmentProof,
  linkEnrollmentProof,
  phoneEnrollmentProof,
} from './protocol/enrollment-proof.js';
import {
  readAccounts,
  readAdmissionApproval,
  readAdmissionClaim,
  readAdmissionLink,
  readAdmissionOutcome,
  readAdmissionView,
  readAnswerResult,
  readDevices,
  readEnrollment,
  readEvent,
  readHistory,
  readInvitation,
  readKeySet,
  readPasskeyOptions,
  readPasskeyRegistration,
  readPhoneEnrollment,
  readPushKey,
  readRequests,
  readSuccess,
} from './protocol/read-wire.js';
import type {
  Account,
  AdmissionClaim,
  AdmissionLink,
  AdmissionOutcome,
  AdmissionView,
  AnswerResult,
  DeviceEvent,
  DeviceInfo,
  Enrollment,
  HistoryEntry,
  HistoryPage,
  Invitation,
  PendingRequest,
  PhoneEnrollment,
  PushSubscriptionJson,
  ReceiptKeySet,
} from './protocol/wire.js';
import { type ReceiptVerification, verifyReceipt } from './receipts/verify-receipt.js';
import type { DeviceStorage, JsonValue } from './storage/device-storage.js';
import { type TotpCode, totpCodes } from './totp/totp-codes.js';

/** How to build a `Device`; everything outside the process is injectable. */
export interface DeviceOptions {
  storage: DeviceStorage;
  /** Shown in the user's device list, e.g. "Pixel 8". */
  name: string;
  platform: 'web' | 'cli';
  clock?: Clock;
  fetch?: typeof fetch;
  /** How long one call may take before it fails with `network_error`. */
  timeoutMs?: number;
}

/**
 * What a storage holds for an enrolled device; `passkey` is the id of the WebAuthn credential it registered
 * for user verification (D14), if any.
 */
type DeviceRecord = { server: string; device_id: string; accounts: Account[]; passkey?: string };

/**
 * Verifies the user for an answer (D14): given the answer's WebAuthn challenge (`answerChallenge`, B64U),
 * returns the passkey's assertion in its JSON form (`PublicKeyCredential.toJSON()`). The browser's
 * WebAuthn lives outside this package; the authenticator passes it in.
 */
export type UserVerifier = (challenge: string) => Promise<object>;

/** How the user answered, and, for an approval that needs it, how the user is verified. */
export type AnswerOptions = Omit<AnswerChoice, 'decision'> & { verifyUser?: UserVerifier };

/** What a storage holds between the two steps of a phone enrollment. */
type PhoneEnrollmentRecord = { server: string; enrollment_id: string; expires_at: string };

/** What a storage holds while a new device waits for its admission to be approved. */
type AdmissionRecord = { server: string; admission_id: string; device_id: string; expires_at: string };

/** How to wait: how often to ask, and the caller's abort. */
export interface WaitOptions {
  signal?: AbortSignal;
  /** Milliseconds between two questions to the service; 1000 by default. */
  intervalMs?: number;
}

/** An enrolled device ready to sign. */
type Session = { record: DeviceRecord; privateKey: CryptoKey };

/** What a storage keeps of the history: the last entries fetched, and the answers made here. */
type HistoryRecord = { version: 1; entries: HistoryEntry[] };

/** How to ask for a page of the history. */
export type HistoryOptions = {
  /** The `next_cursor` of the page before; the newest page without it. */
  cursor?: string;
  /** Requests in the page, 1 to 100; the service's default (50) without it. */
  limit?: number;
};

const DEVICE = 'device';
const PHONE_ENROLLMENT = 'phone-enrollment';
const HISTORY = 'history';
const RECEIPT_KEYS = 'receipt-keys';
/** How far back the history goes, as the service keeps it, and how many entries a storage keeps. */
const HISTORY_MS = 90 * 24 * 60 * 60_000;
const HISTORY_KEPT = 200;
const ADMISSION = 'admission';
/** An admission lives ten minutes: a wait asks at most this often before the service calls it expired. */
const ADMISSION_TTL_MS = 10 * 60_000;

/**
 * An enrolled (or enrollable) device: its key pair and state live in a `DeviceStorage`, and it talks to
 * the service named by its enrollment. One storage holds one device.
 */
export class Device {
  readonly #storage: DeviceStorage;
  readonly #name: string;
  readonly #platform: 'web' | 'cli';
  readonly #clock: Clock;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor({ storage, name, platform, clock = systemClock, fetch, timeoutMs = 15_000 }: DeviceOptions) {
    this.#storage = storage;
    this.#name = name;
    this.#platform = platform;
    this.#clock = clock;
    // Bound: some platforms refuse a `fetch` called with another `this`.
    this.#fetch = fetch ?? globalThis.fetch.bind(globalThis);
    this.#timeoutMs = timeoutMs;
  }

  /** The service and device id this storage is enrolled with, or `undefined`. */
  async enrollment(): Promise<{ server: string; device_id: string } | undefined> {
    const record = await this.#record();
    return record === undefined ? undefined : { server: record.server, device_id: record.device_id };
  }

  /** Enrolls with an app's link `{PUBLIC_URL}/authenticator/#enroll={TOKEN}`; the device then answers that app. */
  async enrollWithLink(url: string): Promise<Enrollment> {
    await this.#refuseIfEnrolled();
    const { server, token } = parseEnrollmentLink(url);
    const keys = await this.#keyPair();
    const publicKey = await exportPublicJwk(keys.publicKey);
    const body = await sendJson(
      this.#call(server, 'POST', '/device/v1/enrollments', {
        token,
        public_key: publicKey,
        name: this.#name,
        platform: this.#platform,
        proof: await linkEnrollmentProof(keys.privateKey, token, publicKey),
      }),
    );
    return this.#enrolled(server, readEnrollment(body));
  }

  /** What an invitation link `{PUBLIC_URL}/authenticator/#invite={TOKEN}` is (D15): the app, the masked phone. */
  async openInvitation(url: string): Promise<Invitation> {
    const { server, invitation } = parseInvitationLink(url);
    return readInvitation(
      await sendJson(this.#call(server, 'GET', `/device/v1/invitations/${encodeURIComponent(invitation)}`)),
    );
  }

  /** Asks the service to text the invitation's code to the invited user's phone. */
  async requestInvitationCode(url: string): Promise<void> {
    const { server, invitation } = parseInvitationLink(url);
    await sendJson(
      this.#call(server, 'POST', `/device/v1/invitations/${encodeURIComponent(invitation)}/code`, {}),
    );
  }

  /** Enrolls with an invitation and the code its phone received; the device then answers the inviting app. */
  async enrollWithInvitation(url: string, code: string): Promise<Enrollment> {
    await this.#refuseIfEnrolled();
    const { server, invitation } = parseInvitationLink(url);
    const keys = await this.#keyPair();
    const publicKey = await exportPublicJwk(keys.publicKey);
    const body = await sendJson(
      this.#call(server, 'POST', '/device/v1/enrollments', {
        invitation,
        code,
        public_key: publicKey,
        name: this.#name,
        platform: this.#platform,
        proof: await invitationEnrollmentProof(keys.privateKey, invitation, code, publicKey),
      }),
    );
    return this.#enrolled(server, readEnrollment(body));
  }

  /** Asks `server` to send a code to the phone; finish with `completePhoneEnrollment(code)`. */
  async startPhoneEnrollment(server: string, countryCode: string, phone: string): Promise<PhoneEnrollment> {
    await this.#refuseIfEnrolled();
    const origin = new URL(server).origin;
    const body = await sendJson(
      this.#call(origin, 'POST', '/device/v1/phone-enrollments', {
        country_code: countryCode,
        phone_number: phone,
      }),
    );
    const started = readPhoneEnrollment(body);
    const record: PhoneEnrollmentRecord = { server: origin, ...started };
    await this.#storage.set(PHONE_ENROLLMENT, record);
    return started;
  }

  /** Proves the phone with the code it received; the device then answers every app that registered it. */
  async completePhoneEnrollment(code: string): Promise<Enrollment> {
    await this.#refuseIfEnrolled();
    const pending = await this.#storage.get(PHONE_ENROLLMENT);
    if (!isPhoneEnrollmentRecord(pending)) {
      throw new DeviceError('no_phone_enrollment', 'no phone enrollment was started on this device');
    }
    const keys = await this.#keyPair();
    const publicKey = await exportPublicJwk(keys.publicKey);
    const id = pending.enrollment_id;
    const body = await sendJson(
      this.#call(pending.server, 'POST', `/device/v1/phone-enrollments/${encodeURIComponent(id)}/complete`, {
        code,
        public_key: publicKey,
        name: this.#name,
        platform: this.#platform,
        proof: await phoneEnrollmentProof(keys.privateKey, id, code, publicKey),
      }),
    );
    const enrollment = await this.#enrolled(pending.server, readEnrollment(body));
    await this.#storage.set(PHONE_ENROLLMENT, undefined);
    return enrollment;
  }

  /** Fetches the accounts this device answers for (an app may have registered the phone since) and keeps them. */
  async accounts(): Promise<Account[]> {
    const session = await this.#session();
    const accounts = readAccounts(await sendJson(this.#signedCall(session, 'GET', '/device/v1/accounts')));
    await this.#storage.set(DEVICE, { ...session.record, accounts });
    return accounts;
  }

  /** The accounts kept at enrollment or at the last `accounts()`, without asking the service. */
  async storedAccounts(): Promise<Account[]> {
    return (await this.#enrolledRecord()).accounts;
  }

  /** The TOTP code of every stored account at `now`; works offline. */
  async codes(now: number = this.#clock.now()): Promise<TotpCode[]> {
    return totpCodes((await this.#session()).record.accounts, now);
  }

  /** The requests waiting for this device's answer. */
  async pending(): Promise<PendingRequest[]> {
    return readRequests(
      await sendJson(this.#signedCall(await this.#session(), 'GET', '/device/v1/requests')),
    );
  }

  /**
   * Signs and sends an answer to a request exactly as it was shown (`request` as `pending()` returned it).
   * The result's status is `denied` when the service ended the request over a wrong number-match code.
   */
  async answer(
    request: PendingRequest,
    decision: Decision,
    options: AnswerOptions = {},
  ): Promise<AnswerResult> {
    const { verifyUser, ...choice } = options;
    const session = await this.#session();
    const document = await answerDocument(
      request,
      { ...choice, decision },
      { deviceId: session.record.device_id, signedAt: this.#clock.now() },
    );
    const path = `/device/v1/requests/${encodeURIComponent(request.uuid)}/answer`;
    const signed = await signAnswer(session.privateKey, document);
    // The passkey signs the hash of the very document the device key signed: one answer, two factors.
    const body =
      verifyUser === undefined
        ? signed
        : { ...signed, assertion: await verifyUser(answerChallenge(document)) };
    const result = readAnswerResult(await sendJson(this.#signedCall(session, 'POST', path, body)));
    const wrongNumber = decision === 'approved' && result.status === 'denied';
    // The answer is made: a storage that cannot keep its trace does not make it fail.
    await this.#keepHistory([
      {
        uuid: request.uuid,
        app_id: request.app_id,
        app_name: request.app_name,
        message: request.message,
        details: request.details,
        status: result.status,
        reason: wrongNumber ? 'number_mismatch' : (document.reason ?? null),
        created_at: request.created_at,
        expires_at: request.expires_at,
        answered_at: new Date(document.signed_at).toISOString(),
        answered_by: { device_id: session.record.device_id, name: this.#name, current: true },
        receipt: null,
      },
    ]).catch(() => undefined);
    return result;
  }

  /**
   * A page of the final requests of the last 90 days that this device may see, whichever of the user's
   * devices answered them, newest first, each with the service's receipt. What it lists is kept, so
   * `storedHistory` has it offline.
   */
  async history(options: HistoryOptions = {}): Promise<HistoryPage> {
    const query = new URLSearchParams();
    if (options.cursor !== undefined) query.set('cursor', options.cursor);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const search = query.toString();
    const path = `/device/v1/history${search === '' ? '' : `?${search}`}`;
    const page = readHistory(await sendJson(this.#signedCall(await this.#session(), 'GET', path)));
    await this.#keepHistory(page.entries);
    return page;
  }

  /**
   * The history kept in the storage, newest first, without asking the service: the entries of the last 90
   * days fetched last, and the answers made here (until the service's entry, with its receipt, replaces
   * them).
   */
  async storedHistory(): Promise<HistoryEntry[]> {
    const stored = await this.#storage.get(HISTORY);
    if (!isHistoryRecord(stored)) return [];
    const since = this.#clock.now() - HISTORY_MS;
    // Read as strictly as the service's answer: what is kept is shown.
    try {
      const { entries } = readHistory({ history: stored.entries, next_cursor: null });
      return entries.filter((entry) => Date.parse(entry.created_at) >= since);
    } catch {
      return [];
    }
  }

  /**
   * The service's receipt keys (`/.well-known/jwks.json`), kept once fetched so receipts can be checked
   * offline; the kept ones when the service cannot be reached.
   */
  async receiptKeys(): Promise<ReceiptKeySet> {
    const record = await this.#enrolledRecord();
    try {
      const keys = readKeySet(await sendJson(this.#call(record.server, 'GET', '/.well-known/jwks.json')));
      await this.#storage.set(RECEIPT_KEYS, keys);
      return keys;
    } catch (caught) {
      const kept = await this.#storage.get(RECEIPT_KEYS);
      if (kept === undefined || !(caught instanceof DeviceError && caught.code === 'network_error')) {
        throw caught;
      }
      return readKeySet(kept);
    }
  }

  /**
   * Checks an entry's receipt on the device (`verifyReceipt`) against `keys` (`receiptKeys()`): the service's
   * signature, the answering device's signature inside, that it is this entry's request and outcome, and
   * that the text listed is the text the device signed. Where this device answered, the receipt must name
   * its own key. `undefined` for an entry without a receipt.
   */
  async verifyReceipt(entry: HistoryEntry, keys: ReceiptKeySet): Promise<ReceiptVerification | undefined> {
    if (entry.receipt === null || entry.status === 'expired') return undefined;
    const own = entry.answered_by?.current === true ? await this.#storage.getKeyPair() : undefined;
    return verifyReceipt(entry.receipt, keys, {
      uuid: entry.uuid,
      app_id: entry.app_id,
      status: entry.status,
      reason: entry.reason,
      displayed: entry,
      ...(entry.answered_by !== null && { device_id: entry.answered_by.device_id }),
      ...(own !== undefined && { device_public_key: await exportPublicJwk(own.publicKey) }),
    });
  }

  /** The id of the passkey this device registered for user verification, or `undefined` (D14). */
  async passkey(): Promise<string | undefined> {
    return (await this.#enrolledRecord()).passkey;
  }

  /**
   * The WebAuthn creation options (JSON form) of a passkey for this device, to hand to the browser
   * (`PublicKeyCredential.parseCreationOptionsFromJSON`); finish with `registerPasskey`.
   */
  async passkeyOptions(): Promise<{ [key: string]: JsonValue }> {
    const session = await this.#session();
    return readPasskeyOptions(await sendJson(this.#signedCall(session, 'GET', '/device/v1/passkey/options')));
  }

  /**
   * Registers the passkey the browser made (`PublicKeyCredential.toJSON()`) and keeps its id with this
   * enrollment; approvals can then carry its assertions. A device registers one passkey.
   */
  async registerPasskey(credential: object): Promise<string> {
    const session = await this.#session();
    const credentialId = readPasskeyRegistration(
      await sendJson(this.#signedCall(session, 'POST', '/device/v1/passkey', { credential })),
    );
    await this.#storage.set(DEVICE, { ...session.record, passkey: credentialId });
    return credentialId;
  }

  /**
   * The service's events for this device until `signal` aborts (then the iteration just ends) or the
   * service closes the stream (reconnect by calling again). Read with fetch because `EventSource` cannot
   * send the signed-request headers. `onOpen` is called once the service answered the stream: it then
   * holds the subscription, so a list fetched after it misses nothing (one fetched before can).
   */
  async *events(signal?: AbortSignal, onOpen?: () => void): AsyncGenerator<DeviceEvent> {
    // No timeout: the stream stays open until the caller aborts it or the service ends it.
    const session = await this.#session();
    const call = this.#signedCall(session, 'GET', '/device/v1/events', undefined, signal ?? null);
    let response: Response;
    try {
      response = await send({ ...call, accept: 'text/event-stream' });
    } catch (caught) {
      if (signal?.aborted === true) return;
      throw caught;
    }
    if (response.body === null) throw new DeviceError('unexpected_response', 'the event stream has no body');
    onOpen?.();
    try {
      for await (const event of readEventStream(response.body)) {
        const known = readEvent(event.type, event.data);
        if (known !== undefined) yield known;
      }
    } catch (caught) {
      if (signal?.aborted === true) return;
      throw caught;
    }
  }

  /** The user's enrolled devices. */
  async devices(): Promise<DeviceInfo[]> {
    return readDevices(await sendJson(this.#signedCall(await this.#session(), 'GET', '/device/v1/devices')));
  }

  /**
   * The service's VAPID public key (B64U of an uncompressed P-256 point), for
   * `pushManager.subscribe({ applicationServerKey })`; `decodeBase64url` gives its bytes. Not signed, but
   * asked of the service this device is enrolled with, so it needs an enrollment.
   */
  async pushKey(): Promise<string> {
    const record = await this.#enrolledRecord();
    return readPushKey(await sendJson(this.#call(record.server, 'GET', '/device/v1/push-key')));
  }

  /**
   * Has the service send Web Push messages about new requests to `subscription` (a browser's
   * `PushSubscription.toJSON()`), replacing any earlier one of this device. Only `endpoint` and the two
   * keys are sent; a subscription without them is a `TypeError`. The service refuses an endpoint that is not
   * a known push service (`bad_request`).
   */
  async subscribePush(subscription: PushSubscriptionJson): Promise<void> {
    const endpoint = subscription.endpoint;
    const p256dh = subscription.keys?.p256dh;
    const auth = subscription.keys?.auth;
    if (typeof endpoint !== 'string' || typeof p256dh !== 'string' || typeof auth !== 'string') {
      throw new TypeError('a push subscription needs a string endpoint, keys.p256dh and keys.auth');
    }
    const body = { endpoint, keys: { p256dh, auth } };
    const session = await this.#session();
    readSuccess(await sendJson(this.#signedCall(session, 'POST', '/device/v1/push-subscription', body)));
  }

  /** Revokes one of the user's devices at once; revoking this one also forgets its state and destroys its key. */
  async revoke(deviceId: string): Promise<void> {
    const session = await this.#session();
    const path = `/device/v1/devices/${encodeURIComponent(deviceId)}`;
    await (await send(this.#signedCall(session, 'DELETE', path))).body?.cancel();
    if (deviceId === session.record.device_id) {
      await this.#storage.set(DEVICE, undefined);
      await this.#storage.setKeyPair(undefined);
    }
  }

  /**
   * Merges entries into the kept history by uuid (the newer word wins: the service's entry, with its
   * receipt, over an answer kept here), keeping the last 90 days, at most `HISTORY_KEPT` of them.
   */
  async #keepHistory(entries: readonly HistoryEntry[]): Promise<void> {
    const merged = new Map((await this.storedHistory()).map((entry) => [entry.uuid, entry]));
    for (const entry of entries) merged.set(entry.uuid, entry);
    const kept = [...merged.values()].sort(newestFirst).slice(0, HISTORY_KEPT);
    const record: HistoryRecord = { version: 1, entries: kept };
    await this.#storage.set(HISTORY, record);
  }

  // ——— Adding a device from this one (docs/device-protocol.md, "Adding a device from another") ———

  /** Opens an admission: a one-time link, valid ten minutes, for the new device to open. */
  async startAdmission(): Promise<AdmissionLink> {
    const session = await this.#session();
    return readAdmissionLink(await sendJson(this.#signedCall(session, 'POST', '/device/v1/admissions')));
  }

  /** An admission this device opened: whether a device claimed it, which, and its comparison code. */
  async admissionStatus(id: string): Promise<AdmissionView> {
    const session = await this.#session();
    const path = `/device/v1/admissions/${encodeURIComponent(id)}`;
    return readAdmissionView(await sendJson(this.#signedCall(session, 'GET', path)));
  }

  /** Asks until a device claimed the admission, or it was decided or expired; gives its last view. */
  async waitForClaim(id: string, options: WaitOptions = {}): Promise<AdmissionView> {
    return this.#poll(
      () => this.admissionStatus(id),
      (view) => view.status !== 'pending',
      options,
    );
  }

  /**
   * Lets the device that claimed the admission in: signs the admission document naming its key, name and
   * platform and this device's scope, with the passkey's assertion over its hash where the app asks for
   * user verification (`verifyUser`, D14). `code`, when given, is the comparison code the user checked:
   * nothing is signed unless the claimed key gives that code.
   */
  async approveAdmission(
    id: string,
    options: { verifyUser?: UserVerifier; code?: string } = {},
  ): Promise<{ uv: boolean }> {
    const session = await this.#session();
    const view = await this.admissionStatus(id);
    const claimed = view.new_device;
    if (view.status !== 'claimed' || claimed === null) {
      throw new DeviceError('conflict', `the admission is ${view.status}, not waiting for an approval`);
    }
    if (options.code !== undefined && options.code !== claimed.code) {
      throw new DeviceError('conflict', 'the claiming device’s code is not the one checked');
    }
    const document: AdmissionDocument = {
      purpose: 'countersign-admission',
      admission_id: view.id,
      device_id: session.record.device_id,
      new_device_id: claimed.device_id,
      new_public_key: claimed.public_key,
      new_device_name: claimed.name,
      new_device_platform: claimed.platform,
      authy_id: view.authy_id,
      app_id: view.app_id,
      signed_at: this.#clock.now(),
    };
    const signature = await sign(session.privateKey, canonicalJson(document));
    const body =
      options.verifyUser === undefined
        ? { document, signature }
        : { document, signature, assertion: await options.verifyUser(admissionChallenge(document)) };
    const path = `/device/v1/admissions/${encodeURIComponent(id)}/approve`;
    return readAdmissionApproval(await sendJson(this.#signedCall(session, 'POST', path, body)));
  }

  /** Refuses an admission: its link can no longer be claimed nor approved. */
  async denyAdmission(id: string): Promise<void> {
    const session = await this.#session();
    const path = `/device/v1/admissions/${encodeURIComponent(id)}/deny`;
    readSuccess(await sendJson(this.#signedCall(session, 'POST', path)));
  }

  // ——— Being added from another device ———

  /**
   * Claims an admission link `{PUBLIC_URL}/authenticator/#admit={TOKEN}` with a new key pair of this
   * storage's own; the holding device then approves it (`waitForAdmission`). The code is computed here
   * from the new key: the holding device must show the same.
   */
  async claimAdmission(url: string): Promise<AdmissionClaim> {
    await this.#refuseIfEnrolled();
    const { server, token } = parseAdmissionLink(url);
    const keys = await this.#keyPair();
    const publicKey = await exportPublicJwk(keys.publicKey);
    const proof = await sign(
      keys.privateKey,
      canonicalJson(admissionClaimDocument(token, publicKey, this.#name, this.#platform)),
    );
    const claim = readAdmissionClaim(
      await sendJson(
        this.#call(server, 'POST', '/device/v1/admission-claims', {
          token,
          public_key: publicKey,
          name: this.#name,
          platform: this.#platform,
          proof,
        }),
      ),
    );
    const record: AdmissionRecord = {
      server,
      admission_id: claim.admission_id,
      device_id: claim.device_id,
      expires_at: claim.expires_at,
    };
    await this.#storage.set(ADMISSION, record);
    return { ...claim, code: admissionCode(claim.admission_id, publicKey) };
  }

  /**
   * Asks once where this device's admission stands. Approved, the device is enrolled from then on (as
   * after `enrollWithLink`); denied or expired, the claim and its key are forgotten.
   */
  async admissionOutcome(): Promise<AdmissionOutcome> {
    const stored = await this.#storage.get(ADMISSION);
    if (!isAdmissionRecord(stored))
      throw new DeviceError('not_enrolled', 'no admission was claimed on this device');
    const keys = await this.#storage.getKeyPair();
    if (keys === undefined) throw new TypeError('the device storage holds an admission but no key pair');
    const signer: Signer = {
      deviceId: stored.device_id,
      privateKey: keys.privateKey,
      now: () => this.#clock.now(),
    };
    const path = `/device/v1/admissions/${encodeURIComponent(stored.admission_id)}/status`;
    const outcome = readAdmissionOutcome(
      await sendJson({ ...this.#call(stored.server, 'GET', path), signer }),
    );
    if (outcome.status === 'approved') {
      await this.#enrolled(stored.server, outcome.enrollment);
      await this.#storage.set(ADMISSION, undefined);
    } else if (outcome.status === 'denied' || outcome.status === 'expired') {
      await this.#storage.set(ADMISSION, undefined);
      await this.#storage.setKeyPair(undefined);
    }
    return outcome;
  }

  /** Asks until the admission is approved (the device is then enrolled), denied or expired. */
  async waitForAdmission(options: WaitOptions = {}): Promise<AdmissionOutcome> {
    return this.#poll(
      () => this.admissionOutcome(),
      (outcome) => outcome.status !== 'pending' && outcome.status !== 'claimed',
      options,
    );
  }

  /**
   * Asks `ask` until `done`, every `intervalMs`: at most as often as fit in an admission's life, after which
   * the service answers a final state anyway. An abort ends the wait with the abort's reason.
   */
  async #poll<T>(ask: () => Promise<T>, done: (value: T) => boolean, options: WaitOptions): Promise<T> {
    const interval = Math.max(50, options.intervalMs ?? 1000);
    const rounds = Math.ceil(ADMISSION_TTL_MS / interval) + 2;
    let last = await ask();
    for (let round = 0; round < rounds && !done(last); round += 1) {
      await pause(interval, options.signal);
      last = await ask();
    }
    return last;
  }

  async #record(): Promise<DeviceRecord | undefined> {
    const value = await this.#storage.get(DEVICE);
    if (value === undefined) return undefined;
    if (!isDeviceRecord(value)) throw new TypeError('the device storage holds a damaged device record');
    return value;
  }

  /** The enrolled device's record; `not_enrolled` without one. */
  async #enrolledRecord(): Promise<DeviceRecord> {
    const record = await this.#record();
    if (record === undefined) throw new DeviceError('not_enrolled', 'this device is not enrolled');
    return record;
  }

  /** The enrolled device's record and private key, for signed calls. */
  async #session(): Promise<Session> {
    const record = await this.#enrolledRecord();
    const keys = await this.#storage.getKeyPair();
    if (keys === undefined) throw new TypeError('the device storage holds a device record but no key pair');
    return { record, privateKey: keys.privateKey };
  }

  async #refuseIfEnrolled(): Promise<void> {
    const record = await this.#record();
    if (record !== undefined) {
      throw new DeviceError('already_enrolled', `this device is already enrolled as ${record.device_id}`);
    }
  }

  async #enrolled(server: string, enrollment: Enrollment): Promise<Enrollment> {
    const record: DeviceRecord = { server, ...enrollment };
    await this.#storage.set(DEVICE, record);
    return enrollment;
  }

  /** The stored key pair, or a new one (kept before it is first used, so a retried enrollment reuses it). */
  async #keyPair(): Promise<CryptoKeyPair> {
    const stored = await this.#storage.getKeyPair();
    if (stored !== undefined) return stored;
    const pair = await generateDeviceKeyPair({ extractable: !this.#storage.holdsCryptoKeys });
    await this.#storage.setKeyPair(pair);
    return pair;
  }

  /** One call; `signal` null means no deadline at all, undefined the default per-call timeout. */
  #call(
    server: string,
    method: ServiceCall['method'],
    path: string,
    body?: unknown,
    signal?: AbortSignal | null,
  ): ServiceCall {
    const deadline = signal === undefined ? AbortSignal.timeout(this.#timeoutMs) : (signal ?? undefined);
    return { fetch: this.#fetch, server, method, path, body, signal: deadline };
  }

  #signedCall(
    session: Session,
    method: ServiceCall['method'],
    path: string,
    body?: unknown,
    signal?: AbortSignal | null,
  ): ServiceCall {
    const signer: Signer = {
      deviceId: session.record.device_id,
      privateKey: session.privateKey,
      now: () => this.#clock.now(),
    };
    return { ...this.#call(session.record.server, method, path, body, signal), signer };
  }
}

function isDeviceRecord(value: unknown): value is DeviceRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    'server' in value &&
    typeof value.server === 'string' &&
    'device_id' in value &&
    typeof value.device_id === 'string' &&
    'accounts' in value &&
    Array.isArray(value.accounts)
  );
}

function isPhoneEnrollmentRecord(value: unknown): value is PhoneEnrollmentRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    'server' in value &&
    typeof value.server === 'string' &&
    'enrollment_id' in value &&
    typeof value.enrollment_id === 'string'
  );
}

/** Newest first, by creation time then uuid: the service's order. */
export function newestFirst(a: HistoryEntry, b: HistoryEntry): number {
  const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
  return byTime !== 0 ? byTime : a.uuid < b.uuid ? 1 : a.uuid > b.uuid ? -1 : 0;
}

function isHistoryRecord(value: unknown): value is HistoryRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    'version' in value &&
    value.version === 1 &&
    'entries' in value &&
    Array.isArray(value.entries)
  );
}

function isAdmissionRecord(value: unknown): value is AdmissionRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    'server' in value &&
    typeof value.server === 'string' &&
    'admission_id' in value &&
    typeof value.admission_id === 'string' &&
    'device_id' in value &&
    typeof value.device_id === 'string'
  );
}

/** Waits `ms`, or rejects with the signal's reason once it aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    const aborted = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

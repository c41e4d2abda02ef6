// Plain type aliases rather than interfaces, so that these values are assignable to `JsonValue` and a
// storage can keep them as they are.

/** The TOTP parameters of one account, as the service sends them at enrollment. */
export type TotpParameters = {
  /** Base32 (RFC 4648) seed. */
  secret: string;
  digits: number;
  period: number;
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
};

/** One (app, user) this device answers for. */
export type Account = {
  app_id: number;
  app_name: string;
  authy_id: number;
  totp: TotpParameters;
};

/** What both enrollment flows return. */
export type Enrollment = {
  device_id: string;
  accounts: Account[];
};

/** An app's invitation to enroll (D15), as the device shows it: never the phone number in full. */
export type Invitation = {
  app_name: string;
  /** Masked: `+1 XXX-XXX-0123`. */
  phone: string;
  expires_at: string;
};

/** A started phone enrollment: a code went to the phone. */
export type PhoneEnrollment = {
  enrollment_id: string;
  expires_at: string;
};

/** A request waiting for this device's answer. `hidden_details` never reach a device. */
export type PendingRequest = {
  uuid: string;
  app_id: number;
  app_name: string;
  message: string;
  details: Record<string, string>;
  created_at: string;
  expires_at: string | null;
  number_match_required: boolean;
  /** The service's nonce for this request, signed back in the answer. */
  nonce: string;
  /**
   * Whether an approval must carry the passkey's assertion (`required`), should where the device
   * registered one (`preferred`), or need not (`off`): the app's setting (D14).
   */
  user_verification: UserVerificationSetting;
};

export type UserVerificationSetting = 'required' | 'preferred' | 'off';

/** One of the user's enrolled devices. */
export type DeviceInfo = {
  device_id: string;
  name: string;
  platform: string;
  created_at: string;
  last_seen_at: string | null;
  /** Whether it is the device asking. */
  current: boolean;
};

/** What the service said about an answer. */
export type AnswerResult = {
  status: 'approved' | 'denied';
};

/** A server-sent event from `GET /device/v1/events`. */
export type DeviceEvent = {
  /** `request`: a new request this device may answer; `withdrawn`: answered, expired or removed. */
  type: 'request' | 'withdrawn';
  uuid: string;
};

/**
 * A Web Push subscription as a browser's `PushSubscription.toJSON()` gives it, or as written by hand:
 * `{"endpoint", "keys": {"p256dh", "auth"}}`, each key B64U (the browser's P-256 public key, and its 16-byte
 * auth secret). The members are optional in the browser's type; `subscribePush` checks they are there.
 */
export type PushSubscriptionJson = {
  endpoint?: string;
  keys?: Readonly<Record<string, string>>;
  /** Not sent: the service learns that a subscription ended from the push service (410 Gone). */
  expirationTime?: number | null;
};

/** The device that answered a request of the history. */
export type AnsweringDevice = {
  device_id: string;
  /** Its name in the user's device list; `null` when the service no longer knows it. */
  name: string | null;
  /** Whether it is the device that asked (this enrollment). */
  current: boolean;
};

/**
 * A final request of the history (`GET /device/v1/history`): what was shown, how it ended, the device that
 * answered and the service's receipt of the answer. `hidden_details` never reach a device.
 */
export type HistoryEntry = {
  uuid: string;
  app_id: number;
  app_name: string;
  message: string;
  details: Record<string, string>;
  status: 'approved' | 'denied' | 'expired';
  /** `null` for an approval or an expiry; `denied`, `not_me` or `number_mismatch` for a denial. */
  reason: string | null;
  created_at: string;
  expires_at: string | null;
  /** `null` for an expiry. */
  answered_at: string | null;
  answered_by: AnsweringDevice | null;
  /**
   * The service's receipt (a compact JWS, docs/device-protocol.md "Receipts"); `null` for an expiry, and for
   * an answer this device made and has not yet fetched back from the service.
   */
  receipt: string | null;
};

/** One page of the history, newest first; `next_cursor` asks for the next one (`null`: the last page). */
export type HistoryPage = {
  entries: HistoryEntry[];
  next_cursor: string | null;
};

/** A JSON Web Key Set, as the service publishes its receipt keys at `/.well-known/jwks.json`. */
export type ReceiptKeySet = {
  keys: Array<{ kty: string; crv?: string; x?: string; y?: string; kid?: string; alg?: string }>;
};

/** An admission the holding device opened: the link to open on the new device, valid ten minutes. */
export type AdmissionLink = {
  id: string;
  /** `{PUBLIC_URL}/authenticator/#admit={TOKEN}`: show it as a QR code, or send it. */
  url: string;
  expires_at: string;
};

/** Where an admission stands; `expired` once its ten minutes passed undecided. */
export type AdmissionStatus = 'pending' | 'claimed' | 'approved' | 'denied' | 'expired';

/** The device that claimed an admission, as the holding device shows it before approving. */
export type ClaimingDevice = {
  device_id: string;
  public_key: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  name: string;
  platform: 'web' | 'cli';
  /** The comparison code, computed here from the claimed key: the new device shows the same one. */
  code: string;
};

/** An admission as the holding device sees it. */
export type AdmissionView = {
  id: string;
  status: AdmissionStatus;
  expires_at: string;
  authy_id: number;
  app_id: number | null;
  /** Whether approving needs the holder's passkey (D14), as for an answer's approval. */
  user_verification: UserVerificationSetting;
  new_device: ClaimingDevice | null;
};

/** What the new device learns when it claims a link. */
export type AdmissionClaim = {
  admission_id: string;
  /** The id it will have once approved. */
  device_id: string;
  /** The comparison code, computed here from its own key: the holding device shows the same one. */
  code: string;
  expires_at: string;
};

/** The new device's admission: final once approved (then it is enrolled), denied or expired. */
export type AdmissionOutcome =
  | { status: 'pending' | 'claimed' | 'denied' | 'expired' }
  | { status: 'approved'; enrollment: Enrollment };
